// deribit-pm: Deribit portfolio margin (S:PM / X:PM): 9 x 3 price-vol grid, extended table, delta and roll shocks, per-option minimum
// buildDeribitPmPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishDeribitPm.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishDeribitPm } from './finish.js';
import { validateDeribitPmParams } from './params.js';
import { buildDeribitPmPlan } from './plan.js';
import type { DeribitPmParams, DeribitPortfolio, DeribitPmResult } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeDeribitPm(portfolios: readonly DeribitPortfolio[], params: DeribitPmParams, evaluate: PlanEvaluator = evaluatePlanTs): DeribitPmResult[] {
  const { plan, meta } = buildDeribitPmPlan(portfolios, params);
  return finishDeribitPm(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('deribit-pm', deribitPmMethodology)`. */
export const deribitPmMethodology: Methodology<DeribitPmParams> = {
  validateParams: validateDeribitPmParams,
  description: 'Deribit portfolio margin (S:PM / X:PM): 9 x 3 price-vol grid, extended table, delta and roll shocks, per-option minimum',
};

export { buildDeribitPmPlan, finishDeribitPm, validateDeribitPmParams };
export type * from './types.js';
