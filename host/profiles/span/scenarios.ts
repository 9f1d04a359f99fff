// The SPAN scenario layout: the 16 risk-array scenarios, then 7 × 2 delta slots (each price point
// bumped ± DELTA_BUMP of the scan range, vol unchanged, dampening 0 so they never count as P&L).
// Price moves are in units of the price scan range; vol direction +1 up, −1 down, 0 unchanged.
import type { SpanParams } from './types.js';

export const N_RISK = 16;
export const N_POINTS = 7;
export const N_SLOTS = N_RISK + 2 * N_POINTS;
/** Delta bump as a fraction of the price scan range (central differences). */
export const DELTA_BUMP = 1e-4;

export interface SpanScenario {
  /** Price move in units of the price scan range. */
  move: number;
  vol: -1 | 0 | 1;
  /** Share of the P&L that counts (the cover fraction for the two extremes). */
  weight: number;
  label: string;
}

/** CME order: unchanged, +1/3, −1/3, +2/3, −2/3, +3/3, −3/3 (vol up then down), then ±extreme. */
export function spanScenarios(p: SpanParams): SpanScenario[] {
  const out: SpanScenario[] = [];
  const names = ['1/3', '2/3', '3/3'];
  const levels: [number, string][] = [[0, 'unchanged']];
  p.priceMoves.forEach((m, k) => {
    levels.push([m, `up ${names[k]}`], [-m, `down ${names[k]}`]);
  });
  for (const [move, name] of levels) {
    out.push({ move, vol: 1, weight: 1, label: `price ${name}, vol up` });
    out.push({ move, vol: -1, weight: 1, label: `price ${name}, vol down` });
  }
  const x = p.extremeMultiple;
  out.push({ move: x, vol: 0, weight: p.extremeCoverFraction, label: `price up ${x}x range (extreme), vol unchanged` });
  out.push({ move: -x, vol: 0, weight: p.extremeCoverFraction, label: `price down ${x}x range (extreme), vol unchanged` });
  return out;
}

/** The seven composite-delta price points, −3/3 … +3/3, in the order of compositeDeltaWeights. */
export function deltaPoints(p: SpanParams): number[] {
  const [a, b, c] = p.priceMoves;
  return [-c, -b, -a, 0, a, b, c];
}

/** Slot of delta point k bumped up (+1) or down (−1). */
export const deltaSlot = (k: number, dir: 1 | -1): number => N_RISK + 2 * k + (dir === 1 ? 0 : 1);
