// POST /v1/margin/simulate on worker threads (simulate-pool.ts) answers exactly what the event loop
// answers (0 threads): the same bytes but computed_at, for summaries and full answers, markets in
// the body and the latest snapshot — including a snapshot the worker has not seen yet, which it
// asks for — and the same errors, naming the same fields.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../host/service/auth.js';
import { buildServer } from '../host/service/server.js';
import { defaultSimulateThreads } from '../host/service/simulate-pool.js';
import { openSqliteStore } from '../host/store/sqlite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, unknown>;
const portfolio = read('portfolio-eth.json');
const market = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-simulate-workers-'));

const servers: Array<{ app: FastifyInstance; key: string }> = [];
beforeAll(async () => {
  for (const threads of [1, 0]) {
    const store = openSqliteStore(join(dir, `t${threads}.db`));
    const k = newApiKey(['read', 'simulate', 'trade', 'admin'], ['*']);
    await store.putApiKey(k.record);
    const app = await buildServer({ logLevel: false, store, simulateThreads: threads, webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser') });
    servers.push({ app, key: k.secret });
  }
});
afterAll(async () => {
  for (const s of servers) await s.app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The same request to both servers: [on a worker, on the event loop]. */
async function both(method: 'POST', url: string, payload: unknown): Promise<Array<{ status: number; body: Record<string, unknown> }>> {
  return Promise.all(
    servers.map(async ({ app, key }) => {
      const r = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, payload: payload as Record<string, unknown> });
      const { computed_at: _, ...body } = r.json() as Record<string, unknown>;
      return { status: r.statusCode, body };
    }),
  );
}

describe('simulate on a worker thread', () => {
  it('answers what the event loop answers: summary and full, market in the body and the latest snapshots', async () => {
    for (const url of ['/v1/margin/simulate', '/v1/margin/simulate?detail=full']) {
      const [w, e] = await both('POST', url, { profile: PROFILE, account: portfolio, market });
      expect(w!.status).toBe(200);
      expect(w!.body).toEqual(e!.body);
    }
    // Two snapshots in turn: the worker has seen neither when first named, and asks for each.
    for (const [id, move] of [['w-1', 1], ['w-2', 1.03]] as const) {
      const snap = structuredClone(market) as { snapshot_id: string; timestamp: number; underlyings: { ETH: { index_price: number } } };
      snap.snapshot_id = id;
      snap.timestamp = Date.now() - 1000;
      snap.underlyings.ETH.index_price *= move;
      for (const r of await both('POST', '/v1/market', snap)) expect(r.status, JSON.stringify(r.body)).toBe(201);
      for (const url of ['/v1/margin/simulate', '/v1/margin/simulate?detail=full']) {
        const [w, e] = await both('POST', url, { profile: PROFILE, account: portfolio });
        expect(w!.status).toBe(200);
        expect(w!.body.market_snapshot_id).toBe(id);
        expect(w!.body).toEqual(e!.body);
      }
    }
  });

  it('fails the same way, naming the same field', async () => {
    const badAccount = structuredClone(portfolio) as { positions: Array<{ size: unknown }> };
    badAccount.positions[0]!.size = 'ten';
    const badMarket = structuredClone(market) as { underlyings: { ETH: { index_price: unknown } } };
    badMarket.underlyings.ETH.index_price = -1;
    for (const [body, field] of [
      [{ profile: PROFILE, account: badAccount }, 'account.positions[0].size'],
      [{ profile: PROFILE, account: portfolio, market: badMarket }, 'market.underlyings.ETH.index_price'],
      [{ profile: 'no-such-profile', account: portfolio }, 'profile'],
    ] as const) {
      const [w, e] = await both('POST', '/v1/margin/simulate', body);
      expect(w!.status).toBeGreaterThanOrEqual(400);
      expect(w).toEqual(e);
      expect((w!.body.error as { field: string }).field).toBe(field);
    }
  });
});

describe('defaultSimulateThreads', () => {
  it('reads RISKGRID_SIMULATE_THREADS, else leaves a core to the event loop', () => {
    expect(defaultSimulateThreads('0')).toBe(0);
    expect(defaultSimulateThreads('3')).toBe(3);
    expect(defaultSimulateThreads(undefined)).toBeGreaterThanOrEqual(1);
    for (const bad of ['-1', '1.5', 'two', '1e3', '257']) expect(() => defaultSimulateThreads(bad)).toThrow(/RISKGRID_SIMULATE_THREADS/);
  });
});
