// Store rows → records, the same for both backends: JSON is kept as text, so a round trip returns
// exactly what was stored, whichever database holds it.
import type { AccountRecord, AccountStatus, ProfileRecord, SnapshotRecord } from './store.js';

type Row = { [k: string]: unknown };

export function accountOf(r: Row): AccountRecord {
  return {
    id: r.id as string, pool: r.pool as string, positions: JSON.parse(r.positions as string) as unknown[],
    balances: JSON.parse(r.balances as string) as Record<string, number>, status: r.status as AccountStatus, updated_at: r.updated_at as string,
  };
}

export function profileOf(r: Row): ProfileRecord {
  return { name: r.name as string, version: r.version as string, hash: r.hash as string, json: JSON.parse(r.json as string) as Record<string, unknown> };
}

export function snapshotOf(r: Row): SnapshotRecord {
  return { id: r.id as string, timestamp: r.timestamp as number, json: JSON.parse(r.json as string) as Record<string, unknown> };
}
