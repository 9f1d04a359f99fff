// Piscina worker of pool-revalue.ts. It instantiates the WebAssembly from the compiled module it
// was given, then serves three kinds of task:
//   table  values instruments [i0, i1) under every scenario (ScenarioTable over that slice of the
//          instrument columns; instruments are valued independently, so the rows are bit-identical
//          to a whole-table build) and writes them into the shared table (a SharedArrayBuffer);
//   rows   aggregates a range of the shared CSR rows against the table (kernels 2 + 3) and reduces
//          it to per-account figures; the first such task copies the finished shared table into
//          this worker's memory once;
//   venue  aggregates one given row (the venue's netted positions) and returns its P&L.
import { workerData } from 'piscina';
import type { GroupParams, InstrumentColumns, ScenarioSet } from '../margin/plan.js';
import { runRows, riskKernels, type TableLayout } from '../margin/risk-kernels-wasm.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import type { F64Column } from '../wasm/arena.js';
import { instantiate, type Variant } from '../wasm/loader.js';
import { newSliceOut, sliceStats, type SliceOut } from './slice-stats.js';

export interface VarWorkerData {
  module: WebAssembly.Module;
  variant: Variant;
  nS: number;
  nInstruments: number;
  levels: number[];
  instruments: InstrumentColumns;
  scenarios: ScenarioSet;
  groups: GroupParams;
  /** [nInstruments × nS] table then [nInstruments] base, f64. */
  table: SharedArrayBuffer;
  rowStart: SharedArrayBuffer;
  groupStart: SharedArrayBuffer;
  groupId: SharedArrayBuffer;
  posInstrument: SharedArrayBuffer;
  posSize: SharedArrayBuffer;
}

export type VarTask =
  | { kind: 'table'; i0: number; i1: number }
  | { kind: 'rows'; r0: number; r1: number }
  | { kind: 'venue'; posInstrument: Int32Array; posSize: Float64Array };

export type VarTaskResult =
  | { kind: 'table'; nan: number }
  | { kind: 'rows'; r0: number; r1: number; nan: number; out: SliceOut }
  | { kind: 'venue'; pnl: Float64Array };

const d = workerData as VarWorkerData;
const nS = d.nS;
const n = d.nInstruments;
const shared = new Float64Array(d.table);
const rowStart = new Int32Array(d.rowStart);
const groupStart = new Int32Array(d.groupStart);
const groupId = new Int32Array(d.groupId);
const posInstrument = new Int32Array(d.posInstrument);
const posSize = new Float64Array(d.posSize);

const wasm = instantiate(d.module, d.variant, { initialBytes: d.table.byteLength + 32 * 1024 * 1024 });
const kernels = riskKernels(wasm);
const arena = wasm.arena;

function sliceInstruments(ins: InstrumentColumns, i0: number, i1: number): InstrumentColumns {
  return {
    n: i1 - i0,
    kind: ins.kind.subarray(i0, i1), underlying: ins.underlying.subarray(i0, i1), volGroup: ins.volGroup.subarray(i0, i1),
    fwdFixed: ins.fwdFixed.subarray(i0, i1), fwdVar: ins.fwdVar.subarray(i0, i1), strike: ins.strike.subarray(i0, i1), T: ins.T.subarray(i0, i1),
    vol: ins.vol.subarray(i0, i1), df: ins.df.subarray(i0, i1), omega: ins.omega.subarray(i0, i1),
  };
}

function buildSlice(i0: number, i1: number): number {
  const sc = d.scenarios.skew ? { ...d.scenarios, skew: d.scenarios.skew.subarray(i0 * nS, i1 * nS) } : d.scenarios;
  const mark = arena.mark();
  const t = ScenarioTable.build(wasm, sliceInstruments(d.instruments, i0, i1), sc, d.groups);
  try {
    shared.set(t.table, i0 * nS);
    shared.set(t.base, n * nS + i0);
    return t.nanInstruments;
  } finally {
    t.dispose();
    arena.release(mark);
  }
}

// The aggregation state, set up by the first rows / venue task (after every table task is done).
let agg: { layout: TableLayout; scratch: F64Column; top: number } | undefined;

