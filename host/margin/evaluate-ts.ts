// The plan evaluator in plain TypeScript: the executable specification of plan.ts, used by tests
// as the second implementation of the WebAssembly risk kernels. Straight loops, no tricks.
import { black76Price } from '../reference/black.js';
import { KIND_OPTION, MODE_BASIS_DOWN, MODE_BASIS_UP, MODE_NEG_ABS, type PlanResult, type ScenarioPlan } from './plan.js';

export function evaluatePlanTs(plan: ScenarioPlan): PlanResult {
  const { instruments: ins, scenarios: sc, groups, rows } = plan;
  const nS = sc.nS;
  const table = new Float64Array(ins.n * nS);
  const base = new Float64Array(ins.n);
  for (let i = 0; i < ins.n; i++) {
    const F0 = ins.fwdFixed[i]! + ins.fwdVar[i]!;
    base[i] = value(plan, i, F0, ins.vol[i]!);
    const u = ins.underlying[i]!;
    const g = ins.volGroup[i]!;
    for (let s = 0; s < nS; s++) {
      const F = ins.fwdFixed[i]! + ins.fwdVar[i]! * sc.spotMult[u * nS + s]!;
      const k = g * nS + s;
      let vol = Math.max(ins.vol[i]! * sc.volMul[k]! + sc.volAdd[k]!, sc.volFloor[k]!);
      if (sc.skew) vol *= sc.skew[i * nS + s]!;
      table[i * nS + s] = value(plan, i, F, vol);
    }
  }

  const pnl = new Float64Array(rows.nRows * nS);
  const worst = new Float64Array(rows.nRows);
  const worstIndex = new Int32Array(rows.nRows);
  const x = new Float64Array(nS);
  for (let r = 0; r < rows.nRows; r++) {
    const out = pnl.subarray(r * nS, (r + 1) * nS);
    for (let e = rows.rowStart[r]!; e < rows.rowStart[r + 1]!; e++) {
      x.fill(0);
      let b = 0;
      for (let p = rows.groupStart[e]!; p < rows.groupStart[e + 1]!; p++) {
        const i = rows.posInstrument[p]!;
        const size = rows.posSize[p]!;
        b += size * base[i]!;
        for (let s = 0; s < nS; s++) x[s]! += size * table[i * nS + s]!;
      }
      const g = rows.groupId[e]!;
      for (let s = 0; s < nS; s++) out[s]! += groupPnl(plan, g, s, x, b);
    }
    let w = Infinity;
    let wi = -1;
    for (let s = 0; s < nS; s++) {
      const v = out[s]!;
      if (Number.isNaN(v)) {
        w = NaN;
        wi = -1;
        break;
      }
      if (v < w) {
        w = v;
        wi = s;
      }
    }
    worst[r] = w;
    worstIndex[r] = wi;
  }
  return { table, base, pnl, worst, worstIndex };
}

function value(plan: ScenarioPlan, i: number, F: number, vol: number): number {
  const ins = plan.instruments;
  if (ins.kind[i] !== KIND_OPTION) return F;
  return black76Price(F, ins.strike[i]!, ins.T[i]!, vol, ins.df[i]!, ins.omega[i]! > 0 ? 1 : -1);
}

function groupPnl(plan: ScenarioPlan, g: number, s: number, x: Float64Array, base: number): number {
  const { scenarios: sc, groups } = plan;
  const mode = sc.mode[s];
  if (mode === MODE_BASIS_UP || mode === MODE_BASIS_DOWN) {
    const up = mode === MODE_BASIS_UP ? s : s - 1;
    return Math.min(x[up]! - base, x[up + 1]! - base, 0) * groups.aux[g]!;
  }
  const xs = x[s]!;
  const disc = groups.posDisc[g]! * Math.max(xs, 0) + groups.negDisc[g]! * Math.min(xs, 0);
  const v = sc.damp[s]! * (disc - base);
  return mode === MODE_NEG_ABS ? -Math.abs(v) : v;
}
