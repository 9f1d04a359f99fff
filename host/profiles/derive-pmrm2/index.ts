// derive-pmrm2: Derive's PMRM_2 portfolio margin (derivexyz/v2-core PMRM_2 + PMRMLib_2).
// buildDerivePmrm2Plan → an evaluator (TypeScript spec or WebAssembly kernels) → finishDerivePmrm2.
import { evaluatePlanTs } from '../../margin/evaluate-ts.js';
import type { PlanEvaluator } from '../../margin/plan.js';
import { finishDerivePmrm2 } from './finish.js';
import { buildDerivePmrm2Plan } from './plan.js';
import type { DerivePmrm2Params, DerivePmrm2Result, DerivePortfolio } from './types.js';

export * from './types.js';
export { validateDerivePmrm2Params } from './params.js';
export { arrangeDerivePortfolio, FORWARD_SPLIT_SECONDS } from './arrange.js';
export type { ArrangedExpiry, ArrangedPortfolio } from './arrange.js';
export { buildDerivePmrm2Plan } from './plan.js';
export type { DerivePmrm2PlanMeta, DerivePmrm2PortfolioMeta, DerivePmrm2ExpiryMeta } from './plan.js';
export { finishDerivePmrm2, finishDerivePmrm2Row, derivePmrm2ScenarioKinds } from './finish.js';
export { expiryShocks, skewVolMultiplier } from './shocks.js';

export type { PlanEvaluator };

/** Margin of each portfolio under one parameter set, through the given plan evaluator. */
export function marginDerivePmrm2(portfolios: DerivePortfolio[], params: DerivePmrm2Params, evaluate: PlanEvaluator = evaluatePlanTs): DerivePmrm2Result[] {
  const { plan, meta } = buildDerivePmrm2Plan(portfolios, params);
  return finishDerivePmrm2(portfolios, params, meta, evaluate(plan));
}
