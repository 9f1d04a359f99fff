// Pieces both Derive methods (PMRM v2.0 and PMRM_2) share: the year, the vol-shock term structure
// and the rate-scaled static discount. Derive's contracts compute them in 18-decimal fixed point;
// these are the same formulas in f64 (PMRMLib / PMRMLib_2, derivexyz/v2-core).

/** Derive's year: 365 days of 86,400 s (Black76.annualise). */
export const DERIVE_SECONDS_PER_YEAR = 365 * 86_400;
export const DERIVE_SECONDS_PER_DAY = 86_400;
const THIRTY_DAYS = 30 * DERIVE_SECONDS_PER_DAY;

export interface DeriveVolTermParams {
  shortTermPower: number;
  longTermPower: number;
  /** Floor on the time to expiry in the term structure, in days. */
  dteFloorDays: number;
}

/**
 * Term-structure multiplier m of the vol shock: τ = 30 days / max(secToExpiry, DTE floor), m = τ^p
 * with p = shortTermPower at or under 30 days and longTermPower beyond. Vol up is then
 * 1 + volRangeUp·m, vol down max(0, 1 − volRangeDown·m). NaN when both the expiry and the floor
 * are 0 (Derive's contract reverts there); callers reject it.
 */
export function deriveVolShockTerm(secToExpiry: number, p: DeriveVolTermParams): number {
  const tau = THIRTY_DAYS / Math.max(secToExpiry, p.dteFloorDays * DERIVE_SECONDS_PER_DAY);
  const m = Math.pow(tau, secToExpiry <= THIRTY_DAYS ? p.shortTermPower : p.longTermPower);
  return Number.isFinite(m) ? m : NaN;
}

/** Static discount base·exp(−T·(rate·multScale + addScale)) (Derive's rate-shocked discount). */
export function deriveStaticDiscount(base: number, T: number, rate: number, multScale: number, addScale: number): number {
  return base * Math.exp(-T * (rate * multScale + addScale));
}
