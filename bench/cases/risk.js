// Risk kernels (assembly/risk) on this process's default build (SIMD unless RISKGRID_NO_SIMD=1):
//   risk.table      2,000 instruments (95 % options) × 33 scenarios: kernel 1 over packed columns;
//                   items_per_s = instrument-scenario values per second.
//   risk.aggregate  10,000 rows of ~50 positions in 4–5 (underlying, expiry) groups against a
//                   2,000-instrument table, 31 scenarios (27 linear, 2 skew NEG_ABS, 1 basis pair):
//                   kernels 2 + 3 (aggregation and worst-loss scan); items_per_s = rows per second.
// Packing is outside the timed call (once per snapshot / batch, as in the engines).
import { loadWasmSync } from '../../dist/wasm/loader.js';
import { ScenarioTable } from '../../dist/margin/scenario-table-wasm.js';

const MODE_LINEAR = 0;
const MODE_NEG_ABS = 1;
const MODE_BASIS_UP = 2;
const MODE_BASIS_DOWN = 3;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** n instruments on 2 underlyings × 8 expiries (vol groups), options around the forward. */
function instruments(n, rnd) {
  const kind = new Int32Array(n);
  const underlying = new Int32Array(n);
  const volGroup = new Int32Array(n);
  const fwdFixed = new Float64Array(n);
  const fwdVar = new Float64Array(n);
  const strike = new Float64Array(n);
  const T = new Float64Array(n);
  const vol = new Float64Array(n);
  const df = new Float64Array(n);
  const omega = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = i % 2;
    const e = Math.floor(rnd() * 8);
    const t = [1, 2, 7, 14, 28, 91, 182, 364][e] / 365;
    kind[i] = rnd() < 0.95 ? 0 : 1;
    underlying[i] = u;
    volGroup[i] = u * 8 + e;
    fwdVar[i] = (u === 0 ? 90_000 : 3_000) * Math.exp(0.05 * t);
    strike[i] = fwdVar[i] * (0.6 + 0.8 * rnd());
    T[i] = t;
    vol[i] = 0.4 + 0.4 * rnd();
    df[i] = Math.exp(-0.05 * t);
    omega[i] = rnd() < 0.5 ? 1 : -1;
  }
  return { n, kind, underlying, volGroup, fwdFixed, fwdVar, strike, T, vol, df, omega };
}

/** A Derive-like grid: spot × vol shocks, then skew (NEG_ABS) and basis slots at the end. */
function scenarios(nS, nU, nG, rnd, special) {
  const spotMult = new Float64Array(nU * nS);
  const volMul = new Float64Array(nG * nS);
  const volAdd = new Float64Array(nG * nS);
  const volFloor = new Float64Array(nG * nS);
  for (let u = 0; u < nU; u++) for (let s = 0; s < nS; s++) spotMult[u * nS + s] = 0.8 + 0.4 * (s / (nS - 1));
  for (let g = 0; g < nG; g++) {
    for (let s = 0; s < nS; s++) {
      volMul[g * nS + s] = 1;
      volAdd[g * nS + s] = [-0.2, 0, 0.3][s % 3] * (0.5 + 0.5 * rnd());
      volFloor[g * nS + s] = 0.05;
    }
  }
  const damp = new Float64Array(nS).fill(0.7);
  const mode = new Int32Array(nS).fill(MODE_LINEAR);
  if (special) {
    mode.set([MODE_NEG_ABS, MODE_NEG_ABS, MODE_BASIS_UP, MODE_BASIS_DOWN], nS - 4);
  }
  return { nS, spotMult, volMul, volAdd, volFloor, damp, mode };
}

/** nRows rows of ~50 positions (40–60) in 4–5 groups, groups id'd by (underlying, expiry). */
function rows(nRows, nI, nGroups, rnd) {
  const rowStart = [0];
  const groupStart = [0];
  const groupId = [];
  const posInstrument = [];
  const posSize = [];
  for (let r = 0; r < nRows; r++) {
    const nPos = 40 + Math.floor(rnd() * 21);
    const nGr = 4 + Math.floor(rnd() * 2);
    for (let g = 0; g < nGr; g++) {
      groupId.push(Math.floor(rnd() * nGroups));
      const k = Math.floor(nPos / nGr) + (g < nPos % nGr ? 1 : 0);
      for (let p = 0; p < k; p++) {
        posInstrument.push(Math.floor(rnd() * nI));
        posSize.push((rnd() - 0.5) * 20);
      }
      groupStart.push(posInstrument.length);
    }
    rowStart.push(groupId.length);
  }
  return {
    nRows,
    rowStart: Int32Array.from(rowStart),
    groupStart: Int32Array.from(groupStart),
    groupId: Int32Array.from(groupId),
    posInstrument: Int32Array.from(posInstrument),
    posSize: Float64Array.from(posSize),
  };
}

function groups(n) {
  return { posDisc: new Float64Array(n).fill(0.9), negDisc: new Float64Array(n).fill(1.1), aux: new Float64Array(n).fill(1) };
}

export default async function cases() {
  const wasm = loadWasmSync({ initialBytes: 64 * 1024 * 1024 });
  const rnd = rng(20261130);

  const nI = 2000;
  const tableIns = instruments(nI, rnd);
  const table = ScenarioTable.build(wasm, tableIns, scenarios(33, 2, 16, rnd, false), groups(16));
  if (table.nanInstruments !== 0) throw new Error('risk.table: NaN in the benchmark table');

  const aggTable = ScenarioTable.build(wasm, instruments(nI, rnd), scenarios(31, 2, 16, rnd, true), groups(16));
  const batch = rows(10_000, nI, 16, rnd);
  const packed = aggTable.packRows(batch);
  const positions = batch.posInstrument.length;
  let nan = 0;

  return [
    {
      name: 'risk.table',
      batch: nI * 33,
      fn: () => {
        nan += table.rebuild();
      },
      extra: () => ({ width: table.width, instruments: nI, scenarios: 33, nan_instruments: nan }),
    },
    {
      name: 'risk.aggregate',
      batch: batch.nRows,
      fn: () => {
        nan += aggTable.aggregate(packed).nanRows;
      },
      extra: () => ({ width: aggTable.width, scenarios: 31, positions, positions_per_row: Math.round((positions / batch.nRows) * 10) / 10, nan_rows: nan }),
    },
  ];
}
