// Plain data for Derive's PMRM_2 method (v2.x): the portfolio struct the math works on and the
// parameter set. As Derive's own `IPMRM_2.Portfolio`, the struct carries the market values the
// account needs (spot, forwards, rates, vols, confidences) next to the positions, so the margin is
// a pure function of (portfolio, params). Units: USD per contract (collateral is converted with the
// stablecoin price); amounts in contracts (signed, negative = short); time in seconds.
//
// Parameter names are the contract's (IPMRMLib_2 structs), camelCased; Derive's case files use
// other keys (mapping in host/conformance/derive-pmrm2-cases.ts):
//   Margin.BASE_STATIC_DISCOUNT      → margin.longBaseStaticDiscount  (positive expiry value)
//   Margin.BASE_STATIC_DISCOUNT_NEG  → margin.shortBaseStaticDiscount (negative expiry value)
//   Margin.LONG_/SHORT_RATE_MULTSCALE, _ADDSCALE → margin.long/shortRateMultScale, …AddScale
//   VolShock.DTE_FLOOR (days)        → volShock.dteFloorDays (the contract stores seconds)
//   VolShock.MIN_VOL_EVAL_SHOCKED    → volShock.minVolUpShock
//   SkewShock.LINEAR_SCALE_CAP / ABS_SCALE_CAP → skewShock.linearBaseCap / absBaseCap
//   SkewShock.MIN_WIDTH_SCALE        → skewShock.widthScale
//   BasisContingency.BASIS_CONT_ADD_FACTOR / _MULT_FACTOR → basisContingency.addFactor / multFactor
//   OtherContingency.CONF_MARGIN     → otherContingency.confMargin (MM_/IM_*_PERCENT likewise)

export type DerivePmrm2VolShock = 'up' | 'none' | 'down' | 'linear' | 'abs';

export interface DerivePmrm2Scenario {
  /** Spot multiplier (1.18 = spot up 18 %). Skew scenarios ('linear', 'abs') must use 1. */
  spotShock: number;
  volShock: DerivePmrm2VolShock;
  /** The scenario's P&L is multiplied by it (tail scenarios use < 1). */
  dampening: number;
}

export interface DerivePmrm2Params {
  /** At most 40; at most one 'linear' and one 'abs' (as the contract's setScenarios). */
  scenarios: DerivePmrm2Scenario[];
  volShock: {
    volRangeUp: number;
    volRangeDown: number;
    shortTermPower: number;
    longTermPower: number;
    dteFloorDays: number;
    /** Floor on a vol shocked up. */
    minVolUpShock: number;
  };
  margin: {
    imFactor: number;
    mmFactor: number;
    /** Applied to a positive shocked expiry value: base·exp(−T·(rate·mult + add)). */
    longBaseStaticDiscount: number;
    longRateMultScale: number;
    longRateAddScale: number;
    /** Applied to a negative value: min(1/df, base / exp(−T·(rate·mult + add))). */
    shortBaseStaticDiscount: number;
    shortRateMultScale: number;
    shortRateAddScale: number;
  };
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
    mmPerpPercent: number;
    imPerpPercent: number;
    mmOptionPercent: number;
    imOptionPercent: number;
  };
  skewShock: {
    linearBaseCap: number;
    linearCBase: number;
    absBaseCap: number;
    absCBase: number;
    minKStar: number;
    widthScale: number;
    volParamStatic: number;
    volParamScale: number;
  };
}

/** A profile file: `profiles/derive-pmrm2.*.json`. */
export interface DerivePmrm2Profile {
  name: string;
  methodology: 'derive-pmrm2';
  version: string;
  description: string;
  params: DerivePmrm2Params;
}

export interface DeriveOption {
  /** Seconds to expiry (≥ 0; an expired, unsettled option has 0); must match one of `expiries`. */
  secToExpiry: number;
  strike: number;
  isCall: boolean;
  /** Signed number of contracts. */
  amount: number;
  /** Mark volatility (0.5 = 50 %). */
  markVol: number;
}

/** Market data of one expiry (Derive's forward, rate and vol feeds). */
export interface DeriveExpiryFeed {
  secToExpiry: number;
  forward: number;
  forwardConfidence: number;
  /** Risk-free rate; negative rates count as 0, as on-chain. */
  rate: number;
  rateConfidence: number;
  /** Confidence of the expiry's vol feed. */
  volConfidence: number;
}

