// The split API of the plan evaluator, for engines that value the instruments once per snapshot
// and then aggregate many row batches against the same table (issue 5's venue engine):
//   const t = ScenarioTable.build(wasm, instruments, scenarios, groups); // pack + kernel 1
//   const rows = t.packRows(portfolioRows);                             // pack CSR once
//   const out = t.aggregate(rows, r0, r1);                              // kernels 2 + 3
//   rows.release();  /  t.dispose();                                    // back to the arena
// Everything lives in the instance's arena. Each pack reserves its bytes first, so memory grows
// at most once per pack and never during a kernel call. Views returned here are live views on
// wasm memory: valid until the arena grows or is released, overwritten by the next aggregate of
// the same rows; copy (`.slice()`) what must outlive that.
// Workers over a shared memory: post `t.layout` and `rows.layout` (plain numbers); each worker runs
// runRows(riskKernels(itsInstance), ...) on its own row range with its own nS-f64 scratch column.
import { RiskgridError } from '../errors.js';
import type { F64Column, I32Column } from '../wasm/arena.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import { checkGroups, checkInstruments, checkRowRange, checkRows, checkScenarios } from './plan-check-wasm.js';
import type { GroupParams, InstrumentColumns, PortfolioRows, ScenarioSet } from './plan.js';
import { riskKernels, runRows, runTable, type KernelWidth, type RiskKernels, type RowsLayout, type TableLayout } from './risk-kernels-wasm.js';

/** Arena bytes for columns of these byte sizes, allocated back to back (16-byte aligned). */
function packBytes(sizes: number[]): number {
  let total = 16;
  for (const b of sizes) total += Math.ceil(b / 16) * 16;
  return total;
}

function putF64(wasm: RiskgridWasm, src: Float64Array): F64Column {
  const c = wasm.arena.f64(src.length);
  c.view.set(src);
  return c;
}

function putI32(wasm: RiskgridWasm, src: Int32Array): I32Column {
  const c = wasm.arena.i32(src.length);
  c.view.set(src);
  return c;
}

export interface RowsView {
  /** [(r1 − r0) × nS] P&L of rows r0..r1−1 (negative = loss). */
  pnl: Float64Array;
  /** [r1 − r0] minimum P&L per row (NaN if any scenario is NaN). */
  worst: Float64Array;
  /** [r1 − r0] scenario of the minimum (first on ties; −1 when NaN). */
  worstIndex: Int32Array;
  /** Rows of the range whose P&L holds a NaN. */
  nanRows: number;
}

/** A batch of CSR rows packed next to a table, with room for its outputs. */
export class PackedRows {
  constructor(
    /** The table these rows were checked against (instrument and group indices, nS). */
    readonly table: ScenarioTable,
    readonly layout: RowsLayout,
    /** Arena top before the pack: `release()` returns the arena to it. */
    private readonly mark: number,
    private readonly nS: number,
    private readonly pnlCol: F64Column,
    private readonly worstCol: F64Column,
    private readonly worstIndexCol: I32Column,
  ) {}

  get nRows(): number {
    return this.layout.nRows;
  }

  /** Frees these rows and everything packed after them (the table stays): batch after batch. */
  release(): void {
    this.table.wasm.arena.release(this.mark);
  }

  /** Live views on rows [r0, r1) of the outputs (see the file comment for their lifetime). */
  view(r0 = 0, r1 = this.layout.nRows): Omit<RowsView, 'nanRows'> {
    checkRowRange(r0, r1, this.layout.nRows);
    return {
      pnl: this.pnlCol.view.subarray(r0 * this.nS, r1 * this.nS),
      worst: this.worstCol.view.subarray(r0, r1),
      worstIndex: this.worstIndexCol.view.subarray(r0, r1),
    };
  }
}

export class ScenarioTable {
  /** Pointer layout for workers that share this memory (see runRows in risk-kernels-wasm.ts). */
  readonly layout: TableLayout;
  /** Instruments whose base or some scenario value is NaN after the last (re)build. */
  nanInstruments: number;
  private readonly kernels: RiskKernels;
  private readonly scratch: F64Column;

