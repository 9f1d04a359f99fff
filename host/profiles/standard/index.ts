// standard: static position-by-position margin: fixed rates on notional, CBOE-style naked short options, no offsets
// buildStandardPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishStandard.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishStandard } from './finish.js';
import { validateStandardParams } from './params.js';
import { buildStandardPlan } from './plan.js';
import type { Portfolio } from '../standard/position.js';
import type { StandardParams, StandardResult } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeStandard(portfolios: readonly Portfolio[], params: StandardParams, evaluate: PlanEvaluator = evaluatePlanTs): StandardResult[] {
  const { plan, meta } = buildStandardPlan(portfolios, params);
  return finishStandard(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('standard', standardMethodology)`. */
export const standardMethodology: Methodology<StandardParams> = {
  validateParams: validateStandardParams,
  description: 'static position-by-position margin: fixed rates on notional, CBOE-style naked short options, no offsets',
};

export { buildStandardPlan, finishStandard, validateStandardParams };
export type * from './types.js';
export type { Portfolio, ResolvedPosition } from './position.js';
