// Per-account failure isolation for a batch: each account is converted (and validated) on its
// own; a failure fills that account's slot and the account stays out of the shared plan.
import { asRiskgridError, type RiskgridError } from '../../errors.js';
import type { Account } from '../../model/account.js';
import type { MethodologyOutcome } from '../methodology.js';

export interface Isolated<P> {
  /** One slot per account; failures are already filled in. */
  out: Array<MethodologyOutcome | RiskgridError>;
  /** The converted accounts that succeeded, and the slot each came from. */
  good: P[];
  slot: number[];
}

export function isolate<P>(accounts: readonly Account[], convert: (a: Account) => P): Isolated<P> {
  const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
  const good: P[] = [];
  const slot: number[] = [];
  accounts.forEach((a, i) => {
    try {
      good.push(convert(a));
      slot.push(i);
    } catch (e) {
      out[i] = asRiskgridError(e);
    }
  });
  return { out, good, slot };
}