  private constructor(
    readonly wasm: RiskgridWasm,
    /** Arena top before the pack: `dispose()` returns the arena to it. */
    private readonly mark: number,
    private readonly cols: Record<string, F64Column | I32Column>,
    layout: TableLayout,
    width: KernelWidth | undefined,
  ) {
    this.layout = layout;
    this.kernels = riskKernels(wasm, width);
    this.scratch = cols.scratch as F64Column;
    this.nanInstruments = runTable(this.kernels, layout, 0, layout.nInstruments);
  }

  /** Checks and packs the snapshot's columns, then values every instrument under every scenario. */
  static build(
    wasm: RiskgridWasm,
    instruments: InstrumentColumns,
    scenarios: ScenarioSet,
    groups: GroupParams,
    opts: {
      width?: KernelWidth;
      /** Also make room now for packing these rows, so the whole evaluation grows memory once. */
      reserveRows?: PortfolioRows;
    } = {},
  ): ScenarioTable {
    const n = ScenarioTable.check(instruments, scenarios, groups);
    const nS = scenarios.nS;
    const f64s: Record<string, Float64Array> = {
      fwdFixed: instruments.fwdFixed, fwdVar: instruments.fwdVar, strike: instruments.strike, T: instruments.T,
      vol: instruments.vol, df: instruments.df, omega: instruments.omega,
      spotMult: scenarios.spotMult, volMul: scenarios.volMul, volAdd: scenarios.volAdd, volFloor: scenarios.volFloor,
      damp: scenarios.damp, posDisc: groups.posDisc, negDisc: groups.negDisc, aux: groups.aux,
    };
    if (scenarios.skew) f64s.skew = scenarios.skew;
    const i32s: Record<string, Int32Array> = { kind: instruments.kind, underlying: instruments.underlying, volGroup: instruments.volGroup, mode: scenarios.mode };
    const outLens = { table: n * nS, base: n, scratch: nS };
    const arena = wasm.arena;
    const mark = arena.mark();
    arena.reserve(ScenarioTable.bytes(instruments, scenarios, groups) + (opts.reserveRows ? ScenarioTable.rowBytes(opts.reserveRows, nS) : 0));
    const cols: Record<string, F64Column | I32Column> = {};
    for (const [k, a] of Object.entries(f64s)) cols[k] = putF64(wasm, a);
    for (const [k, a] of Object.entries(i32s)) cols[k] = putI32(wasm, a);
    for (const [k, l] of Object.entries(outLens)) cols[k] = arena.f64(l);
    const p = (k: string): number => cols[k]!.ptr;
    const layout: TableLayout = {
      nInstruments: n, nS,
      kind: p('kind'), underlying: p('underlying'), volGroup: p('volGroup'),
      fwdFixed: p('fwdFixed'), fwdVar: p('fwdVar'), strike: p('strike'), T: p('T'), vol: p('vol'), df: p('df'), omega: p('omega'),
      spotMult: p('spotMult'), volMul: p('volMul'), volAdd: p('volAdd'), volFloor: p('volFloor'),
      skew: cols.skew ? p('skew') : 0,
      damp: p('damp'), mode: p('mode'), posDisc: p('posDisc'), negDisc: p('negDisc'), aux: p('aux'),
      table: p('table'), base: p('base'),
    };
    return new ScenarioTable(wasm, mark, cols, layout, opts.width);
  }

  /** Structural checks (plan-check-wasm.ts); returns the instrument count. */
  static check(instruments: InstrumentColumns, scenarios: ScenarioSet, groups: GroupParams): number {
    const { nUnderlyings, nVolGroups } = checkScenarios(scenarios, instruments.n);
    const n = checkInstruments(instruments, nUnderlyings, nVolGroups);
    checkGroups(groups);
    return n;
  }

  /** Arena bytes `build` takes for these (checked) columns. */
  static bytes(instruments: InstrumentColumns, scenarios: ScenarioSet, groups: GroupParams): number {
    const n = instruments.n;
    const nS = scenarios.nS;
    const f64Lens = [7 * n, scenarios.spotMult.length, 3 * scenarios.volMul.length, scenarios.skew?.length ?? 0, nS, 3 * groups.posDisc.length, n * nS, n, nS];
    const i32Lens = [3 * n, nS];
    // 19 or 20 columns: one alignment pad each at most.
    return packBytes([...f64Lens.map((l) => l * 8), ...i32Lens.map((l) => l * 4)]) + 20 * 16;
  }

