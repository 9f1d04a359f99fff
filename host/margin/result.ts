// What a margin call returns. Requirements are positive; excess = equity − requirement
// (DESIGN.md). Every number here has been checked finite before it leaves the engine.
import type { CollateralLine } from '../collateral/types.js';

export interface ScenarioInfo {
  /** Index into `scenario_pnl`. */
  index: number;
  /** Human label, e.g. "spot +18% vol up" or "basis contingency". */
  label: string;
  /** Spot multiplier minus one (0.18 = +18 %); 0 for non-spot scenarios. */
  spot_shock: number;
  /** Vol move: "up", "none", "down", "linear skew", "abs skew", or a signed number (absolute vol). */
  vol_move: string | number;
  /** Kind as the methodology names it (regular, tail, skew, basis, extreme, ...). */
  kind: string;
}

export interface WorstScenario extends ScenarioInfo {
  /** P&L of the account in that scenario (negative = loss), as counted in the requirement. */
  pnl: number;
}

export interface GreekSet {
  /** Per 1 unit of the underlying price move (in contracts' underlying units). */
  delta: number;
  /** Per 1 unit of the underlying price move, squared. */
  gamma: number;
  /** Per 1.00 of volatility. */
  vega: number;
  /** Per year of calendar time (theta_per_day = theta / 365). */
  theta: number;
  theta_per_day: number;
}

export interface PositionGreeks extends GreekSet {
  instrument: string;
  size: number;
  /** Mark value of the position in the quote currency. */
  value: number;
}

export interface MarginBreakdown {
  /** The worst scenario loss counted (positive), before loss factors. */
  scenario_loss: number;
  /** Loss factors applied to the scenario loss (MM and IM). */
  mm_loss_factor: number;
  im_loss_factor: number;
  /** Named contingencies as positive requirements; `mm.*` count in both, `im.*` only in IM. */
  contingencies: Record<string, number>;
  /** Mark-to-market parts of equity. */
  equity_parts: Record<string, number>;
  /** Methodology-specific figures (per expiry discounts, vol shocks, ...), for explanation. */
  detail?: Record<string, unknown>;
  /** Per balance: how it was converted and counted (docs/FORMATS.md, "Collateral breakdown"). */
  collateral?: CollateralBreakdownLine[];
}

/**
 * One balance as counted. Amounts in units of the asset; price, value_im and value_mm in the
 * margin currency (price per unit); haircuts are fractions (0.1 = 10 %); age in ms before the
 * snapshot time. A liability (amount < 0) has negative values and its haircuts are add-ons.
 */
export type CollateralBreakdownLine = Pick<CollateralLine,
  'asset' | 'amount' | 'price' | 'price_confidence' | 'price_age_ms' | 'haircut_im' | 'haircut_mm' | 'liquidity_haircut' | 'value_im' | 'value_mm'>;

export interface MarginResult {
  account_id: string;
  profile: string;
  profile_hash: string;
  methodology: string;
  market_snapshot_id: string;
  engine_version: string;
  /** Requirements (positive). */
  initial_margin: number;
  maintenance_margin: number;
  /** Value of positions + collateral + cash in the margin currency. */
  equity: number;
  im_excess: number;
  mm_excess: number;
  margin_currency: string;
  breakdown: MarginBreakdown;
  worst_scenario: WorstScenario;
  /** P&L per scenario (negative = loss), in the methodology's scenario order. */
  scenario_pnl: number[];
  scenarios: ScenarioInfo[];
  /**
   * Per position and totals per underlying. The derive-pmrm2 fast path computes them on first
   * read: `positions` and `totals` are then enumerable own getters (JSON.stringify, spreads and
   * deep equality see plain data; the figures are those of accountGreeks, bit for bit).
   */
  greeks: { positions: PositionGreeks[]; totals: Record<string, GreekSet> };
  /** On request: each distinct instrument's value under every scenario. */
  instrument_scenarios?: Record<string, number[]>;
}

export interface FailureInfo {
  code: string;
  message: string;
  field?: string;
  value?: unknown;
}

export type MarginOutcome =
  | { ok: true; account_id: string; result: MarginResult }
  | { ok: false; account_id: string; error: FailureInfo };

export interface WhatIfResult {
  before: MarginResult;
  after: MarginResult;
  change: {
    initial_margin: number;
    maintenance_margin: number;
    equity: number;
    im_excess: number;
    mm_excess: number;
  };
}
