// The service's request-path caches (bench/service.js measured each): API keys by secret hash
// (key-cache.ts), parsed simulate markets by content (market-cache.ts), and a what-if's `before`
// per frozen account version and snapshot (whatif.ts). Each must answer exactly what the uncached
// path answers and must never serve a stale or foreign entry.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../host/index.js';
import { hashSecret, newApiKey } from '../host/service/auth.js';
import { withKeyCache } from '../host/service/key-cache.js';
import { parseMarketCached } from '../host/service/market-cache.js';
import { whatIfReusingBefore } from '../host/service/whatif.js';
import { openSqliteStore } from '../host/store/sqlite.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, unknown>;
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-caches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withKeyCache', () => {
  it('serves a found key from memory, forgets it on any key write, and never caches a miss', async () => {
    const raw = openSqliteStore(join(dir, 'keys.db'));
    let reads = 0;
    const get = raw.getApiKeyByHash.bind(raw);
    raw.getApiKeyByHash = async (h: string) => {
      reads++;
      return get(h);
    };
    const store = withKeyCache(raw, 60_000);
    const a = newApiKey(['read'], ['alice']);
    await store.putApiKey(a.record);
    const h = hashSecret(a.secret);
    expect(await store.getApiKeyByHash(h)).toEqual(a.record);
    expect(await store.getApiKeyByHash(h)).toEqual(a.record);
    expect(reads).toBe(1);
    // Unknown keys go to the store every time (random tokens cannot fill the cache)...
    const unknown = hashSecret('rg_nope');
    expect(await store.getApiKeyByHash(unknown)).toBeUndefined();
    expect(await store.getApiKeyByHash(unknown)).toBeUndefined();
    expect(reads).toBe(3);
    // ...and a key written later is found at once.
    const b = newApiKey(['read', 'admin'], ['*']);
    await store.putApiKey(b.record);
    expect(await store.getApiKeyByHash(hashSecret(b.secret))).toEqual(b.record);
    // The write cleared the cache: `a` is read again.
    expect(await store.getApiKeyByHash(h)).toEqual(a.record);
    expect(reads).toBe(5);
    // Everything else passes through to the store itself.
    expect(await store.getPool('none')).toBeUndefined();
    await store.close();
    expect(raw.db.open).toBe(false);
  });

  it('honours the TTL: an entry is re-read once it expires', async () => {
    const raw = openSqliteStore(join(dir, 'ttl.db'));
    const store = withKeyCache(raw, 0);
    const a = newApiKey(['read'], ['alice']);
    await raw.putApiKey(a.record); // behind the cache's back, like another process
    expect(await store.getApiKeyByHash(hashSecret(a.secret))).toEqual(a.record);
    raw.db.prepare('UPDATE api_keys SET scopes = ? WHERE id = ?').run(JSON.stringify(['read', 'trade']), a.record.id);
    expect((await store.getApiKeyByHash(hashSecret(a.secret)))?.scopes).toEqual(['read', 'trade']);
    await store.close();
  });
});

describe('parseMarketCached', () => {
  const engine = createEngine({ profile: 'derive-pmrm2.test' });
  const market = read('market-eth.json');

  it('returns the same parsed snapshot for the same content, a different one for different content', () => {
    const a = parseMarketCached(engine, JSON.stringify(market));
    expect(parseMarketCached(engine, JSON.stringify(JSON.parse(JSON.stringify(market))))).toBe(a);
    expect(a).toEqual(engine.parseMarket(market));
    // Same snapshot_id, different content: never the cached one.
    const moved = JSON.parse(JSON.stringify(market)) as { underlyings: Record<string, { index_price: number }> };
    const u = Object.keys(moved.underlyings)[0]!;
    moved.underlyings[u]!.index_price *= 1.01;
    const b = parseMarketCached(engine, JSON.stringify(moved));
    expect(b).not.toBe(a);
    expect(b.underlyings.get(u)!.index.value).toBe(moved.underlyings[u]!.index_price);
  });

  it('fails a bad market every time with its own error (failures are not cached)', () => {
    const bad = { ...market, timestamp: -1 };
    expect(() => parseMarketCached(engine, JSON.stringify(bad))).toThrow(/timestamp/);
    expect(() => parseMarketCached(engine, JSON.stringify(bad))).toThrow(/timestamp/);
  });
});

describe('whatIfReusingBefore', () => {
  const engine = createEngine({ profile: 'derive-pmrm2.test' });
  const market = engine.parseMarket(read('market-eth.json'));
  const account = Object.freeze(engine.parseAccount(read('portfolio-eth.json')));
  const trades = [{ instrument: 'ETH-PERPETUAL', size: 2 }];

  it('equals engine.whatIf on the first call and on the cached calls, for different trades', () => {
    const direct = engine.whatIf(account, market, trades);
    const first = whatIfReusingBefore(engine, account, market, trades);
    const again = whatIfReusingBefore(engine, account, market, trades);
    expect(again.before).toBe(first.before); // reused, not recomputed
    for (const w of [first, again]) expect(JSON.parse(JSON.stringify(w))).toEqual(JSON.parse(JSON.stringify(direct)));
    const other = { 'ETH-PERPETUAL': -3 };
    expect(JSON.parse(JSON.stringify(whatIfReusingBefore(engine, account, market, other)))).toEqual(JSON.parse(JSON.stringify(engine.whatIf(account, market, other))));
  });

  it('recomputes `before` for another snapshot, and never caches an account that is not frozen', () => {
    const first = whatIfReusingBefore(engine, account, market, trades);
    const market2 = engine.parseMarket(read('market-eth.json'));
    const w2 = whatIfReusingBefore(engine, account, market2, trades);
    expect(w2.before).not.toBe(first.before);
    const loose = { ...engine.parseAccount(read('portfolio-eth.json')) }; // a mutable copy
    expect(Object.isFrozen(loose)).toBe(false);
    const a = whatIfReusingBefore(engine, loose, market, trades);
    const b = whatIfReusingBefore(engine, loose, market, trades);
    expect(b.before).not.toBe(a.before);
    expect(b.before.initial_margin).toBe(a.before.initial_margin);
  });

  it('takes the book’s margin (marginBatch, in a batch of others) as `before`: the same answer as engine.whatIf', () => {
    const other = Object.freeze(engine.parseAccount({ ...read('portfolio-eth.json'), account_id: 'other', balances: { USDC: 5 } }));
    const fresh = Object.freeze({ ...account }); // a version no what-if has seen yet
    const [o, b] = engine.marginBatch([other, fresh], market, { collateralLines: true });
    if (!b!.ok || !o!.ok) throw new Error('batch failed');
    const w = whatIfReusingBefore(engine, fresh, market, trades, b!.result);
    expect(w.before).toBe(b!.result); // taken, not recomputed
    expect(JSON.parse(JSON.stringify(w))).toEqual(JSON.parse(JSON.stringify(engine.whatIf(fresh, market, trades))));
    expect(whatIfReusingBefore(engine, fresh, market, trades).before).toBe(b!.result); // and kept
  });

  it('names the trades field when a trade is bad, on a cached account too', () => {
    whatIfReusingBefore(engine, account, market, trades);
    expect(() => whatIfReusingBefore(engine, account, market, [{ instrument: 'ETH-PERPETUAL', size: Number.NaN }])).toThrow(/trades/);
  });
});
