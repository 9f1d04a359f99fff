// SPAN (CME Standard Portfolio Analysis of Risk) style methodology: inputs, parameters, results.
import type { Portfolio, ResolvedPosition } from '../standard/position.js';

export interface SpanPosition extends ResolvedPosition {
  /** Combined commodity (params.commodities key) the position is scanned in. */
  commodity: string;
  /** Contract month of the underlying future, sortable `YYYYMM`: picks the spread tier. */
  month: string;
  /**
   * A given 16-value risk array per contract (loss positive, as a SPAN risk parameter file
   * prints it, extreme scenarios already at the cover fraction). When present the instrument is
   * not valued from its facts; `compositeDelta` (per contract) must come with it.
   */
  riskArray?: number[];
  compositeDelta?: number;
  /** Premium per contract, for the net option value of a given-array option. */
  price?: number;
}

export type SpanPortfolio = Portfolio<SpanPosition>;

export interface SpanTier {
  name: string;
  /** Inclusive contract-month range, `YYYYMM`. */
  fromMonth: string;
  toMonth: string;
  /** Charge per delta spread formed between months inside the tier. */
  intraRate: number;
}

export interface SpanTierSpread {
  /** Two tier names; spreads form when their net deltas have opposite signs. Priority = order. */
  tiers: [string, string];
  rate: number;
}

export interface SpanCommodity {
  /** Price scan range in money per contract (maintenance level). */
  priceScanRange: number;
  /** Volatility scan range: vol points (absolute mode) or a fraction of the vol (relative). */
  volScanRange: number;
  /** Floor on the shocked volatility. */
  volFloor: number;
  /** Options are paid in full up front (net option value applies); false = futures-style. */
  premiumStyle: boolean;
  /** Short option minimum per short option contract. */
  shortOptionMinimum: number;
  tiers: SpanTier[];
  tierSpreads: SpanTierSpread[];
}

export interface SpanInterLeg {
  commodity: string;
  /** Deltas of this commodity per spread. */
  deltaRatio: number;
  /** Legs on side A must be net long while side B is net short, or the reverse. */
  side: 'A' | 'B';
}

export interface SpanInterSpread {
  name: string;
  /** Fraction of the legs' weighted price risk credited per spread. */
  creditRate: number;
  legs: SpanInterLeg[];
}

export interface SpanParams {
  currency: string;
  /** Fractions of the price scan range for the three non-zero price levels (CME: 1/3, 2/3, 3/3). */
  priceMoves: [number, number, number];
  /** Extreme move as a multiple of the price scan range (2 or 3 in practice). */
  extremeMultiple: number;
  /** Share of the extreme move's P&L that counts (0.35, 0.30 in practice). */
  extremeCoverFraction: number;
  volScanMode: 'absolute' | 'relative';
  /** Look-ahead time in days: options are revalued this much closer to expiry (CME: 1). */
  lookaheadDays: number;
  /** Weights of the deltas at price points −3/3, −2/3, −1/3, 0, +1/3, +2/3, +3/3 (sum 1). */
  compositeDeltaWeights: number[];
  /** Initial requirement = maintenance × this (≥ 1). */
  initialToMaintenance: number;
  /** Short option minimum counts max(short calls, short puts) or their sum. */
  somMethod: 'max' | 'sum';
  /** Weighted price risk: price risk / |net delta|, optionally capped at the price scan range. */
  wprMethod: 'normal' | 'scanRangeCap';
  commodities: Record<string, SpanCommodity>;
  /** Inter-commodity spreads in priority order. */
  interSpreads: SpanInterSpread[];
}
