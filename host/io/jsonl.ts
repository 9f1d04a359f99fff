// JSON Lines: one JSON object per line; blank lines are skipped by the reader.
import { RiskgridError } from '../errors.js';

/** Parses one line into an object; RG_ERR_PARSE naming the line when it is not a JSON object. */
export function parseJsonlRecord(line: string, lineNo: number): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    throw new RiskgridError('RG_ERR_PARSE', `line ${lineNo}: not valid JSON (${(e as Error).message})`, { field: `line ${lineNo}`, value: line.length > 80 ? `${line.slice(0, 77)}...` : line });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new RiskgridError('RG_ERR_PARSE', `line ${lineNo}: expected a JSON object`, { field: `line ${lineNo}`, value: line.length > 80 ? `${line.slice(0, 77)}...` : line });
  }
  return v as Record<string, unknown>;
}

/** One output line. Non-finite numbers (never expected) become null rather than invalid JSON. */
export function jsonlLine(record: Record<string, unknown>): string {
  return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
