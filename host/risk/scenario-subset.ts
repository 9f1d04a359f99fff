// A ScenarioSet restricted to some of its scenarios (in the given order), e.g. one shock to look
// at account by account.
import type { ScenarioSet } from '../margin/plan.js';

export function scenarioSubset(set: ScenarioSet, pick: readonly number[]): ScenarioSet {
  const nS = set.nS;
  const m = pick.length;
  const rows = (a: Float64Array): Float64Array => {
    const nR = a.length / nS;
    const out = new Float64Array(nR * m);
    for (let r = 0; r < nR; r++) for (let k = 0; k < m; k++) out[r * m + k] = a[r * nS + pick[k]!]!;
    return out;
  };
  const out: ScenarioSet = {
    nS: m,
    spotMult: rows(set.spotMult),
    volMul: rows(set.volMul),
    volAdd: rows(set.volAdd),
    volFloor: rows(set.volFloor),
    damp: Float64Array.from(pick, (s) => set.damp[s]!),
    mode: Int32Array.from(pick, (s) => set.mode[s]!),
  };
  if (set.skew) out.skew = rows(set.skew);
  return out;
}
