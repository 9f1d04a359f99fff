// deribit-pm slot layout. Grid: pricePoints prices × 3 vol states (up, same, down); then the
// extended moves (vol up, counted at fraction × dampener); then two delta slots (price ± DELTA_BUMP,
// weight 0: never P&L) and two roll slots (only the roll rows' instruments move there).
import type { DeribitPmParams } from './types.js';

export const DELTA_BUMP = 1e-4;
export type VolState = 1 | 0 | -1;

export interface DeribitSlot {
  move: number;
  vol: VolState;
  weight: number;
  label: string;
  kind: 'grid' | 'extended' | 'delta' | 'roll';
  /** Roll slots: +1 forwards up, −1 down. */
  roll?: 1 | -1;
}

export function deribitSlots(p: DeribitPmParams): DeribitSlot[] {
  const out: DeribitSlot[] = [];
  const half = (p.pricePoints - 1) / 2;
  const volName = { 1: 'vol up', 0: 'vol same', [-1]: 'vol down' } as const;
  for (let k = -half; k <= half; k++) {
    const move = (p.priceRange * k) / half;
    for (const vol of [1, 0, -1] as const) {
      out.push({ move, vol, weight: 1, kind: 'grid', label: `price ${fmt(move)}, ${volName[vol]}` });
    }
  }
  for (const e of p.extended) {
    out.push({ move: e.move, vol: 1, weight: e.fraction * p.extendedDampener, kind: 'extended', label: `extended price ${fmt(e.move)}, vol up` });
  }
  out.push({ move: DELTA_BUMP, vol: 0, weight: 0, kind: 'delta', label: 'delta bump up' });
  out.push({ move: -DELTA_BUMP, vol: 0, weight: 0, kind: 'delta', label: 'delta bump down' });
  out.push({ move: 0, vol: 0, weight: 1, kind: 'roll', roll: 1, label: 'futures roll up' });
  out.push({ move: 0, vol: 0, weight: 1, kind: 'roll', roll: -1, label: 'futures roll down' });
  return out;
}

function fmt(m: number): string {
  const pct = Math.round(m * 1e6) / 1e4;
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

/** Vol multiplier for the up / down shock at `T` years (Deribit's term structure). */
export function volShock(p: DeribitPmParams, T: number): { up: number; down: number } {
  const days = Math.max(T * 365, p.minDays);
  const power = days < 30 ? p.shortPower : p.longPower;
  const f = Math.pow(30 / days, power);
  return { up: 1 + p.volRangeUp * f, down: 1 - p.volRangeDown * f };
}
