import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RiskgridError } from '../host/errors.js';
import { parseMarketSnapshot, parseMarketSnapshotJson } from '../host/market/validate.js';

const TS = Date.UTC(2026, 10, 30, 8);

function err(fn: () => unknown): RiskgridError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

function snap(): Record<string, any> {
  return {
    snapshot_id: 's1', timestamp: TS,
    stablecoin: { asset: 'USDC', price: 1, confidence: 1, timestamp: TS },
    collateral: { USDC: { price: 1, confidence: 1, timestamp: TS }, WETH: { price: 3500, confidence: 0.9, timestamp: TS - 5 } },
    underlyings: {
      BTC: {
        index_price: 95000, index_confidence: 1, index_timestamp: TS, perp_price: 95010, perp_confidence: 1, perp_timestamp: TS,
        expiries: {
          '27DEC26': { forward: 95500, forward_confidence: 1, forward_timestamp: TS, rate: 0.05, rate_confidence: 1, rate_timestamp: TS, vol_confidence: 1, vol_timestamp: TS, vols: { '90000': 0.5, '100000-C': 0.52 } },
        },
      },
    },
  };
}

/** Every numeric leaf of the snapshot, as a path of keys. */
function numericPaths(o: unknown, prefix: string[] = []): string[][] {
  if (typeof o === 'number') return [prefix];
  if (o === null || typeof o !== 'object') return [];
  return Object.entries(o as object).flatMap(([k, v]) => numericPaths(v, [...prefix, k]));
}

function setPath(o: any, path: string[], v: unknown): void {
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]!] = v;
}

