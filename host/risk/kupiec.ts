// Kupiec's proportion-of-failures test (Kupiec 1995) and the Basel traffic-light zones.
//   LR = −2·ln[(1−p)^{n−x}·p^x] + 2·ln[(1−x/n)^{n−x}·(x/n)^x],  p = 1 − level,
// asymptotically χ²(1) under "the model's exception rate is p"; its p-value is
//   P(χ²₁ > LR) = P(|Z| > √LR) = 2·(1 − Φ(√LR)).
// Traffic light (Basel Committee 1996, 99 % VaR over 250 days): ≤ 4 green, 5–9 amber, ≥ 10 red;
// other sample sizes keep the zones' cumulative binomial probabilities (green while
// P(X ≤ x) < 95 %, amber while < 99.99 %), which reproduce 4 / 9 at n = 250, p = 1 %; a count
// at or below the expected n·p is always green (in short samples P(X ≤ 0) alone can pass 95 %).
import { RiskgridError } from '../errors.js';
import { normCdf } from '../reference/normal.js';

export interface KupiecResult {
  observations: number;
  exceptions: number;
  expectedRate: number;
  observedRate: number;
  lr: number;
  pValue: number;
}

/** x·ln(y) with 0·ln(0) = 0. */
const xlogy = (x: number, y: number): number => (x === 0 ? 0 : x * Math.log(y));

export function kupiecPof(observations: number, exceptions: number, level: number): KupiecResult {
  if (!Number.isInteger(observations) || observations < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `observations must be a positive integer, got ${observations}`, { field: 'observations', value: observations });
  if (!Number.isInteger(exceptions) || exceptions < 0 || exceptions > observations) throw new RiskgridError('RG_ERR_INVALID_INPUT', `exceptions must be an integer in [0, ${observations}], got ${exceptions}`, { field: 'exceptions', value: exceptions });
  if (!(level > 0 && level < 1)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `level must be in (0, 1), got ${level}`, { field: 'level', value: level });
  const n = observations;
  const x = exceptions;
  const p = 1 - level;
  const q = x / n;
  const lr = Math.max(0, -2 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(n - x, 1 - q) + xlogy(x, q)));
  return { observations: n, exceptions: x, expectedRate: p, observedRate: q, lr, pValue: 2 * (1 - normCdf(Math.sqrt(lr))) };
}

export type Zone = 'green' | 'amber' | 'red';

/** P(X ≤ x) for X ~ Binomial(n, p), summed in log space term by term. */
export function binomialCdf(x: number, n: number, p: number): number {
  let term = Math.pow(1 - p, n); // P(X = 0)
  let sum = term;
  for (let k = 1; k <= x; k++) {
    term *= ((n - k + 1) / k) * (p / (1 - p));
    sum += term;
  }
  return Math.min(1, sum);
}

export function trafficLight(observations: number, exceptions: number, level: number): Zone {
  const p = 1 - level;
  const c = binomialCdf(exceptions, observations, p);
  if (exceptions <= observations * p || c < 0.95) return 'green';
  if (c < 0.9999) return 'amber';
  return 'red';
}
