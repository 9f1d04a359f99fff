// Issue 10 req. 3: the margin service on the cluster (riskgrid serve --nats). A local nats-server
// (Debian's, on a free port), two engine nodes (ClusterNode, in this process: no dist/ needed) and
// two services fed the same requests: one margining in process, one on the cluster. What-if and
// account reads must be answered by the account's owning node and equal the local service's
// answers bit for bit; a position change must be pushed on the WebSocket (increasing seq) with the
// engine's figures; margin calls and list-by-status must come from the streamed results; a key
// must still never reach another account.
// Without nats-server the suite is skipped locally (printed reason) and fails under CI.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsServerBinary, startLocalNats, type LocalNats } from '../host/cluster/local-server.js';
import { ClusterNode } from '../host/cluster/node.js';
import { partitionOf } from '../host/cluster/partition.js';
import { runServeCommand } from '../host/cli/serve-command.js';
import { createEngine } from '../host/index.js';
import { newApiKey } from '../host/service/auth.js';
import { accountVersion, stampAfter } from '../host/service/cluster-seq.js';
import { buildServer } from '../host/service/server.js';
import { SqliteStore } from '../host/store/sqlite.js';
import type { Scope } from '../host/store/store.js';
import { movedMarket } from './support/moved-market.js';
import { WsClient } from './support/ws-client.js';

const binary = natsServerBinary();
const why = 'missing' in binary ? binary.missing : undefined;
if (why !== undefined && process.env.CI !== undefined) throw new Error(`service-cluster tests cannot run under CI: ${why}`);
if (why !== undefined) console.warn(`[service-cluster.test] skipped: ${why}`);

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, any> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, any>;
const portfolio = read('portfolio-eth.json');
const base = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const PARTITIONS = 8;
const engine = createEngine({ profile: PROFILE });
type Json = Record<string, any>;

describe('account versions (the cluster seq)', () => {
  it('strictly increase per account, even within one millisecond or with the clock stepped back', () => {
    const t = Date.parse('2026-01-01T00:00:00.000Z');
    const a = stampAfter(undefined, t);
    const b = stampAfter(a, t); // same millisecond
    const c = stampAfter(b, t - 60_000); // clock stepped back
    expect([a, b, c].map((s) => accountVersion({ updated_at: s }))).toEqual([t, t + 1, t + 2]);
    expect(accountVersion({ updated_at: stampAfter(c, t + 5000) })).toBe(t + 5000);
  });
});

describe('cluster mode arguments', () => {
  it('needs a store, and a NATS URL that looks like one', async () => {
    await expect(buildServer({ logLevel: false, rateLimit: false, cluster: { nats: 'nats://127.0.0.1:1' } })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'cluster' });
    await expect(runServeCommand({ nats: 'http://example.com' }, () => undefined)).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'nats' });
  });
});

