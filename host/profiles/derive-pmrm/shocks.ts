// The small formulas of Derive's PMRM (v2.0), one function each, as in the contract's PMRMLib:
// vol shock multipliers, static discount, basis factor, naked shorts per strike, oracle-confidence
// contingency. Pure functions of numbers; the orchestration lives in plan.ts and finish.ts. The
// pieces PMRM_2 shares (year, vol-shock term, rate-scaled discount) come from derive-common.
import { DERIVE_SECONDS_PER_YEAR, deriveStaticDiscount, deriveVolShockTerm } from '../derive-common/shocks.js';
import type { DerivePmrmParams } from './types.js';

export function yearFraction(secToExpiry: number): number {
  return secToExpiry / DERIVE_SECONDS_PER_YEAR;
}

/** Vol multipliers of one expiry's Up and Down scenarios: 1 + volRangeUp·m and max(0, 1 − volRangeDown·m). */
export function volShockMultipliers(secToExpiry: number, p: DerivePmrmParams['volShock']): { up: number; down: number } {
  const m = deriveVolShockTerm(secToExpiry, p);
  return { up: 1 + p.volRangeUp * m, down: Math.max(0, 1 - p.volRangeDown * m) };
}

/** base · exp(−T·(max(rate, 0)·rateMultScale + rateAddScale)); v2.0 applies it to positive expiry values only. */
export function staticDiscount(secToExpiry: number, rate: number, p: DerivePmrmParams['margin']): number {
  return deriveStaticDiscount(p.baseStaticDiscount, yearFraction(secToExpiry), Math.max(rate, 0), p.rateMultScale, p.rateAddScale);
}

/** The factor on an expiry's basis loss: add + mult · T. */
export function basisFactor(secToExpiry: number, p: DerivePmrmParams['basisContingency']): number {
  return p.addFactor + p.multFactor * yearFraction(secToExpiry);
}

/**
 * Naked short contracts of one expiry, counted per strike: a short call is covered only by a long
 * put at the same strike and a short put only by a long call (the contract nets nothing across
 * strikes). Positions are summed per (strike, type) first, so duplicates cannot change the count.
 */
export function nakedShorts(options: ReadonlyArray<{ strike: number; isCall: boolean; amount: number }>): number {
  const byStrike = new Map<number, { call: number; put: number }>();
  for (const o of options) {
    let e = byStrike.get(o.strike);
    if (e === undefined) byStrike.set(o.strike, (e = { call: 0, put: 0 }));
    if (o.isCall) e.call += o.amount;
    else e.put += o.amount;
  }
  let naked = 0;
  for (const { call, put } of byStrike.values()) {
    naked += Math.max(Math.max(-call, 0) - Math.max(put, 0), 0);
    naked += Math.max(Math.max(-put, 0) - Math.max(call, 0), 0);
  }
  return naked;
}

/** Σ|amount| after summing per (strike, type): the notional the expiry's confidence applies to. */
export function netOptionContracts(options: ReadonlyArray<{ strike: number; isCall: boolean; amount: number }>): number {
  const sums = new Map<string, number>();
  for (const o of options) {
    const k = `${o.isCall ? 'C' : 'P'}${o.strike}`;
    sums.set(k, (sums.get(k) ?? 0) + o.amount);
  }
  let n = 0;
  for (const v of sums.values()) n += Math.abs(v);
  return n;
}

/** (1 − conf)·confMargin·contracts·spot when conf is below the threshold, else 0. */
export function confidenceContingency(
  minConfidence: number,
  contracts: number,
  spot: number,
  p: DerivePmrmParams['otherContingency'],
): number {
  return minConfidence < p.confThreshold ? (1 - minConfidence) * p.confMargin * contracts * spot : 0;
}

/** IM loss factor: imFactor, plus (threshold − stable)·pegLossFactor while the stablecoin is below its threshold. */
export function imLossFactor(stablePrice: number, p: DerivePmrmParams): { factor: number; depegAddOn: number } {
  const o = p.otherContingency;
  const depegAddOn = stablePrice < o.pegLossThreshold ? (o.pegLossThreshold - stablePrice) * o.pegLossFactor : 0;
  return { factor: p.margin.imFactor + depegAddOn, depegAddOn };
}
