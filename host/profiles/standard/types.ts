// `standard`: the static, position-by-position method of early venues. No offsets at all.
//   future / perpetual / spot: rate × notional (notional = |contracts| × multiplier × forward;
//   inverse contracts: |contracts| × multiplier, already in the quote currency);
//   short option: premium + max(underlyingFraction × underlying − out-of-the-money amount,
//   minimumFraction × (underlying for calls, strike for puts)), each × |contracts| × multiplier;
//   long option: its premium (paid in full; it does not count as collateral).
// Every figure has an initial and a maintenance level. Results are in the quote currency.

export interface Rate {
  initial: number;
  maintenance: number;
}

export interface StandardParams {
  currency: string;
  futureRate: Rate;
  perpetualRate: Rate;
  spotRate: Rate;
  shortOption: { underlyingFraction: Rate; minimumFraction: Rate };
  /** Long options require their premium (true) or nothing (false). */
  longOptionPremium: boolean;
}

export interface PositionRequirement {
  id: string;
  initial: number;
  maintenance: number;
  /** premium, notional, out-of-the-money amount: the figures the rule used. */
  basis: { premium?: number; notional?: number; otm?: number };
}

export interface StandardResult {
  id: string;
  initialMargin: number;
  maintenanceMargin: number;
  breakdown: { linear: Rate; shortOptions: Rate; longOptions: Rate };
  /** The position with the largest initial requirement (a static method has no scenarios). */
  worstPosition: { id: string; initial: number } | null;
  positions: PositionRequirement[];
}
