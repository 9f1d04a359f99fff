// okx-pm: OKX portfolio margin: MR1-MR9 per risk unit, MMR and IMR = imrFactor x MMR
// buildOkxPmPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishOkxPm.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishOkxPm } from './finish.js';
import { validateOkxPmParams } from './params.js';
import { buildOkxPmPlan } from './plan.js';
import type { OkxPmParams, OkxPortfolio, OkxPmResult } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeOkxPm(portfolios: readonly OkxPortfolio[], params: OkxPmParams, evaluate: PlanEvaluator = evaluatePlanTs): OkxPmResult[] {
  const { plan, meta } = buildOkxPmPlan(portfolios, params);
  return finishOkxPm(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('okx-pm', okxPmMethodology)`. */
export const okxPmMethodology: Methodology<OkxPmParams> = {
  validateParams: validateOkxPmParams,
  description: 'OKX portfolio margin: MR1-MR9 per risk unit, MMR and IMR = imrFactor x MMR',
};

export { buildOkxPmPlan, finishOkxPm, validateOkxPmParams };
export type * from './types.js';
