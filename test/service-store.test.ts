// The service store (issue 6), the same cases against every backend (SQLite, PostgreSQL):
// round trips of every record kind (exact, key order and all), migrations on reopen, durability
// settings, the hash-chained audit log — verified intact, then broken by editing, deleting and
// reordering rows behind the store's back — concurrent appends, and a writer killed with SIGKILL.
// PostgreSQL comes from test/support/postgres.ts: it fails under CI when unavailable, and skips
// locally with the reason printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRowHash, GENESIS, sha256Hex, verifyChain } from '../host/store/audit-chain.js';
import { openStore } from '../host/store/open.js';
import { checkPostgresUrl, redactUrl, type PostgresStore } from '../host/store/postgres.js';
import { openSqliteStore } from '../host/store/sqlite.js';
import type { SqliteThreadStore } from '../host/store/sqlite-thread.js';
import type { AuditRow, Store } from '../host/store/store.js';
import { RiskgridError } from '../host/errors.js';
import { pgPlan, startTestPostgres, type PgTestServer } from './support/postgres.js';

const dir = mkdtempSync(join(tmpdir(), 'riskgrid-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Backend {
  name: string;
  /** Set when the backend cannot run here (local runs only; under CI it runs and fails). */
  skip?: string;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** Where a new, empty database lives: a file path or a postgres:// URL. */
  create(): Promise<string>;
  /** SQL straight to the database, past the store (for tampering); `?` placeholders. */
  raw(loc: string, sql: string, params?: unknown[]): Promise<void>;
  /** SQL that removes the triggers guarding audit_log. */
  dropAuditGuards: string;
  schemaVersion(s: Store): Promise<number>;
  /** Asserts the settings under which a resolved write is on disk. */
  checkDurability(loc: string): Promise<void>;
}

let n = 0;
const sqlite: Backend = {
  name: 'SQLite',
  async setup() {},
  async teardown() {},
  async create() { return join(dir, `t${n++}.db`); },
  async raw(loc, sql, params) {
    const db = new Database(loc);
    try {
      if (params === undefined) db.exec(sql);
      else db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  },
  dropAuditGuards: 'DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;',
  async schemaVersion(s) { return (s as SqliteThreadStore).schemaVersion(); },
  async checkDurability(loc) {
    const s = openSqliteStore(loc); // in-process, to read its pragmas (openStore runs the same class on a thread)
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    // Margin runs alone commit without an fsync (NORMAL); every other write, and every write
    // after them, with FULL — also after a runs-only write that failed.
    const seen: number[] = [];
    const run = { account_id: 'a', inputs_hash: 'h', profile_hash: 'p', snapshot_id: 's', engine_version: 'v', result: {}, computed_at: 't' };
    const probe = { ...run, get computed_at() { seen.push(s.db.pragma('synchronous', { simple: true }) as number); return 't'; } };
    await s.writeMargins({ runs: [probe] });
    await s.writeMargins({ statuses: [], audit: [{ kind: 'k', account_id: null, data: {} }], runs: [probe] });
    expect(seen).toEqual([1, 2]); // NORMAL, then FULL
    await expect(s.writeMargins({ runs: [{ ...run, engine_version: null as unknown as string }] })).rejects.toThrow();
    expect(s.db.pragma('synchronous', { simple: true })).toBe(2);
    expect((await s.listMarginRuns('a')).length).toBe(2);
    await s.close();
  },
};

const plan = pgPlan();
const pgSkip = plan.kind === 'none' && !process.env.CI ? plan.reason : undefined;
if (pgSkip !== undefined) console.warn(`[service-store] PostgreSQL backend SKIPPED: ${pgSkip}`);
let pgServer: PgTestServer | undefined;
let pgError: Error | undefined;
const postgres: Backend = {
  name: 'PostgreSQL',
  skip: pgSkip,
  // A server that cannot start fails every test with the reason (under CI that is the point).
  async setup() { pgServer = await startTestPostgres(plan).catch((e: Error) => { pgError = e; return undefined; }); },
  async teardown() { await pgServer?.stop(); },
  async create() {
    if (pgServer === undefined) throw pgError ?? new Error('PostgreSQL test server did not start');
    return pgServer.freshDatabase();
  },
  async raw(loc, sql, params) {
    const c = new pg.Client({ connectionString: loc });
    await c.connect();
    try {
      let i = 0;
      await c.query(params === undefined ? sql : sql.replace(/\?/g, () => `$${++i}`), params);
    } finally {
      await c.end();
    }
  },
  dropAuditGuards: 'DROP TRIGGER audit_no_update ON audit_log; DROP TRIGGER audit_no_delete ON audit_log;',
  async schemaVersion(s) { return (s as PostgresStore).schemaVersion(); },
  async checkDurability(loc) {
    // Even a database whose default is synchronous_commit=off gets durable commits from the store.
    const db = new URL(loc).pathname.slice(1);
    await postgres.raw(loc, `ALTER DATABASE ${db} SET synchronous_commit = off`);
    const s = (await openStore({ databaseUrl: loc })) as PostgresStore;
    expect(await s.durability()).toEqual({ synchronous_commit: 'on', fsync: 'on' });
    await s.close();
    // URL options override the store's session setting in node-postgres: then it refuses to open.
    const off = `${loc}?options=${encodeURIComponent('-c synchronous_commit=off')}`;
    await expect(openStore({ databaseUrl: off })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'DATABASE_URL' });
  },
};

// The writer child for the SIGKILL test, bundled once for both backends.
const root = fileURLToPath(new URL('..', import.meta.url));
const writerBundle = join(dir, 'writer.cjs');
beforeAll(() => {
    // import.meta.url as in host/store/: the bundle finds the SQLite thread's entry in dist/store/.
  buildSync({ entryPoints: [join(root, 'test/support/store-writer.ts')], bundle: true, platform: 'node', format: 'cjs', external: ['better-sqlite3', 'pg', 'pg-native'], outfile: writerBundle, logLevel: 'silent', define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'host/store/open.ts')).href) } });
});

