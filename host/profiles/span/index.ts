// span: CME SPAN style: 16-scenario risk arrays, scan risk per combined commodity, spread charges and credits, short option minimum
// buildSpanPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishSpan.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishSpan } from './finish.js';
import { validateSpanParams } from './params.js';
import { buildSpanPlan } from './plan.js';
import type { SpanResult } from './finish.js';
import type { SpanParams, SpanPortfolio } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeSpan(portfolios: readonly SpanPortfolio[], params: SpanParams, evaluate: PlanEvaluator = evaluatePlanTs): SpanResult[] {
  const { plan, meta } = buildSpanPlan(portfolios, params);
  return finishSpan(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('span', spanMethodology)`. */
export const spanMethodology: Methodology<SpanParams> = {
  validateParams: validateSpanParams,
  description: 'CME SPAN style: 16-scenario risk arrays, scan risk per combined commodity, spread charges and credits, short option minimum',
};

export { buildSpanPlan, finishSpan, validateSpanParams };
export type * from './types.js';
export type { SpanResult, SpanCommodityResult } from './finish.js';
export { spanRiskArrays, type SpanRiskArray } from './risk-arrays.js';