export interface DerivePerp {
  /** Signed number of perpetual contracts. */
  amount: number;
  /** Perp mark price; scenario P&L = amount·(shock − 1)·price·dampening. */
  price: number;
  confidence: number;
  /** Unrealised P&L and unsettled funding, both in mark-to-market. */
  unrealisedPnl: number;
  funding: number;
}

export interface DeriveCollateral {
  name: string;
  amount: number;
  /** USD price; value = amount·price / stablePrice. */
  price: number;
  confidence: number;
  /** Moves with the spot shock (the option underlying or a token tracking it). */
  riskCancelling: boolean;
  mmHaircut: number;
  imHaircut: number;
}

export interface DerivePortfolio {
  spot: number;
  spotConfidence: number;
  /** USD price of the stablecoin; collateral values are divided by it. */
  stablePrice: number;
  /** Cash balance (already in margin currency). */
  cash: number;
  /** Absent = no perp position. */
  perp?: DerivePerp;
  options: DeriveOption[];
  /** One entry per expiry the options use (extra entries are ignored). */
  expiries: DeriveExpiryFeed[];
  collaterals: DeriveCollateral[];
}

/** Per-expiry figures, in order of the expiry's first option in `options`. */
export interface DerivePmrm2ExpiryDetail {
  secToExpiry: number;
  /** Years (ACT/365). */
  T: number;
  /** exp(−max(rate, 0)·T). */
  df: number;
  staticDiscountPos: number;
  staticDiscountNeg: number;
  volShockUp: number;
  volShockDown: number;
  /** Undiscounted value of the expiry's options. */
  mtm: number;
  /** mtm times its static discount (positive or negative). */
  mtmDiscounted: number;
  /** This expiry's share of the basis contingency (≤ 0). */
  basisContingency: number;
  /** Naked short contracts, counted per strike. */
  nakedShorts: number;
  /** Min of forward, rate, vol, spot (and perp, if held) confidence. */
  minConfidence: number;
}

/** Per option, in `options` order (columns, to keep a batch light): the shocked vols. */
export interface DerivePmrm2OptionShocks {
  /** The option's expiry's vol multipliers. */
  volShockUp: Float64Array;
  volShockDown: Float64Array;
  /** max(minVolUpShock, markVol·volShockUp). */
  volUp: Float64Array;
  /** markVol·volShockDown. */
  volDown: Float64Array;
}

export type DerivePmrm2ScenarioKind = 'regular' | 'tail' | 'skew' | 'basis';

/** The worst candidate; for the basis contingency spotShock is 1 and volShock 'none' (it spans both sides). */
export interface DerivePmrm2Worst {
  /** Index into params.scenarios, or params.scenarios.length for the basis contingency (as Derive). */
  index: number;
  kind: DerivePmrm2ScenarioKind;
  spotShock: number;
  volShock: DerivePmrm2VolShock;
  dampening: number;
  pnl: number;
}

export interface DerivePmrm2Result {
  /** Derive's IM: equity − initial requirement (negative = short of margin). */
  imExcess: number;
  /** Derive's MM: equity − maintenance requirement. */
  mmExcess: number;
  /** Requirements, positive: −lossFactor·worst + contingencies (excess = equity − requirement). */
  initialMargin: number;
  maintenanceMargin: number;
  /** Options + collateral + perp P&L and funding + cash (Derive's PortfolioMTM). */
  equity: number;
  cash: number;
  optionMtm: number;
  collateralMtm: number;
  perpUnrealisedPnl: number;
  perpFunding: number;
  /** Loss factors: MM, and IM including the depeg add-on. */
  mmLossFactor: number;
  imLossFactor: number;
  depegAddOn: number;
  /** Contingencies as positive requirements (IM ones are on top of the MM ones). */
  contingencies: {
    mmPerp: number;
    imPerp: number;
    mmOption: number;
    imOption: number;
    /** Collateral haircuts. */
    mmCollateral: number;
    imCollateral: number;
    /** Oracle-confidence contingency (IM only). */
    oracle: number;
    /** Sum of MM contingencies / of IM-only contingencies. */
    mm: number;
    im: number;
  };
  /** Basis (forward) contingency, ≤ 0: one more candidate for the worst scenario. */
  basisContingency: number;
  /** min(basis contingency, every scenario P&L). */
  worst: DerivePmrm2Worst;
  /** P&L per params.scenarios entry (negative = loss), static discounts and dampening applied. */
  scenarioPnl: Float64Array;
  /** Kind of each scenario: the leading run of undampened non-skew scenarios is regular. */
  scenarioKinds: DerivePmrm2ScenarioKind[];
  expiries: DerivePmrm2ExpiryDetail[];
  options: DerivePmrm2OptionShocks;
}
