// Piscina worker of pool-revalue.ts. At start-up it instantiates the WebAssembly from the compiled
// module it was given and copies the instrument table (a SharedArrayBuffer, written once by the
// main thread) into its own memory; the CSR rows are read from shared arrays too. A task is a row
// range: pack it, aggregate (kernels 2 + 3), reduce to per-account figures.
import { workerData } from 'piscina';
import { runRows, riskKernels, type TableLayout } from '../margin/risk-kernels-wasm.js';
import { instantiate, type Variant } from '../wasm/loader.js';
import { newSliceOut, sliceStats } from './slice-stats.js';

export interface VarWorkerData {
  module: WebAssembly.Module;
  variant: Variant;
  nS: number;
  nInstruments: number;
  levels: number[];
  /** [nInstruments × nS] table then [nInstruments] base, f64. */
  table: SharedArrayBuffer;
  rowStart: SharedArrayBuffer;
  groupStart: SharedArrayBuffer;
  groupId: SharedArrayBuffer;
  posInstrument: SharedArrayBuffer;
  posSize: SharedArrayBuffer;
  posDisc: Float64Array;
  negDisc: Float64Array;
  aux: Float64Array;
  damp: Float64Array;
  mode: Int32Array;
}

const d = workerData as VarWorkerData;
const nS = d.nS;
const n = d.nInstruments;
const tableSrc = new Float64Array(d.table);
const rowStart = new Int32Array(d.rowStart);
const groupStart = new Int32Array(d.groupStart);
const groupId = new Int32Array(d.groupId);
const posInstrument = new Int32Array(d.posInstrument);
const posSize = new Float64Array(d.posSize);

const wasm = instantiate(d.module, d.variant, { initialBytes: tableSrc.byteLength + 32 * 1024 * 1024 });
const kernels = riskKernels(wasm);
const arena = wasm.arena;
arena.reserve(tableSrc.byteLength + 8 * (nS * 3 + d.posDisc.length * 3) + 4 * nS + 1024);
const put = (a: Float64Array) => {
  const c = arena.f64(a.length);
  c.view.set(a);
  return c.ptr;
};
const tableCol = arena.f64(n * nS);
tableCol.view.set(tableSrc.subarray(0, n * nS));
const baseCol = arena.f64(n);
baseCol.view.set(tableSrc.subarray(n * nS, n * nS + n));
const modeCol = arena.i32(nS);
modeCol.view.set(d.mode);
// Only the columns the aggregation reads; the instrument inputs stay with the main thread.
const layout: TableLayout = {
  nInstruments: n, nS,
  kind: 0, underlying: 0, volGroup: 0, fwdFixed: 0, fwdVar: 0, strike: 0, T: 0, vol: 0, df: 0, omega: 0,
  spotMult: 0, volMul: 0, volAdd: 0, volFloor: 0, skew: 0,
  damp: put(d.damp), mode: modeCol.ptr, posDisc: put(d.posDisc), negDisc: put(d.negDisc), aux: put(d.aux),
  table: tableCol.ptr, base: baseCol.ptr,
};
const scratchCol = arena.f64(nS);
const scratch = new Float64Array(nS);
const fixedTop = arena.mark();

export interface VarTask {
  r0: number;
  r1: number;
}

export default function run({ r0, r1 }: VarTask) {
  const m = r1 - r0;
  const e0 = rowStart[r0]!;
  const e1 = rowStart[r1]!;
  const p0 = groupStart[e0]!;
  const p1 = groupStart[e1]!;
  arena.release(fixedTop);
  arena.reserve(4 * (m + 1 + (e1 - e0 + 1) + (e1 - e0) + (p1 - p0)) + 8 * (p1 - p0) + 8 * m * nS + 12 * m + 16 * 16);
  const rs = arena.i32(m + 1);
  const rsv = rs.view;
  for (let i = 0; i <= m; i++) rsv[i] = rowStart[r0 + i]! - e0;
  const gs = arena.i32(e1 - e0 + 1);
  const gsv = gs.view;
  for (let i = 0; i <= e1 - e0; i++) gsv[i] = groupStart[e0 + i]! - p0;
  const gid = arena.i32(Math.max(1, e1 - e0));
  gid.view.set(groupId.subarray(e0, e1));
  const pi = arena.i32(Math.max(1, p1 - p0));
  pi.view.set(posInstrument.subarray(p0, p1));
  const ps = arena.f64(Math.max(1, p1 - p0));
  ps.view.set(posSize.subarray(p0, p1));
  const pnl = arena.f64(Math.max(1, m * nS));
  const worst = arena.f64(Math.max(1, m));
  const worstIndex = arena.i32(Math.max(1, m));
  const nan = runRows(kernels, layout, {
    nRows: m, rowStart: rs.ptr, groupStart: gs.ptr, groupId: gid.ptr, posInstrument: pi.ptr, posSize: ps.ptr,
    pnl: pnl.ptr, worst: worst.ptr, worstIndex: worstIndex.ptr,
  }, 0, m, scratchCol.ptr);
  const out = newSliceOut(d.levels.length, m);
  sliceStats(pnl.view, worst.view, worstIndex.view, m, nS, d.levels, out, 0, scratch);
  // A few KB per task: structured clone is cheaper than bookkeeping transfers.
  return { r0, r1, nan, out };
}
