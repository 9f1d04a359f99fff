// The scenario plan: what a margin methodology hands to the evaluator. A methodology (derive-pmrm2,
// span, ...) turns (portfolios, market, parameters) into this plain data; the evaluator values
// every distinct instrument under every scenario once (the instrument table), then sums each
// portfolio row over it. The WebAssembly kernels (assembly/risk) and the TypeScript evaluator
// (evaluate-ts.ts, the executable specification) implement exactly the semantics written here.
//
// Layouts are row-major with scenarios contiguous: X[row * nS + s].

/** Instrument kinds in the table. */
export const KIND_OPTION = 0; // Black-76 on the scenario forward, capped: call ≤ F·df, put ≤ K·df
export const KIND_LINEAR = 1; // value = scenario forward (futures, perps, spot, moving collateral)

/** How a portfolio group's scenario value becomes P&L (per scenario, `mode[s]`). */
export const MODE_LINEAR = 0; // damp[s] · (disc(x) − base)
export const MODE_NEG_ABS = 1; // −|damp[s] · (disc(x) − base)|   (skew scenarios)
export const MODE_BASIS_UP = 2; // min(x_s − base, x_{s+1} − base, 0) · aux[g]  (undiscounted, undampened)
export const MODE_BASIS_DOWN = 3; // the partner of the preceding BASIS_UP slot: same value
// where disc(x) = posDisc[g]·max(x, 0) + negDisc[g]·min(x, 0), x = Σ size·V[i, s] over the group,
// base = Σ size·V0[i] over the group (V0: unshocked value). Row P&L[s] = Σ over the row's groups.

export interface InstrumentColumns {
  n: number;
  kind: Int32Array;
  /** Row of `spotMult` that shocks this instrument. */
  underlying: Int32Array;
  /** Row of the vol shock tables (typically one per underlying × expiry). */
  volGroup: Int32Array;
  /** Forward part that does not move with the spot shock (e.g. Derive's last 30 minutes). */
  fwdFixed: Float64Array;
  /** Forward part that moves: F_s = fwdFixed + fwdVar · spotMult[u, s]. */
  fwdVar: Float64Array;
  strike: Float64Array;
  /** Years to expiry (ACT/365). */
  T: Float64Array;
  vol: Float64Array;
  df: Float64Array;
  /** +1 call, −1 put (ignored for linear). */
  omega: Float64Array;
}

export interface ScenarioSet {
  nS: number;
  /** [nUnderlyings × nS] spot multipliers. */
  spotMult: Float64Array;
  /** [nVolGroups × nS]: σ_s = max(σ·volMul + volAdd, volFloor) · skew[i, s]. */
  volMul: Float64Array;
  volAdd: Float64Array;
  volFloor: Float64Array;
  /** Optional [nInstruments × nS] per-instrument vol multiplier (skew scenarios); absent = 1. */
  skew?: Float64Array;
  /** [nS] dampening (SPAN-style cover fractions are dampenings too). */
  damp: Float64Array;
  /** [nS] MODE_* per scenario. */
  mode: Int32Array;
}

/** Two-level CSR: row → groups → positions. A row is one portfolio (an account, or one risk unit of it). */
export interface PortfolioRows {
  nRows: number;
  /** [nRows + 1] into the group entries. */
  rowStart: Int32Array;
  /** [nGroupEntries + 1] into the positions. */
  groupStart: Int32Array;
  /** [nGroupEntries] index into GroupParams. */
  groupId: Int32Array;
  /** [nPositions] instrument index. */
  posInstrument: Int32Array;
  /** [nPositions] signed size. */
  posSize: Float64Array;
}

/** Per group id (e.g. one per underlying × expiry): static discounts and the auxiliary factor. */
export interface GroupParams {
  posDisc: Float64Array;
  negDisc: Float64Array;
  aux: Float64Array;
}

export interface ScenarioPlan {
  instruments: InstrumentColumns;
  scenarios: ScenarioSet;
  groups: GroupParams;
  rows: PortfolioRows;
}

export interface PlanResult {
  /** [nInstruments × nS] instrument values per scenario. */
  table: Float64Array;
  /** [nInstruments] unshocked values. */
  base: Float64Array;
  /** [nRows × nS] P&L per row and scenario (negative = loss). */
  pnl: Float64Array;
  /** [nRows] minimum of the row's P&L (NaN if any scenario is NaN). */
  worst: Float64Array;
  /** [nRows] scenario index of the minimum (first on ties; −1 when NaN). */
  worstIndex: Int32Array;
}

/** Runs a plan: the WebAssembly kernels (evaluate-wasm.ts) or the TypeScript spec (evaluate-ts.ts). */
export type PlanEvaluator = (plan: ScenarioPlan) => PlanResult;
