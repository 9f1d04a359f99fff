// okx-pm slot layout: MR1 grid (price 0, ±moves × vol up / same / down), MR6 pair (weight =
// fraction), MR3 twist pair, two delta slots (weight 0) and the MR4 basis pair (basis rows only).
import type { OkxPmParams } from './types.js';

export const DELTA_BUMP = 1e-4;

export interface OkxSlot {
  kind: 'mr1' | 'mr6' | 'mr3' | 'delta' | 'mr4';
  move: number;
  /** MR1: +1 up, 0 same, −1 down. MR3: +1 = short end up / long end down, −1 the reverse. */
  vol: 1 | 0 | -1;
  weight: number;
  label: string;
  basis?: 1 | -1;
}

export function okxSlots(p: OkxPmParams): OkxSlot[] {
  const out: OkxSlot[] = [];
  const moves = [0, ...p.mr1.moves.flatMap((m) => [m, -m])];
  const vn = { 1: 'vol up', 0: 'vol same', [-1]: 'vol down' } as const;
  for (const m of moves) for (const vol of [1, 0, -1] as const) out.push({ kind: 'mr1', move: m, vol, weight: 1, label: `MR1 price ${pct(m)}, ${vn[vol]}` });
  for (const m of [p.mr6.move, -p.mr6.move]) out.push({ kind: 'mr6', move: m, vol: 0, weight: p.mr6.fraction, label: `MR6 extreme price ${pct(m)}` });
  out.push({ kind: 'mr3', move: 0, vol: 1, weight: 1, label: 'MR3 short-dated vol up, long-dated down' });
  out.push({ kind: 'mr3', move: 0, vol: -1, weight: 1, label: 'MR3 short-dated vol down, long-dated up' });
  out.push({ kind: 'delta', move: DELTA_BUMP, vol: 0, weight: 0, label: 'delta bump up' });
  out.push({ kind: 'delta', move: -DELTA_BUMP, vol: 0, weight: 0, label: 'delta bump down' });
  out.push({ kind: 'mr4', move: 0, vol: 0, weight: 1, basis: 1, label: 'MR4 basis up' });
  out.push({ kind: 'mr4', move: 0, vol: 0, weight: 1, basis: -1, label: 'MR4 basis down' });
  return out;
}

function pct(m: number): string {
  const v = Math.round(m * 1e6) / 1e4;
  return `${v > 0 ? '+' : ''}${v}%`;
}

/** Vol multiplier of slot `s` for an option of `T` years. */
export function okxVolMul(p: OkxPmParams, s: OkxSlot, T: number): number {
  const days = Math.max(T * 365, p.mr1.minDays);
  if (s.kind === 'mr1') {
    const f = Math.pow(30 / days, p.mr1.power);
    return s.vol === 1 ? 1 + p.mr1.volUp * f : s.vol === -1 ? Math.max(1 - p.mr1.volDown * f, 0) : 1;
  }
  if (s.kind === 'mr3') {
    const shock = p.mr3.shock * Math.pow(30 / days, p.mr3.power);
    const shortEnd = days < p.mr3.pivotDays;
    return 1 + (shortEnd ? s.vol : -s.vol) * shock;
  }
  return 1;
}

/** Marginal tiered amount: Σ over tiers of (part of x in the tier) × rate. */
export function tiered(x: number, tiers: { upTo?: number; rate: number }[]): number {
  let lo = 0,
    out = 0;
  for (const t of tiers) {
    const hi = t.upTo ?? Infinity;
    if (x > lo) out += (Math.min(x, hi) - lo) * t.rate;
    lo = hi;
  }
  return out;
}
