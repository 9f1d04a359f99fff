// okx-pm: OKX portfolio margin. A risk unit is (portfolio × underlying); all figures in USD.
//   MR1 spot shock: price ± moves (0, 4, 8, 12 %) × vol up / same / down (relative, term structure)
//   MR2 theta decay: value lost when `days` pass, price and vol unchanged
//   MR3 vega term structure: vol of expiries before the pivot up and after it down, and the reverse
//   MR4 basis: futures' forwards moved ± annualMove × T with the index fixed
//   MR5 rate: discount factors shocked by ± rateShock (options; forwards held)
//   MR6 extreme move: ± move, vol unchanged, P&L × fraction
//   MR7 minimum charge: rates × gross notional, times the multiplier of its tier
//   MR9 stablecoin depeg: hedges between quote currencies (USDT–USD, USDT–USDC, USDC–USD, in that
//       order) of opposite cash delta, charged at marginal tiered rates
//   MMR = max(max(MR1, MR2, MR6) + MR4 + MR3 + MR5 + MR9, MR7);  IMR = imrFactor × MMR
// Each MR is a loss (≥ 0). Inverse (coin-margined) positions are valued in USD at the scenario index.
import type { Portfolio, ResolvedPosition } from '../standard/position.js';

export interface OkxPosition extends ResolvedPosition {
  /** Quote / margin currency of a linear contract (USD, USDT, USDC); inverse ones count as USD. */
  quote?: string;
}

export type OkxPortfolio = Portfolio<OkxPosition>;

export interface OkxTier {
  /** Upper bound of the tier (USD); absent for the last, open-ended tier. */
  upTo?: number;
}

export interface OkxPmParams {
  mr1: { moves: number[]; volUp: number; volDown: number; power: number; minDays: number };
  mr2: { days: number };
  mr3: { shock: number; power: number; pivotDays: number };
  mr4: { annualMove: number };
  mr5: { rateShock: number };
  mr6: { move: number; fraction: number };
  mr7: { futureRate: number; optionRate: number; tiers: (OkxTier & { multiplier: number })[] };
  mr9: { tiers: (OkxTier & { rate: number })[] };
  imrFactor: number;
}

export interface OkxUnitResult {
  underlying: string;
  mmr: number;
  imr: number;
  mr: { mr1: number; mr2: number; mr3: number; mr4: number; mr5: number; mr6: number; mr7: number; mr9: number };
  worstScenario: { index: number; label: string; pnl: number };
  /** USD P&L per MR1 and MR6 slot. */
  pnl: number[];
  /** Cash delta (USD) per quote currency, used by MR9. */
  cashDelta: Record<string, number>;
}

export interface OkxPmResult {
  id: string;
  initialMargin: number;
  maintenanceMargin: number;
  units: OkxUnitResult[];
}
