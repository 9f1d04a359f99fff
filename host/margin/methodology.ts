// The contract between the engine and a margin methodology. A methodology turns validated
// accounts and a validated snapshot into its plain structs, builds one scenario plan for the whole
// batch (so accounts share the instrument table), runs it through the evaluator it is given
// (WebAssembly kernels, or the TypeScript spec in tests), and finishes each account.
import type { RiskgridError } from '../errors.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import type { Methodology } from '../profiles/registry.js';
import type { PlanEvaluator } from './plan.js';
import type { MarginResult } from './result.js';

export type { PlanEvaluator };

export interface MethodologyContext {
  evaluate: PlanEvaluator;
  /** Fill `instrument_scenarios` in the outcome. */
  instrumentScenarios: boolean;
}

/** What a methodology computes; the engine adds identity, echo fields and Greeks. */
export type MethodologyOutcome = Omit<
  MarginResult,
  'account_id' | 'profile' | 'profile_hash' | 'methodology' | 'market_snapshot_id' | 'engine_version' | 'greeks'
>;

export interface MarginMethodology<P = unknown> extends Methodology<P> {
  /**
   * One outcome per account, in order. A failure that belongs to one account (a missing market
   * value, an unsupported instrument) is returned in its slot and never affects the others.
   */
  marginAccounts(accounts: readonly Account[], market: MarketSnapshot, params: P, ctx: MethodologyContext): Array<MethodologyOutcome | RiskgridError>;
}

export function isMarginMethodology(m: Methodology): m is MarginMethodology {
  return typeof (m as MarginMethodology).marginAccounts === 'function';
}
