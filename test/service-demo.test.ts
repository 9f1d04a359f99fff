// The demo venue behind `npm start` (host/service/demo-venue.ts, `riskgrid serve --demo`):
// seeding is idempotent, the printed key works against the API, and the real command prints its
// four lines and answers /health. Margins are compared with the engine called directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../host/index.js';
import { hashSecret } from '../host/service/auth.js';
import { DEMO_POOL, DEMO_PROFILE, seedDemoVenue, type DemoSeed } from '../host/service/demo-venue.js';
import { buildServer } from '../host/service/server.js';
import { openSqliteStore, type SqliteStore } from '../host/store/sqlite.js';
import { openServiceStore } from '../host/cli/serve-command.js';
import { redactUrl } from '../host/store/postgres.js';
import { pgPlan, startTestPostgres, type PgTestServer } from './support/postgres.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-demo-'));
const T0 = Date.now();
const N = 25;

let store: SqliteStore;
let first: DemoSeed;
let second: DemoSeed;

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'demo.db'));
  first = await seedDemoVenue(store, { accounts: N, now: T0 });
  second = await seedDemoVenue(store, { accounts: N, now: T0 });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('seedDemoVenue', () => {
  it('seeds pool, accounts and market once; a restart writes none of them again', async () => {
    expect(first).toMatchObject({ pool_written: true, accounts_written: N, snapshot_written: true, accounts: N });
    expect(second).toMatchObject({ pool_written: false, accounts_written: 0, snapshot_written: false, accounts: N, snapshot_id: first.snapshot_id });
    expect(await store.getPool(DEMO_POOL)).toBe(DEMO_PROFILE);
    const accounts = await store.listAccounts();
    expect(accounts.map((a) => a.id).sort()).toEqual(Array.from({ length: N }, (_, i) => `synth-${i}`).sort());
    expect(accounts.every((a) => a.pool === DEMO_POOL)).toBe(true);
    expect(accounts.filter((a) => a.positions.length > 0).length).toBeGreaterThan(N / 2);
    const snap = await store.latestSnapshot();
    expect(snap?.id).toBe(first.snapshot_id);
    expect(snap?.timestamp).toBe(T0);
    // One market_ingested and one demo_seeded row, however many starts; a key row per start.
    const kinds = (await store.listAudit()).map((r) => r.kind);
    expect(kinds.filter((k) => k === 'market_ingested')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'demo_seeded')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'api_key_created')).toHaveLength(2);
    expect((await store.verifyAudit()).ok).toBe(true);
  });

  it('issues a new key at every start, stored only as its hash; earlier keys stay valid', async () => {
    expect(second.secret).not.toBe(first.secret);
    expect(second.key_id).not.toBe(first.key_id);
    for (const s of [first, second]) {
      const k = await store.getApiKeyByHash(hashSecret(s.secret));
      expect(k).toMatchObject({ id: s.key_id, scopes: ['read', 'simulate', 'trade', 'admin'], account_ids: ['*'] });
    }
    const raw = store.db.prepare('SELECT * FROM api_keys').all();
    expect(JSON.stringify(raw)).not.toContain(first.secret);
  });

  it('refreshes a demo snapshot on a later start, but never shadows a snapshot the user ingested', async () => {
    const s2 = openSqliteStore(join(dir, 'refresh.db'));
    try {
      const a = await seedDemoVenue(s2, { accounts: 3, now: T0 - 60_000 });
      const b = await seedDemoVenue(s2, { accounts: 3, now: T0 });
      expect(b.snapshot_written).toBe(true);
      expect(b.snapshot_id).not.toBe(a.snapshot_id);
      expect((await s2.latestSnapshot())?.timestamp).toBe(T0);
      const mine = { ...(await s2.latestSnapshot())!, id: 'user-1', timestamp: T0 + 1 };
      await s2.putSnapshot(mine);
      const c = await seedDemoVenue(s2, { accounts: 3, now: T0 + 60_000 });
      expect(c).toMatchObject({ snapshot_written: false, snapshot_id: 'user-1', accounts_written: 0 });
      expect((await s2.latestSnapshot())?.id).toBe('user-1');
    } finally {
      await s2.close();
    }
  });
});

