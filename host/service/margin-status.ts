// An account's margin status from its excesses: what list-by-status, the stream's events and every
// margin answer report.
import type { MarginResult } from '../margin/result.js';
import type { AccountStatus } from '../store/store.js';

export function statusOf(r: Pick<MarginResult, 'im_excess' | 'mm_excess'>): Exclude<AccountStatus, 'error' | 'unknown'> {
  return r.mm_excess < 0 ? 'mm_breach' : r.im_excess < 0 ? 'im_breach' : 'ok';
}