function aggregationState(): NonNullable<typeof agg> {
  if (agg) return agg;
  arena.reset();
  arena.reserve(shared.byteLength + 8 * (nS * 3 + d.groups.posDisc.length * 3) + 4 * nS + 1024);
  const put = (a: Float64Array): number => {
    const c = arena.f64(a.length);
    c.view.set(a);
    return c.ptr;
  };
  const tableCol = arena.f64(n * nS);
  tableCol.view.set(shared.subarray(0, n * nS));
  const baseCol = arena.f64(n);
  baseCol.view.set(shared.subarray(n * nS, n * nS + n));
  const modeCol = arena.i32(nS);
  modeCol.view.set(d.scenarios.mode);
  // Only the columns the aggregation reads.
  const layout: TableLayout = {
    nInstruments: n, nS,
    kind: 0, underlying: 0, volGroup: 0, fwdFixed: 0, fwdVar: 0, strike: 0, T: 0, vol: 0, df: 0, omega: 0,
    spotMult: 0, volMul: 0, volAdd: 0, volFloor: 0, skew: 0,
    damp: put(d.scenarios.damp), mode: modeCol.ptr, posDisc: put(d.groups.posDisc), negDisc: put(d.groups.negDisc), aux: put(d.groups.aux),
    table: tableCol.ptr, base: baseCol.ptr,
  };
  const scratch = arena.f64(nS);
  agg = { layout, scratch, top: arena.mark() };
  return agg;
}

/** Packs CSR rows (already rebased) after the fixed columns and aggregates them. */
function aggregate(m: number, rs: ArrayLike<number>, gs: ArrayLike<number>, gid: Int32Array, pi: Int32Array, ps: Float64Array) {
  const a = aggregationState();
  arena.release(a.top);
  const nE = gid.length;
  const nP = pi.length;
  arena.reserve(4 * (m + 1 + nE + 1 + nE + nP) + 8 * nP + 8 * m * nS + 12 * m + 16 * 16);
  const rsC = arena.i32(m + 1);
  for (let i = 0; i <= m; i++) rsC.view[i] = rs[i]!;
  const gsC = arena.i32(nE + 1);
  for (let i = 0; i <= nE; i++) gsC.view[i] = gs[i]!;
  const gidC = arena.i32(Math.max(1, nE));
  gidC.view.set(gid);
  const piC = arena.i32(Math.max(1, nP));
  piC.view.set(pi);
  const psC = arena.f64(Math.max(1, nP));
  psC.view.set(ps);
  const pnl = arena.f64(Math.max(1, m * nS));
  const worst = arena.f64(Math.max(1, m));
  const worstIndex = arena.i32(Math.max(1, m));
  const nan = runRows(kernels, a.layout, {
    nRows: m, rowStart: rsC.ptr, groupStart: gsC.ptr, groupId: gidC.ptr, posInstrument: piC.ptr, posSize: psC.ptr,
    pnl: pnl.ptr, worst: worst.ptr, worstIndex: worstIndex.ptr,
  }, 0, m, a.scratch.ptr);
  return { nan, pnl: pnl.view, worst: worst.view, worstIndex: worstIndex.view };
}

const scratch = new Float64Array(nS);

export default function run(task: VarTask): VarTaskResult {
  if (task.kind === 'table') return { kind: 'table', nan: buildSlice(task.i0, task.i1) };
  if (task.kind === 'venue') {
    const k = task.posInstrument.length;
    const v = aggregate(1, [0, 1], [0, k], Int32Array.of(0), task.posInstrument, task.posSize);
    return { kind: 'venue', pnl: v.pnl.slice(0, nS) };
  }
  const { r0, r1 } = task;
  const m = r1 - r0;
  const e0 = rowStart[r0]!;
  const e1 = rowStart[r1]!;
  const p0 = groupStart[e0]!;
  const p1 = groupStart[e1]!;
  const rs = new Int32Array(m + 1);
  for (let i = 0; i <= m; i++) rs[i] = rowStart[r0 + i]! - e0;
  const gs = new Int32Array(e1 - e0 + 1);
  for (let i = 0; i <= e1 - e0; i++) gs[i] = groupStart[e0 + i]! - p0;
  const v = aggregate(m, rs, gs, groupId.subarray(e0, e1), posInstrument.subarray(p0, p1), posSize.subarray(p0, p1));
  const out = newSliceOut(d.levels.length, m);
  sliceStats(v.pnl, v.worst, v.worstIndex, m, nS, d.levels, out, 0, scratch);
  // A few KB per task: structured clone is cheaper than bookkeeping transfers.
  return { kind: 'rows', r0, r1, nan: v.nan, out };
}
