// The live book and WebSocket /v1/stream (issue 6 req. 3) on a real listening server (port 0) over
// SQLite, driven with the `ws` client: pushes after snapshots and account changes, in seq order,
// with the engine's own figures; authentication on the upgrade or by a first message; a key never
// gets another account's data; margin calls on the events channel; per-item engine failures as an
// `error` status; concurrent PATCHes both applied; reads served from memory; slow consumers dropped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine } from '../host/index.js';
import { newApiKey } from '../host/service/auth.js';
import { buildServer } from '../host/service/server.js';
import { CLOSE_SLOW_CONSUMER, CLOSE_UNAUTHORIZED, eventMessage, eventText, marginMessage, marginText, StreamConnection, type StreamSocket } from '../host/service/stream.js';
import type { LatestMargin } from '../host/service/live-book.js';
import { SqliteStore } from '../host/store/sqlite.js';
import type { AccountRecord, Scope } from '../host/store/store.js';
import { movedMarket } from './support/moved-market.js';
import { WsClient } from './support/ws-client.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, any> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, any>;
const portfolio = read('portfolio-eth.json');
const base = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const engine = createEngine({ profile: PROFILE });
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-stream-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A store whose account writes can be slowed, to widen read-modify-write windows; counts reads. */
class SlowStore extends SqliteStore {
  delayMs = 0;
  accountReads = 0;
  override async putAccount(a: AccountRecord): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    return super.putAccount(a);
  }
  override async getAccount(id: string): Promise<AccountRecord | undefined> {
    this.accountReads++;
    return super.getAccount(id);
  }
}

/** The example market moved by `factor` (index, perp, forwards, ETH collateral), under a new id. */
let tick = 0;
const market = (factor: number): Record<string, any> => movedMarket(base, 'ETH', factor, `stream-${++tick}`, tick * 1000);

let app: FastifyInstance;
let store: SlowStore;
let url: string;
const keys: Record<string, string> = {};

