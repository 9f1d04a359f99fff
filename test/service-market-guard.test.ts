// The market-data guard over HTTP (buildServer + inject on a SQLite store in a temp dir): a jump
// held as suspect (202, not the latest, audited) and confirmed by a second source; margins on
// degraded data carry `degraded` with the reasons (GET /v1/accounts/:id, what-if); a profile with
// market_data.on_degraded = "reject" turns them into 503 RG_ERR_MARKET_DEGRADED; several sources
// are combined by median; bad data is a 400 naming the field. Snapshots are dated "now" so that
// staleness is what each test makes it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../host/service/auth.js';
import { buildServer } from '../host/service/server.js';
import { openSqliteStore, type SqliteStore } from '../host/store/sqlite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, any> => JSON.parse(readFileSync(join(root, f), 'utf8')) as Record<string, any>;
// A perp and balances: margined the same whatever the date (the example's options expire).
const portfolio = { positions: { 'ETH-PERPETUAL': 3 }, balances: read('examples/portfolio-eth.json').balances };
const example = read('examples/market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-guard-'));

/** The example market dated `ts` (default now), ETH index scaled by `scale`. */
function market(id: string, opts: { ts?: number; scale?: number; indexTs?: number } = {}): Record<string, any> {
  const m = structuredClone(example);
  const ts = opts.ts ?? Date.now() - 500;
  // Dated now: expiries already past (the example's are fixed dates) are left out.
  for (const [k, e] of Object.entries(m.underlyings.ETH.expiries) as Array<[string, { expiry: number }]>) if (e.expiry <= ts) delete m.underlyings.ETH.expiries[k];
  m.snapshot_id = id;
  m.timestamp = ts;
  m.underlyings.ETH.index_price = example.underlyings.ETH.index_price * (opts.scale ?? 1);
  if (opts.indexTs !== undefined) m.underlyings.ETH.index_timestamp = opts.indexTs;
  return m;
}

let app: FastifyInstance;
let store: SqliteStore;
const keys: Record<string, string> = {};

