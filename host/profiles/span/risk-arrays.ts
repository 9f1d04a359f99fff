// Per-instrument SPAN figures out of the evaluated plan: the 16-value risk array per contract
// (loss positive, extremes at the cover fraction, as SPAN prints it), the composite delta
// (probability-weighted central-difference deltas at the seven price points, after the look-ahead)
// and the price now.
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import type { SpanPlanMeta } from './plan.js';
import { DELTA_BUMP, N_POINTS, N_RISK, deltaSlot } from './scenarios.js';

export interface SpanRiskArray {
  id: string;
  commodity: string;
  /** Loss per contract in each of the 16 scenarios (gains negative). */
  riskArray: number[];
  /** Delta per contract, in contracts of the underlying future. */
  compositeDelta: number;
  /** Value per contract now (the option premium; the futures price × multiplier for linear). */
  price: number;
}

export function spanRiskArrays(plan: ScenarioPlan, result: PlanResult, meta: SpanPlanMeta): SpanRiskArray[] {
  const nS = plan.scenarios.nS;
  const damp = plan.scenarios.damp;
  const w = meta.params.compositeDeltaWeights;
  return meta.instruments.map((m, i) => {
    if (m.given) return { id: m.id, commodity: m.commodity, riskArray: [...m.given.riskArray], compositeDelta: m.given.compositeDelta, price: m.given.price };
    // Scenario value (at T − look-ahead) against the price now (the `today` twin).
    const now = result.base[m.today]!;
    const riskArray: number[] = [];
    for (let s = 0; s < N_RISK; s++) riskArray.push(-damp[s]! * (result.table[i * nS + s]! - now) * m.multiplier + 0); // + 0: no −0
    let delta = 0;
    for (let k = 0; k < N_POINTS; k++) {
      const up = result.table[i * nS + deltaSlot(k, 1)]!;
      const dn = result.table[i * nS + deltaSlot(k, -1)]!;
      delta += w[k]! * ((up - dn) / (2 * DELTA_BUMP * m.range));
    }
    return { id: m.id, commodity: m.commodity, riskArray, compositeDelta: delta, price: now * m.multiplier };
  });
}
