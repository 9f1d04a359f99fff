// deribit-pm: Deribit's portfolio margin (S:PM segregated per settlement currency, X:PM cross
// collateral in USD). Per risk unit (portfolio × underlying × settlement):
//   scenario loss = worst of the 9 × 3 grid (price ±priceRange in 9 steps × vol up / same / down)
//                   and the extended table (large moves, vol up, P&L × fraction × dampener);
//   + delta shock   = deltaShock × |net delta| (units of the underlying, valued at the index);
//   + roll shock    = worst of futures' forwards moved ± rollShock × T (annualised move), spot fixed;
//   IM = max(scenario loss + delta shock + roll shock, per-option minimum), MM = mmFactor × IM.
// Vol shocks (Deribit's term structure, days = T × 365 floored at minDays):
//   up:   σ·(1 + volRangeUp · (30/days)^p),   at least minVolUp
//   down: σ·(1 − volRangeDown · (30/days)^p), at least 0;  p = shortPower below 30 days, else longPower.
// Inverse (coin-settled) units report in the coin; linear units in the quote currency.
import type { Portfolio, ResolvedPosition } from '../standard/position.js';

export interface DeribitCollateral {
  asset: string;
  amount: number;
  /** Price in USD. */
  price: number;
}

export interface DeribitPortfolio extends Portfolio<ResolvedPosition> {
  /** X:PM only: collateral balances (cash, coins) valued with haircuts. */
  collateral?: DeribitCollateral[];
}

export interface DeribitPmParams {
  mode: 'segregated' | 'cross';
  /** Largest grid price move (0.16 = ±16 %). */
  priceRange: number;
  /** Grid price points (odd: 9 gives steps of priceRange / 4). */
  pricePoints: number;
  volRangeUp: number;
  volRangeDown: number;
  shortPower: number;
  longPower: number;
  minVolUp: number;
  /** Floor on days to expiry in the vol term structure. */
  minDays: number;
  /** Extended table: price moves and the fraction of each one's P&L that counts. */
  extended: { move: number; fraction: number }[];
  extendedDampener: number;
  /** Fraction of |net delta| (units of the underlying) charged at the index price. */
  deltaShock: number;
  /** Annualised move of a future's price relative to the index (basis / roll risk). */
  rollShock: number;
  /** Per net short option (per expiry and strike), in units of the underlying. */
  minPerOption: number;
  mmFactor: number;
  /** X:PM: haircut per collateral asset (0 = counts in full); absent assets count 0. */
  haircuts: Record<string, number>;
}

export interface DeribitUnitResult {
  underlying: string;
  settlement: 'linear' | 'inverse';
  /** BTC for inverse BTC units; the quote currency (USD) for linear ones. */
  currency: string;
  /** Index price used to value coin amounts (USD per coin). */
  indexPrice: number;
  initialMargin: number;
  maintenanceMargin: number;
  breakdown: { scenarioLoss: number; deltaShock: number; rollShock: number; optionMinimum: number };
  netDelta: number;
  worstScenario: { index: number; label: string; pnl: number };
  /** P&L per grid + extended scenario, in `currency`. */
  pnl: number[];
}

export interface DeribitPmResult {
  id: string;
  mode: 'segregated' | 'cross';
  /** USD: Σ units (coin amounts × index). In S:PM compare per unit, in its own currency. */
  initialMargin: number;
  maintenanceMargin: number;
  /** X:PM: collateral value after haircuts, and the haircut taken (USD). */
  collateral: { value: number; haircut: number };
  units: DeribitUnitResult[];
}
