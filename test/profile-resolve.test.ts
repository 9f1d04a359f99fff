// Account + snapshot → resolved positions → every issue-4 methodology, on the shipped example.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMarketSnapshot } from '../host/market/validate.js';
import { parseAccount } from '../host/model/validate.js';
import { computeCrossFutures } from '../host/profiles/cross-futures/index.js';
import { computeDeribitPm } from '../host/profiles/deribit-pm/index.js';
import { computeOkxPm } from '../host/profiles/okx-pm/index.js';
import { spanPositionsOf } from '../host/profiles/span/adapt.js';
import { computeSpan } from '../host/profiles/span/index.js';
import type { SpanParams } from '../host/profiles/span/types.js';
import { computeStandard } from '../host/profiles/standard/index.js';
import { resolveAccount } from '../host/profiles/standard/resolve.js';
import { computeTims } from '../host/profiles/tims/index.js';

const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const params = (n: string) => json(`profiles/${n}.json`).params;
const account = parseAccount(json('examples/portfolio-btc.json'));
const market = parseMarketSnapshot(json('examples/market-btc.json'), { now: json('examples/market-btc.json').timestamp });

describe('resolveAccount', () => {
  const resolved = resolveAccount(account, market);

  it('takes forward, T, vol and df from the snapshot', () => {
    const call = resolved.find((p) => p.id === 'BTC_USDC-25DEC26-100000-C')!;
    const e = market.expiry('BTC', call.expiry!);
    expect(call).toMatchObject({ kind: 'option', underlying: 'BTC', size: -5, multiplier: 1, settlement: 'linear', quote: 'USDC', strike: 100000, optionType: 'C', spot: 95000 });
    expect(call.forward).toBe(e.forward.value);
    expect(call.T).toBeCloseTo((call.expiry! - market.timestamp) / 31_536_000_000, 15);
    expect(call.vol).toBe(market.volFor('BTC', call.expiry!, 100000, 'C'));
    expect(call.df).toBeCloseTo(Math.exp(-e.rate.value * call.T), 15);
    const perp = resolved.find((p) => p.kind === 'perpetual')!;
    expect(perp.forward).toBe(market.perp('BTC').value);
    expect(resolved).toHaveLength(account.positions.length);
  });

  it('every method margins the example account: finite, IM ≥ MM', () => {
    const pf = [{ id: account.id, positions: resolved }];
    const spanParams: SpanParams = { ...params('span.cme-example'), commodities: { BTC: { ...params('span.cme-example').commodities.SP, priceScanRange: 15000 } }, interSpreads: [] };
    const results = {
      standard: computeStandard(pf, params('standard'))[0]!,
      'cross-futures': computeCrossFutures(pf, params('cross-futures'))[0]!,
      'deribit-pm': computeDeribitPm(pf, params('deribit-pm'))[0]!,
      'okx-pm': computeOkxPm(pf, params('okx-pm'))[0]!,
      tims: computeTims(pf, params('tims'))[0]!,
      span: computeSpan([{ id: account.id, positions: spanPositionsOf(resolved) }], spanParams)[0]!,
    };
    for (const r of Object.values(results)) {
      expect(Number.isFinite(r.initialMargin)).toBe(true);
      expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
      expect(r.maintenanceMargin).toBeGreaterThan(0);
    }
    // The book is a hedged options spread book: every portfolio method needs less than standard.
    for (const m of ['deribit-pm', 'okx-pm', 'tims', 'span'] as const) expect(results[m].initialMargin).toBeLessThan(results.standard.initialMargin);
  });

  it('span adapter: contract month from the expiry, perps in the perpetual month', () => {
    const sp = spanPositionsOf(resolved);
    expect(sp.find((p) => p.id === 'BTC_USDC-25DEC26-100000-C')!.month).toBe('202612');
    expect(sp.find((p) => p.kind === 'perpetual')!.month).toBe('000000');
  });
});
