// SQLite store (better-sqlite3): WAL journal with synchronous=FULL, so a write is on disk when
// the call returns (an acknowledged write survives a crash). Schema migrations live here in code,
// applied in order inside one transaction each and recorded in schema_version.
//
// better-sqlite3 is synchronous: a commit's fsync holds the calling thread (0.3–5 ms here), which
// is why the service runs this class on a thread of its own (sqlite-thread.ts). Margin runs
// written alone (a book's runs, after its statuses: state.ts) are a record of what was computed,
// acknowledged to no one and replayable, so they commit with synchronous=NORMAL: no fsync. In WAL
// mode a killed process loses none of them (they are in the OS's page cache); a power loss may
// lose the last ones, never an account, snapshot, key, status or audit row, whose FULL commits
// sync the WAL with every run before them. Statements are prepared once.
import Database from 'better-sqlite3';
import { RiskgridError } from '../errors.js';
import { auditRowHash, GENESIS, verifyChain } from './audit-chain.js';
import type {
  AccountRecord, AccountStatus, ApiKeyRecord, AuditEntry, AuditRow, AuditVerification, MarginRunRecord, MarginWrite, ProfileRecord, Scope, SnapshotRecord, Store,
} from './store.js';
import { accountOf, profileOf, snapshotOf } from './rows.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (id TEXT PRIMARY KEY, pool TEXT NOT NULL, positions TEXT NOT NULL, balances TEXT NOT NULL,
     status TEXT NOT NULL DEFAULT 'unknown', updated_at TEXT NOT NULL);
   CREATE INDEX accounts_status ON accounts(status);
   CREATE TABLE pools (name TEXT PRIMARY KEY, profile TEXT NOT NULL);
   CREATE TABLE profiles (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, version TEXT NOT NULL, hash TEXT NOT NULL,
     json TEXT NOT NULL, UNIQUE(name, hash));
   CREATE TABLE snapshots (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, timestamp INTEGER NOT NULL, json TEXT NOT NULL);
   CREATE TABLE margin_runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, inputs_hash TEXT NOT NULL,
     profile_hash TEXT NOT NULL, snapshot_id TEXT NOT NULL, engine_version TEXT NOT NULL, result TEXT NOT NULL, computed_at TEXT NOT NULL);
   CREATE INDEX margin_runs_account ON margin_runs(account_id, seq);
   CREATE TABLE api_keys (id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL UNIQUE, scopes TEXT NOT NULL, account_ids TEXT NOT NULL);
   CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, account_id TEXT, data TEXT NOT NULL,
     prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
   -- Append-only: the database itself refuses edits and deletes (verifyAudit still catches a file edited behind its back).
   CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
];

interface Row { [k: string]: unknown }

