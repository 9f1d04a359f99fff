// The demo venue behind `npm start` (`riskgrid serve --demo`): a seeded synthetic derive-pmrm2
// venue (host/venue/synth.ts) written into the store on first start — pool `default` → the
// profile, a few hundred accounts, the venue's market snapshot ingested as POST /v1/market would
// — plus an operator API key (every scope, every account).
//
// Idempotent: the pool and the accounts are written only when absent, so a restart (or a start
// after a crash mid-seed) never duplicates them. The market is a new demo snapshot dated now at
// each start while the latest one is a demo one (snapshots are immutable; a user's is kept). A
// key's secret exists only at its creation (the store keeps sha256 of it), so every start issues
// a NEW demo key and says so; earlier keys stay valid.
import { createEngine, type Engine } from '../margin/engine.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { accountToJson } from '../model/account.js';
import { SCOPES, type Store } from '../store/store.js';
import { synthVenue } from '../venue/synth.js';
import { newApiKey } from './auth.js';

export const DEMO_PROFILE = 'derive-pmrm2.test';
export const DEMO_POOL = 'default';

export interface DemoVenueOptions {
  /** Accounts to seed (default 300). */
  accounts?: number;
  /** Listed instruments: the perp plus options (default 200). */
  instruments?: number;
  /** Synth seed: the same seed seeds the same accounts (default 7). */
  seed?: number;
  /** Wall clock (UTC ms): the demo snapshot's time; default now. */
  now?: number;
}

export interface DemoSeed {
  /** What this call wrote (0 / false on a restart of a seeded database). */
  accounts_written: number;
  pool_written: boolean;
  snapshot_written: boolean;
  /** Accounts of the demo venue now in the store. */
  accounts: number;
  /** The latest snapshot after seeding (the demo one, or a newer one ingested since). */
  snapshot_id: string;
  /** The new operator key: the secret is shown here once and stored only hashed. */
  key_id: string;
  secret: string;
  /** An account and an instrument to try a what-if with. */
  example: { account_id: string; instrument: string };
}

export async function seedDemoVenue(store: Store, opts: DemoVenueOptions = {}): Promise<DemoSeed> {
  const timestamp = Math.floor(opts.now ?? Date.now());
  const seed = opts.seed ?? 7;
  const venue = synthVenue({ accounts: opts.accounts ?? 300, instruments: opts.instruments ?? 200, seed, profile: DEMO_PROFILE, timestamp });
  let engine: Engine | undefined;

  const out = await inTransaction(store, async () => {
    // A pool already pointing elsewhere is the operator's choice: keep it.
    const pool_written = (await store.getPool(DEMO_POOL)) === undefined;
    if (pool_written) await store.putPool(DEMO_POOL, DEMO_PROFILE);

    let accounts = 0;
    let accounts_written = 0;
    for (const line of venue.accountLines()) {
      accounts++;
      const raw = JSON.parse(line) as { account_id: string; positions: unknown; balances: unknown };
      if ((await store.getAccount(raw.account_id)) !== undefined) continue;
      // Normalised through the engine exactly as POST /v1/accounts stores an account.
      engine ??= createEngine({ profile: DEMO_PROFILE });
      const parsed = engine.parseAccount({ ...raw, pool: DEMO_POOL });
      const json = accountToJson(parsed, engine.conventions);
      await store.putAccount({ id: parsed.id, pool: DEMO_POOL, positions: json.positions, balances: json.balances, status: 'unknown', updated_at: new Date().toISOString() });
      accounts_written++;
    }

    // Each start stores a demo snapshot dated now (the guard flags data older than its feed limits
    // — seconds — as degraded); a snapshot that is not a demo one (ingested by the user) is never
    // shadowed.
    let latest = await store.latestSnapshot();
    const demoId = `demo-${seed}-${new Date(timestamp).toISOString().slice(0, 23).replace(/[-T:.]/g, '')}`;
    const snapshot_written = latest === undefined || (latest.id.startsWith('demo-') && latest.timestamp < timestamp && (await store.getSnapshot(demoId)) === undefined);
    if (snapshot_written) {
      venue.market.json.snapshot_id = demoId;
      const snap = parseMarketSnapshot(venue.market.json);
      latest = { id: snap.id, timestamp: snap.timestamp, json: snapshotToJson(snap) };
      await store.putSnapshot(latest, [{ kind: 'market_ingested', account_id: null, data: { snapshot_id: snap.id, timestamp: snap.timestamp, key_id: 'demo-seed' } }]);
    }
    const snapshot_id = latest?.id ?? demoId;
    if (pool_written || accounts_written > 0 || snapshot_written) {
      await store.appendAudit({ kind: 'demo_seeded', account_id: null, data: { profile: DEMO_PROFILE, pool: DEMO_POOL, accounts_written, snapshot_id } });
    }
    return { pool_written, accounts, accounts_written, snapshot_written, snapshot_id, example: { account_id: 'synth-0', instrument: venue.market.perpId } };
  });

  const key = newApiKey([...SCOPES], ['*']);
  await store.putApiKey(key.record);
  await store.appendAudit({ kind: 'api_key_created', account_id: null, data: { key_id: key.record.id, scopes: key.record.scopes, account_ids: key.record.account_ids, by: 'demo' } });
  return { ...out, key_id: key.record.id, secret: key.secret };
}

/**
 * SQLite writes with synchronous=FULL cost an fsync each; one transaction makes the few hundred
 * account writes of a first start one commit. Other stores run the writes as they are (each is
 * idempotent, so a partial seed completes on the next start).
 */
async function inTransaction<T>(store: Store, f: () => Promise<T>): Promise<T> {
  const db = (store as { db?: { exec(sql: string): unknown; inTransaction: boolean } }).db;
  if (db === undefined || typeof db.exec !== 'function' || db.inTransaction) return f();
  db.exec('BEGIN IMMEDIATE');
  try {
    const r = await f();
    db.exec('COMMIT');
    return r;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
