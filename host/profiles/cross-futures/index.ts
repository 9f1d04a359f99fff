// cross-futures: futures and perpetuals netted per underlying (net delta) plus a spread charge; options and spot as in standard
// buildCrossFuturesPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishCrossFutures.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { Methodology } from '../registry.js';
import type { PlanEvaluator } from '../../margin/plan-builder.js';
import { finishCrossFutures } from './finish.js';
import { validateCrossFuturesParams } from './params.js';
import { buildCrossFuturesPlan } from './plan.js';
import type { Portfolio } from '../standard/position.js';
import type { CrossFuturesParams, CrossFuturesResult } from './types.js';

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeCrossFutures(portfolios: readonly Portfolio[], params: CrossFuturesParams, evaluate: PlanEvaluator = evaluatePlanTs): CrossFuturesResult[] {
  const { plan, meta } = buildCrossFuturesPlan(portfolios, params);
  return finishCrossFutures(plan, evaluate(plan), meta);
}

/** For the profile registry: `registerMethodology('cross-futures', crossFuturesMethodology)`. */
export const crossFuturesMethodology: Methodology<CrossFuturesParams> = {
  validateParams: validateCrossFuturesParams,
  description: 'futures and perpetuals netted per underlying (net delta) plus a spread charge; options and spot as in standard',
};

export { buildCrossFuturesPlan, finishCrossFutures, validateCrossFuturesParams };
export type * from './types.js';