  /** Arena bytes `packRows` takes for these rows against a table of nS scenarios. */
  static rowBytes(rows: PortfolioRows, nS: number): number {
    // Lengths only (the rows may not be checked yet): a malformed field counts 0 and fails its check.
    const len = (a: { length?: unknown } | undefined): number => (typeof a?.length === 'number' ? a.length : 0);
    const nRows = Number.isInteger(rows.nRows) && rows.nRows > 0 ? rows.nRows : 0;
    return packBytes([
      len(rows.rowStart) * 4, len(rows.groupStart) * 4, len(rows.groupId) * 4,
      len(rows.posInstrument) * 4, len(rows.posSize) * 8,
      nRows * nS * 8, nRows * 8, nRows * 4,
    ]);
  }

  get nS(): number {
    return this.layout.nS;
  }

  get nInstruments(): number {
    return this.layout.nInstruments;
  }

  get width(): KernelWidth {
    return this.kernels.width;
  }

  /** Live view [nInstruments × nS] of the instrument values. */
  get table(): Float64Array {
    return (this.cols.table as F64Column).view;
  }

  /** Live view [nInstruments] of the unshocked values. */
  get base(): Float64Array {
    return (this.cols.base as F64Column).view;
  }

  /**
   * Live view of a packed input column (e.g. 'fwdVar', 'vol', 'spotMult'), for a tick to write new
   * values into before `rebuild`. Values only: indices and kinds were checked at build.
   */
  input(name: 'fwdFixed' | 'fwdVar' | 'strike' | 'T' | 'vol' | 'df' | 'omega' | 'spotMult' | 'volMul' | 'volAdd' | 'volFloor' | 'skew'): Float64Array | undefined {
    return (this.cols[name] as F64Column | undefined)?.view;
  }

  /** Re-values instruments [i0, i1) from the packed inputs; returns their NaN count. */
  rebuild(i0 = 0, i1 = this.layout.nInstruments): number {
    checkRowRange(i0, i1, this.layout.nInstruments);
    const nan = runTable(this.kernels, this.layout, i0, i1);
    if (i0 === 0 && i1 === this.layout.nInstruments) this.nanInstruments = nan;
    return nan;
  }

  /** Checks and packs CSR rows (one grow at most) with room for their P&L, worst and index. */
  packRows(rows: PortfolioRows): PackedRows {
    checkRows(rows, this.layout.nInstruments, this.cols.posDisc!.length);
    const nS = this.layout.nS;
    const arena = this.wasm.arena;
    const mark = arena.mark();
    arena.reserve(ScenarioTable.rowBytes(rows, nS));
    const rowStart = putI32(this.wasm, rows.rowStart);
    const groupStart = putI32(this.wasm, rows.groupStart);
    const groupId = putI32(this.wasm, rows.groupId);
    const posInstrument = putI32(this.wasm, rows.posInstrument);
    const posSize = putF64(this.wasm, rows.posSize);
    const pnl = arena.f64(rows.nRows * nS);
    const worst = arena.f64(rows.nRows);
    const worstIndex = arena.i32(rows.nRows);
    const layout: RowsLayout = {
      nRows: rows.nRows,
      rowStart: rowStart.ptr, groupStart: groupStart.ptr, groupId: groupId.ptr,
      posInstrument: posInstrument.ptr, posSize: posSize.ptr,
      pnl: pnl.ptr, worst: worst.ptr, worstIndex: worstIndex.ptr,
    };
    return new PackedRows(this, layout, mark, nS, pnl, worst, worstIndex);
  }

  /** Aggregates rows [r0, r1) of a packed batch and scans their worst loss; returns live views. */
  aggregate(rows: PackedRows, r0 = 0, r1 = rows.nRows): RowsView {
    if (rows.table !== this) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'rows were packed for another table', { field: 'rows' });
    checkRowRange(r0, r1, rows.nRows);
    const nanRows = runRows(this.kernels, this.layout, rows.layout, r0, r1, this.scratch.ptr);
    return { ...rows.view(r0, r1), nanRows };
  }

  /** Frees this table and everything packed after it (rows included) back to the arena. */
  dispose(): void {
    this.wasm.arena.release(this.mark);
  }
}
