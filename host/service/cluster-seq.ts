// An account's version as the cluster's per-account sequence number (host/cluster: a node applies
// an update only when its seq is above the one it holds, so a re-sent version is harmless). The
// version is the account's `updated_at` in epoch milliseconds: stored in the same row as the
// positions it versions (one write, so a crash can never pair new positions with an old number),
// and made strictly increasing per account by stampAfter().
import type { AccountRecord } from '../store/store.js';

/** The seq the cluster knows this stored version of the account by. */
export function accountVersion(rec: Pick<AccountRecord, 'updated_at'>): number {
  const v = Date.parse(rec.updated_at);
  // Stored by the service as an ISO 8601 instant; anything else was written by hand.
  return Number.isSafeInteger(v) && v >= 1 ? v : 1;
}

/** Now as ISO 8601, but strictly after `prev` (two writes in one millisecond, a clock stepped back). */
export function stampAfter(prev: string | undefined, now = Date.now()): string {
  const p = prev === undefined ? NaN : Date.parse(prev);
  return new Date(Number.isFinite(p) && p >= now ? p + 1 : now).toISOString();
}
