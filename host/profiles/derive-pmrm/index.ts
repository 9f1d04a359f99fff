// derive-pmrm: Derive's older portfolio margin method (PMRM v2.0; derivexyz/v2-core PMRM + PMRMLib).
// buildDerivePmrmPlan → an evaluator (the WebAssembly kernels in the engine, evaluatePlanTs as the
// executable spec) → finishDerivePmrm.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { PlanEvaluator } from '../../margin/plan.js';
import { finishDerivePmrm } from './finish.js';
import { buildDerivePmrmPlan } from './plan.js';
import type { DerivePmrmOutput, DerivePmrmParams, DerivePmrmPortfolio } from './types.js';

export type { PlanEvaluator };

/** Margin of every portfolio in one pass over the shared instrument table. */
export function computeDerivePmrm(
  portfolios: readonly DerivePmrmPortfolio[],
  params: DerivePmrmParams,
  evaluate: PlanEvaluator = evaluatePlanTs,
): DerivePmrmOutput[] {
  const { plan, meta } = buildDerivePmrmPlan(portfolios, params);
  return finishDerivePmrm(portfolios, plan, meta, evaluate(plan));
}


export { buildDerivePmrmPlan, type DerivePmrmPlanMeta, type DerivePmrmRowMeta, type DerivePmrmExpiryMeta } from './plan.js';
export { finishDerivePmrm } from './finish.js';
export { validateDerivePmrmParams } from './params.js';
export { validateDerivePmrmPortfolio } from './portfolio.js';
export * from './shocks.js';
export type * from './types.js';
