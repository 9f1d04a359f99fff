// Per-account tail figures of one aggregated batch of rows. The same code runs on the main thread (single-thread path) and in the pool's workers, so
// the two paths give bit-identical per-account figures.
import { tailFigures } from './tail-stats.js';

export interface SliceOut {
  /** [level][row] VaR and ES of each row (positive = loss). */
  var: Float64Array[];
  es: Float64Array[];
  worstPnl: Float64Array;
  worstScenario: Int32Array;
}

export function newSliceOut(nLevels: number, nRows: number): SliceOut {
  return {
    var: Array.from({ length: nLevels }, () => new Float64Array(nRows)),
    es: Array.from({ length: nLevels }, () => new Float64Array(nRows)),
    worstPnl: new Float64Array(nRows),
    worstScenario: new Int32Array(nRows),
  };
}

/** Rows 0..m−1 of `pnl` ([m × nS]) → out at rows at..at+m−1. `scratch` holds nS f64. */
export function sliceStats(
  pnl: Float64Array, worst: Float64Array, worstIndex: Int32Array, m: number, nS: number,
  levels: readonly number[], out: SliceOut, at: number, scratch: Float64Array,
): void {
  for (let r = 0; r < m; r++) {
    const row = pnl.subarray(r * nS, (r + 1) * nS);
    const f = tailFigures(row, levels, scratch);
    for (let l = 0; l < levels.length; l++) {
      out.var[l]![at + r] = f[l]!.var;
      out.es[l]![at + r] = f[l]!.es;
    }
    out.worstPnl[at + r] = worst[r]!;
    out.worstScenario[at + r] = worstIndex[r]!;
  }
}
