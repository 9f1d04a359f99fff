// Historical simulation: the moves seen over every window of `horizon` days in a price history,
// applied to today's snapshot. Scenario t (t = 0 .. N−1−horizon, overlapping windows) has
//   spotMult_u = P_u[t + h] / P_u[t],   volMul_g = σ_u[t + h] / σ_u[t]  (every vol group of u;
// 1 when the history has no vol column for u).
import { RiskgridError } from '../errors.js';
import type { ScenarioSet } from '../margin/plan.js';
import type { PriceHistory } from './history.js';
import { plainScenarioSet, type VolGroupSpec } from './mc-scenarios.js';

export interface HistoricalScenarios {
  scenarios: ScenarioSet;
  /** "start..end" date of each scenario's window. */
  labels: string[];
}

export function historicalScenarios(h: PriceHistory, underlyings: readonly string[], volGroups: readonly VolGroupSpec[], horizonDays: number): HistoricalScenarios {
  if (!Number.isInteger(horizonDays) || horizonDays < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `horizon must be a positive whole number of days, got ${horizonDays}`, { field: 'horizon', value: horizonDays });
  const N = h.dates.length;
  const nS = N - horizonDays;
  if (nS < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `history of ${N} days has no ${horizonDays}-day window`, { field: 'history', value: N });
  const nU = underlyings.length;
  const spotMult = new Float64Array(nU * nS);
  underlyings.forEach((u, ui) => {
    const p = h.prices.get(u);
    if (!p) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `history has no price column for ${u}`, { field: `history.${u}`, value: undefined });
    for (let t = 0; t < nS; t++) spotMult[ui * nS + t] = p[t + horizonDays]! / p[t]!;
  });
  const volMul = new Float64Array(volGroups.length * nS).fill(1);
  volGroups.forEach((g, gi) => {
    const v = h.vols.get(underlyings[g.underlying]!);
    if (!v) return;
    for (let t = 0; t < nS; t++) volMul[gi * nS + t] = v[t + horizonDays]! / v[t]!;
  });
  const labels = Array.from({ length: nS }, (_, t) => `${h.dates[t]}..${h.dates[t + horizonDays]}`);
  return { scenarios: plainScenarioSet(nS, spotMult, volMul), labels };
}
