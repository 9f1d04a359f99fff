import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { parseMarketSnapshot } from '../host/market/validate.js';
import { snapshotToJson } from '../host/market/snapshot-json.js';
import { registerSurfaceProvider, type VolSurface } from '../host/market/vol-provider.js';
import { parseAccount } from '../host/model/validate.js';

const TS = Date.UTC(2026, 10, 30, 8);
const DEC25 = Date.UTC(2026, 11, 25, 8);

function err(fn: () => unknown): RiskgridError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

function base(): Record<string, any> {
  return {
    snapshot_id: 's1', timestamp: TS,
    underlyings: {
      BTC: {
        index_price: 95000, index_confidence: 0.9, index_timestamp: TS - 1000,
        perp_price: 95050,
        expiries: {
          '25DEC26': { forward: 95400, forward_confidence: 0.8, rate: 0.05, vol_confidence: 0.7, vols: { '90000': 0.55, '100000': 0.5, '100000-C': 0.51 } },
          '29JAN27': { rate: 0.05 },
          '26MAR27': { forward: 96500 },
        },
      },
    },
    stablecoin: { asset: 'USDC', price: 0.999 },
    collateral: { WETH: { price: 3500, confidence: 0.95 } },
  };
}

describe('market snapshot', () => {
  it('reads the feeds with their confidences and timestamps (defaults: 1 and the snapshot time)', () => {
    const m = parseMarketSnapshot(base(), { now: TS });
    expect(m.id).toBe('s1');
    expect(m.index('BTC')).toEqual({ value: 95000, confidence: 0.9, timestamp: TS - 1000 });
    expect(m.perp('BTC')).toEqual({ value: 95050, confidence: 1, timestamp: TS });
    const e = m.expiry('BTC', DEC25);
    expect(e.label).toBe('25DEC26');
    expect(e.forward).toEqual({ value: 95400, confidence: 0.8, timestamp: TS });
    expect(e.rate).toEqual({ value: 0.05, confidence: 1, timestamp: TS });
    expect(e.volConfidence).toBe(0.7);
    expect(m.stable()).toEqual({ asset: 'USDC', price: { value: 0.999, confidence: 1, timestamp: TS } });
    expect(m.assetPrice('WETH').value).toBe(3500);
    expect(m.assetPrice('USDC').value).toBe(0.999);
    expect(m.assetPrice('BTC').value).toBe(95000);
  });

  it('year fractions are ACT/365 from the snapshot time', () => {
    const m = parseMarketSnapshot(base(), { now: TS });
    expect(m.expiry('BTC', DEC25).t).toBe((DEC25 - TS) / 31_536_000_000);
    expect(m.expiry('BTC', DEC25).t).toBeCloseTo(25 / 365, 15);
    expect(m.yearFraction(TS + 86_400_000 * 365)).toBe(1);
  });

  it('derives the forward from the rate, and the rate from the forward', () => {
    const m = parseMarketSnapshot(base(), { now: TS });
    const jan = m.expiry('BTC', Date.UTC(2027, 0, 29, 8));
    expect(jan.forwardDerived).toBe(true);
    expect(jan.forward.value).toBeCloseTo(95000 * Math.exp(0.05 * jan.t), 9);
    expect(jan.forward.confidence).toBe(0.9); // the weaker of index (0.9) and rate (1)
    const mar = m.expiry('BTC', Date.UTC(2027, 2, 26, 8));
    expect(mar.rateDerived).toBe(true);
    expect(95000 * Math.exp(mar.rate.value * mar.t)).toBeCloseTo(96500, 8);
  });

  it('volFor: the typed mark, then the strike mark, then the surface', () => {
    const m = parseMarketSnapshot(base(), { now: TS });
    expect(m.volFor('BTC', DEC25, 100000, 'C')).toBe(0.51);
    expect(m.volFor('BTC', DEC25, 100000, 'P')).toBe(0.5);
    expect(m.volFor('BTC', DEC25, 90000, 'C')).toBe(0.55);
    const e = err(() => m.volFor('BTC', DEC25, 95000, 'C'));
    expect(e.code).toBe('RG_ERR_MISSING_MARKET_DATA');
    expect(e.field).toBe('underlyings.BTC.expiries.25DEC26.vols.95000');
    // A surface set directly prices what has no mark; explicit marks still win.
    const calls: number[][] = [];
    const flat: VolSurface = { vol: (exp, k, f, t) => (calls.push([exp, k, f, t]), 0.6) };
    m.setSurface('BTC', flat);
    expect(m.volFor('BTC', DEC25, 95000, 'C')).toBe(0.6);
    expect(calls[0]).toEqual([DEC25, 95000, 95400, (DEC25 - TS) / 31_536_000_000]);
    expect(m.volFor('BTC', DEC25, 100000, 'C')).toBe(0.51);
  });

  it('volFor: a surface reference in the snapshot goes to its registered provider', () => {
    registerSurfaceProvider('test-linear', {
      validate(ref, path) {
        if (typeof ref.slope !== 'number') throw new RiskgridError('RG_ERR_INVALID_INPUT', 'slope', { field: `${path}.slope`, value: ref.slope });
      },
      build: (ref) => ({ vol: (_e, k) => 0.5 + (ref.slope as number) * (k / 100000 - 1) }),
    });
    const snap = base();
    snap.underlyings.BTC.surface = { kind: 'test-linear', slope: -0.2 };
    const m = parseMarketSnapshot(snap, { now: TS });
    expect(m.volFor('BTC', DEC25, 90000)).toBe(0.55); // mark
    expect(m.volFor('BTC', DEC25, 80000)).toBeCloseTo(0.54, 15); // surface
    snap.underlyings.BTC.surface = { kind: 'test-linear', slope: 'x' };
    expect(err(() => parseMarketSnapshot(snap, { now: TS })).field).toBe('underlyings.BTC.surface.slope');
    snap.underlyings.BTC.surface = { kind: 'nobody' };
    const m2 = parseMarketSnapshot(snap, { now: TS });
    expect(err(() => m2.volFor('BTC', DEC25, 80000)).field).toBe('underlyings.BTC.surface.kind');
    registerSurfaceProvider('test-nan', { build: () => ({ vol: () => NaN }) });
    snap.underlyings.BTC.surface = { kind: 'test-nan' };
    const m3 = parseMarketSnapshot(snap, { now: TS });
    expect(err(() => m3.volFor('BTC', DEC25, 80000)).code).toBe('RG_ERR_INVALID_INPUT');
  });

  it('absent data is RG_ERR_MISSING_MARKET_DATA naming the path', () => {
    const snap = base();
    delete snap.underlyings.BTC.perp_price;
    delete snap.stablecoin;
    const m = parseMarketSnapshot(snap, { now: TS });
    expect(err(() => m.perp('BTC'))).toMatchObject({ code: 'RG_ERR_MISSING_MARKET_DATA', field: 'underlyings.BTC.perp_price' });
    expect(err(() => m.index('ETH'))).toMatchObject({ code: 'RG_ERR_MISSING_MARKET_DATA', field: 'underlyings.ETH' });
    expect(err(() => m.expiry('BTC', Date.UTC(2027, 11, 31, 8)))).toMatchObject({ field: 'underlyings.BTC.expiries.31DEC27' });
    expect(err(() => m.stable())).toMatchObject({ field: 'stablecoin' });
    expect(err(() => m.assetPrice('SOL'))).toMatchObject({ field: 'collateral.SOL' });
  });

  it('explicit expiry instants (Derive cases give seconds to expiry)', () => {
    const snap = base();
    snap.underlyings.BTC.expiries = { e1: { expiry: TS + 1_200_000, forward: 95010, rate: 0.01 }, '25DEC26T0930': { forward: 95400, rate: 0.05 } };
    const m = parseMarketSnapshot(snap, { now: TS });
    expect(m.expiry('BTC', TS + 1_200_000).t).toBe(1200 / 31_536_000);
    expect(m.expiry('BTC', Date.UTC(2026, 11, 25, 9, 30)).label).toBe('25DEC26T0930');
  });

  it('the examples parse, and every option in the example book has its market', () => {
    const m = parseMarketSnapshot(JSON.parse(readFileSync('examples/market-btc.json', 'utf8')), { now: false });
    const a = parseAccount(JSON.parse(readFileSync('examples/portfolio-btc.json', 'utf8')));
    const expiries = new Set<number>();
    for (const p of a.positions) {
      const i = p.instrument;
      if (i.kind === 'option') {
        expiries.add(i.expiry!);
        const v = m.volFor(i.underlying, i.expiry!, i.strike!, i.optionType);
        expect(v).toBeGreaterThan(0.3);
        expect(v).toBeLessThan(1);
      }
      if (i.kind === 'perpetual') expect(m.perp(i.underlying).value).toBeGreaterThan(0);
    }
    expect(expiries.size).toBe(4);
    for (const asset of Object.keys(a.balances)) expect(m.assetPrice(asset).value).toBeGreaterThan(0);
  });
});

