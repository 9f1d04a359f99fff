// Structural checks of a ScenarioPlan before its columns reach the kernels: lengths, typed-array
// types, index ranges, CSR monotonicity, kinds and modes. Kernels trust their indices, so this is
// the one choke point that keeps them inside their columns. Values (prices, sizes, shocks) are not
// checked here: a NaN propagates to the worst loss of the rows that hold it, where the host sees it.
import { RiskgridError } from '../errors.js';
import {
  KIND_LINEAR,
  KIND_OPTION,
  MODE_BASIS_DOWN,
  MODE_BASIS_UP,
  MODE_LINEAR,
  MODE_NEG_ABS,
  type GroupParams,
  type InstrumentColumns,
  type PortfolioRows,
  type ScenarioSet,
} from './plan.js';

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why} (got ${String(value)})`, { field, value });
}

function count(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 0x7fffffff) bad(field, v, `must be an integer >= ${min}`);
  return v;
}

function f64(field: string, a: unknown, length: number): Float64Array {
  if (!(a instanceof Float64Array)) bad(field, a, 'must be a Float64Array');
  if (a.length !== length) bad(`${field}.length`, a.length, `must be ${length}`);
  return a;
}

function i32(field: string, a: unknown, length: number): Int32Array {
  if (!(a instanceof Int32Array)) bad(field, a, 'must be an Int32Array');
  if (a.length !== length) bad(`${field}.length`, a.length, `must be ${length}`);
  return a;
}

function indices(field: string, a: Int32Array, n: number): void {
  for (let k = 0; k < a.length; k++) {
    const v = a[k]!;
    if (v < 0 || v >= n) bad(`${field}[${k}]`, v, `must be an index in [0, ${n})`);
  }
}

/** Offsets into a column of `n` entries: start >= 0, never decreasing, last <= n. */
function offsets(field: string, a: Int32Array, n: number): void {
  let prev = 0;
  for (let k = 0; k < a.length; k++) {
    const v = a[k]!;
    if (v < prev || v > n) bad(`${field}[${k}]`, v, `must be non-decreasing within [${prev}, ${n}]`);
    prev = v;
  }
}

/** Returns the number of underlyings and of vol groups the shock tables hold. */
export function checkScenarios(sc: ScenarioSet, nInstruments: number): { nS: number; nUnderlyings: number; nVolGroups: number } {
  const nS = count('scenarios.nS', sc.nS, 1);
  if (!(sc.spotMult instanceof Float64Array) || sc.spotMult.length % nS !== 0) bad('scenarios.spotMult.length', sc.spotMult?.length, `must be a Float64Array of a multiple of nS = ${nS}`);
  if (!(sc.volMul instanceof Float64Array) || sc.volMul.length % nS !== 0) bad('scenarios.volMul.length', sc.volMul?.length, `must be a Float64Array of a multiple of nS = ${nS}`);
  f64('scenarios.volAdd', sc.volAdd, sc.volMul.length);
  f64('scenarios.volFloor', sc.volFloor, sc.volMul.length);
  if (sc.skew !== undefined) f64('scenarios.skew', sc.skew, nInstruments * nS);
  f64('scenarios.damp', sc.damp, nS);
  const mode = i32('scenarios.mode', sc.mode, nS);
  for (let s = 0; s < nS; s++) {
    const m = mode[s]!;
    if (m === MODE_LINEAR || m === MODE_NEG_ABS) continue;
    // A basis floor reads slots s and s+1: they must come as an UP, DOWN pair.
    if (m === MODE_BASIS_UP && s + 1 < nS && mode[s + 1] === MODE_BASIS_DOWN) {
      s++;
      continue;
    }
    bad(`scenarios.mode[${s}]`, m, 'must be LINEAR, NEG_ABS, or BASIS_UP immediately followed by BASIS_DOWN');
  }
  return { nS, nUnderlyings: sc.spotMult.length / nS, nVolGroups: sc.volMul.length / nS };
}

export function checkInstruments(ins: InstrumentColumns, nUnderlyings: number, nVolGroups: number): number {
  const n = count('instruments.n', ins.n, 0);
  const kind = i32('instruments.kind', ins.kind, n);
  for (let i = 0; i < n; i++) {
    if (kind[i] !== KIND_OPTION && kind[i] !== KIND_LINEAR) bad(`instruments.kind[${i}]`, kind[i], 'must be KIND_OPTION (0) or KIND_LINEAR (1)');
  }
  indices('instruments.underlying', i32('instruments.underlying', ins.underlying, n), nUnderlyings);
  indices('instruments.volGroup', i32('instruments.volGroup', ins.volGroup, n), nVolGroups);
  for (const k of ['fwdFixed', 'fwdVar', 'strike', 'T', 'vol', 'df', 'omega'] as const) f64(`instruments.${k}`, ins[k], n);
  return n;
}

export function checkGroups(g: GroupParams): number {
  if (!(g.posDisc instanceof Float64Array)) bad('groups.posDisc', g.posDisc, 'must be a Float64Array');
  const n = g.posDisc.length;
  f64('groups.negDisc', g.negDisc, n);
  f64('groups.aux', g.aux, n);
  return n;
}

export function checkRows(rows: PortfolioRows, nInstruments: number, nGroups: number): void {
  const nRows = count('rows.nRows', rows.nRows, 0);
  if (!(rows.groupId instanceof Int32Array)) bad('rows.groupId', rows.groupId, 'must be an Int32Array');
  if (!(rows.posInstrument instanceof Int32Array)) bad('rows.posInstrument', rows.posInstrument, 'must be an Int32Array');
  const nEntries = rows.groupId.length;
  const nPositions = rows.posInstrument.length;
  offsets('rows.rowStart', i32('rows.rowStart', rows.rowStart, nRows + 1), nEntries);
  offsets('rows.groupStart', i32('rows.groupStart', rows.groupStart, nEntries + 1), nPositions);
  f64('rows.posSize', rows.posSize, nPositions);
  indices('rows.groupId', rows.groupId, nGroups);
  indices('rows.posInstrument', rows.posInstrument, nInstruments);
}

/** A row range of a batch of nRows rows: integers with 0 <= r0 <= r1 <= nRows. */
export function checkRowRange(r0: number, r1: number, nRows: number): void {
  if (!Number.isInteger(r0) || r0 < 0 || r0 > nRows) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `r0 must be an integer in [0, ${nRows}], got ${r0}`, { field: 'r0', value: r0 });
  if (!Number.isInteger(r1) || r1 < r0 || r1 > nRows) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `r1 must be an integer in [${r0}, ${nRows}], got ${r1}`, { field: 'r1', value: r1 });
}