describe('the demo key against the API (inject)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildServer({ logLevel: false, store, rateLimit: false, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser') });
  });
  afterAll(async () => {
    await app?.close();
  });
  const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });

  it('lists every demo account with the key printed at start', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/accounts', headers: auth(second.secret) });
    expect(r.statusCode, r.body).toBe(200);
    expect((r.json() as { accounts: unknown[] }).accounts).toHaveLength(N);
    expect((await app.inject({ method: 'GET', url: '/v1/accounts', headers: auth(`${second.secret}x`) })).statusCode).toBe(401);
  });

  it('answers the banner what-if: a summary by default, the full results with ?detail=full, equal to the engine', async () => {
    const { account_id, instrument } = second.example;
    const payload = { account_id, trades: { [instrument]: 1 } };
    const r = await app.inject({ method: 'POST', url: '/v1/margin/whatif', headers: auth(second.secret), payload });
    expect(r.statusCode, r.body).toBe(200);
    const w = r.json() as Record<string, any>;
    const engine = createEngine({ profile: DEMO_PROFILE });
    const rec = (await store.getAccount(account_id))!;
    const snap = (await store.latestSnapshot())!;
    const direct = engine.whatIf({ account_id, pool: rec.pool, positions: rec.positions, balances: rec.balances }, engine.parseMarket(snap.json), payload.trades);
    expect(w).toMatchObject({ account_id, detail: 'summary', market_snapshot_id: snap.id, profile_hash: engine.profile.hash });
    for (const side of ['before', 'after'] as const) {
      expect(w[side].initial_margin).toBe(direct[side].initial_margin);
      expect(w[side].maintenance_margin).toBe(direct[side].maintenance_margin);
      expect(w[side].equity).toBe(direct[side].equity);
      expect(w[side].worst_scenario).toEqual(JSON.parse(JSON.stringify(direct[side].worst_scenario)));
      expect(w[side].breakdown).toEqual(JSON.parse(JSON.stringify(direct[side].breakdown)));
      expect(w[side].scenario_pnl).toBeUndefined();
      expect(w[side].greeks).toBeUndefined();
    }
    expect(w.change.initial_margin).toBe(direct.change.initial_margin);
    const full = await app.inject({ method: 'POST', url: '/v1/margin/whatif?detail=full', headers: auth(second.secret), payload });
    expect(full.statusCode, full.body).toBe(200);
    const f = full.json() as Record<string, any>;
    expect(f.detail).toBe('full');
    // The second what-if on the account reuses its `before` (whatif.ts): still the engine's numbers.
    const withStatus = (r: typeof direct.before) => JSON.parse(JSON.stringify({ ...r, status: r.mm_excess < 0 ? 'mm_breach' : r.im_excess < 0 ? 'im_breach' : 'ok' }));
    expect(f.before).toEqual(withStatus(direct.before));
    expect(f.after).toEqual(withStatus(direct.after));
    expect(f.before.scenario_pnl).toEqual(direct.before.scenario_pnl);
    expect(full.body.length).toBeGreaterThan(3 * r.body.length);
    const bad = await app.inject({ method: 'POST', url: '/v1/margin/whatif?detail=everything', headers: auth(second.secret), payload });
    expect(bad.statusCode).toBe(400);
  });
});

describe('the serve command store choice', () => {
  it('--db :memory: is SQLite in memory, not a file of that name', async () => {
    const { store, where } = await openServiceStore({ db: ':memory:', env: {} });
    expect(where).toBe('SQLite :memory:');
    expect((await seedDemoVenue(store, { accounts: 2, now: T0 })).accounts_written).toBe(2);
    await store.close();
    expect(existsSync(':memory:')).toBe(false);
  });
});

// The same seeding through the serve command's store choice: DATABASE_URL selects PostgreSQL.
const plan = pgPlan();
const pgSkip = plan.kind === 'none' && !process.env.CI;
describe.skipIf(pgSkip)('seedDemoVenue on PostgreSQL (DATABASE_URL)', () => {
  let pgServer: PgTestServer | undefined;
  beforeAll(async () => {
    pgServer = await startTestPostgres(plan);
  }, 120_000);
  afterAll(async () => {
    await pgServer?.stop();
  });

  it('opens PostgreSQL for a postgres:// DATABASE_URL and seeds once', async () => {
    const url = await pgServer!.freshDatabase();
    const open = () => openServiceStore({ env: { DATABASE_URL: url, RISKGRID_DB: join(dir, 'unused.db') } });
    const a = await open();
    expect(a.where).toBe(`PostgreSQL ${redactUrl(url)}`); // never the password
    const s1 = await seedDemoVenue(a.store, { accounts: 5, now: T0 });
    await a.store.close();
    const b = await open();
    const s2 = await seedDemoVenue(b.store, { accounts: 5, now: T0 });
    expect(s1).toMatchObject({ accounts_written: 5, pool_written: true, snapshot_written: true });
    expect(s2).toMatchObject({ accounts_written: 0, pool_written: false, snapshot_written: false, snapshot_id: s1.snapshot_id });
    expect(await b.store.listAccounts()).toHaveLength(5);
    expect(await b.store.getApiKeyByHash(hashSecret(s1.secret))).toBeDefined();
    await b.store.close();
  }, 60_000);
});

describe('riskgrid serve --demo (spawned)', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('prints the URL, docs URL, key and a curl, and answers /health', async () => {
    child = spawn(process.execPath, [join(root, 'bin/riskgrid.js'), 'serve', '--demo', '--port', '0', '--log-level', 'warn'], {
      env: { ...process.env, RISKGRID_DB: join(dir, 'spawned.db'), DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in 30 s; stdout: ${out}; stderr: ${err}`)), 30_000);
      child!.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        if (/^try: /m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child!.once('exit', (code) => reject(new Error(`exited ${code}; stderr: ${err}`)));
    });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const url = /^riskgrid margin service: (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0]!)?.[1];
    expect(url, lines[0]).toBeDefined();
    expect(lines[1]).toBe(`API docs: ${url}/docs`);
    const key = /^demo API key: (rg_\S+) \(a new key at every start, stored hashed; demo venue seeded: 300 accounts\)$/.exec(lines[2]!)?.[1];
    expect(key, lines[2]).toBeDefined();
    expect(lines[3]).toContain(`curl -s -X POST ${url}/v1/margin/whatif -H 'authorization: Bearer ${key}'`);
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    const list = await fetch(`${url}/v1/accounts`, { headers: { authorization: `Bearer ${key}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { accounts: unknown[] }).accounts).toHaveLength(300);
  }, 60_000);
});
