// The stateful margin service (issue 6) through fastify.inject on a SQLite store in a temp dir:
// accounts, positions/balances, what-if, market ingest, profiles, and the API-key matrix — every
// scope gate and the per-account rule (a key never reads or changes another account). Margins are
// compared with the engine called directly on the same account and snapshot.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../host/index.js';
import { newApiKey } from '../host/service/auth.js';
import { buildServer } from '../host/service/server.js';
import { openSqliteStore, type SqliteStore } from '../host/store/sqlite.js';
import type { Scope } from '../host/store/store.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, unknown>;
const portfolio = read('portfolio-eth.json');
const market = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-accounts-'));

let app: FastifyInstance;
let store: SqliteStore;
let engine: Engine;
let log = '';
const keys: Record<string, string> = {};

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'svc.db'));
  const add = async (name: string, scopes: Scope[], accounts: string[]): Promise<void> => {
    const k = newApiKey(scopes, accounts);
    await store.putApiKey(k.record);
    keys[name] = k.secret;
  };
  await add('admin', ['read', 'simulate', 'trade', 'admin'], ['*']);
  await add('alice', ['read', 'simulate', 'trade'], ['alice']);
  await add('bob', ['read', 'trade'], ['bob']);
  await add('alice_ro', ['read'], ['alice']);
  await add('ops', ['read', 'admin'], []); // manages market and profiles, touches no account
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { log += chunk.toString(); cb(); } });
  app = await buildServer({ logLevel: 'info', logStream: sink, store, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser') });
  // A route that logs its request headers: the key must come out redacted all the same.
  app.get('/v1/test/log-headers', (req) => {
    req.log.info({ headers: req.headers }, 'headers');
    return {};
  });
  engine = createEngine({ profile: PROFILE });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';
const call = (method: Method, url: string, who: string | null, payload?: unknown) =>
  app.inject({ method, url, headers: who === null ? {} : { authorization: `Bearer ${keys[who] ?? who}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const json = (r: { body: string }): Record<string, any> => JSON.parse(r.body) as Record<string, any>;
const alice = { account_id: 'alice', positions: portfolio.positions, balances: portfolio.balances };

describe('setup through the API (admin)', () => {
  it('PUT /v1/profiles assigns a built-in profile to the default pool; only admin may', async () => {
    expect((await call('PUT', '/v1/profiles', 'alice', { profile: PROFILE, pools: ['default'] })).statusCode).toBe(403);
    const r = await call('PUT', '/v1/profiles', 'ops', { profile: PROFILE, pools: ['default'] });
    expect(r.statusCode).toBe(200);
    expect(json(r)).toMatchObject({ name: PROFILE, profile_hash: engine.profile.hash, pools: ['default'] });
    expect((await call('PUT', '/v1/profiles', 'ops', { profile: 'no-such-profile' })).statusCode).toBe(404);
  });

  it('PUT /v1/profiles stores a profile object, versioned by content hash; GET lists it', async () => {
    const text = JSON.parse(readFileSync(join(root, 'profiles', `${PROFILE}.json`), 'utf8')) as Record<string, unknown>;
    const custom = { ...text, name: 'venue-pool-b', version: '7' };
    const r = await call('PUT', '/v1/profiles', 'ops', { profile: custom, pools: ['b'] });
    expect(r.statusCode).toBe(200);
    expect(json(r).profile_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const bad = await call('PUT', '/v1/profiles', 'ops', { profile: { ...custom, params: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.code).toBe('RG_ERR_PROFILE');
    const list = json(await call('GET', '/v1/profiles', 'alice_ro'));
    expect(list.profiles.map((p: { name: string }) => p.name)).toEqual(['venue-pool-b']);
    expect(list.builtin).toContain(PROFILE);
  });

  it('an account cannot be margined before any market snapshot (409, named)', async () => {
    expect((await call('POST', '/v1/accounts', 'alice', alice)).statusCode).toBe(201);
    const r = await call('GET', '/v1/accounts/alice', 'alice');
    expect(r.statusCode).toBe(409);
    expect(json(r).error.code).toBe('RG_ERR_MISSING_MARKET_DATA');
  });

  it('POST /v1/market validates (clear RG_ERR with the field under market), stores, and serves latest', async () => {
    const broken = structuredClone(market) as any;
    broken.underlyings.ETH.index_price = -5;
    const bad = await call('POST', '/v1/market', 'ops', broken);
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.code).toMatch(/^RG_ERR_/);
    expect(json(bad).error.field).toMatch(/^market\.underlyings\.ETH\.index_price/);
    const future = { ...market, snapshot_id: 'f', timestamp: Date.now() + 3_600_000 };
    expect((await call('POST', '/v1/market', 'ops', future)).statusCode).toBe(400);
    expect((await call('POST', '/v1/market', 'alice', market)).statusCode).toBe(403);
    const ok = await call('POST', '/v1/market', 'ops', market);
    expect(ok.statusCode).toBe(201);
    expect(json(ok).snapshot_id).toBe(market.snapshot_id);
    expect((await call('POST', '/v1/market', 'ops', market)).statusCode).toBe(400); // immutable ids
    const latest = await call('GET', '/v1/market/latest', 'bob');
    expect(json(latest).snapshot_id).toBe(market.snapshot_id);
  });
});

describe('accounts', () => {
  it('GET /v1/accounts/:id is the engine margin of the stored account on the latest market, echoing provenance', async () => {
    const r = await call('GET', '/v1/accounts/alice', 'alice');
    expect(r.statusCode).toBe(200);
    const body = json(r);
    const direct = engine.margin({ ...alice, pool: 'default' }, market);
    expect(body.margin.initial_margin).toBe(direct.initial_margin);
    expect(body.margin.maintenance_margin).toBe(direct.maintenance_margin);
    expect(body.margin.equity).toBe(direct.equity);
    expect(body.margin).toMatchObject({ profile_hash: engine.profile.hash, market_snapshot_id: market.snapshot_id, engine_version: direct.engine_version });
    expect(Date.parse(body.margin.computed_at)).toBeGreaterThan(Date.now() - 60_000);
    const expected = direct.mm_excess < 0 ? 'mm_breach' : direct.im_excess < 0 ? 'im_breach' : 'ok';
    expect(body.status).toBe(expected);
    const runs = await store.listMarginRuns('alice');
    expect(runs.at(-1)).toMatchObject({ profile_hash: engine.profile.hash, snapshot_id: market.snapshot_id, inputs_hash: expect.stringMatching(/^sha256:/) });
  });

  it('PATCH merges positions by instrument (size 0 removes); PUT replaces; PUT balances replaces', async () => {
    const before = json(await call('GET', '/v1/accounts/alice', 'alice'));
    expect(before.positions).toHaveLength(6);
    const p = await call('PATCH', '/v1/accounts/alice/positions', 'alice', { positions: { 'ETH-PERPETUAL': 0 } });
    expect(p.statusCode).toBe(200);
    expect(json(p).positions).toHaveLength(5);
    const noPerp = { ...alice, pool: 'default', positions: (portfolio.positions as unknown[]).slice(0, 5) };
    expect(json(await call('GET', '/v1/accounts/alice', 'alice')).margin.initial_margin).toBe(engine.margin(noPerp, market).initial_margin);
    const p2 = await call('PATCH', '/v1/accounts/alice/positions', 'alice', { positions: { 'ETH-PERPETUAL': 3 } });
    expect(json(p2).positions).toHaveLength(6);
    const bal = await call('PUT', '/v1/accounts/alice/balances', 'alice', { balances: { USDC: 50_000 } });
    expect(json(bal).balances).toEqual({ USDC: 50_000 });
    const put = await call('PUT', '/v1/accounts/alice/positions', 'alice', { positions: portfolio.positions });
    expect(json(put).positions).toEqual(before.positions);
    const back = await call('PUT', '/v1/accounts/alice/balances', 'alice', { balances: portfolio.balances });
    expect(json(back).balances).toEqual(before.balances);
    const bad = await call('PUT', '/v1/accounts/alice/balances', 'alice', { balances: { USDC: 'lots' } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: expect.stringContaining('USDC') });
  });

  it('GET /v1/accounts?status= lists only the key\'s own accounts', async () => {
    expect((await call('POST', '/v1/accounts', 'bob', { account_id: 'bob', balances: { USDC: 10 } })).statusCode).toBe(201);
    await call('GET', '/v1/accounts/bob', 'bob'); // margin it: status known
    const mine = json(await call('GET', '/v1/accounts', 'alice'));
    expect(mine.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(['alice']);
    const all = json(await call('GET', '/v1/accounts', 'admin'));
    expect(all.accounts.map((a: { account_id: string }) => a.account_id)).toEqual(['alice', 'bob']);
    const status = json(await call('GET', '/v1/accounts/alice', 'alice')).status as string;
    const filtered = json(await call('GET', `/v1/accounts?status=${status}`, 'admin'));
    expect(filtered.accounts.every((a: { status: string }) => a.status === status)).toBe(true);
    expect((await call('GET', '/v1/accounts?status=bogus', 'admin')).statusCode).toBe(400);
  });

  it('an account in a pool with a stored profile is margined under that profile (its hash echoed)', async () => {
    const text = JSON.parse(readFileSync(join(root, 'profiles', `${PROFILE}.json`), 'utf8')) as Record<string, unknown>;
    const custom = createEngine({ profile: { ...text, name: 'venue-pool-b', version: '7' } });
    expect((await call('POST', '/v1/accounts', 'admin', { ...alice, account_id: 'carol', pool: 'b' })).statusCode).toBe(201);
    const m = json(await call('GET', '/v1/accounts/carol', 'admin')).margin;
    expect(m.profile_hash).toBe(custom.profile.hash);
    expect(m.profile_hash).not.toBe(engine.profile.hash);
    expect(m.initial_margin).toBe(custom.margin({ ...alice, account_id: 'carol', pool: 'b' }, market).initial_margin);
    const nopool = await call('POST', '/v1/accounts', 'admin', { ...alice, account_id: 'dave', pool: 'nopool' });
    expect(nopool.statusCode).toBe(400);
    expect(json(nopool).error).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'pool', value: 'nopool' });
  });

  it('POST /v1/margin/whatif: before/change/after from the engine, accepted or rejected with a reason', async () => {
    const trades = [{ instrument: (portfolio.positions as Array<{ instrument: unknown }>)[2]!.instrument, size: -1 }];
    const r = await call('POST', '/v1/margin/whatif', 'alice', { account_id: 'alice', trades });
    expect(r.statusCode).toBe(200);
    const w = json(r);
    const direct = engine.whatIf({ ...alice, pool: 'default' }, market, trades);
    expect(w.before.initial_margin).toBe(direct.before.initial_margin);
    expect(w.after.initial_margin).toBe(direct.after.initial_margin);
    expect(w.change.initial_margin).toBe(direct.after.initial_margin - direct.before.initial_margin);
    expect(w).toMatchObject({ profile_hash: engine.profile.hash, market_snapshot_id: market.snapshot_id, engine_version: direct.after.engine_version });
    expect(typeof w.computed_at).toBe('string');
    expect(w.accepted).toBe(direct.after.im_excess >= 0 || direct.change.initial_margin <= 0);
    const huge = json(await call('POST', '/v1/margin/whatif', 'alice', { account_id: 'alice', trades: [{ instrument: trades[0]!.instrument, size: -100_000 }] }));
    expect(huge.after.im_excess).toBeLessThan(0);
    expect(huge.accepted).toBe(false);
    expect(huge.reject_reason).toMatch(/insufficient initial margin/);
    // A what-if stores nothing.
    expect(json(await call('GET', '/v1/accounts/alice', 'alice')).positions).toHaveLength(6);
  });
});

describe('API keys: authentication, scopes and per-account authorization', () => {
  it('no key, a malformed header or an unknown key is 401 on every /v1 route', async () => {
    for (const who of [null, 'not-a-real-key-0000', 'Basic abc']) {
      for (const [m, u] of [['GET', '/v1/accounts/alice'], ['GET', '/v1/accounts'], ['POST', '/v1/margin/whatif'], ['GET', '/v1/market/latest'], ['GET', '/v1/profiles'], ['POST', '/v1/margin/simulate']] as const) {
        const r = who === 'Basic abc' ? await app.inject({ method: m, url: u, headers: { authorization: who } }) : await call(m, u, who, m === 'POST' ? {} : undefined);
        expect(r.statusCode, `${who} ${m} ${u}`).toBe(401);
        expect(json(r).error.code).toBe('RG_HTTP_UNAUTHORIZED');
      }
    }
  });

  // [method, url, body, who, expected status]; bob never sees alice (404 as if absent), scopes gate by 403.
  const matrix: Array<[Method, string, unknown, string, number]> = [
    ['GET', '/v1/accounts/alice', undefined, 'bob', 404],
    ['GET', '/v1/accounts/alice', undefined, 'ops', 404], // admin scope alone grants no account
    ['GET', '/v1/accounts/alice', undefined, 'alice_ro', 200],
    ['GET', '/v1/accounts/alice', undefined, 'admin', 200],
    ['GET', '/v1/accounts/bob', undefined, 'alice', 404],
    ['PUT', '/v1/accounts/alice/positions', { positions: [] }, 'bob', 404],
    ['PATCH', '/v1/accounts/alice/positions', { positions: { 'ETH-PERPETUAL': 1 } }, 'bob', 404],
    ['PUT', '/v1/accounts/alice/balances', { balances: { USDC: 1 } }, 'bob', 404],
    ['PUT', '/v1/accounts/alice/balances', { balances: { USDC: 1 } }, 'alice_ro', 403],
    ['POST', '/v1/accounts', { account_id: 'alice2' }, 'alice', 404],
    ['POST', '/v1/accounts', { account_id: 'bob' }, 'alice', 404],
    ['POST', '/v1/accounts', { account_id: 'alice' }, 'alice_ro', 403],
    ['POST', '/v1/margin/whatif', { account_id: 'alice', trades: [] }, 'bob', 403], // bob has no simulate
    ['POST', '/v1/margin/whatif', { account_id: 'bob', trades: [] }, 'alice', 404],
    ['POST', '/v1/margin/whatif', { account_id: 'alice', trades: [] }, 'alice_ro', 403],
    ['POST', '/v1/market', market, 'admin', 400], // allowed; duplicate id
    ['POST', '/v1/market', market, 'bob', 403],
    ['PUT', '/v1/profiles', { profile: PROFILE }, 'alice', 403],
  ];
  it.each(matrix)('%s %s %j as %s → %i', async (m, u, body, who, status) => {
    const before = await store.getAccount('alice');
    const r = await call(m, u, who, body);
    expect(r.statusCode, r.body).toBe(status);
    if (status !== 200) expect(await store.getAccount('alice')).toEqual(before); // nothing changed
  });

  it('with a store, stateless simulate needs the simulate scope', async () => {
    const body = { profile: PROFILE, account: portfolio, market };
    expect((await call('POST', '/v1/margin/simulate', 'bob', body)).statusCode).toBe(403);
    const r = await call('POST', '/v1/margin/simulate', 'alice', body);
    expect(r.statusCode).toBe(200);
    expect(json(r).initial_margin).toBe(engine.margin(portfolio, market).initial_margin);
  });

  it('simulate without a market margins on the latest accepted snapshot, as with that snapshot in the body', async () => {
    const latest = json(await call('GET', '/v1/market/latest', 'alice'));
    const { guard: _guard, ...snapshot } = latest;
    const without = json(await call('POST', '/v1/margin/simulate', 'alice', { profile: PROFILE, account: portfolio }));
    const withIt = json(await call('POST', '/v1/margin/simulate', 'alice', { profile: PROFILE, account: portfolio, market: snapshot }));
    expect(typeof latest.snapshot_id).toBe('string');
    expect(without.market_snapshot_id).toBe(latest.snapshot_id);
    expect(typeof without.initial_margin).toBe('number');
    for (const k of ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess']) expect(without[k], k).toBe(withIt[k]);
    // The guard's view of the stored snapshot is stated, never silent (the example snapshot is old).
    expect(without.degraded?.reasons.length).toBeGreaterThan(0);
  });

  it('a 404 for another account reads the same as for an account that does not exist', async () => {
    const other = await call('GET', '/v1/accounts/bob', 'alice');
    const none = await call('GET', '/v1/accounts/nobody', 'alice');
    expect(other.statusCode).toBe(none.statusCode);
    expect(json(other).error.code).toBe(json(none).error.code);
  });

  it('keys are stored as sha256 only and never appear in the log', async () => {
    await call('GET', '/v1/test/log-headers', 'alice');
    expect(log).toContain('[redacted]');
    // Nor in /metrics, which needs no key (the 429 path: test/service-ops.test.ts).
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/route="\/v1\/accounts\/:id"/);
    for (const secret of Object.values(keys)) expect(metrics).not.toContain(secret);
    for (const secret of Object.values(keys)) {
      expect(log).not.toContain(secret);
      const row = store.db.prepare('SELECT * FROM api_keys').all();
      expect(JSON.stringify(row)).not.toContain(secret);
    }
  });
});

describe('audit', () => {
  it('every change above is in the hash-chained log, and the chain verifies', async () => {
    const rows = await store.listAudit();
    const kinds = new Set(rows.map((r) => r.kind));
    for (const k of ['profile_put', 'market_ingested', 'account_created', 'positions_patched', 'positions_replaced', 'balances_replaced', 'status_change']) expect(kinds, k).toContain(k);
    expect(await store.verifyAudit()).toEqual({ ok: true, rows: rows.length });
  });
});
