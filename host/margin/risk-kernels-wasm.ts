// The risk kernels of one WebAssembly instance, at the width its build supports (f64x2 in the
// SIMD build, f64 in the scalar one; the scalar build's *_f64x2 exports only trap). Plain pointer
// layouts so that a worker holding its own instance over a shared memory can run the same calls.
import { RiskgridError } from '../errors.js';
import type { KernelFn, RiskgridWasm } from '../wasm/loader.js';

export type KernelWidth = 'f64' | 'f64x2';

export interface RiskKernels {
  readonly width: KernelWidth;
  readonly table: KernelFn;
  readonly aggregate: KernelFn;
  readonly worst: KernelFn;
}

/** Byte offsets of the packed instrument, scenario and group columns, the table and its base. */
export interface TableLayout {
  nInstruments: number;
  nS: number;
  kind: number;
  underlying: number;
  volGroup: number;
  fwdFixed: number;
  fwdVar: number;
  strike: number;
  T: number;
  vol: number;
  df: number;
  omega: number;
  spotMult: number;
  volMul: number;
  volAdd: number;
  volFloor: number;
  /** 0 when the plan has no skew column. */
  skew: number;
  damp: number;
  mode: number;
  posDisc: number;
  negDisc: number;
  aux: number;
  /** [nInstruments × nS] output of the table kernel. */
  table: number;
  /** [nInstruments] unshocked values. */
  base: number;
}

/** Byte offsets of packed CSR rows and their outputs (row r of pnl at pnl + r·nS·8). */
export interface RowsLayout {
  nRows: number;
  rowStart: number;
  groupStart: number;
  groupId: number;
  posInstrument: number;
  posSize: number;
  pnl: number;
  worst: number;
  worstIndex: number;
}

/** Default width: what the instance was built with. Forcing 'f64' on the SIMD build is allowed. */
export function riskKernels(wasm: RiskgridWasm, width?: KernelWidth): RiskKernels {
  const simd = wasm.exports.simd_enabled!() === 1;
  const w = width ?? (simd ? 'f64x2' : 'f64');
  if (w === 'f64x2' && !simd) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'f64x2 kernels need the SIMD build', { field: 'width', value: w });
  }
  const get = (name: string): KernelFn => {
    const f = wasm.exports[`${name}_${w}`];
    if (typeof f !== 'function') throw new RiskgridError('RG_ERR_WASM_LOAD', `the module lacks ${name}_${w}`, { field: 'export', value: `${name}_${w}` });
    return f;
  };
  return { width: w, table: get('scenario_table'), aggregate: get('aggregate_rows'), worst: get('worst_loss') };
}

/** Values instruments [i0, i1) under every scenario; returns how many got a NaN somewhere. */
export function runTable(k: RiskKernels, t: TableLayout, i0: number, i1: number): number {
  return k.table(
    i0, i1, t.nS,
    t.kind, t.underlying, t.volGroup, t.fwdFixed, t.fwdVar, t.strike, t.T, t.vol, t.df, t.omega,
    t.spotMult, t.volMul, t.volAdd, t.volFloor, t.skew,
    t.table, t.base,
  );
}

/**
 * Aggregates rows [r0, r1) and scans their worst loss, writing each row's outputs at its own
 * place in the rows' pnl / worst / worstIndex columns (so disjoint ranges may run concurrently
 * over a shared memory). `scratch` is nS f64 owned by this caller. Returns the NaN row count.
 */
export function runRows(k: RiskKernels, t: TableLayout, rows: RowsLayout, r0: number, r1: number, scratch: number): number {
  const nS = t.nS;
  const pnl = rows.pnl + r0 * nS * 8;
  k.aggregate(
    r0, r1, nS,
    rows.rowStart, rows.groupStart, rows.groupId, rows.posInstrument, rows.posSize,
    t.posDisc, t.negDisc, t.aux, t.damp, t.mode,
    t.table, t.base, scratch, pnl,
  );
  return k.worst(r1 - r0, nS, pnl, rows.worst + r0 * 8, rows.worstIndex + r0 * 4);
}