describe.skipIf(why !== undefined)('the service on the cluster (serve --nats)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'riskgrid-svc-cluster-'));
  let nats: LocalNats;
  const nodes: ClusterNode[] = [];
  let local: FastifyInstance;
  let cluster: FastifyInstance;
  let localStore: SqliteStore;
  let clusterStore: SqliteStore;
  let wsUrl: string;
  const keys: Record<string, string> = {};
  let tick = 0;
  /** The example market moved by `factor`, stamped now (fresh: no staleness reasons, which name their age in ms). */
  const market = (factor: number): Json => {
    const m = movedMarket(base, 'ETH', factor, `sc-${++tick}`, 0);
    m.timestamp = Date.now() - 2000 + tick;
    return m;
  };
  const E1 = base.underlyings.ETH.expiries.E1.expiry as number;
  const call = (kind: 'C' | 'P', strike: number) => ({ kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike, expiry: E1, option_type: kind });

  type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';
  const req = (app: FastifyInstance, method: Method, path: string, who: string, payload?: unknown) =>
    app.inject({ method, url: path, headers: { authorization: `Bearer ${keys[who]}` }, ...(payload === undefined ? {} : { payload: payload as Json }) });
  /** The same request to both services: [local, cluster]. */
  const both = async (method: Method, path: string, who: string, payload?: unknown) => {
    const l = await req(local, method, path, who, payload);
    const c = await req(cluster, method, path, who, payload);
    return [l, c] as const;
  };
  const json = (r: { body: string }): Json => JSON.parse(r.body) as Json;
  const ownerOf = (id: string): string => nodes.find((n) => n.owned.includes(partitionOf(id, PARTITIONS)))!.id;
  /** Everything but when it was computed and who computed it. */
  const figures = ({ computed_at: _c, node: _n, ...rest }: Json): Json => rest;

  beforeAll(async () => {
    nats = await startLocalNats();
    const setup = async (file: string): Promise<SqliteStore> => {
      const s = new SqliteStore(join(dir, file));
      await s.putPool('default', PROFILE);
      return s;
    };
    localStore = await setup('local.db');
    clusterStore = await setup('cluster.db');
    const add = async (name: string, scopes: Scope[], accounts: string[]): Promise<void> => {
      const k = newApiKey(scopes, accounts);
      await localStore.putApiKey(k.record);
      await clusterStore.putApiKey(k.record);
      keys[name] = k.secret;
    };
    await add('admin', ['read', 'simulate', 'trade', 'admin'], ['*']);
    await add('alice', ['read', 'simulate', 'trade'], ['alice']);
    await add('bob', ['read', 'simulate', 'trade'], ['bob']);
    // Nodes first: a service connecting creates the cluster with the nodes' partition count.
    // n1 bulk-reloads on every update (as any node does above 256 pending): it re-publishes its
    // partitions as a tick of a snapshot already complete, the path streamResults delivers no
    // callback for; n0 streams single updates.
    for (const [id, bulkAbove] of [['n0', 256], ['n1', 0]] as const) {
      nodes.push(await ClusterNode.start({ nats: nats.url, pools: { default: PROFILE }, threads: 0, partitions: PARTITIONS, leaseTtlMs: 1500, leaseIntervalMs: 250, nodeId: id, bulkAbove }));
    }
    const opts = { logLevel: false as const, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser'), rateLimit: false as const };
    local = await buildServer({ ...opts, store: localStore });
    cluster = await buildServer({ ...opts, store: clusterStore, cluster: { nats: nats.url, freshMs: 5000 } });
    await cluster.listen({ port: 0, host: '127.0.0.1' });
    const addr = cluster.server.address();
    wsUrl = `ws://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/v1/stream`;
  }, 30_000);

  afterAll(async () => {
    await cluster?.close();
    await local?.close();
    for (const n of nodes) await n.stop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('accounts and a snapshot fan out; what-if and summary come from the owning node, equal to the local service bit for bit', async () => {
    const ops = await WsClient.open(wsUrl, keys.admin!, 15_000);
    ops.send({ op: 'subscribe', channel: 'events' });
    await ops.until((m) => m.type === 'subscribed');
    for (const [id, f] of [['alice', 1], ['bob', 0.5]] as const) {
      const body = { account_id: id, positions: portfolio.positions.map((p: Json) => ({ ...p, size: p.size * f })), balances: portfolio.balances };
      const [l, c] = await both('POST', '/v1/accounts', 'admin', body);
      expect(l.statusCode, l.body).toBe(201);
      expect(c.statusCode, c.body).toBe(201);
      expect({ ...json(c), updated_at: 0 }).toEqual({ ...json(l), updated_at: 0 });
    }
    const m1 = market(1);
    const [lm, cm] = await both('POST', '/v1/market', 'admin', m1);
    expect(lm.statusCode, lm.body).toBe(201);
    expect(cm.statusCode, cm.body).toBe(201);
    // Every account's result on m1 streamed back and settled (durable statuses, then the push).
    await ops.until((m) => m.type === 'snapshot_margined' && m.market_snapshot_id === m1.snapshot_id, 20_000);

    for (const id of ['alice', 'bob']) {
      const [l, c] = await both('GET', `/v1/accounts/${id}`, 'admin');
      expect(c.statusCode, c.body).toBe(200);
      const lb = json(l);
      const cb = json(c);
      expect(cb.margin.node).toBe(ownerOf(id));
      expect(cb.margin.market_snapshot_id).toBe(m1.snapshot_id);
      expect(typeof cb.margin.computed_at).toBe('string');
      // The whole margin: figures, breakdown, worst scenario, greeks, provenance, ladder rung.
      expect(figures(cb.margin)).toEqual(figures(lb.margin));
      expect(cb.margin.initial_margin).toBeGreaterThan(0);
      expect(cb.status).toBe(lb.status);
      for (const detail of ['', '?detail=full']) {
        const trades = [{ instrument: call('C', 2000), size: 'x' }];
        const body = { account_id: id, trades: [{ instrument: call('C', 2000), size: 3 }, { instrument: call('P', 1800), size: -2 }] };
        const [lw, cw] = await both('POST', `/v1/margin/whatif${detail}`, 'admin', body);
        expect(cw.statusCode, cw.body).toBe(200);
        expect(json(cw).node).toBe(ownerOf(id));
        expect(figures(json(cw))).toEqual(figures(json(lw)));
        expect(json(cw).after.initial_margin).not.toBe(json(cw).before.initial_margin);
        // Bad trades: the node's engine error, as the local engine's.
        const [lb2, cb2] = await both('POST', `/v1/margin/whatif${detail}`, 'admin', { account_id: id, trades });
        expect(cb2.statusCode).toBe(lb2.statusCode);
        expect(json(cb2)).toEqual(json(lb2));
      }
    }
    // Both nodes serve: the two accounts' partitions are spread (8 partitions over 2 nodes).
    expect(nodes.every((n) => n.owned.length > 0)).toBe(true);
    ops.close();
  }, 40_000);

  it('a position change is acknowledged by JetStream, re-margined by its node and pushed with increasing seq', async () => {
    const alice = await WsClient.open(wsUrl, keys.alice!, 15_000);
    alice.send({ op: 'subscribe', channel: 'account', account_id: 'alice' });
    const first = await alice.until((m) => m.type === 'margin' && m.cause === 'subscribe');
    const patch = { positions: [{ instrument: call('C', 2000), size: -14 }] };
    const [l, c] = await both('PATCH', '/v1/accounts/alice/positions', 'alice', patch);
    expect(c.statusCode, c.body).toBe(200);
    expect({ ...json(c), updated_at: 0, status: 0 }).toEqual({ ...json(l), updated_at: 0, status: 0 });
    const pushed = await alice.until((m) => m.type === 'margin' && m.cause === 'account');
    expect(pushed.seq).toBeGreaterThan(first.seq);
    const lg = json(await req(local, 'GET', '/v1/accounts/alice', 'alice')).margin;
    // The node's streamed figures are the engine's (the local service's) bit for bit.
    for (const k of ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'margin_currency', 'profile_hash', 'engine_version', 'market_snapshot_id'] as const) expect([k, pushed[k]]).toEqual([k, lg[k]]);
    expect(pushed.initial_margin).not.toBe(first.initial_margin);
    // A read right after the write sees it (the owner holds the stored version).
    const cg = json(await req(cluster, 'GET', '/v1/accounts/alice', 'alice')).margin;
    expect(figures(cg)).toEqual(figures(lg));
    // A new snapshot: pushed again, later seq, on the new snapshot.
    const m2 = market(1.01);
    await both('POST', '/v1/market', 'admin', m2);
    const again = await alice.until((m) => m.type === 'margin' && m.market_snapshot_id === m2.snapshot_id);
    expect(again.seq).toBeGreaterThan(pushed.seq);
    expect(again.cause).toBe('market');
    const seqs = alice.msgs.map((m) => m.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    alice.close();
  }, 30_000);

  it('every acknowledged change is pushed, whichever way its node publishes it (single update or bulk re-publish)', async () => {
    // One account on each node.
    const pick = (node: string): string => {
      for (let k = 0; ; k++) if (ownerOf(`acct-${k}`) === node) return `acct-${k}`;
    };
    const ids = [pick('n0'), pick('n1')];
    const ops = await WsClient.open(wsUrl, keys.admin!, 15_000);
    for (const id of ids) {
      const [l, c] = await both('POST', '/v1/accounts', 'admin', { account_id: id, positions: portfolio.positions, balances: portfolio.balances });
      expect([l.statusCode, c.statusCode], c.body).toEqual([201, 201]);
      ops.send({ op: 'subscribe', channel: 'account', account_id: id });
      // Its margin now (if its first result is back) or when it is.
      await ops.until((m) => m.type === 'margin' && m.account_id === id);
    }
    for (const [i, id] of ids.entries()) {
      const before = ops.msgs.length;
      const [l, c] = await both('PUT', `/v1/accounts/${id}/positions`, 'admin', { positions: [{ instrument: call('P', 1800), size: -5 - i }] });
      expect([l.statusCode, c.statusCode], c.body).toEqual([200, 200]);
      const pushed = await ops.until((m) => ops.msgs.indexOf(m) >= before && m.type === 'margin' && m.account_id === id && m.cause === 'account');
      const lg = json(await req(local, 'GET', `/v1/accounts/${id}`, 'admin')).margin;
      for (const k of ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'market_snapshot_id'] as const) expect([id, k, pushed[k]]).toEqual([id, k, lg[k]]);
      // Pushed once, not once per delivery.
      await new Promise((r) => setTimeout(r, 300));
      expect(ops.msgs.filter((m, k) => k >= before && m.type === 'margin' && m.account_id === id).length).toBe(1);
    }
    const seqs = ops.msgs.map((m) => m.seq as number);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    ops.close();
  }, 30_000);

  it('margin calls, the ladder and list-by-status come from the streamed results, durable first', async () => {
    // A short call that meets maintenance now but not after a 3 % rally (solved from the engine).
    const now = market(1.01);
    const up = market(1.01 * 1.03);
    const positions = [{ instrument: call('C', 2000), size: -10 }];
    const at = (snap: Json, usdc: number) => engine.margin({ account_id: 'carol', positions, balances: { USDC: usdc } }, snap).mm_excess;
    const usdc = Math.round(-(at(now, 0) + at(up, 0)) / 2);
    expect(at(up, usdc)).toBeLessThan(0);
    const ops = await WsClient.open(wsUrl, keys.admin!, 15_000);
    ops.send({ op: 'subscribe', channel: 'events' });
    await ops.until((m) => m.type === 'subscribed');
    await both('POST', '/v1/market', 'admin', now);
    const [l, c] = await both('POST', '/v1/accounts', 'admin', { account_id: 'carol', positions, balances: { USDC: usdc } });
    expect(c.statusCode, c.body).toBe(201);
    expect(l.statusCode).toBe(201);
    await both('POST', '/v1/market', 'admin', up);
    const mc = await ops.until((m) => m.type === 'margin_call' && m.account_id === 'carol');
    expect(mc).toMatchObject({ to: 'mm_breach', market_snapshot_id: up.snapshot_id, cause: 'market' });
    expect(mc.mm_excess).toBe(engine.margin({ account_id: 'carol', positions, balances: { USDC: usdc } }, up).mm_excess);
    await ops.until((m) => m.type === 'snapshot_margined' && m.market_snapshot_id === up.snapshot_id);
    expect(ops.msgs.some((m) => m.type === 'ladder_change' && m.account_id === 'carol')).toBe(true);
    // Durable before pushed: status, hash-chained audit row, margin run.
    expect((await clusterStore.getAccount('carol'))!.status).toBe('mm_breach');
    const audit = (await clusterStore.listAudit()).filter((r) => r.kind === 'margin_call' && r.account_id === 'carol');
    expect(audit.at(-1)!.data).toMatchObject({ to: 'mm_breach', market_snapshot_id: up.snapshot_id });
    expect((await clusterStore.listMarginRuns('carol')).at(-1)).toMatchObject({ snapshot_id: up.snapshot_id, result: { status: 'mm_breach', mm_excess: mc.mm_excess } });
    expect(await clusterStore.verifyAudit()).toMatchObject({ ok: true });
    // The local service (settled synchronously with its ingest) agrees on every status.
    for (const status of ['ok', 'im_breach', 'mm_breach']) {
      const [ls, cs] = await both('GET', `/v1/accounts?status=${status}`, 'admin');
      expect(json(cs).accounts.map((a: Json) => a.account_id)).toEqual(json(ls).accounts.map((a: Json) => a.account_id));
    }
    const [lc, cc] = await both('GET', '/v1/accounts/carol', 'admin');
    expect(figures(json(cc).margin)).toEqual(figures(json(lc).margin));
    ops.close();
  }, 30_000);

  it('a key never reaches another account: HTTP reads, what-ifs and writes, and the stream', async () => {
    for (const [method, path, payload] of [
      ['GET', '/v1/accounts/bob', undefined],
      ['POST', '/v1/margin/whatif', { account_id: 'bob', trades: [] }],
      ['PUT', '/v1/accounts/bob/balances', { balances: { USDC: 1 } }],
    ] as const) {
      const [l, c] = await both(method, path, 'alice', payload);
      expect(c.statusCode).toBe(404);
      expect(json(c)).toEqual(json(l));
    }
    const listed = json(await req(cluster, 'GET', '/v1/accounts', 'alice')).accounts.map((a: Json) => a.account_id);
    expect(listed).toEqual(['alice']);
    const ws = await WsClient.open(wsUrl, keys.alice!, 15_000);
    ws.send({ op: 'subscribe', channel: 'account', account_id: 'bob' });
    expect(await ws.until((m) => m.type === 'error')).toMatchObject({ code: 'RG_HTTP_NOT_FOUND', field: 'account_id', value: 'bob' });
    ws.close();
    // Bob's balances were not changed by alice's attempt, in the store or on the cluster.
    expect((await clusterStore.getAccount('bob'))!.balances).toEqual((await localStore.getAccount('bob'))!.balances);
  }, 20_000);

  it('a write stored but never acknowledged (a crash between store and publish) reaches the cluster at the next start', async () => {
    await cluster.close(); // closes its store too
    // Bob's new positions, as the local service stores them (normalised), written straight into
    // the cluster service's store with the next version, as a crash after the store write leaves it.
    const changed = json(await req(local, 'PUT', '/v1/accounts/bob/positions', 'bob', { positions: [{ instrument: call('C', 2000), size: -3 }] }));
    clusterStore = new SqliteStore(join(dir, 'cluster.db'));
    const stored = (await clusterStore.getAccount('bob'))!;
    await clusterStore.putAccount({ ...stored, positions: changed.positions, updated_at: stampAfter(stored.updated_at) });
    cluster = await buildServer({ logLevel: false, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser'), rateLimit: false, store: clusterStore, cluster: { nats: nats.url, freshMs: 5000, requestTimeoutMs: 1000 } });
    const [l, c] = await both('GET', '/v1/accounts/bob', 'bob');
    expect(c.statusCode, c.body).toBe(200);
    expect(json(c).positions).toEqual(json(l).positions);
    expect(figures(json(c).margin)).toEqual(figures(json(l).margin));
  }, 20_000);

  it('with every node gone, writes are still acknowledged (JetStream) and reads say the cluster is unavailable', async () => {
    for (const n of nodes.splice(0)) await n.stop();
    const w = await req(cluster, 'PUT', '/v1/accounts/bob/balances', 'bob', { balances: { USDC: 12345 } });
    expect(w.statusCode, w.body).toBe(200);
    const t0 = performance.now();
    const r = await req(cluster, 'GET', '/v1/accounts/bob', 'bob');
    expect(r.statusCode, r.body).toBe(503);
    expect(json(r).error).toMatchObject({ code: 'RG_HTTP_UNAVAILABLE' });
    expect(performance.now() - t0).toBeLessThan(4000);
  }, 20_000);
});