export class SqliteStore implements Store {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly path: string) {
    try {
      this.db = new Database(path);
    } catch (e) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot open SQLite database ${path}: ${(e as Error).message}`, { field: 'database', value: path, cause: e });
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
  }

  /** The prepared statement of `text`, prepared on first use. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (st === undefined) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /** The schema version after migrating (the number of migrations applied). */
  schemaVersion(): number {
    return (this.sql('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    // Each step reads the version inside its IMMEDIATE transaction: two connections opening a new
    // database at once (two threads, two processes) apply every migration exactly once.
    const step = this.db.transaction((): boolean => {
      const have = this.schemaVersion();
      if (have > MIGRATIONS.length) {
        throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `database ${this.path} has schema version ${have}; this build knows ${MIGRATIONS.length}`, { field: 'database', value: have });
      }
      if (have === MIGRATIONS.length) return false;
      this.db.exec(MIGRATIONS[have]!);
      this.sql('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(have + 1, new Date().toISOString());
      return true;
    });
    while (step.immediate());
  }

  async putAccount(a: AccountRecord): Promise<void> {
    this.sql(`INSERT INTO accounts (id, pool, positions, balances, status, updated_at) VALUES (@id, @pool, @positions, @balances, @status, @updated_at)
        ON CONFLICT(id) DO UPDATE SET pool = excluded.pool, positions = excluded.positions, balances = excluded.balances, status = excluded.status, updated_at = excluded.updated_at`)
      .run({ ...a, positions: JSON.stringify(a.positions), balances: JSON.stringify(a.balances) });
  }

  async getAccount(id: string): Promise<AccountRecord | undefined> {
    const r = this.sql('SELECT * FROM accounts WHERE id = ?').get(id) as Row | undefined;
    return r === undefined ? undefined : accountOf(r);
  }

  async listAccounts(filter: { status?: AccountStatus; ids?: readonly string[] } = {}): Promise<AccountRecord[]> {
    const rows = (filter.status === undefined
      ? this.sql('SELECT * FROM accounts ORDER BY id').all()
      : this.sql('SELECT * FROM accounts WHERE status = ? ORDER BY id').all(filter.status)) as Row[];
    const ids = filter.ids === undefined ? undefined : new Set(filter.ids);
    return rows.map(accountOf).filter((a) => ids === undefined || ids.has(a.id));
  }

  async setAccountStatus(id: string, status: AccountStatus): Promise<void> {
    this.sql('UPDATE accounts SET status = ? WHERE id = ?').run(status, id);
  }

  async putPool(name: string, profile: string): Promise<void> {
    this.sql('INSERT INTO pools (name, profile) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET profile = excluded.profile').run(name, profile);
  }

  async getPool(name: string): Promise<string | undefined> {
    return (this.sql('SELECT profile FROM pools WHERE name = ?').get(name) as { profile: string } | undefined)?.profile;
  }

  async putProfile(p: ProfileRecord): Promise<void> {
    this.sql('INSERT INTO profiles (name, version, hash, json) VALUES (?, ?, ?, ?) ON CONFLICT(name, hash) DO NOTHING').run(p.name, p.version, p.hash, JSON.stringify(p.json));
  }

  async getProfile(name: string): Promise<ProfileRecord | undefined> {
    const r = this.sql('SELECT * FROM profiles WHERE name = ? ORDER BY seq DESC LIMIT 1').get(name) as Row | undefined;
    return r === undefined ? undefined : profileOf(r);
  }

  async listProfiles(): Promise<ProfileRecord[]> {
    // The latest version of each name.
    const rows = this.sql('SELECT * FROM profiles WHERE seq IN (SELECT MAX(seq) FROM profiles GROUP BY name) ORDER BY name').all() as Row[];
    return rows.map(profileOf);
  }

  async putSnapshot(s: SnapshotRecord, audit: readonly AuditEntry[] = []): Promise<void> {
    try {
      this.db.transaction(() => {
        this.sql('INSERT INTO snapshots (id, timestamp, json) VALUES (?, ?, ?)').run(s.id, s.timestamp, JSON.stringify(s.json));
        this.appendAuditRows(audit);
      }).immediate();
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new RiskgridError('RG_ERR_INVALID_INPUT', `market snapshot ${s.id} already exists; snapshots are immutable, send a new snapshot_id`, { field: 'snapshot_id', value: s.id });
      }
      throw e;
    }
  }

  async getSnapshot(id: string): Promise<SnapshotRecord | undefined> {
    const r = this.sql('SELECT * FROM snapshots WHERE id = ?').get(id) as Row | undefined;
    return r === undefined ? undefined : snapshotOf(r);
  }

  async latestSnapshot(): Promise<SnapshotRecord | undefined> {
    const r = this.sql('SELECT * FROM snapshots ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return r === undefined ? undefined : snapshotOf(r);
  }

  async recordMarginRun(r: MarginRunRecord): Promise<void> {
    this.sql('INSERT INTO margin_runs (account_id, inputs_hash, profile_hash, snapshot_id, engine_version, result, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.account_id, r.inputs_hash, r.profile_hash, r.snapshot_id, r.engine_version, JSON.stringify(r.result), r.computed_at);
  }

  async writeMargins(w: MarginWrite): Promise<void> {
    const runsOnly = (w.statuses === undefined || w.statuses.length === 0) && (w.audit === undefined || w.audit.length === 0);
    // One IMMEDIATE transaction: one fsync for a whole book's statuses, audit rows and runs; none
    // for runs alone (see the header).
    const write = this.db.transaction(() => {
      if (w.statuses !== undefined && w.statuses.length > 0) {
        const set = this.sql('UPDATE accounts SET status = ? WHERE id = ?');
        for (const s of w.statuses) set.run(s.status, s.id);
      }
      if (w.audit !== undefined) this.appendAuditRows(w.audit);
      if (w.runs !== undefined && w.runs.length > 0) {
        const ins = this.sql('INSERT INTO margin_runs (account_id, inputs_hash, profile_hash, snapshot_id, engine_version, result, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
        for (const r of w.runs) ins.run(r.account_id, r.inputs_hash, r.profile_hash, r.snapshot_id, r.engine_version, JSON.stringify(r.result), r.computed_at);
      }
    });
    if (!runsOnly) return write.immediate();
    this.db.pragma('synchronous = NORMAL');
    try {
      write.immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  async listMarginRuns(accountId: string): Promise<MarginRunRecord[]> {
    const rows = this.sql('SELECT * FROM margin_runs WHERE account_id = ? ORDER BY seq').all(accountId) as Row[];
    return rows.map((r) => ({
      account_id: r.account_id as string, inputs_hash: r.inputs_hash as string, profile_hash: r.profile_hash as string, snapshot_id: r.snapshot_id as string,
      engine_version: r.engine_version as string, result: JSON.parse(r.result as string) as Record<string, unknown>, computed_at: r.computed_at as string,
    }));
  }

  async putApiKey(k: ApiKeyRecord): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(k.secret_hash)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'secret_hash must be 64 lowercase hex digits (sha256 of the secret), never the secret', { field: 'secret_hash', value: k.secret_hash.length });
    this.sql('INSERT INTO api_keys (id, secret_hash, scopes, account_ids) VALUES (?, ?, ?, ?)').run(k.id, k.secret_hash, JSON.stringify(k.scopes), JSON.stringify(k.account_ids));
  }

  async getApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const r = this.sql('SELECT * FROM api_keys WHERE secret_hash = ?').get(secretHash) as Row | undefined;
    if (r === undefined) return undefined;
    return { id: r.id as string, secret_hash: r.secret_hash as string, scopes: JSON.parse(r.scopes as string) as Scope[], account_ids: JSON.parse(r.account_ids as string) as string[] };
  }

  async appendAudit(e: AuditEntry): Promise<AuditRow> {
    // Read the tail and insert in one IMMEDIATE transaction, so two writers cannot fork the chain.
    return this.db.transaction((): AuditRow => this.appendAuditRow(e)).immediate();
  }

  /** Link rows to the chain in order, the tail read once; callers run it inside an IMMEDIATE transaction. */
  private appendAuditRows(entries: readonly AuditEntry[]): void {
    let last: { seq: number; hash: string } | undefined;
    for (const e of entries) last = this.appendAuditRow(e, last);
  }

  /** Link one row to the chain's tail; callers run it inside an IMMEDIATE transaction. */
  private appendAuditRow(e: AuditEntry, tail?: { seq: number; hash: string }): AuditRow {
    const last = tail ?? (this.sql('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined);
    const base = { seq: (last?.seq ?? 0) + 1, at: new Date().toISOString(), kind: e.kind, account_id: e.account_id, data: e.data };
    const prev_hash = last?.hash ?? GENESIS;
    const row: AuditRow = { ...base, prev_hash, hash: auditRowHash(prev_hash, base) };
    this.sql('INSERT INTO audit_log (seq, at, kind, account_id, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.seq, row.at, row.kind, row.account_id, JSON.stringify(row.data), row.prev_hash, row.hash);
    return row;
  }

  async listAudit(): Promise<AuditRow[]> {
    const rows = this.sql('SELECT * FROM audit_log ORDER BY seq').all() as Row[];
    return rows.map((r) => ({
      seq: r.seq as number, at: r.at as string, kind: r.kind as string, account_id: (r.account_id as string | null) ?? null,
      data: JSON.parse(r.data as string) as Record<string, unknown>, prev_hash: r.prev_hash as string, hash: r.hash as string,
    }));
  }

  async verifyAudit(): Promise<AuditVerification> {
    return verifyChain(await this.listAudit());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export function openSqliteStore(path: string): SqliteStore {
  return new SqliteStore(path);
}
