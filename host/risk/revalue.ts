// Full revaluation of a book under a scenario set: the instrument table once (kernel 1), then the
// accounts in row batches (kernels 2 + 3), each batch reduced at once to per-account VaR / ES, so
// memory stays at one batch of [rows × nS] whatever the account count. The P&L here is linear in
// the sizes (one plain group per row), so the venue's P&L is that of one row holding every
// account's positions netted by instrument: one more row, not a sum over all rows.
// Single-thread path; pool-revalue.ts splits the batches over workers with the same reduction.
import { RiskgridError } from '../errors.js';
import type { PortfolioRows, ScenarioSet } from '../margin/plan.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import type { RiskBook } from './book.js';
import { newSliceOut, sliceStats, type SliceOut } from './slice-stats.js';
import { checkLevels, tailFigures, worstScenarios, type TailFigures } from './tail-stats.js';

export interface RevalueOptions {
  /** Confidence levels, e.g. [0.99, 0.995]. */
  levels: readonly number[];
  /** How many of the venue's worst scenarios to list (default 10). */
  worst?: number;
  /** Progress callback: rows done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface RevalueResult {
  nS: number;
  levels: readonly number[];
  accountIds: string[];
  accounts: SliceOut;
  /** Accounts whose P&L holds a NaN (their VaR / ES are NaN). */
  nanAccounts: number;
  venue: { pnl: Float64Array; tail: TailFigures[]; worst: { scenario: number; pnl: number }[] };
  /** Seconds: instrument table, then aggregation and reduction. */
  timings: { table_s: number; aggregate_s: number };
}

/** Rows per batch: about 64 MB of P&L at a time. */
export function batchRows(nS: number): number {
  return Math.max(1, Math.floor((64 * 1024 * 1024) / (8 * nS)));
}

/** A contiguous slice [r0, r1) of CSR rows, offsets rebased to 0. */
export function sliceRows(rows: PortfolioRows, r0: number, r1: number): PortfolioRows {
  const e0 = rows.rowStart[r0]!;
  const e1 = rows.rowStart[r1]!;
  const p0 = rows.groupStart[e0]!;
  const p1 = rows.groupStart[e1]!;
  const rowStart = rows.rowStart.slice(r0, r1 + 1);
  for (let i = 0; i < rowStart.length; i++) rowStart[i]! -= e0;
  const groupStart = rows.groupStart.slice(e0, e1 + 1);
  for (let i = 0; i < groupStart.length; i++) groupStart[i]! -= p0;
  return { nRows: r1 - r0, rowStart, groupStart, groupId: rows.groupId.slice(e0, e1), posInstrument: rows.posInstrument.slice(p0, p1), posSize: rows.posSize.slice(p0, p1) };
}

/** One row: every position of the book netted by instrument. */
export function venueRow(book: RiskBook): PortfolioRows {
  const net = new Float64Array(book.instruments.n);
  const r = book.rows;
  for (let p = 0; p < r.posInstrument.length; p++) net[r.posInstrument[p]!]! += r.posSize[p]!;
  const held: number[] = [];
  for (let i = 0; i < net.length; i++) if (net[i] !== 0) held.push(i);
  return {
    nRows: 1, rowStart: Int32Array.of(0, 1), groupStart: Int32Array.of(0, held.length), groupId: Int32Array.of(0),
    posInstrument: Int32Array.from(held), posSize: Float64Array.from(held, (i) => net[i]!),
  };
}

/** The venue's P&L per scenario (a copy) from a built table. */
export function venuePnl(t: ScenarioTable, book: RiskBook): Float64Array {
  // A single account is its own venue: the same row, not a second aggregation of it.
  const packed = t.packRows(book.rows.nRows === 1 && book.rows.groupId.length === 1 ? book.rows : venueRow(book));
  try {
    return t.aggregate(packed).pnl.slice();
  } finally {
    packed.release();
  }
}

export function revalue(wasm: RiskgridWasm, book: RiskBook, scenarios: ScenarioSet, opts: RevalueOptions): RevalueResult {
  checkLevels(opts.levels);
  const t0 = performance.now();
  const t = ScenarioTable.build(wasm, book.instruments, scenarios, book.groups);
  try {
    if (t.nanInstruments > 0) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `${t.nanInstruments} instruments have a NaN value under some scenario`, { field: 'instruments', value: t.nanInstruments });
    const t1 = performance.now();
    const nS = scenarios.nS;
    const nRows = book.rows.nRows;
    const out = newSliceOut(opts.levels.length, nRows);
    const venue = venuePnl(t, book);
    const scratch = new Float64Array(nS);
    const step = batchRows(nS);
    let nan = 0;
    for (let r0 = 0; r0 < nRows; r0 += step) {
      const r1 = Math.min(nRows, r0 + step);
      const packed = t.packRows(sliceRows(book.rows, r0, r1));
      const v = t.aggregate(packed);
      nan += v.nanRows;
      sliceStats(v.pnl, v.worst, v.worstIndex, r1 - r0, nS, opts.levels, out, r0, scratch);
      packed.release();
      opts.onProgress?.(r1, nRows);
    }
    const t2 = performance.now();
    return finish(book, nS, opts, out, nan, venue, { table_s: (t1 - t0) / 1e3, aggregate_s: (t2 - t1) / 1e3 });
  } finally {
    t.dispose();
  }
}

export function finish(book: RiskBook, nS: number, opts: RevalueOptions, accounts: SliceOut, nanAccounts: number, venue: Float64Array, timings: RevalueResult['timings']): RevalueResult {
  return {
    nS,
    levels: opts.levels,
    accountIds: book.accountIds,
    accounts,
    nanAccounts,
    venue: { pnl: venue, tail: tailFigures(venue, opts.levels), worst: worstScenarios(venue, opts.worst ?? 10).map((s) => ({ scenario: s, pnl: venue[s]! })) },
    timings,
  };
}