for (const b of [sqlite, postgres]) {
  const open = (loc: string): Promise<Store> => openStore(loc.startsWith('postgres') ? { databaseUrl: loc } : { sqlitePath: loc });
  const fresh = async (): Promise<{ store: Store; loc: string }> => {
    const loc = await b.create();
    return { store: await open(loc), loc };
  };

  describe.skipIf(b.skip !== undefined)(`${b.name} store`, () => {
    beforeAll(() => b.setup(), 120_000);
    afterAll(() => b.teardown());

    it('records its schema version and commits durably', async () => {
      const { store, loc } = await fresh();
      expect(await b.schemaVersion(store)).toBe(1);
      await store.close();
      await b.checkDurability(loc);
    });

    it('round-trips accounts, pools, profiles, snapshots, margin runs and keys, and keeps them across a reopen', async () => {
      const { store, loc } = await fresh();
      const acct = { id: 'a1', pool: 'p', positions: [{ instrument: 'ETH-PERP', size: -1.5 }], balances: { USDC: 1000.25 }, status: 'unknown' as const, updated_at: '2026-01-01T00:00:00.000Z' };
      await store.putAccount(acct);
      await store.putAccount({ ...acct, id: 'a2', status: 'ok' });
      await store.setAccountStatus('a1', 'mm_breach');
      await store.putPool('p', 'derive-pmrm2.test');
      await store.putPool('p', 'other'); // reassign
      const prof = { name: 'x', version: '1', hash: 'sha256:aa', json: { name: 'x', params: { k: [1, 2.5] } } };
      await store.putProfile(prof);
      await store.putProfile(prof); // same content again: no new version
      await store.putProfile({ ...prof, version: '2', hash: 'sha256:bb' });
      await store.putProfile(prof); // an older content again is still a no-op: v2 stays the latest
      await store.putSnapshot({ id: 's1', timestamp: 1, json: { snapshot_id: 's1', v: 0.1 } });
      await store.putSnapshot({ id: 's2', timestamp: 2, json: { snapshot_id: 's2' } });
      const run = { account_id: 'a1', inputs_hash: 'sha256:11', profile_hash: 'sha256:aa', snapshot_id: 's1', engine_version: '0.1.0', result: { initial_margin: 12.5 }, computed_at: 'now' };
      await store.recordMarginRun(run);
      const key = { id: 'k1', secret_hash: sha256Hex('secret'), scopes: ['read' as const], account_ids: ['a1'] };
      await store.putApiKey(key);
      await store.close();

      const again = await open(loc);
      expect(await b.schemaVersion(again)).toBe(1); // migrations not re-applied
      expect(await again.getAccount('a1')).toEqual({ ...acct, status: 'mm_breach' });
      expect(await again.getAccount('nope')).toBeUndefined();
      expect((await again.listAccounts({ status: 'ok' })).map((a) => a.id)).toEqual(['a2']);
      expect((await again.listAccounts({ ids: ['a1'] })).map((a) => a.id)).toEqual(['a1']);
      expect((await again.listAccounts({ status: 'ok', ids: ['a1'] })).map((a) => a.id)).toEqual([]);
      expect(await again.getPool('p')).toBe('other');
      expect(await again.getPool('nope')).toBeUndefined();
      expect(await again.getProfile('x')).toEqual({ ...prof, version: '2', hash: 'sha256:bb' });
      expect(await again.getProfile('nope')).toBeUndefined();
      expect(await again.listProfiles()).toEqual([{ ...prof, version: '2', hash: 'sha256:bb' }]);
      expect((await again.latestSnapshot())?.id).toBe('s2');
      expect(await again.getSnapshot('s1')).toEqual({ id: 's1', timestamp: 1, json: { snapshot_id: 's1', v: 0.1 } });
      expect(await again.getSnapshot('nope')).toBeUndefined();
      expect(await again.listMarginRuns('a1')).toEqual([run]);
      expect(await again.listMarginRuns('a2')).toEqual([]);
      expect(await again.getApiKeyByHash(sha256Hex('secret'))).toEqual(key);
      expect(await again.getApiKeyByHash(sha256Hex('other'))).toBeUndefined();
      await again.close();
    });

    it('returns JSON exactly as stored (key order, number forms, unicode) and lists in byte order', async () => {
      const { store } = await fresh();
      // Key order and numbers a jsonb column would rewrite (it sorts keys and reprints numbers).
      const positions = [{ zeta: 1, alpha: 2, size: -0.1, big: 1e21, tiny: 5e-324, third: 1 / 3, neg: -1.7976931348623157e308, name: 'ü€😀\n"q"' }];
      const balances = { USDC: 0.30000000000000004, BTC: 123456789.12345679, AAA: 0 };
      for (const id of ['b', 'B', 'a10', 'a9', '_x', 'é', 'Z']) await store.putAccount({ id, pool: 'p', positions, balances, status: 'ok', updated_at: 't' });
      const got = (await store.getAccount('b'))!;
      expect(JSON.stringify(got.positions)).toBe(JSON.stringify(positions));
      expect(JSON.stringify(got.balances)).toBe(JSON.stringify(balances));
      // Byte (code point) order, as SQLite's BINARY collation; a locale collation would put b before B.
      expect((await store.listAccounts()).map((a) => a.id)).toEqual(['B', 'Z', '_x', 'a10', 'a9', 'b', 'é']);
      await store.putSnapshot({ id: 's', timestamp: 1_764_460_800_123, json: { b: 1, a: [3, 2, 1] } });
      const snap = (await store.getSnapshot('s'))!;
      expect(snap.timestamp).toBe(1_764_460_800_123);
      expect(JSON.stringify(snap.json)).toBe('{"b":1,"a":[3,2,1]}');
      for (const name of ['b', 'B']) await store.putProfile({ name, version: '1', hash: `sha256:${name}`, json: { z: 1, a: 2 } });
      const profiles = await store.listProfiles();
      expect(profiles.map((p) => p.name)).toEqual(['B', 'b']);
      expect(JSON.stringify(profiles[0]!.json)).toBe('{"z":1,"a":2}');
      await store.close();
    });

    it('refuses a duplicate snapshot id (with its audit rows) and a key given as anything but a sha256 hex', async () => {
      const { store } = await fresh();
      await store.putSnapshot({ id: 's', timestamp: 1, json: {} }, [{ kind: 'market_ingested', account_id: null, data: { snapshot_id: 's' } }]);
      // The snapshot and its audit rows land together, or neither does.
      await expect(store.putSnapshot({ id: 's', timestamp: 2, json: {} }, [{ kind: 'market_ingested', account_id: null, data: { snapshot_id: 's', again: true } }])).rejects.toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'snapshot_id' });
      expect((await store.getSnapshot('s'))?.timestamp).toBe(1); // the first one stands
      expect((await store.listAudit()).map((r) => r.data)).toEqual([{ snapshot_id: 's' }]);
      expect(await store.verifyAudit()).toEqual({ ok: true, rows: 1 });
      await expect(store.putApiKey({ id: 'k', secret_hash: 'plain-secret', scopes: [], account_ids: [] })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'secret_hash' });
      await store.close();
    });

    it('stores opening a new database at once migrate it exactly once', async () => {
      const loc = await b.create();
      const stores = await Promise.all([open(loc), open(loc), open(loc)]);
      for (const s of stores) expect(await b.schemaVersion(s)).toBe(1);
      await Promise.all(stores.map((s) => s.close()));
    });

    it('refuses a database with a newer schema than this build knows', async () => {
      const { store, loc } = await fresh();
      await store.close();
      await b.raw(loc, 'INSERT INTO schema_version (version, applied_at) VALUES (?, ?)', [99, 'future']);
      const err = await open(loc).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(RiskgridError);
      expect(err).toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'database', value: 99 });
    });

    it('writeMargins applies statuses, audit rows and runs together, or none of them', async () => {
      const { store } = await fresh();
      for (const id of ['a', 'b']) await store.putAccount({ id, pool: 'p', positions: [], balances: {}, status: 'unknown', updated_at: 't' });
      await store.appendAudit({ kind: 'start', account_id: null, data: {} });
      const run = (account_id: string, im: number) => ({ account_id, inputs_hash: `h${im}`, profile_hash: 'ph', snapshot_id: 's1', engine_version: '0.1.0', result: { z: im, a: 1 }, computed_at: 'now' });
      await store.writeMargins({
        statuses: [{ id: 'a', status: 'ok' }, { id: 'b', status: 'ok' }, { id: 'b', status: 'mm_breach' }], // last one for b wins
        audit: [{ kind: 'status_change', account_id: 'b', data: { to: 'mm_breach' } }, { kind: 'margin_call', account_id: 'b', data: { n: 1 } }],
        runs: [run('a', 1), run('b', 2), run('a', 3)],
      });
      expect((await store.getAccount('a'))?.status).toBe('ok');
      expect((await store.getAccount('b'))?.status).toBe('mm_breach');
      expect((await store.listAudit()).map((r) => [r.seq, r.kind])).toEqual([[1, 'start'], [2, 'status_change'], [3, 'margin_call']]);
      expect(await store.verifyAudit()).toEqual({ ok: true, rows: 3 });
      expect(await store.listMarginRuns('a')).toEqual([run('a', 1), run('a', 3)]);
      expect(JSON.stringify((await store.listMarginRuns('b'))[0]!.result)).toBe('{"z":2,"a":1}');
      // A bad run (NOT NULL engine_version) fails the whole write: no status, audit row or run lands.
      const bad = { ...run('a', 9), engine_version: null as unknown as string };
      await expect(store.writeMargins({ statuses: [{ id: 'a', status: 'im_breach' }], audit: [{ kind: 'x', account_id: 'a', data: {} }], runs: [run('a', 8), bad] })).rejects.toThrow();
      expect((await store.getAccount('a'))?.status).toBe('ok');
      expect(await store.verifyAudit()).toEqual({ ok: true, rows: 3 });
      expect((await store.listMarginRuns('a')).length).toBe(2);
      await store.writeMargins({}); // nothing to write is fine
      await store.close();
    });

    describe('audit log hash chain', () => {
      const fill = async (store: Store): Promise<void> => {
        for (let i = 0; i < 5; i++) await store.appendAudit({ kind: i % 2 ? 'margin_call' : 'status_change', account_id: `a${i}`, data: { to: 'ok', i, x: i / 3 } });
      };

      it('links each row to the previous one: hash = sha256(prev_hash + row), first from GENESIS', async () => {
        const { store } = await fresh();
        await fill(store);
        const rows = await store.listAudit();
        expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(rows[0]!.prev_hash).toBe(GENESIS);
        for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
        // Independent recomputation of row 3's hash from its documented definition.
        const r = rows[2]!;
        const canon = `{"account_id":"a2","at":${JSON.stringify(r.at)},"data":{"i":2,"to":"ok","x":${JSON.stringify(2 / 3)}},"kind":"status_change","seq":3}`;
        expect(r.hash).toBe(sha256Hex(rows[1]!.hash + canon));
        expect(auditRowHash(r.prev_hash, r)).toBe(r.hash);
        expect(await store.verifyAudit()).toEqual({ ok: true, rows: 5 });
        await store.close();
      });

      it('appendAudit returns the row as stored', async () => {
        const { store } = await fresh();
        const row = await store.appendAudit({ kind: 'margin_call', account_id: null, data: { z: 1, a: { y: 2, b: 0.1 } } });
        const [stored] = await store.listAudit();
        expect(stored).toEqual(row);
        expect(JSON.stringify(stored!.data)).toBe('{"z":1,"a":{"y":2,"b":0.1}}');
        await store.close();
      });

      it('concurrent appends from two connections still form one chain', async () => {
        const { store: s1, loc } = await fresh();
        const s2 = await open(loc);
        const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? s1 : s2).appendAudit({ kind: 'status_change', account_id: `c${i}`, data: { i } }));
        // Batched appends (two rows each) interleave with single ones.
        const batches = Array.from({ length: 10 }, (_, i) => (i % 2 ? s2 : s1).writeMargins({ audit: [{ kind: 'b1', account_id: null, data: { i } }, { kind: 'b2', account_id: null, data: { i } }] }));
        const rows = (await Promise.all([...writes, ...batches])).slice(0, 40) as AuditRow[];
        expect(new Set(rows.map((r) => r.seq)).size).toBe(40);
        const all = await s1.listAudit();
        expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
        // Each batch's two rows are adjacent: no single append slipped between them.
        for (const r of all) if (r.kind === 'b1') expect(all[r.seq]).toMatchObject({ kind: 'b2', data: r.data });
        expect(await s1.verifyAudit()).toEqual({ ok: true, rows: 60 });
        await s1.close();
        await s2.close();
      });

      it('the database refuses UPDATE and DELETE on the log', async () => {
        const { store, loc } = await fresh();
        await fill(store);
        await expect(b.raw(loc, "UPDATE audit_log SET kind = 'x' WHERE seq = 2")).rejects.toThrow(/append-only/);
        await expect(b.raw(loc, 'DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
        expect(await store.verifyAudit()).toEqual({ ok: true, rows: 5 });
        await store.close();
      });

      // Tampering from outside (the triggers dropped first) is what verify must catch.
      const tamper = async (sql: string, params?: unknown[], before?: (rows: Awaited<ReturnType<Store['listAudit']>>) => unknown[]): Promise<{ ok: boolean; broken_at?: number }> => {
        const { store, loc } = await fresh();
        await fill(store);
        const rows = await store.listAudit();
        await store.close();
        await b.raw(loc, b.dropAuditGuards);
        await b.raw(loc, sql, before ? before(rows) : params);
        const s = await open(loc);
        const v = await s.verifyAudit();
        await s.close();
        return v;
      };

      it('an edited data field breaks the chain at that row', async () => {
        expect(await tamper(`UPDATE audit_log SET data = '{"to":"mm_breach","i":2,"x":0}' WHERE seq = 3`)).toMatchObject({ ok: false, broken_at: 3 });
      });
      it('an edited row with its own hash recomputed still breaks at the next row', async () => {
        const v = await tamper('UPDATE audit_log SET kind = ?, hash = ? WHERE seq = 2', undefined, (rows) => {
          const forged = { ...rows[1]!, kind: 'forged' };
          return [forged.kind, auditRowHash(forged.prev_hash, forged)];
        });
        expect(v).toMatchObject({ ok: false, broken_at: 3 });
      });
      it('a deleted middle row breaks the chain', async () => {
        expect(await tamper('DELETE FROM audit_log WHERE seq = 2')).toMatchObject({ ok: false, broken_at: 3 });
      });
      it('verifyChain flags reordered rows', async () => {
        const { store } = await fresh();
        await fill(store);
        const rows = await store.listAudit();
        expect(verifyChain(rows).ok).toBe(true);
        expect(verifyChain([rows[1]!, rows[0]!, ...rows.slice(2)])).toMatchObject({ ok: false, broken_at: 2 });
        await store.close();
      });
    });

    // A writer process killed with SIGKILL mid-stream: every write it acknowledged is there after
    // a reopen, and the audit chain still verifies. (SIGKILL keeps the OS page cache; power loss is
    // what synchronous=FULL / synchronous_commit=on add on top, and no test here can pull the plug.)
    it('SIGKILL during a stream of writes loses no acknowledged write', async () => {
      const loc = await b.create();
      const child = spawn(process.execPath, [writerBundle, loc], { env: { ...process.env, NODE_PATH: join(root, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if ((out.match(/\n/g) ?? []).length >= 300) { child.kill('SIGKILL'); resolve(); }
        });
        child.on('exit', () => reject(new Error(`writer exited early: ${err}`)));
      });
      expect(await exited).toBe('SIGKILL');
      const acked = out.split('\n').filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
      expect(acked.length).toBeGreaterThanOrEqual(300);
      const s = await open(loc);
      for (const i of acked) expect(await s.getAccount(`w${i}`), `w${i}`).toMatchObject({ balances: { USDC: i } });
      const v = await s.verifyAudit();
      expect(v.ok).toBe(true);
      expect(v.rows).toBeGreaterThanOrEqual(acked.length);
      // The dead writer holds no lock: the chain goes on from a new process.
      expect((await s.appendAudit({ kind: 'after_kill', account_id: null, data: {} })).seq).toBe(v.rows + 1);
      expect(await s.verifyAudit()).toEqual({ ok: true, rows: v.rows + 1 });
      await s.close();
    }, 60_000);
  });
}

