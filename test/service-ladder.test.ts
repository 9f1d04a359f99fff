// The liquidation ladder in the service (issue 7 req. 1): after each snapshot every account's rung
// (healthy, margin call, reduce-only, liquidatable, bankrupt) from its pool profile's thresholds,
// with hysteresis; each change is an audited `ladder_change` (and a pushed event, the same list the
// stream sends); after a restart the rung is rebuilt from the audit log, so hysteresis survives it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../host/service/auth.js';
import { buildServer } from '../host/service/server.js';
import { openSqliteStore, type SqliteStore } from '../host/store/sqlite.js';
import { movedMarket } from './support/moved-market.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const base = JSON.parse(readFileSync(join(root, 'examples/market-eth.json'), 'utf8')) as Record<string, any>;
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-ladder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** The example market with ETH moved by `f`, a second later each time. */
const market = (f: number): Record<string, any> => movedMarket(base, 'ETH', f, `ladder-${++n}`, n * 1000);

describe('the liquidation ladder in the service', () => {
  let store: SqliteStore;
  let app: FastifyInstance;
  let secret = '';
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${secret}` }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  const rung = async () => JSON.parse((await call('GET', '/v1/accounts/lad')).body).margin.liquidation_status as string;
  const ingest = async (f: number) => expect((await call('POST', '/v1/market', market(f))).statusCode).toBe(201);
  const ladderRows = async () => (await store.listAudit()).filter((a) => a.kind === 'ladder_change').map((a) => `${String(a.data.from)}→${String(a.data.to)}`);

  it('falls at once, climbs back only past the band, and keeps its rung across a restart', async () => {
    store = openSqliteStore(join(dir, 'svc.db'));
    const k = newApiKey(['read', 'simulate', 'trade', 'admin'], ['*']);
    await store.putApiKey(k.record);
    secret = k.secret;
    app = await buildServer({ logLevel: false, store, webDir: join(dir, 'w'), browserDir: join(dir, 'b') });
    // derive-pmrm2.test with a price band wide enough for these moves (else they are held as suspect).
    const profile = { ...JSON.parse(readFileSync(join(root, 'profiles/derive-pmrm2.test.json'), 'utf8')), name: 'ladder-test', market_data: { price_band: 0.5 } };
    const put = await call("PUT", "/v1/profiles", { profile, pools: ["default"] });
    expect(put.statusCode, put.body).toBeLessThan(300);
    await ingest(1);
    // 10 ETH perp bought at the mark, 6,000 USDC: equity 6,000 − 200 per 1 % fall.
    const created = await call('POST', '/v1/accounts', { account_id: 'lad', positions: [{ instrument: 'ETH-PERPETUAL', size: 10, avg_price: base.underlyings.ETH.perp_price }], balances: { USDC: 6000 } });
    expect(created.statusCode, created.body).toBe(201);
    expect(await rung()).toBe('healthy');
    expect(await ladderRows()).toEqual([]); // a healthy newcomer is not an event

    await ingest(0.83); // equity ≈ 2,600 < MM ≈ 2,640
    expect(await rung()).toBe('liquidatable');
    await ingest(0.845); // equity ≈ 2,900: above MM (raw: reduce-only) but below MM + 10 % band
    expect(await rung()).toBe('liquidatable');
    expect(await ladderRows()).toEqual(['healthy→liquidatable']);

    // Restart on the same store: the rung comes back from the audit log, hysteresis included.
    await app.close();
    app = await buildServer({ logLevel: false, store: (store = openSqliteStore(join(dir, 'svc.db'))), webDir: join(dir, 'w'), browserDir: join(dir, 'b') });
    await ingest(0.845);
    expect(await rung()).toBe('liquidatable');
    await ingest(0.86); // equity ≈ 3,200: past MM + band and past the reduce-only level + band, below IM
    expect(await rung()).toBe('margin_call');
    await ingest(1);
    expect(await rung()).toBe('healthy');
    expect(await ladderRows()).toEqual(['healthy→liquidatable', 'liquidatable→margin_call', 'margin_call→healthy']);
    expect((await store.verifyAudit()).ok).toBe(true);
    await app.close();
  });
});
