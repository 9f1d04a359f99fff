// The collateral module's input and result shapes (plain objects; snake_case like the JSON they
// travel in). Formulas are in value.ts.

export interface CollateralBalance {
  asset: string;
  /** Signed units; negative = borrowed. */
  amount: number;
  /** Part of `amount` received as premium for options sold (≥ 0). */
  premium_received?: number;
}

export interface UnrealisedPnl {
  /** The asset the position is on (thin underlyings never count a profit). */
  underlying: string;
  /** The asset the P&L is paid in. */
  asset: string;
  amount: number;
}

export interface CollateralAccount {
  balances: readonly CollateralBalance[];
  unrealised_pnl?: readonly UnrealisedPnl[];
}

export interface CollateralLine {
  asset: string;
  amount: number;
  /** Margin currency per unit, as counted (after reference and depeg rules). */
  price: number;
  price_confidence: number;
  price_age_ms: number;
  /** Holdings: the asset's haircuts; liabilities: its borrow add-ons. */
  haircut_im: number;
  haircut_mm: number;
  liquidity_haircut: number;
  /** Extra haircut for a degraded price (0 unless the policy is 'haircut'). */
  degraded_haircut_im: number;
  degraded_haircut_mm: number;
  /** max(0, 1 − index/reference) for reference-valued assets, else 0. */
  depeg: number;
  value: number;
  value_im: number;
  value_mm: number;
  premium_received: number;
  free_value_im: number;
}

export interface UnrealisedPnlLine {
  underlying: string;
  asset: string;
  amount: number;
  price: number;
  value: number;
  haircut_im: number;
  haircut_mm: number;
  value_im: number;
  value_mm: number;
  /** A profit on a thin underlying: not counted. */
  thin_excluded: boolean;
}

export type CollateralFlagKind = 'stale' | 'low_confidence' | 'few_sources' | 'depeg' | 'thin_upnl_excluded';

export interface CollateralFlag {
  asset: string;
  flag: CollateralFlagKind;
  /** Age (ms), confidence, number of sources, depeg, or the excluded profit. */
  value: number;
}

export interface CollateralTotals {
  value: number;
  value_im: number;
  value_mm: number;
  assets_value_im: number;
  liabilities_value_im: number;
  upnl_value: number;
  upnl_value_im: number;
  upnl_value_mm: number;
  free_value_im: number;
  premium_value_im: number;
  depeg_max: number;
  min_price_confidence: number;
  max_price_age_ms: number;
}

export interface CollateralValuation {
  currency: string;
  lines: CollateralLine[];
  unrealised_pnl: UnrealisedPnlLine[];
  totals: CollateralTotals;
  flags: CollateralFlag[];
  /** Some price was stale, low-confidence or from too few sources. */
  degraded: boolean;
}
