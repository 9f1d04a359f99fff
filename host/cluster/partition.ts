// Account → partition: FNV-1a (32-bit) of the account id's UTF-8 bytes, modulo the cluster's
// partition count (default 64, fixed when the cluster is created: changing it remaps accounts).
// Stable across processes, machines and releases — the mapping is part of the wire contract:
// position updates of partition p travel on subject `pos.<p>`, results on `results.<p>`.
import { RiskgridError } from '../errors.js';

export const DEFAULT_PARTITIONS = 64;
const MAX_PARTITIONS = 65536;

const utf8 = new TextEncoder();

/** FNV-1a, 32-bit, over the UTF-8 bytes of `s` (offset basis 2166136261, prime 16777619). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8.encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function checkPartitions(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `partitions must be an integer in [1, ${MAX_PARTITIONS}], got ${String(n)}`, { field: 'partitions', value: n });
  }
  return n;
}

/** The partition of an account id. */
export function partitionOf(accountId: string, partitions: number = DEFAULT_PARTITIONS): number {
  if (typeof accountId !== 'string' || accountId.length === 0) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', 'account_id must be a non-empty string', { field: 'account_id', value: accountId });
  }
  return fnv1a32(accountId) % partitions;
}