describe('snapshot JSON out', () => {
  const price = fc.double({ min: 1e-6, max: 1e7, noNaN: true });
  const conf = fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined });
  const time = fc.option(fc.integer({ min: TS - 86_400_000, max: TS }), { nil: undefined });
  const strikeKey = fc.tuple(fc.integer({ min: 1, max: 200000 }), fc.constantFrom('', '-C', '-P', 'd5', 'd25-P')).map(([k, t]) => `${k}${t}`);
  const expiry = fc.record({
    forward: fc.option(price, { nil: undefined }), forward_confidence: conf, forward_timestamp: time,
    rate: fc.option(fc.double({ min: -0.5, max: 0.5, noNaN: true }), { nil: undefined }), rate_confidence: conf,
    vol_confidence: conf, vol_timestamp: time,
    vols: fc.dictionary(strikeKey, fc.double({ min: 0, max: 5, noNaN: true }), { maxKeys: 6 }),
  }).map((e) => {
    const out: Record<string, unknown> = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));
    if (e.forward === undefined) { delete out.forward_confidence; delete out.forward_timestamp; }
    if (e.rate === undefined) delete out.rate_confidence;
    if (e.forward === undefined && e.rate === undefined) out.rate = 0.01;
    return out;
  });
  const underlying = fc.record({
    index_price: price, index_confidence: conf, index_timestamp: time,
    perp_price: fc.option(price, { nil: undefined }),
    expiries: fc.record({ '25DEC26': fc.option(expiry, { nil: undefined }), '26MAR27T1200': fc.option(expiry, { nil: undefined }), soon: fc.option(expiry, { nil: undefined }) }),
  }).map((u) => {
    const out: Record<string, any> = Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined));
    out.expiries = Object.fromEntries(Object.entries(u.expiries).filter(([, v]) => v !== undefined));
    if (out.expiries.soon) out.expiries.soon = { ...out.expiries.soon, expiry: TS + 1_234_567 };
    return out;
  });
  const snapshot = fc.record({ BTC: underlying, ETH: fc.option(underlying, { nil: undefined }), stable: fc.option(price, { nil: undefined }) }).map(({ BTC, ETH, stable }) => ({
    snapshot_id: 'p', timestamp: TS,
    underlyings: ETH === undefined ? { BTC } : { BTC, ETH },
    ...(stable === undefined ? {} : { stablecoin: { asset: 'USDC', price: stable }, collateral: { WETH: { price: stable * 3000, confidence: 0.5 } } }),
  }));

  it('property: parse(snapshotToJson(s)) = s, and writing is idempotent', () => {
    fc.assert(fc.property(snapshot, (json) => {
      const a = parseMarketSnapshot(json, { now: TS });
      const out = snapshotToJson(a);
      const b = parseMarketSnapshot(JSON.parse(JSON.stringify(out)), { now: TS });
      expect(b).toEqual(a);
      expect(snapshotToJson(b)).toEqual(out);
    }), { numRuns: 300 });
  });

  it('the example market round-trips', () => {
    const json = JSON.parse(readFileSync('examples/market-btc.json', 'utf8'));
    const a = parseMarketSnapshot(json, { now: false });
    expect(parseMarketSnapshot(snapshotToJson(a), { now: false })).toEqual(a);
  });
});
