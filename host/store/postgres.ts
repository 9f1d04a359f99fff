// PostgreSQL store (node-postgres): the same Store semantics as sqlite.ts, record for record.
// JSON is kept as text, not jsonb: jsonb reorders keys and reformats numbers, and a round trip
// must return exactly what SQLite returns. Text ordering uses COLLATE "C" (byte order, as
// SQLite's BINARY) so listings come back in the same order whatever the database's locale.
// A write resolves after COMMIT, and sessions never run with synchronous_commit=off, so an
// acknowledged write is in the server's WAL on disk.
import pg from 'pg';
import type { PoolClient } from 'pg';
import { RiskgridError } from '../errors.js';
import { auditRowHash, GENESIS, verifyChain } from './audit-chain.js';
import type {
  AccountRecord, AccountStatus, ApiKeyRecord, AuditEntry, AuditRow, AuditVerification, MarginRunRecord, MarginWrite, ProfileRecord, Scope, SnapshotRecord, Store,
} from './store.js';
import { accountOf, profileOf, snapshotOf } from './rows.js';

// Append-only, each a list of statements run in one transaction; never edit a released one.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (id TEXT PRIMARY KEY, pool TEXT NOT NULL, positions TEXT NOT NULL, balances TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'unknown', updated_at TEXT NOT NULL);
   CREATE INDEX accounts_status ON accounts(status);
   CREATE TABLE pools (name TEXT PRIMARY KEY, profile TEXT NOT NULL);
   CREATE TABLE profiles (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL, hash TEXT NOT NULL,
     json TEXT NOT NULL, UNIQUE(name, hash));
   -- double precision, as SQLite keeps any number a caller stores (ms timestamps are exact below 2^53).
   CREATE TABLE snapshots (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id TEXT NOT NULL UNIQUE, "timestamp" DOUBLE PRECISION NOT NULL, json TEXT NOT NULL);
   CREATE TABLE margin_runs (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id TEXT NOT NULL, inputs_hash TEXT NOT NULL,
     profile_hash TEXT NOT NULL, snapshot_id TEXT NOT NULL, engine_version TEXT NOT NULL, result TEXT NOT NULL, computed_at TEXT NOT NULL);
   CREATE INDEX margin_runs_account ON margin_runs(account_id, seq);
   CREATE TABLE api_keys (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, account_ids TEXT NOT NULL);
   CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, account_id TEXT, data TEXT NOT NULL,
     prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   -- Append-only: the database itself refuses edits, deletes and truncation (verifyAudit still catches edits made with the triggers dropped).
   CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_append_only();
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_append_only();
   CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();`,
];

// Serialises migrations of concurrent openers of one database (advisory locks are per database).
const MIGRATION_LOCK = 7_326_410_001;


/** The URL with its password replaced, fit for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
  }
}

export class PostgresStore implements Store {
  private closed = false;

  constructor(readonly pool: pg.Pool, readonly url: string) {}

  /** The schema version after migrating (the number of migrations applied). */
  async schemaVersion(): Promise<number> {
    const r = await this.pool.query('SELECT MAX(version) AS v FROM schema_version');
    return r.rows[0]?.v ?? 0;
  }

  /** The server settings that decide whether a committed write is on disk. */
  async durability(): Promise<{ synchronous_commit: string; fsync: string }> {
    const r = await this.pool.query("SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('fsync') AS fsync");
    return r.rows[0] as { synchronous_commit: string; fsync: string };
  }

  async migrate(): Promise<void> {
    for (;;) {
      const done = await this.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
        const have = ((await c.query('SELECT MAX(version) AS v FROM schema_version')).rows[0]?.v as number | null) ?? 0;
        if (have > MIGRATIONS.length) {
          throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `database ${redactUrl(this.url)} has schema version ${have}; this build knows ${MIGRATIONS.length}`, { field: 'database', value: have });
        }
        if (have === MIGRATIONS.length) return true;
        await c.query(MIGRATIONS[have]!);
        await c.query('INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)', [have + 1, new Date().toISOString()]);
        return false;
      });
      if (done) return;
    }
  }

  /** Run fn inside BEGIN … COMMIT on one pooled connection; ROLLBACK on any error. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      // A connection that cannot even roll back is dropped from the pool, not reused.
      await c.query('ROLLBACK').catch((re: Error) => { broken = re; });
      throw e;
    } finally {
      c.release(broken);
    }
  }

  async putAccount(a: AccountRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO accounts (id, pool, positions, balances, status, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET pool = excluded.pool, positions = excluded.positions, balances = excluded.balances, status = excluded.status, updated_at = excluded.updated_at`,
      [a.id, a.pool, JSON.stringify(a.positions), JSON.stringify(a.balances), a.status, a.updated_at],
    );
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM accounts WHERE id = $1', [id]);
    return r.rows[0] === undefined ? undefined : accountOf(r.rows[0]);
  }

  async listAccounts(filter: { status?: AccountStatus; ids?: readonly string[] } = {}): Promise<AccountRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) { params.push(filter.status); where.push(`status = $${params.length}`); }
    if (filter.ids !== undefined) { params.push([...filter.ids]); where.push(`id = ANY($${params.length}::text[])`); }
    const r = await this.pool.query(`SELECT * FROM accounts${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id COLLATE "C"`, params);
    return r.rows.map(accountOf);
  }

  async setAccountStatus(id: string, status: AccountStatus): Promise<void> {
    await this.pool.query('UPDATE accounts SET status = $1 WHERE id = $2', [status, id]);
  }

  async putPool(name: string, profile: string): Promise<void> {
    await this.pool.query('INSERT INTO pools (name, profile) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET profile = excluded.profile', [name, profile]);
  }

  async getPool(name: string): Promise<string | undefined> {
    const r = await this.pool.query('SELECT profile FROM pools WHERE name = $1', [name]);
    return r.rows[0]?.profile as string | undefined;
  }

  async putProfile(p: ProfileRecord): Promise<void> {
    await this.pool.query('INSERT INTO profiles (name, version, hash, json) VALUES ($1, $2, $3, $4) ON CONFLICT (name, hash) DO NOTHING', [p.name, p.version, p.hash, JSON.stringify(p.json)]);
  }

  async getProfile(name: string): Promise<ProfileRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM profiles WHERE name = $1 ORDER BY seq DESC LIMIT 1', [name]);
    return r.rows[0] === undefined ? undefined : profileOf(r.rows[0]);
  }

  async listProfiles(): Promise<ProfileRecord[]> {
    // The latest version of each name.
    const r = await this.pool.query('SELECT * FROM profiles WHERE seq IN (SELECT MAX(seq) FROM profiles GROUP BY name) ORDER BY name COLLATE "C"');
    return r.rows.map(profileOf);
  }

  async putSnapshot(s: SnapshotRecord, audit: readonly AuditEntry[] = []): Promise<void> {
    try {
      await this.tx(async (c) => {
        await c.query('INSERT INTO snapshots (id, "timestamp", json) VALUES ($1, $2, $3)', [s.id, s.timestamp, JSON.stringify(s.json)]);
        if (audit.length > 0) await this.appendAuditRows(c, audit);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') { // unique_violation: the only unique key a caller can hit is id
        throw new RiskgridError('RG_ERR_INVALID_INPUT', `market snapshot ${s.id} already exists; snapshots are immutable, send a new snapshot_id`, { field: 'snapshot_id', value: s.id });
      }
      throw e;
    }
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM snapshots WHERE id = $1', [id]);
    return r.rows[0] === undefined ? undefined : snapshotOf(r.rows[0]);
  }

  async latestSnapshot(): Promise<SnapshotRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM snapshots ORDER BY seq DESC LIMIT 1');
    return r.rows[0] === undefined ? undefined : snapshotOf(r.rows[0]);
  }

  async recordMarginRun(r: MarginRunRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO margin_runs (account_id, inputs_hash, profile_hash, snapshot_id, engine_version, result, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [r.account_id, r.inputs_hash, r.profile_hash, r.snapshot_id, r.engine_version, JSON.stringify(r.result), r.computed_at],
    );
  }

  async writeMargins(w: MarginWrite): Promise<void> {
    // One transaction, each part one statement over arrays (unnest), so a whole book costs a
    // handful of round trips and one WAL flush at COMMIT.
    const statuses = w.statuses ?? [];
    const audit = w.audit ?? [];
    const runs = w.runs ?? [];
    if (statuses.length === 0 && audit.length === 0 && runs.length === 0) return;
    await this.tx(async (c) => {
      if (statuses.length > 0) {
        // The last status given for an id wins, as applying them in order would leave it.
        const last = new Map(statuses.map((s) => [s.id, s.status]));
        await c.query('UPDATE accounts AS a SET status = v.status FROM unnest($1::text[], $2::text[]) AS v(id, status) WHERE a.id = v.id', [[...last.keys()], [...last.values()]]);
      }
      if (audit.length > 0) await this.appendAuditRows(c, audit);
      if (runs.length > 0) {
        await c.query(
          `INSERT INTO margin_runs (account_id, inputs_hash, profile_hash, snapshot_id, engine_version, result, computed_at)
           SELECT a, i, p, s, e, r, t FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS v(a, i, p, s, e, r, t, n) ORDER BY n`,
          [runs.map((r) => r.account_id), runs.map((r) => r.inputs_hash), runs.map((r) => r.profile_hash), runs.map((r) => r.snapshot_id),
            runs.map((r) => r.engine_version), runs.map((r) => JSON.stringify(r.result)), runs.map((r) => r.computed_at)],
        );
      }
    });
  }

  async listMarginRuns(accountId: string): Promise<MarginRunRecord[]> {
    const res = await this.pool.query('SELECT * FROM margin_runs WHERE account_id = $1 ORDER BY seq', [accountId]);
    return res.rows.map((r) => ({
      account_id: r.account_id as string, inputs_hash: r.inputs_hash as string, profile_hash: r.profile_hash as string, snapshot_id: r.snapshot_id as string,
      engine_version: r.engine_version as string, result: JSON.parse(r.result as string) as Record<string, unknown>, computed_at: r.computed_at as string,
    }));
  }

  async putApiKey(k: ApiKeyRecord): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(k.secret_hash)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'secret_hash must be 64 lowercase hex digits (sha256 of the secret), never the secret', { field: 'secret_hash', value: k.secret_hash.length });
    await this.pool.query('INSERT INTO api_keys (id, secret_hash, scopes, account_ids) VALUES ($1, $2, $3, $4)', [k.id, k.secret_hash, JSON.stringify(k.scopes), JSON.stringify(k.account_ids)]);
  }

  async getApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const res = await this.pool.query('SELECT * FROM api_keys WHERE secret_hash = $1', [secretHash]);
    const r = res.rows[0];
    if (r === undefined) return undefined;
    return { id: r.id as string, secret_hash: r.secret_hash as string, scopes: JSON.parse(r.scopes as string) as Scope[], account_ids: JSON.parse(r.account_ids as string) as string[] };
  }

  async appendAudit(e: AuditEntry): Promise<AuditRow> {
    return this.tx(async (c) => (await this.appendAuditRows(c, [e]))[0]!);
  }

  /**
   * Link entries to the chain's tail, inside the caller's transaction. The table lock
   * (self-conflicting; readers pass) makes read-tail-then-insert atomic across every connection
   * and process until COMMIT, so concurrent appends form one chain. The lock and the tail read
   * go in one round trip (simple-query protocol, no parameters), the rows in one INSERT.
   */
  private async appendAuditRows(c: PoolClient, entries: readonly AuditEntry[]): Promise<AuditRow[]> {
    const res = (await c.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE; SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')) as unknown as pg.QueryResult[];
    const last = res[1]!.rows[0] as { seq: string; hash: string } | undefined;
    let seq = last === undefined ? 0 : Number(last.seq);
    let prev_hash = last?.hash ?? GENESIS;
    const rows: AuditRow[] = [];
    for (const e of entries) {
      const base = { seq: ++seq, at: new Date().toISOString(), kind: e.kind, account_id: e.account_id, data: e.data };
      const row: AuditRow = { ...base, prev_hash, hash: auditRowHash(prev_hash, base) };
      rows.push(row);
      prev_hash = row.hash;
    }
    await c.query(
      'INSERT INTO audit_log (seq, at, kind, account_id, data, prev_hash, hash) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])',
      [rows.map((r) => r.seq), rows.map((r) => r.at), rows.map((r) => r.kind), rows.map((r) => r.account_id), rows.map((r) => JSON.stringify(r.data)), rows.map((r) => r.prev_hash), rows.map((r) => r.hash)],
    );
    return rows;
  }

  async listAudit(): Promise<AuditRow[]> {
    const res = await this.pool.query('SELECT * FROM audit_log ORDER BY seq');
    return res.rows.map((r) => ({
      seq: Number(r.seq), at: r.at as string, kind: r.kind as string, account_id: (r.account_id as string | null) ?? null,
      data: JSON.parse(r.data as string) as Record<string, unknown>, prev_hash: r.prev_hash as string, hash: r.hash as string,
    }));
  }

  async verifyAudit(): Promise<AuditVerification> {
    return verifyChain(await this.listAudit());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** Throws RG_ERR_INVALID_ARGUMENT unless node-postgres can parse the URL (nothing is connected). */
export function checkPostgresUrl(url: string): void {
  try {
    new pg.Client({ connectionString: url });
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `DATABASE_URL is not a valid PostgreSQL URL: ${redactUrl(url)} (${(e as Error).message})`, { field: 'DATABASE_URL', value: redactUrl(url), cause: e });
  }
}

function newPool(url: string, options?: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000, ...(options === undefined ? {} : { options }) });
  // An idle connection the server dropped must not crash the process: the pool discards it and
  // the next query opens a new one (or fails, to its caller).
  pool.on('error', () => {});
  return pool;
}

