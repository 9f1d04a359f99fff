// The audit log's hash chain, shared by every store backend: each row stores
// sha256(prev_hash + canonical JSON of the row), the first row links to GENESIS. Editing,
// deleting or reordering any row changes a hash that a later row (or the row itself) pins.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../profiles/hash.js';
import type { AuditRow, AuditVerification } from './store.js';

export const GENESIS = '0'.repeat(64);

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function auditRowHash(prevHash: string, row: Pick<AuditRow, 'seq' | 'at' | 'kind' | 'account_id' | 'data'>): string {
  return sha256Hex(prevHash + canonicalJson({ seq: row.seq, at: row.at, kind: row.kind, account_id: row.account_id, data: row.data }));
}

/** Walk rows in seq order; the first mismatch (bad link, bad hash or a gap in seq) is reported. */
export function verifyChain(rows: readonly AuditRow[]): AuditVerification {
  let prev = GENESIS;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.seq !== i + 1 || r.prev_hash !== prev || auditRowHash(prev, r) !== r.hash) return { ok: false, rows: rows.length, broken_at: r.seq };
    prev = r.hash;
  }
  return { ok: true, rows: rows.length };
}
