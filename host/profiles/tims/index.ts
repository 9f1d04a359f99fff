// tims: FINRA 4210(g) / OCC TIMS style: 10 valuation points per class, group offsets, per-contract minimum, concentration add-on
// buildTimsPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishTims.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishTims } from './finish.js';
import { validateTimsParams } from './params.js';
import { buildTimsPlan } from './plan.js';
import type { TimsParams, TimsPortfolio, TimsResult } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeTims(portfolios: readonly TimsPortfolio[], params: TimsParams, evaluate: PlanEvaluator = evaluatePlanTs): TimsResult[] {
  const { plan, meta } = buildTimsPlan(portfolios, params);
  return finishTims(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('tims', timsMethodology)`. */
export const timsMethodology: Methodology<TimsParams> = {
  validateParams: validateTimsParams,
  description: 'FINRA 4210(g) / OCC TIMS style: 10 valuation points per class, group offsets, per-contract minimum, concentration add-on',
};

export { buildTimsPlan, finishTims, validateTimsParams };
export type * from './types.js';