beforeAll(async () => {
  store = openSqliteStore(join(dir, 'svc.db'));
  for (const [name, scopes, accounts] of [['admin', ['read', 'simulate', 'trade', 'admin'], ['*']], ['alice', ['read', 'simulate', 'trade'], ['alice']]] as const) {
    const k = newApiKey([...scopes], [...accounts]);
    await store.putApiKey(k.record);
    keys[name] = k.secret;
  }
  app = await buildServer({ logLevel: false, store, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser') });
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PUT';
const call = (method: Method, url: string, who: string, payload?: unknown) =>
  app.inject({ method, url, headers: { authorization: `Bearer ${keys[who]}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const json = (r: { body: string }): Record<string, any> => JSON.parse(r.body) as Record<string, any>;
const margin = async (id: string): Promise<Record<string, any>> => {
  const r = await call('GET', `/v1/accounts/${id}`, 'admin');
  expect(r.statusCode, r.body).toBe(200);
  return json(r).margin;
};

describe('market-data guard over HTTP', () => {
  it('setup: profile on the default pool, an account, a first snapshot accepted (201) and margined without `degraded`', async () => {
    expect((await call('PUT', '/v1/profiles', 'admin', { profile: PROFILE, pools: ['default'] })).statusCode).toBe(200);
    expect((await call('POST', '/v1/accounts', 'alice', { account_id: 'alice', positions: portfolio.positions, balances: portfolio.balances })).statusCode).toBe(201);
    const r = await call('POST', '/v1/market', 'admin', market('m0'));
    expect(r.statusCode, r.body).toBe(201);
    expect(json(r)).toMatchObject({ status: 'accepted', snapshot_id: 'm0', guard: { degraded: false } });
    const m = await margin('alice');
    expect(m.market_snapshot_id).toBe('m0');
    expect(m).not.toHaveProperty('degraded');
  });

  it('a 20 % jump is held as suspect (202): not the latest, audited with the snapshot, and margins say so', async () => {
    const r = await call('POST', '/v1/market', 'admin', { source: 'feed-a', snapshot: market('m1', { scale: 1.2 }) });
    expect(r.statusCode, r.body).toBe(202);
    expect(json(r)).toMatchObject({ status: 'suspect', snapshot_id: 'm1', sources: ['feed-a'], reasons: [{ feed: 'underlyings.ETH.index_price', from: 2000, to: 2400, band: 0.1 }] });
    const latest = json(await call('GET', '/v1/market/latest', 'alice'));
    expect(latest.snapshot_id).toBe('m0');
    expect(latest.guard).toMatchObject({ degraded: true, reasons: [{ code: 'suspect_pending', feed: 'underlyings.ETH.index_price' }] });
    const m = await margin('alice');
    expect(m.market_snapshot_id).toBe('m0');
    expect(m.degraded.reasons).toContainEqual(expect.objectContaining({ code: 'suspect_pending', feed: 'underlyings.ETH.index_price' }));
    const audit = (await store.listAudit()).filter((a) => a.kind === 'market_suspect');
    expect(audit).toHaveLength(1);
    expect((audit[0]!.data as any).snapshot.snapshot_id).toBe('m1');
    expect(await store.getSnapshot('m1')).toBeUndefined();
  });

  it('the same source repeating the jump does not confirm it; a second source does (201), and it becomes the latest', async () => {
    const again = await call('POST', '/v1/market', 'admin', { source: 'feed-a', snapshot: market('m2', { scale: 1.2 }) });
    expect(again.statusCode).toBe(202);
    expect(json(await call('GET', '/v1/market/latest', 'alice')).snapshot_id).toBe('m0');
    const ok = await call('POST', '/v1/market', 'admin', { source: 'feed-b', snapshot: market('m3', { scale: 1.21 }) });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(json(ok)).toMatchObject({ status: 'accepted', confirmed: { suspect_id: 'm2', by: ['feed-b'] }, guard: { degraded: false } });
    expect(json(await call('GET', '/v1/market/latest', 'alice')).snapshot_id).toBe('m3');
    const m = await margin('alice');
    expect(m.market_snapshot_id).toBe('m3');
    expect(m).not.toHaveProperty('degraded');
    const kinds = (await store.listAudit()).map((a) => a.kind);
    expect(kinds.filter((k) => k === 'market_suspect')).toHaveLength(2);
    expect(kinds).toContain('market_confirmed');
    expect((await store.verifyAudit()).ok).toBe(true);
  });

  it('a stale feed is accepted but every margin on it carries `degraded` naming the feed (account and what-if)', async () => {
    const r = await call('POST', '/v1/market', 'admin', market('m4', { scale: 1.21, indexTs: Date.now() - 60_000 }));
    expect(r.statusCode, r.body).toBe(201);
    expect(json(r).guard).toMatchObject({ degraded: true, reasons: [{ code: 'stale', feed: 'underlyings.ETH.index_price' }] });
    const m = await margin('alice');
    expect(m.degraded.reasons).toEqual([expect.objectContaining({ code: 'stale', feed: 'underlyings.ETH.index_price', detail: expect.stringContaining('limit 15000 ms') })]);
    expect(Number.isFinite(m.initial_margin)).toBe(true);
    const w = json(await call('POST', '/v1/margin/whatif', 'alice', { account_id: 'alice', trades: [] }));
    expect(w.degraded.reasons[0]).toMatchObject({ code: 'stale', feed: 'underlyings.ETH.index_price' });
  });

  it('under a profile with on_degraded "reject" the same request fails: 503 RG_ERR_MARKET_DEGRADED; fresh data lifts it', async () => {
    const text = read(`profiles/${PROFILE}.json`);
    const put = await call('PUT', '/v1/profiles', 'admin', { profile: { ...text, name: 'strict', market_data: { on_degraded: 'reject', max_age_ms: { index: 5_000 } } }, pools: ['strict'] });
    expect(put.statusCode, put.body).toBe(200);
    const bad = await call('PUT', '/v1/profiles', 'admin', { profile: { ...text, name: 'broken', market_data: { price_band: -1 } } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'market_data.price_band' });
    expect((await call('POST', '/v1/accounts', 'admin', { account_id: 'carol', pool: 'strict', positions: portfolio.positions, balances: portfolio.balances })).statusCode).toBe(201);
    const r = await call('GET', '/v1/accounts/carol', 'admin');
    expect(r.statusCode).toBe(503);
    expect(json(r).error).toMatchObject({ code: 'RG_ERR_MARKET_DEGRADED', field: 'market', value: { reasons: [expect.objectContaining({ code: 'stale', feed: 'underlyings.ETH.index_price' })] } });
    const w = await call('POST', '/v1/margin/whatif', 'admin', { account_id: 'carol', trades: [] });
    expect(w.statusCode).toBe(503);
    expect((await call('GET', '/v1/accounts/alice', 'admin')).statusCode).toBe(200); // the default pool only flags
    expect((await call('POST', '/v1/market', 'admin', market('m5', { scale: 1.21 }))).statusCode).toBe(201);
    const ok = await call('GET', '/v1/accounts/carol', 'admin');
    expect(ok.statusCode, ok.body).toBe(200);
    expect(json(ok).margin).not.toHaveProperty('degraded');
  });

  it('several sources: the median per feed is stored as the latest', async () => {
    const sources = { a: market('x', { scale: 1.2 }), b: market('y', { scale: 1.22 }), c: market('z', { scale: 5 }) };
    const r = await call('POST', '/v1/market', 'admin', { snapshot_id: 'm6', sources });
    expect(r.statusCode, r.body).toBe(201);
    expect(json(r).sources).toEqual(['a', 'b', 'c']);
    const latest = json(await call('GET', '/v1/market/latest', 'alice'));
    expect(latest.snapshot_id).toBe('m6');
    expect(latest.underlyings.ETH.index_price).toBeCloseTo(2440, 9);
  });

  it('bad data is a 400 naming the field under market; nothing changes', async () => {
    const neg = market('bad1');
    neg.underlyings.ETH.index_price = -5;
    const r1 = await call('POST', '/v1/market', 'admin', neg);
    expect(r1.statusCode).toBe(400);
    expect(json(r1).error).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'market.underlyings.ETH.index_price' });
    const r2 = await call('POST', '/v1/market', 'admin', { snapshot_id: 'bad2', sources: { a: market('a'), b: neg } });
    expect(json(r2).error).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'market.sources.b.underlyings.ETH.index_price' });
    const r3 = await call('POST', '/v1/market', 'admin', { source: 'feed-a', snapshot: market('bad3', { ts: Date.now() + 3_600_000 }) });
    expect(r3.statusCode).toBe(400);
    expect(json(r3).error).toMatchObject({ field: 'market.snapshot.timestamp' });
    const old = await call('POST', '/v1/market', 'admin', market('bad4', { ts: Date.now() - 3_600_000, scale: 1.21 }));
    expect(old.statusCode).toBe(400);
    expect(json(old).error.message).toMatch(/older than the accepted snapshot m6/);
    expect((await call('POST', '/v1/market', 'admin', market('m6', { scale: 1.21 }))).statusCode).toBe(400); // ids are immutable
    expect(json(await call('GET', '/v1/market/latest', 'alice')).snapshot_id).toBe('m6');
  });
});

describe('a surface with static arbitrage, over HTTP', () => {
  it('POST /v1/market with a planted butterfly violation is refused naming the surface; the latest is unchanged', async () => {
    const m = market('arb1', { scale: 1.21 });
    const [label, e] = Object.entries(m.underlyings.ETH.expiries as Record<string, { expiry: number }>).at(-1)!;
    expect(label).toBeDefined();
    // Vogt's butterfly arbitrage (Gatheral & Jacquier 2014): negative density in the wings.
    m.underlyings.ETH.surface = { kind: 'svi', k_min: -1.5, k_max: 1.5, slices: [{ expiry: e.expiry, a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 }] };
    const before = json(await call('GET', '/v1/market/latest', 'alice')).snapshot_id;
    const r = await call('POST', '/v1/market', 'admin', m);
    expect(r.statusCode, r.body).toBe(400);
    expect(r.body).toMatch(/underlyings\.ETH\.surface/);
    expect(r.body).toMatch(/butterfly/);
    expect(json(await call('GET', '/v1/market/latest', 'alice')).snapshot_id).toBe(before);
  });
});