beforeAll(async () => {
  store = new SlowStore(join(dir, 'svc.db'));
  await store.putPool('default', PROFILE);
  const add = async (name: string, scopes: Scope[], accounts: string[]): Promise<void> => {
    const k = newApiKey(scopes, accounts);
    await store.putApiKey(k.record);
    keys[name] = k.secret;
  };
  await add('admin', ['read', 'simulate', 'trade', 'admin'], ['*']);
  await add('alice', ['read', 'simulate', 'trade'], ['alice']);
  await add('bob', ['read', 'trade'], ['bob']);
  await add('blind', ['trade'], ['alice']); // may change alice, may not read her
  app = await buildServer({ logLevel: false, store, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser'), rateLimit: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  url = `ws://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/v1/stream`;
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';
const call = (method: Method, path: string, who: string, payload?: unknown) =>
  app.inject({ method, url: path, headers: { authorization: `Bearer ${keys[who]}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const json = (r: { body: string }): Record<string, any> => JSON.parse(r.body) as Record<string, any>;
const ingest = async (m: Record<string, unknown>): Promise<void> => {
  const r = await call('POST', '/v1/market', 'admin', m);
  expect(r.statusCode, r.body).toBe(201);
};

/** A client on the stream with the key of `who` (or the raw `secret`) on the upgrade, or none. */
const open = (who?: string, secret?: string): Promise<WsClient> => WsClient.open(url, secret ?? (who === undefined ? undefined : keys[who]));

const expectSeqs = (c: WsClient): void => expect(c.msgs.map((m) => m.seq)).toEqual(c.msgs.map((_, i) => i + 1));
const FIELDS = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'status', 'profile_hash', 'engine_version', 'computed_at', 'market_snapshot_id'];

/** The pushed figures are the engine's own, on that snapshot. */
function expectEngineFigures(push: Record<string, any>, account: Record<string, unknown>, snap: Record<string, unknown>): void {
  const d = engine.margin({ ...account, pool: 'default' }, snap);
  for (const f of FIELDS) expect(push, f).toHaveProperty(f);
  expect(push).toMatchObject({
    initial_margin: d.initial_margin, maintenance_margin: d.maintenance_margin, equity: d.equity, im_excess: d.im_excess, mm_excess: d.mm_excess,
    status: d.mm_excess < 0 ? 'mm_breach' : d.im_excess < 0 ? 'im_breach' : 'ok', profile_hash: engine.profile.hash, engine_version: d.engine_version, market_snapshot_id: snap.snapshot_id,
  });
}

const alice = { account_id: 'alice', positions: portfolio.positions as unknown[], balances: portfolio.balances as Record<string, number> };
const snaps: Array<Record<string, any>> = [];

describe('account channel', () => {
  it('pushes the account margin after each snapshot, in order, seq 1..n, with the engine figures', async () => {
    expect((await call('POST', '/v1/accounts', 'alice', alice)).statusCode).toBe(201);
    const c = await open('alice'); // key on the upgrade
    await c.until((m) => m.type === 'authenticated');
    c.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    await c.until((m) => m.type === 'subscribed');
    for (const f of [1, 1.01, 0.995]) {
      const m = market(f);
      snaps.push(m);
      await ingest(m);
    }
    const pushes: Array<Record<string, any>> = [];
    for (const s of snaps) pushes.push(await c.until((m) => m.type === 'margin' && m.market_snapshot_id === s.snapshot_id));
    expect(pushes.map((p) => p.cause)).toEqual(['market', 'market', 'market']);
    pushes.forEach((p, i) => expectEngineFigures(p, alice, snaps[i]!));
    expect(pushes[0]!.seq).toBeLessThan(pushes[1]!.seq);
    expect(pushes[1]!.seq).toBeLessThan(pushes[2]!.seq);
    expect(c.msgs.filter((m) => m.type === 'margin').map((m) => m.market_snapshot_id)).toEqual(snaps.map((s) => s.snapshot_id));
    expectSeqs(c);
    c.close();
  });

  it('a position change pushes that account; GET then serves the pushed margin (not computed on read)', async () => {
    const c = await open('alice');
    c.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    // Subscribing sends the current margin first.
    const current = await c.until((m) => m.type === 'margin');
    expect(current).toMatchObject({ cause: 'subscribe', market_snapshot_id: snaps.at(-1)!.snapshot_id });
    const r = await call('PATCH', '/v1/accounts/alice/positions', 'alice', { positions: { 'ETH-PERPETUAL': 7 } });
    expect(r.statusCode, r.body).toBe(200);
    const push = await c.until((m) => m.type === 'margin' && m.cause === 'account');
    const changed = { ...alice, positions: json(r).positions as unknown[] };
    expectEngineFigures(push, changed, snaps.at(-1)!);
    expect(push.seq).toBeGreaterThan(current.seq);
    const got = json(await call('GET', '/v1/accounts/alice', 'alice'));
    expect(got.margin.computed_at).toBe(push.computed_at);
    expect(got.margin.initial_margin).toBe(push.initial_margin);
    expect(got.status).toBe(push.status);
    // Balances too.
    const b = await call('PUT', '/v1/accounts/alice/balances', 'alice', { balances: { USDC: 123_456 } });
    expect(b.statusCode).toBe(200);
    const pb = await c.until((m) => m.type === 'margin' && m.cause === 'account' && m.seq > push.seq);
    expectEngineFigures(pb, { ...changed, balances: { USDC: 123_456 } }, snaps.at(-1)!);
    expectSeqs(c);
    c.close();
  });
});

describe('authentication and authorization', () => {
  it('a browser authenticates with a first message; a key cannot subscribe to another account and never gets its data', async () => {
    expect((await call('POST', '/v1/accounts', 'bob', { account_id: 'bob', positions: { 'ETH-PERPETUAL': -2 }, balances: { USDC: 50_000 } })).statusCode).toBe(201);
    const c = await open(); // no header
    c.send({ op: 'auth', key: keys.bob });
    expect(await c.until((m) => m.type === 'authenticated')).toMatchObject({ seq: 1 });
    c.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    const refused = await c.until((m) => m.type === 'error');
    c.send({ op: 'subscribe', channel: 'account', account_id: 'nobody' });
    const none = await c.until((m) => m.type === 'error' && m.value === 'nobody');
    // Another key's account reads exactly like one that does not exist.
    expect(refused).toMatchObject({ code: 'RG_HTTP_NOT_FOUND', field: 'account_id', value: 'alice' });
    expect(none.code).toBe(refused.code);
    c.send({ op: 'subscribe', channel: 'account', account_id: 'bob' });
    await c.until((m) => m.type === 'subscribed' && m.account_id === 'bob');
    const m = market(1.002);
    snaps.push(m);
    await ingest(m);
    await c.until((x) => x.type === 'margin' && x.market_snapshot_id === m.snapshot_id && x.account_id === 'bob');
    expect(c.msgs.some((x) => x.account_id === 'alice' && x.type !== 'error')).toBe(false);
    expectSeqs(c);
    c.close();
  });

  it('a wrong key is refused: 401 on the upgrade, close 4401 after a first message; no read scope, no data', async () => {
    await expect(open(undefined, 'rg_not-a-real-key-000000')).rejects.toThrow(/401/);
    const c = await open();
    c.send({ op: 'auth', key: 'rg_not-a-real-key-000000' });
    expect(await c.until((m) => m.type === 'error')).toMatchObject({ code: 'RG_HTTP_UNAUTHORIZED' });
    expect((await c.closedWith()).code).toBe(CLOSE_UNAUTHORIZED);
    const early = await open();
    early.send({ op: 'subscribe', channel: 'events' }); // before auth
    expect(await early.until((m) => m.type === 'error')).toMatchObject({ code: 'RG_HTTP_UNAUTHORIZED' });
    expect((await early.closedWith()).code).toBe(CLOSE_UNAUTHORIZED);
    const blind = await open('blind');
    blind.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    expect(await blind.until((m) => m.type === 'error')).toMatchObject({ code: 'RG_HTTP_FORBIDDEN' });
    blind.close();
  });
});

describe('events channel', () => {
  it('gets a margin call when the market moves against an account (durable first: status and audit row)', async () => {
    // A short call funded so that it meets maintenance now but not after a 3 % rally: solved from
    // the engine at zero cash (equity is linear in USDC), then checked.
    const now = snaps.at(-1)!;
    const up = market((now.underlyings.ETH.index_price / base.underlyings.ETH.index_price) * 1.03);
    const E1 = base.underlyings.ETH.expiries.E1.expiry as number;
    const positions = [{ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: 2000, expiry: E1, option_type: 'C' }, size: -10 }];
    const at = (snap: Record<string, unknown>, usdc: number) => engine.margin({ account_id: 'carol', positions, balances: { USDC: usdc } }, snap).mm_excess;
    const usdc = Math.round(-(at(now, 0) + at(up, 0)) / 2);
    expect(at(now, usdc)).toBeGreaterThan(0);
    expect(at(up, usdc)).toBeLessThan(0);
    expect((await call('POST', '/v1/accounts', 'admin', { account_id: 'carol', positions, balances: { USDC: usdc } })).statusCode).toBe(201);
    expect(json(await call('GET', '/v1/accounts/carol', 'admin')).status).not.toBe('mm_breach');

    const ops = await open('admin');
    ops.send({ op: 'subscribe', channel: 'events' });
    const bob = await open('bob');
    bob.send({ op: 'subscribe', channel: 'events' });
    await ops.until((m) => m.type === 'subscribed');
    await bob.until((m) => m.type === 'subscribed');
    snaps.push(up);
    await ingest(up);
    const call_ = await ops.until((m) => m.type === 'margin_call' && m.account_id === 'carol');
    expect(call_).toMatchObject({ channel: 'events', to: 'mm_breach', market_snapshot_id: up.snapshot_id, cause: 'market' });
    expect(['ok', 'im_breach']).toContain(call_.from);
    expectEngineFigures(call_, { account_id: 'carol', positions, balances: { USDC: usdc } }, up);
    const done = await ops.until((m) => m.type === 'snapshot_margined' && m.market_snapshot_id === up.snapshot_id);
    expect(done.seq).toBeGreaterThan(call_.seq);
    // status_changes counts every event of the snapshot: margin status and liquidation-ladder changes.
    const isEvent = (t: unknown) => t === 'margin_call' || t === 'status_change' || t === 'ladder_change';
    expect(done.status_changes).toBe(ops.msgs.filter((m) => isEvent(m.type) && m.market_snapshot_id === up.snapshot_id).length);
    expect(ops.msgs.some((m) => m.type === 'ladder_change' && m.account_id === 'carol' && m.to === m.liquidation_status)).toBe(true);
    // Bob's key does not list carol: his events channel hears the snapshot, not her margin call.
    const bobDone = await bob.until((m) => m.type === 'snapshot_margined' && m.market_snapshot_id === up.snapshot_id);
    expect(bob.msgs.some((m) => m.account_id === 'carol')).toBe(false);
    expect(bobDone.status_changes).toBe(bob.msgs.filter((m) => isEvent(m.type)).length);
    // Pushed only once durable.
    expect((await store.getAccount('carol'))!.status).toBe('mm_breach');
    const audit = (await store.listAudit()).filter((r) => r.kind === 'margin_call' && r.account_id === 'carol');
    expect(audit.at(-1)!.data).toMatchObject({ to: 'mm_breach', market_snapshot_id: up.snapshot_id });
    const runs = await store.listMarginRuns('carol');
    expect(runs.at(-1)).toMatchObject({ snapshot_id: up.snapshot_id, result: { status: 'mm_breach', mm_excess: call_.mm_excess } });
    expect(await store.verifyAudit()).toMatchObject({ ok: true });
    expectSeqs(ops);
    expectSeqs(bob);
    ops.close();
    bob.close();
  });
});

describe('the live book', () => {
  it('two concurrent PATCHes of one account both apply (writes serialised per account)', async () => {
    store.delayMs = 40; // each write waits: without the per-account lock the second would overwrite the first
    try {
      const [a, b] = await Promise.all([
        call('PATCH', '/v1/accounts/bob/positions', 'bob', { positions: { 'ETH-PERPETUAL': -3 } }),
        call('PATCH', '/v1/accounts/bob/positions', 'bob', { positions: [{ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: 2100, expiry: base.underlyings.ETH.expiries.E0.expiry, option_type: 'P' }, size: 1 }] }),
      ]);
      expect(a.statusCode, a.body).toBe(200);
      expect(b.statusCode, b.body).toBe(200);
    } finally {
      store.delayMs = 0;
    }
    const stored = (await store.getAccount('bob'))!.positions as Array<{ instrument: unknown; size: number }>;
    expect(stored).toHaveLength(2);
    expect(stored.map((p) => p.size).sort()).toEqual([-3, 1]);
    const got = json(await call('GET', '/v1/accounts/bob', 'bob'));
    expect(got.positions).toEqual(stored);
  });

  it('an account the engine cannot margin gets status error with its code; the others are margined', async () => {
    const c = await open('admin');
    c.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    await c.until((m) => m.type === 'subscribed');
    // A valid instrument on an expiry this market does not list: per-item failure, not a 400.
    const orphan = { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: 2000, expiry: Date.UTC(2027, 5, 25, 8), option_type: 'C' };
    expect((await call('POST', '/v1/accounts', 'admin', { account_id: 'dave', positions: [{ instrument: orphan, size: -1 }], balances: { USDC: 1000 } })).statusCode).toBe(201);
    c.send({ op: 'subscribe', channel: 'account', account_id: 'dave' });
    const first = await c.until((m) => m.type === 'margin' && m.account_id === 'dave');
    expect(first).toMatchObject({ status: 'error', initial_margin: null, error: { code: 'RG_ERR_MISSING_MARKET_DATA' } });
    const m = market(snaps.at(-1)!.underlyings.ETH.index_price / base.underlyings.ETH.index_price);
    snaps.push(m);
    await ingest(m);
    const daveNow = await c.until((x) => x.account_id === 'dave' && x.market_snapshot_id === m.snapshot_id);
    expect(daveNow).toMatchObject({ status: 'error', error: { code: 'RG_ERR_MISSING_MARKET_DATA' }, engine_version: expect.any(String), computed_at: expect.any(String) });
    const aliceNow = await c.until((x) => x.account_id === 'alice' && x.market_snapshot_id === m.snapshot_id);
    expect(typeof aliceNow.initial_margin).toBe('number');
    expect(daveNow.seq).toBeGreaterThan(aliceNow.seq); // book order: alice was created first
    expect((await store.getAccount('dave'))!.status).toBe('error');
    expect(json(await call('GET', '/v1/accounts?status=error', 'admin')).accounts.map((a: { account_id: string }) => a.account_id)).toEqual(['dave']);
    const get = await call('GET', '/v1/accounts/dave', 'admin');
    expect(json(get).error.code).toBe('RG_ERR_MISSING_MARKET_DATA');
    expect((await store.listMarginRuns('dave')).at(-1)!.result).toMatchObject({ status: 'error', error: { code: 'RG_ERR_MISSING_MARKET_DATA' } });
    const audit = (await store.listAudit()).filter((r) => r.account_id === 'dave' && r.kind === 'status_change');
    expect(audit.at(-1)!.data).toMatchObject({ to: 'error', error_code: 'RG_ERR_MISSING_MARKET_DATA' });
    expectSeqs(c);
    c.close();
  });

  it('reads and what-ifs come from memory: no store read of the account', async () => {
    const before = store.accountReads;
    expect((await call('GET', '/v1/accounts/alice', 'alice')).statusCode).toBe(200);
    const w = await call('POST', '/v1/margin/whatif', 'alice', { account_id: 'alice', trades: { 'ETH-PERPETUAL': 1 } });
    expect(w.statusCode, w.body).toBe(200);
    expect(store.accountReads).toBe(before);
  });

  it('a restarted service loads the book from the store and serves the same margins', async () => {
    // A second connection to the same database, as a restarted process would open.
    const again = await buildServer({ logLevel: false, store: new SqliteStore(join(dir, 'svc.db')), webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser'), rateLimit: false });
    try {
      const a = await again.inject({ method: 'GET', url: '/v1/accounts/carol', headers: { authorization: `Bearer ${keys.admin}` } });
      const b = await call('GET', '/v1/accounts/carol', 'admin');
      expect(json(a).margin.initial_margin).toBe(json(b).margin.initial_margin);
      expect(json(a).status).toBe('mm_breach');
    } finally {
      await again.close();
    }
  });
});

describe('profile changes', () => {
  it('repointing a pool at another profile re-margins its accounts under it, pushed with the new profile_hash', async () => {
    const mainnet = createEngine({ profile: 'derive-pmrm2.mainnet' });
    const c = await open('alice');
    c.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    const before = await c.until((m) => m.type === 'margin');
    expect(before.profile_hash).toBe(engine.profile.hash);
    const r = await call('PUT', '/v1/profiles', 'admin', { profile: 'derive-pmrm2.mainnet', pools: ['default'] });
    expect(r.statusCode, r.body).toBe(200);
    const push = await c.until((m) => m.type === 'margin' && m.cause === 'profile');
    const stored = (await store.getAccount('alice'))!;
    const d = mainnet.margin({ account_id: 'alice', pool: 'default', positions: stored.positions, balances: stored.balances }, snaps.at(-1)!);
    expect(push).toMatchObject({ profile_hash: mainnet.profile.hash, initial_margin: d.initial_margin, mm_excess: d.mm_excess, market_snapshot_id: snaps.at(-1)!.snapshot_id });
    expect(json(await call('GET', '/v1/accounts/alice', 'alice')).margin.profile_hash).toBe(mainnet.profile.hash);
    expectSeqs(c);
    c.close();
  });
});

describe('message text', () => {
  it('the hand-written message text is exactly JSON.stringify of the message object (ok, degraded, error; margin and event)', () => {
    const r = engine.margin({ ...alice, pool: 'default', account_id: 'q"uote\\' }, base);
    const cases: LatestMargin[] = [
      { ok: true, status: 'im_breach', result: { ...r, initial_margin: 1e21, maintenance_margin: -0, equity: 1.5e-7, im_excess: -123.456 }, computed_at: '2026-11-30T16:00:00.000Z' },
      { ok: true, status: 'ok', result: r, computed_at: 'x', degraded: { reasons: [{ code: 'stale', feed: 'ETH.index', detail: 'a "quoted" detail' }] } },
      { ok: false, status: 'error', error: { code: 'RG_ERR_MISSING_MARKET_DATA', message: 'no "expiry"', field: 'underlyings.ETH', value: 'é\n' }, market_snapshot_id: 's\u2028', profile_hash: null, engine_version: 'v', computed_at: 'x' },
    ];
    for (const m of cases) {
      expect(marginText('acc"1', m, 'market')).toBe(JSON.stringify(marginMessage('acc"1', m, 'market')));
      const ev = { kind: 'margin_call' as const, account_id: 'a\\b', from: 'ok' as const, to: m.status, margin: m };
      expect(eventText(ev, 'account')).toBe(JSON.stringify(eventMessage(ev, 'account')));
    }
  });
});

describe('slow consumers', () => {
  class FakeSocket implements StreamSocket {
    readyState = 1;
    bufferedAmount = 0;
    sent: string[] = [];
    closedWith: number | undefined;
    send(d: string): void {
      this.sent.push(d);
    }
    close(code?: number): void {
      this.closedWith = code;
      this.readyState = 2;
    }
    terminate(): void {
      this.readyState = 3;
    }
  }

  it('a connection with more than the limit unsent is closed with 4008 and gets nothing more', () => {
    const s = new FakeSocket();
    let dropped = 0;
    const c = new StreamConnection(s, 1000, () => dropped++);
    expect(c.send('{"type":"a"}')).toBe(true);
    s.bufferedAmount = 1000; // at the limit: still sent
    expect(c.send('{"type":"b"}')).toBe(true);
    s.bufferedAmount = 1001;
    expect(c.send('{"type":"c"}')).toBe(false);
    expect(s.closedWith).toBe(CLOSE_SLOW_CONSUMER);
    expect(dropped).toBe(1);
    s.bufferedAmount = 0;
    expect(c.send('{"type":"d"}')).toBe(false);
    expect(s.sent.map((x) => JSON.parse(x) as { seq: number; type: string })).toEqual([{ seq: 1, type: 'a' }, { seq: 2, type: 'b' }]);
  });

  it('over the network: a client that stops reading is dropped rather than buffered without bound', async () => {
    const small = await buildServer({ logLevel: false, store: new SqliteStore(join(dir, 'svc.db')), webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser'), rateLimit: false, stream: { maxBufferedBytes: 64 * 1024 } });
    await small.listen({ port: 0, host: '127.0.0.1' });
    try {
      const addr = small.server.address();
      const ws = new WebSocket(`ws://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/v1/stream`, { headers: { authorization: `Bearer ${keys.admin}` } });
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause(); // stop reading
      // Each subscribe answers with an ack and the current margin: keep asking until dropped.
      let dropped = false;
      void closed.then(() => (dropped = true));
      for (let i = 0; i < 200_000 && !dropped; i++) {
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'account', account_id: 'alice' }));
        if (i % 2000 === 1999) {
          await sleep(5);
          if (i % 20_000 === 19_999) {
            // A drop shows once the client reads again; peek periodically.
            const s = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
            s.resume();
            await sleep(20);
            if (!dropped) s.pause();
          }
        }
      }
      (ws as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await closed).toBe(CLOSE_SLOW_CONSUMER);
    } finally {
      await small.close();
    }
  }, 60_000);
});
