// A linear position's notional through the plan: a linear instrument valued at the forward, held
// as q units, where q = contracts × multiplier (linear) or contracts × multiplier / F (inverse,
// whose multiplier is a quote-currency notional). Then size × (F·m − F) = m−1 times the signed
// notional, so a spot-multiplier row [1 + r, 1 − r] gives a loss of r × |net notional|.
import { KIND_LINEAR } from '../../margin/plan.js';
import type { InstrumentSpec } from '../../margin/plan-builder.js';
import type { ResolvedPosition } from './position.js';

export function linearSpec(p: ResolvedPosition, underlyingRow: number): InstrumentSpec {
  return { kind: KIND_LINEAR, underlying: underlyingRow, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: 0, T: 0, vol: 0, df: 1, omega: 1 };
}

/** Plan size: units of the underlying (signed). */
export function linearUnits(p: ResolvedPosition): number {
  return p.settlement === 'inverse' ? (p.size * p.multiplier) / p.forward : p.size * p.multiplier;
}

/** Signed notional in the quote currency. */
export function signedNotional(p: ResolvedPosition): number {
  return p.settlement === 'inverse' ? p.size * p.multiplier : p.size * p.multiplier * p.forward;
}
