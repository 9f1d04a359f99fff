// Value at risk and expected shortfall of a P&L sample (negative = loss), by the order-statistic
// convention: with n scenarios and level α, the tail is the k = ⌈n·(1−α)⌉ worst outcomes;
//   VaR_α = −(k-th smallest P&L),  ES_α = −(mean of the k smallest P&L).
// Both are reported as positive losses (a sample with no loss in its tail gives a negative VaR).
// A NaN anywhere makes both NaN: a sample with a failed valuation has no quantile.
import { RiskgridError } from '../errors.js';

export interface TailFigures {
  level: number;
  var: number;
  es: number;
  /** Scenarios in the tail (k). */
  tail: number;
}

export function checkLevels(levels: readonly number[]): void {
  for (const a of levels) {
    if (typeof a !== 'number' || !(a > 0 && a < 1)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `confidence level must be in (0, 1), got ${a}`, { field: 'levels', value: a });
  }
}

export function tailSize(n: number, level: number): number {
  // The 1e-9 keeps 10,000·(1 − 0.99) = 100.00000000000009 at 100.
  return Math.max(1, Math.ceil(n * (1 - level) - 1e-9));
}

/**
 * VaR and ES at each level in one pass: a max-heap keeps the K smallest values seen (K the largest
 * tail), so a value enters it only when it beats the heap's top — about K·ln(n/K) times on
 * shuffled data. The K values are then sorted, and every level reads its prefix: the sums run in
 * ascending order, so the figures do not depend on the scenario order. `scratch` needs K + 1 f64.
 */
export function tailFigures(pnl: Float64Array, levels: readonly number[], scratch?: Float64Array): TailFigures[] {
  const n = pnl.length;
  let K = 0;
  for (const l of levels) K = Math.max(K, tailSize(n, l));
  K = Math.min(K, n);
  const heap = scratch && scratch.length >= K ? scratch.subarray(0, K) : new Float64Array(K);
  let size = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const v = pnl[i]!;
    if (v !== v) {
      nan = true;
      break;
    }
    if (size < K) {
      // Sift up.
      let c = size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heap[p]! >= v) break;
        heap[c] = heap[p]!;
        c = p;
      }
      heap[c] = v;
    } else if (v < heap[0]!) {
      // Replace the top and sift down.
      let c = 0;
      for (;;) {
        let l = 2 * c + 1;
        if (l >= K) break;
        if (l + 1 < K && heap[l + 1]! > heap[l]!) l++;
        if (heap[l]! <= v) break;
        heap[c] = heap[l]!;
        c = l;
      }
      heap[c] = v;
    }
  }
  if (nan) return levels.map((level) => ({ level, var: NaN, es: NaN, tail: tailSize(n, level) }));
  heap.sort();
  return levels.map((level) => {
    const k = Math.min(tailSize(n, level), n);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += heap[j]!;
    return { level, var: -heap[k - 1]!, es: -sum / k, tail: k };
  });
}

/** Indices of the m smallest P&L (worst first). */
export function worstScenarios(pnl: Float64Array, m: number): number[] {
  const idx = Array.from(pnl.keys());
  idx.sort((p, q) => pnl[p]! - pnl[q]! || p - q);
  return idx.slice(0, Math.min(m, idx.length));
}