describe('market validation', () => {
  it('accepts the full example', () => {
    expect(parseMarketSnapshot(snap(), { now: TS }).underlyings.get('BTC')!.expiries.size).toBe(1);
  });

  it('property: NaN or ±Infinity in any numeric field is RG_ERR_INVALID_INPUT naming that field', () => {
    const paths = numericPaths(snap());
    expect(paths.length).toBeGreaterThan(25);
    fc.assert(fc.property(fc.constantFrom(...paths), fc.constantFrom(NaN, Infinity, -Infinity), (path, bad) => {
      const s = snap();
      setPath(s, path, bad);
      const e = err(() => parseMarketSnapshot(s, { now: TS }));
      expect(e.code).toBe('RG_ERR_INVALID_INPUT');
      expect(e.field).toBe(path.join('.'));
      expect(Object.is(e.value, bad)).toBe(true);
    }), { numRuns: 400 });
  });

  it('domains: prices > 0, confidence in [0, 1], vols >= 0, integer ms times', () => {
    const cases: [string[], unknown, string][] = [
      [['underlyings', 'BTC', 'index_price'], 0, 'underlyings.BTC.index_price'],
      [['underlyings', 'BTC', 'perp_price'], -1, 'underlyings.BTC.perp_price'],
      [['underlyings', 'BTC', 'expiries', '27DEC26', 'forward'], 0, 'underlyings.BTC.expiries.27DEC26.forward'],
      [['underlyings', 'BTC', 'expiries', '27DEC26', 'forward'], '95500', 'underlyings.BTC.expiries.27DEC26.forward'],
      [['underlyings', 'BTC', 'index_confidence'], 1.01, 'underlyings.BTC.index_confidence'],
      [['underlyings', 'BTC', 'expiries', '27DEC26', 'vol_confidence'], -0.1, 'underlyings.BTC.expiries.27DEC26.vol_confidence'],
      [['underlyings', 'BTC', 'expiries', '27DEC26', 'vols', '90000'], -0.01, 'underlyings.BTC.expiries.27DEC26.vols.90000'],
      [['underlyings', 'BTC', 'index_timestamp'], TS / 1000, 'underlyings.BTC.index_timestamp'],
      [['underlyings', 'BTC', 'index_timestamp'], TS + 0.5, 'underlyings.BTC.index_timestamp'],
      [['collateral', 'WETH', 'price'], 0, 'collateral.WETH.price'],
      [['stablecoin', 'price'], null, 'stablecoin.price'],
      [['timestamp'], TS * 1000, 'timestamp'],
      [['snapshot_id'], '', 'snapshot_id'],
    ];
    for (const [path, v, field] of cases) {
      const s = snap();
      setPath(s, path, v);
      const e = err(() => parseMarketSnapshot(s, { now: TS }));
      expect([e.code, e.field, e.value], field).toEqual(['RG_ERR_INVALID_INPUT', field, v]);
    }
    // Zero vol and zero confidence are in the domain.
    const s = snap();
    s.underlyings.BTC.expiries['27DEC26'].vols['90000'] = 0;
    s.underlyings.BTC.index_confidence = 0;
    expect(() => parseMarketSnapshot(s, { now: TS })).not.toThrow();
  });

  it('no future-dated feed or snapshot beyond the tolerance', () => {
    const s = snap();
    s.underlyings.BTC.perp_timestamp = TS + 5_000;
    expect(() => parseMarketSnapshot(s, { now: TS })).not.toThrow();
    s.underlyings.BTC.perp_timestamp = TS + 5_001;
    expect(err(() => parseMarketSnapshot(s, { now: TS }))).toMatchObject({ field: 'underlyings.BTC.perp_timestamp', value: TS + 5_001 });
    expect(() => parseMarketSnapshot(s, { now: TS, futureToleranceMs: 10_000 })).not.toThrow();
    const late = snap();
    late.underlyings.BTC.expiries['27DEC26'].vol_timestamp = TS + 60_000;
    expect(err(() => parseMarketSnapshot(late, { now: TS })).field).toBe('underlyings.BTC.expiries.27DEC26.vol_timestamp');
    expect(err(() => parseMarketSnapshot(snap(), { now: TS - 60_000 })).field).toBe('timestamp');
    expect(() => parseMarketSnapshot(snap(), { now: false })).not.toThrow();
    // Default `now` is the wall clock: a snapshot a day ahead of it is rejected.
    const ahead = snap();
    ahead.timestamp = Date.now() + 86_400_000;
    for (const k of ['index_timestamp', 'perp_timestamp']) delete ahead.underlyings.BTC[k];
    expect(err(() => parseMarketSnapshot(ahead)).field).toBe('timestamp');
  });

  it('rejects unknown fields, bad keys, expired and duplicate expiries', () => {
    const cases: [(s: any) => void, string, string][] = [
      [(s) => { s.extra = 1; }, 'extra', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.mark = 1; }, 'underlyings.BTC.mark', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27DEC26'].fwd = 1; }, 'underlyings.BTC.expiries.27DEC26.fwd', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.collateral.WETH.haircut = 0.1; }, 'collateral.WETH.haircut', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.btc = s.underlyings.BTC; }, 'underlyings.btc', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27DEX26'] = { rate: 0 }; }, 'underlyings.BTC.expiries.27DEX26', 'RG_ERR_INVALID_INPUT'],
      // JSON objects list integer-like keys first, so the duplicate found is the Deribit-style key.
      [(s) => { s.underlyings.BTC.expiries['20261227'] = { rate: 0 }; }, 'underlyings.BTC.expiries.27DEC26', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries.x = { expiry: Date.UTC(2026, 11, 27, 8), rate: 0 }; }, 'underlyings.BTC.expiries.x', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27NOV26'] = { rate: 0 }; }, 'underlyings.BTC.expiries.27NOV26.expiry', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27DEC26'].vols['9e4'] = 0.5; }, 'underlyings.BTC.expiries.27DEC26.vols.9e4', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27DEC26'].vols['90000.0'] = 0.5; }, 'underlyings.BTC.expiries.27DEC26.vols.90000.0', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.expiries['27DEC26'] = { vols: {} }; }, 'underlyings.BTC.expiries.27DEC26.forward', 'RG_ERR_MISSING_MARKET_DATA'],
      [(s) => { s.underlyings.BTC.expiries['27DEC26'] = { rate: 0, forward_confidence: 1 }; }, 'underlyings.BTC.expiries.27DEC26.forward', 'RG_ERR_INVALID_INPUT'],
      [(s) => { delete s.underlyings.BTC.perp_price; }, 'underlyings.BTC.perp_price', 'RG_ERR_INVALID_INPUT'],
      [(s) => { delete s.underlyings.BTC.index_price; }, 'underlyings.BTC.index_price', 'RG_ERR_INVALID_INPUT'],
      [(s) => { delete s.underlyings; }, 'underlyings', 'RG_ERR_INVALID_INPUT'],
      [(s) => { s.underlyings.BTC.surface = { slope: 1 }; }, 'underlyings.BTC.surface.kind', 'RG_ERR_INVALID_INPUT'],
    ];
    for (const [mutate, field, code] of cases) {
      const s = snap();
      mutate(s);
      const e = err(() => parseMarketSnapshot(s, { now: TS }));
      expect([e.code, e.field], field).toEqual([code, field]);
    }
  });

  it('malformed JSON text is RG_ERR_PARSE; overflow to Infinity is rejected', () => {
    expect(err(() => parseMarketSnapshotJson('{"snapshot_id": ')).code).toBe('RG_ERR_PARSE');
    const text = JSON.stringify(snap()).replace('"index_price":95000', '"index_price":1e999');
    expect(err(() => parseMarketSnapshotJson(text, { now: TS }))).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'underlyings.BTC.index_price', value: Infinity });
  });

  it('is cheap enough for per-request ingest', () => {
    const s = snap();
    const exps = s.underlyings.BTC.expiries;
    for (const e of ['25DEC26', '29JAN27', '26MAR27']) exps[e] = { ...exps['27DEC26'], vols: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [String(60000 + k * 2500), 0.5])) };
    for (let i = 0; i < 500; i++) parseMarketSnapshot(s, { now: TS });
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parseMarketSnapshot(s, { now: TS });
    expect(((performance.now() - t0) * 1000) / n).toBeLessThan(500);
  });
});
