// The static option rule shared by standard and cross-futures (CBOE-style naked option margin):
//   short: premium + max(a × U − OTM, m × (U for a call, K for a put)), per unit, × |contracts| × multiplier
//   long:  premium (if the profile says long options are paid in full)
// U is the underlying's spot (index) price, the forward when no spot is given; the premium is the
// evaluator's unshocked Black-76 value.
import type { ResolvedPosition } from './position.js';
import type { PositionRequirement, StandardParams } from './types.js';

export function optionRequirement(p: ResolvedPosition, premiumPerUnit: number, params: Pick<StandardParams, 'shortOption' | 'longOptionPremium'>): PositionRequirement {
  const units = Math.abs(p.size) * p.multiplier;
  const premium = premiumPerUnit * units;
  if (p.size >= 0) {
    const r = params.longOptionPremium ? premium : 0;
    return { id: p.id, initial: r, maintenance: r, basis: { premium } };
  }
  const U = p.spot ?? p.forward;
  const K = p.strike!;
  const call = p.optionType === 'C';
  const otm = call ? Math.max(K - U, 0) : Math.max(U - K, 0);
  const floorBase = call ? U : K;
  const so = params.shortOption;
  const level = (a: number, m: number): number => premium + units * Math.max(a * U - otm, m * floorBase);
  return {
    id: p.id,
    initial: level(so.underlyingFraction.initial, so.minimumFraction.initial),
    maintenance: level(so.underlyingFraction.maintenance, so.minimumFraction.maintenance),
    basis: { premium, otm: otm * units },
  };
}
