// Plain data for Derive's older portfolio margin method (PMRM, v2.0): the portfolio struct the
// math works on and the parameter set. Like Derive's own `IPMRM.Portfolio`, the struct carries the
// market values the account needs (spot, forwards, vols, confidences) next to the positions, so
// the margin math is a pure function of (portfolio, params). Units: USD (the stablecoin's quote
// currency) per contract; amounts in contracts (signed, negative = short); time in seconds.

export type VolShockDirection = 'up' | 'none' | 'down';

export interface DerivePmrmScenario {
  /** Spot multiplier (1.15 = spot up 15 %). */
  spotShock: number;
  volShock: VolShockDirection;
}

export interface DerivePmrmOption {
  /** Seconds to expiry; must match one entry of `expiries`. */
  secToExpiry: number;
  strike: number;
  isCall: boolean;
  /** Signed number of contracts. */
  amount: number;
  /** Mark volatility (0.5 = 50 %). */
  vol: number;
  /** Confidence of the vol feed for this (expiry, strike), in [0, 1]. */
  volConfidence: number;
}

/** Market data of one expiry (Derive's forward and rate feeds). */
export interface DerivePmrmExpiry {
  secToExpiry: number;
  /** Forward price, fixed + variable portion. */
  forward: number;
  /**
   * Portion of the forward that no longer moves with spot (Derive's forward feed reports it near
   * settlement, where part of the settlement average is already known). Default 0.
   */
  forwardFixed?: number;
  /** Risk-free rate; negative rates count as 0, as on-chain. */
  rate: number;
  forwardConfidence: number;
  rateConfidence: number;
}

export interface DerivePmrmPerp {
  /** Signed number of perpetual contracts. */
  amount: number;
  /** Average entry price: unrealised P&L = (perpPrice − entryPrice) · amount. */
  entryPrice: number;
}

export interface DerivePmrmPortfolio {
  spot: number;
  spotConfidence: number;
  /** USD price of the stablecoin the account is margined in. */
  stablePrice: number;
  /** Cash balance in the stablecoin. */
  cash: number;
  perpPrice: number;
  perpConfidence: number;
  perps: DerivePmrmPerp[];
  /** Unsettled funding of the perp position (added to mark-to-market). Default 0. */
  perpFunding?: number;
  /** Units of the base asset held (wrapped spot); never negative on-chain. */
  baseAmount: number;
  options: DerivePmrmOption[];
  expiries: DerivePmrmExpiry[];
}

export interface DerivePmrmOpenInterestCaps {
  perp: number;
  option: number;
  base: number;
}

/** The parameter set, field for field the contract's (IPMRMLib) parameter structs. */
export interface DerivePmrmParams {
  scenarios: DerivePmrmScenario[];
  basisContingency: {
    scenarioSpotUp: number;
    scenarioSpotDown: number;
    addFactor: number;
    multFactor: number;
  };
  otherContingency: {
    pegLossThreshold: number;
    pegLossFactor: number;
    confThreshold: number;
    confMargin: number;
    basePercent: number;
    perpPercent: number;
    optionPercent: number;
  };
  margin: {
    imFactor: number;
    /** Applied to a positive shocked expiry value (v2.0 discounts nothing else). */
    baseStaticDiscount: number;
    rateMultScale: number;
    rateAddScale: number;
  };
  volShock: {
    volRangeUp: number;
    volRangeDown: number;
    shortTermPower: number;
    longTermPower: number;
    dteFloorDays: number;
  };
  /** Open-interest caps per market (data only: the margin math does not use them). */
  openInterestCaps?: Record<string, DerivePmrmOpenInterestCaps>;
}

/** Per-expiry figures behind the margin, for explanations and cross-checks. */
export interface DerivePmrmExpiryDetail {
  secToExpiry: number;
  /** Years (ACT/365). */
  T: number;
  volShockUp: number;
  volShockDown: number;
  staticDiscount: number;
  /** Undiscounted value of the expiry's options. */
  mtm: number;
  /** This expiry's share of the basis contingency (≤ 0). */
  basisContingency: number;
  /** Naked short contracts, counted per strike. */
  nakedShorts: number;
  /** Min of forward, rate, vol, spot (and perp) confidence. */
  minConfidence: number;
}

export interface DerivePmrmWorst {
  /** Index into params.scenarios, or params.scenarios.length for the basis contingency (as Derive;
   *  spotShock 1 and volShock "none" then, its two legs being params.basisContingency). */
  index: number;
  kind: 'scenario' | 'basis';
  spotShock: number;
  volShock: VolShockDirection;
  pnl: number;
}

export interface DerivePmrmOutput {
  /** Derive's IM: equity − initial requirement (negative = short of margin). */
  imExcess: number;
  /** Derive's MM: equity − maintenance requirement. */
  mmExcess: number;
  initialMargin: number;
  maintenanceMargin: number;
  /** Mark-to-market of the positions (options + perp P&L and funding + base), without cash. */
  mtm: number;
  /** mtm + cash. */
  equity: number;
  optionMtm: number;
  perpMtm: number;
  baseMtm: number;
  contingencies: {
    /** Static contingencies (subtracted before the IM factor). */
    base: number;
    perp: number;
    option: number;
    staticTotal: number;
    /** Oracle confidence contingency (IM only). */
    confidence: number;
    /** IM loss factor: imFactor plus the stablecoin depeg add-on. */
    imFactor: number;
    depegAddOn: number;
    /** Basis contingency (≤ 0); it competes with the scenarios for the worst loss. */
    basis: number;
  };
  worst: DerivePmrmWorst;
  /** P&L per params.scenarios entry (negative = loss), discounted as the method prescribes. */
  scenarioPnl: Float64Array;
  expiries: DerivePmrmExpiryDetail[];
}