describe('openStore', () => {
  it('opens SQLite without a URL, and an empty DATABASE_URL counts as none', async () => {
    const s = await openStore({ databaseUrl: '', sqlitePath: join(dir, 'open.db') });
    expect((s as SqliteThreadStore).path).toBe(join(dir, 'open.db'));
    expect(await (s as SqliteThreadStore).schemaVersion()).toBeGreaterThan(0);
    await s.close();
  });

  it('refuses a URL of another kind, a malformed one, and no location at all', async () => {
    for (const databaseUrl of ['mysql://u@h/db', 'sqlite:///tmp/x.db', 'localhost:5432/db']) {
      await expect(openStore({ databaseUrl, sqlitePath: join(dir, 'never.db') })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'DATABASE_URL' });
    }
    await expect(openStore({ databaseUrl: 'postgres://u:pw@host:99999/db' })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'DATABASE_URL' });
    await expect(openStore({})).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'sqlitePath' });
  });

  it('accepts the URL forms node-postgres does (unix socket via ?host=) and redacts passwords in both places', () => {
    expect(() => checkPostgresUrl('postgresql://user@/dbname?host=/var/run/postgresql')).not.toThrow();
    expect(() => checkPostgresUrl('postgresql:///dbname')).not.toThrow();
    expect(redactUrl('postgres://u:s3cret@h:5432/db')).toBe('postgres://u:***@h:5432/db');
    expect(redactUrl('postgres://u@h/db?sslmode=require&password=s3cret')).toBe('postgres://u@h/db?sslmode=require&password=***');
    expect(redactUrl('postgresql://u:s3cret@/db?host=/run/pg')).toBe('postgresql://u:***@/db?host=/run/pg');
  });

  it('a PostgreSQL server that cannot be reached is a RiskgridError that never shows the password', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)); });
    });
    const err = await openStore({ databaseUrl: `postgresql://user:s3cret-pw@127.0.0.1:${port}/db` }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RiskgridError);
    expect(err).toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'database' });
    expect(JSON.stringify((err as RiskgridError).toJSON())).not.toContain('s3cret-pw');
    expect((err as Error).message).not.toContain('s3cret-pw');
  });
});
