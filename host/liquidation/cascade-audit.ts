// The audit log of a cascade run (issue 7, req. 6): append-only JSONL, one action a line, hash-
// chained with the service audit log's own helper (host/store/audit-chain.ts): each line is
//   { seq, at, kind, account_id, data, prev_hash, hash },  hash = sha256(prev_hash + canonical JSON
//   of { seq, at, kind, account_id, data }), the first line linking to GENESIS (64 zeros).
// `at` is simulated time (the market's timestamp + the round's offset), never a clock reading, so
// the same run writes the same bytes. Kinds, in the order a run emits them: inputs, then per round
// round, liquidation | auction, fee, draw, adl, uncovered, round_end; finally result.
// Replay (cascade-command.ts --replay-audit) verifies the chain, re-runs from the inputs line and
// compares every line's { kind, account_id, data } with the re-run's.
import { readFileSync } from 'node:fs';
import { RiskgridError } from '../errors.js';
import { canonicalJson } from '../profiles/hash.js';
import { auditRowHash, GENESIS, verifyChain } from '../store/audit-chain.js';
import type { AuditRow } from '../store/store.js';

export interface CascadeAuditEntry {
  kind: string;
  account_id: string | null;
  /** Simulated ms since the cascade's start. */
  t_ms: number;
  data: Record<string, unknown>;
}

/** Collects a run's entries and chains them into audit rows. */
export class CascadeAuditLog {
  readonly rows: AuditRow[] = [];
  private prev = GENESIS;

  constructor(private readonly epochMs: number) {}

  add(e: CascadeAuditEntry): void {
    const seq = this.rows.length + 1;
    const at = new Date(this.epochMs + e.t_ms).toISOString();
    const base = { seq, at, kind: e.kind, account_id: e.account_id, data: e.data };
    const hash = auditRowHash(this.prev, base);
    this.rows.push({ ...base, prev_hash: this.prev, hash });
    this.prev = hash;
  }

  text(): string {
    return this.rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  }
}

/** Epoch of a run's simulated clock: the market's timestamp (0 when it has none). */
export function auditEpoch(market: Record<string, unknown>): number {
  const t = market.timestamp;
  return typeof t === 'number' && Number.isFinite(t) ? t : 0;
}

/** Reads and verifies an audit file; a broken chain or a bad line is RG_ERR_INVALID_INPUT naming the line. */
export function readCascadeAudit(file: string): AuditRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--replay-audit: cannot read ${file}: ${(e as Error).message}`, { field: 'replay-audit', value: file });
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const rows = lines.map((line, k) => {
    try {
      const r = JSON.parse(line) as AuditRow;
      if (r === null || typeof r !== 'object' || typeof r.hash !== 'string' || typeof r.kind !== 'string') throw new Error('not an audit row');
      return r;
    } catch (e) {
      throw new RiskgridError('RG_ERR_PARSE', `audit ${file} line ${k + 1}: ${(e as Error).message}`, { field: `audit.line ${k + 1}`, value: line.length > 120 ? `${line.slice(0, 120)}...` : line });
    }
  });
  const v = verifyChain(rows);
  if (!v.ok) {
    const at = rows.findIndex((r) => r.seq === v.broken_at);
    const line = at >= 0 ? at + 1 : v.broken_at;
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `audit ${file} line ${line}: hash chain broken (the line was edited, removed or reordered)`, { field: `audit.line ${line}`, value: v.broken_at });
  }
  if (rows.length === 0 || rows[0]!.kind !== 'inputs') {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `audit ${file} line 1: must be the run's "inputs" line`, { field: 'audit.line 1', value: rows[0]?.kind });
  }
  return rows;
}

/** The first line where two logs differ (1-based), with both sides, or undefined when they match. */
export function firstAuditDifference(recorded: readonly AuditRow[], replayed: readonly AuditRow[]): { line: number; recorded: string; replayed: string } | undefined {
  const show = (r: AuditRow | undefined) => (r === undefined ? '(no line)' : canonicalJson({ kind: r.kind, account_id: r.account_id, at: r.at, data: r.data }));
  for (let k = 0; k < Math.max(recorded.length, replayed.length); k++) {
    const a = show(recorded[k]), b = show(replayed[k]);
    if (a !== b) return { line: k + 1, recorded: a, replayed: b };
  }
  return undefined;
}