const syncCommit = async (pool: pg.Pool): Promise<string> =>
  ((await pool.query("SELECT current_setting('synchronous_commit') AS v")).rows[0] as { v: string }).v;

/** Connect (failing fast with RG_ERR_INVALID_ARGUMENT if the server cannot be reached) and migrate. */
export async function openPostgresStore(url: string): Promise<PostgresStore> {
  checkPostgresUrl(url);
  let pool = newPool(url);
  try {
    // Never acknowledge a write the server has not flushed: a database or role that defaults to
    // synchronous_commit=off gets it set back to on for our sessions (a stronger setting such as
    // remote_apply is kept). Options in the URL itself take precedence in node-postgres, so if
    // they still say off, refuse rather than run without durability.
    if ((await syncCommit(pool)) === 'off') {
      await pool.end();
      pool = newPool(url, '-c synchronous_commit=on');
      if ((await syncCommit(pool)) === 'off') {
        await pool.end();
        throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `PostgreSQL database ${redactUrl(url)} runs with synchronous_commit=off (set in the URL options?): acknowledged writes would not be durable`, { field: 'DATABASE_URL', value: redactUrl(url) });
      }
    }
  } catch (e) {
    if (e instanceof RiskgridError) throw e;
    await pool.end().catch(() => {});
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot open PostgreSQL database ${redactUrl(url)}: ${(e as Error).message}`, { field: 'database', value: redactUrl(url), cause: e });
  }
  const store = new PostgresStore(pool, url);
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    if (e instanceof RiskgridError) throw e;
    // Typically a role without CREATE on the schema (PostgreSQL 15 revoked it on public from non-owners).
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot migrate PostgreSQL database ${redactUrl(url)}: ${(e as Error).message}`, { field: 'database', value: redactUrl(url), cause: e });
  }
  return store;
}
