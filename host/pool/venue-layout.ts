// Where a venue lives in its shared WebAssembly.Memory: byte offsets of every column, handed to
// each worker with each task (a plain object of numbers; the data itself is never copied). The
// main thread owns the layout and writes it; workers read the inputs and write only the outputs
// of their own row range.
export interface VenueLayout {
  nRows: number;
  nEntries: number;
  nPos: number;
  nCol: number;
  nInstruments: number;
  /** Group 1 + e is expiry e of the load snapshot. */
  nExpiries: number;
  nAssets: number;
  /** Scenario slots: the profile's scenarios + the basis pair. */
  nS: number;
  /** The profile's scenario count (slot nScen is the basis contingency). */
  nScen: number;
  // Rows (account data, written at load).
  rowStart: number;
  groupStart: number;
  groupId: number;
  posInstrument: number;
  posSize: number;
  rowAccount: number;
  cash: number;
  perpAmount: number;
  perpCost: number;
  perpKnown: number;
  perpFunding: number;
  hasPerp: number;
  colStart: number;
  entExpiry: number;
  entNaked: number;
  entAbs: number;
  colAsset: number;
  colAmount: number;
  // The snapshot (written per snapshot): instrument table [nInstruments × nS], base values,
  // group parameters (0 = linear, 1 + expiry), scenario damping and modes, the finish's facts.
  table: number;
  base: number;
  posDisc: number;
  negDisc: number;
  aux: number;
  damp: number;
  mode: number;
  /** i32 per venue instrument: 1 when this snapshot cannot value it. */
  instrumentBad: number;
  facts: number;
  /** f64 per expiry: min(forward, rate, vol confidence). */
  expiryConf: number;
  /** ASSET_FACTS f64 per collateral asset: price, confidence, mm haircut, im haircut, bad. */
  assetFacts: number;
  // Outputs per row.
  im: number;
  mm: number;
  equity: number;
  imExcess: number;
  mmExcess: number;
  worst: number;
  worstIndex: number;
  status: number;
  /** mm_excess / maintenance_margin (±Infinity when no margin is required). */
  ratio: number;
}

/** Offsets in the facts block (f64). */
export const F_SPOT = 0;
export const F_SPOT_CONF = 1;
export const F_STABLE = 2;
export const F_PERP_VALUE = 3;
export const F_PERP_CONF = 4;
export const F_PERP_BAD = 5;
export const F_CONF_THRESHOLD = 6;
export const F_CONF_MARGIN = 7;
export const F_MM_PERP = 8;
export const F_IM_PERP = 9;
export const F_MM_OPTION = 10;
export const F_IM_OPTION = 11;
export const F_PEG_THRESHOLD = 12;
export const F_PEG_FACTOR = 13;
export const F_MM_FACTOR = 14;
export const F_IM_FACTOR = 15;
export const FACTS = 16;
export const ASSET_FACTS = 5;

/** Account status codes (the status column); FAILED rows are resolved by the main thread. */
export const ST_HEALTHY = 0;
export const ST_MARGIN_CALL = 1;
export const ST_LIQUIDATABLE = 2;
export const ST_BANKRUPT = 3;
export const ST_FAILED = 4;
export const ST_NAMES = ['healthy', 'margin_call', 'liquidatable', 'bankrupt', 'failed'] as const;
export type VenueStatus = (typeof ST_NAMES)[number];

/** Status from the profile's thresholds: below IM a margin call, below MM liquidatable, negative equity bankrupt. */
export function statusOf(equity: number, imExcess: number, mmExcess: number): number {
  return equity < 0 ? ST_BANKRUPT : mmExcess < 0 ? ST_LIQUIDATABLE : imExcess < 0 ? ST_MARGIN_CALL : ST_HEALTHY;
}

/** How close to liquidation, for ranking: mm_excess per unit of maintenance margin. */
export function excessRatio(mmExcess: number, mm: number): number {
  return mm > 0 ? mmExcess / mm : mmExcess >= 0 ? Infinity : -Infinity;
}

/** Typed views of a layout over a memory's current buffer (re-create after a grow). */
export function venueViews(buffer: ArrayBufferLike, l: VenueLayout) {
  const f = (p: number, n: number) => new Float64Array(buffer, p, n);
  const i = (p: number, n: number) => new Int32Array(buffer, p, n);
  const n = l.nRows;
  const { nEntries, nPos, nCol } = l;
  return {
    base: f(l.base, l.nInstruments), instrumentBad: i(l.instrumentBad, l.nInstruments), facts: f(l.facts, FACTS),
    expiryConf: f(l.expiryConf, l.nExpiries), assetFacts: f(l.assetFacts, l.nAssets * ASSET_FACTS),
    rowStart: i(l.rowStart, n + 1), groupStart: i(l.groupStart, nEntries + 1), posInstrument: i(l.posInstrument, nPos), posSize: f(l.posSize, nPos),
    rowAccount: i(l.rowAccount, n), cash: f(l.cash, n), perpAmount: f(l.perpAmount, n), perpCost: f(l.perpCost, n), perpKnown: f(l.perpKnown, n),
    perpFunding: f(l.perpFunding, n), hasPerp: i(l.hasPerp, n), colStart: i(l.colStart, n + 1),
    entExpiry: i(l.entExpiry, nEntries), entNaked: f(l.entNaked, nEntries), entAbs: f(l.entAbs, nEntries), colAsset: i(l.colAsset, nCol), colAmount: f(l.colAmount, nCol),
    ...resultViews(buffer, l),
  };
}
export type VenueViews = ReturnType<typeof venueViews>;

/** Only the result columns' views (what readers of results need; a fraction of venueViews' cost). */
export function resultViews(buffer: ArrayBufferLike, l: VenueLayout) {
  const f = (p: number) => new Float64Array(buffer, p, l.nRows);
  const n = l.nRows;
  return {
    im: f(l.im), mm: f(l.mm), equity: f(l.equity), imExcess: f(l.imExcess), mmExcess: f(l.mmExcess), worst: f(l.worst), worstIndex: new Int32Array(buffer, l.worstIndex, n),
    status: new Int32Array(buffer, l.status, n), ratio: f(l.ratio),
  };
}
