// Volatility surfaces carried by the market snapshot: per-underlying raw SVI or a strike × expiry
// grid of marks prices options without a mark of their own; no extrapolation; the reference
// round-trips through snapshot JSON; static arbitrage is caught at ingest by the market-data guard
// (reject or flag, as the policy says); a new surface for one underlying re-margins only its pool.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { createEngine } from '../host/margin/engine.js';
import { MarketGuard, parseMarketDataPolicy } from '../host/market/guard.js';
import { snapshotToJson } from '../host/market/snapshot-json.js';
import { parseMarketSnapshot } from '../host/market/validate.js';
import { VenueEngine } from '../host/pool/venue-engine.js';
import { synthMultiVenue } from '../host/venue/synth-multi.js';

type Json = Record<string, any>;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const ethMarket: Json = JSON.parse(readFileSync('examples/market-eth.json', 'utf8'));
const MS_PER_YEAR = 365 * 86_400_000;
const opts = { now: false } as const;

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

const expiries = Object.entries(ethMarket.underlyings.ETH.expiries as Record<string, Json>).map(([label, e]) => ({ label, ms: e.expiry as number, forward: e.forward as number }));
const T = (ms: number) => (ms - ethMarket.timestamp) / MS_PER_YEAR;
// Clean term structure (level rising with T): no butterfly or calendar arbitrage on [−1, 1].
const sviOf = (t: number) => ({ a: 0.01 + 0.2 * t, b: 0.1, rho: -0.3, m: 0, sigma: 0.3 });
/** Closed form, written independently of host/market/svi.ts. */
const sviW = (p: { a: number; b: number; rho: number; m: number; sigma: number }, k: number) => p.a + p.b * (p.rho * (k - p.m) + Math.sqrt((k - p.m) ** 2 + p.sigma ** 2));

function withSurface(surface: Json, clearMarks = false): Json {
  const m = clone(ethMarket);
  m.underlyings.ETH.surface = surface;
  if (clearMarks) for (const e of Object.values(m.underlyings.ETH.expiries as Record<string, Json>)) e.vols = {};
  return m;
}

const svi = { kind: 'svi', k_min: -1, k_max: 1, slices: expiries.map((e) => ({ expiry: e.ms, ...sviOf(T(e.ms)) })) };

describe('snapshot surfaces price options without a mark', () => {
  it('SVI: an unmarked strike gets √(w(k)/T) of the closed form; marks still win', () => {
    const s = parseMarketSnapshot(withSurface(svi), opts);
    const e = expiries[0]!;
    const K = 2025; // no mark at 2025
    const k = Math.log(K / e.forward);
    expect(s.volFor('ETH', e.ms, K)).toBeCloseTo(Math.sqrt(sviW(sviOf(T(e.ms)), k) / T(e.ms)), 13);
    expect(s.volFor('ETH', e.ms, 2000)).toBe(ethMarket.underlyings.ETH.expiries[e.label].vols['2000']);
  });

  it('grid: interpolation reproduces the marks at the nodes; a slice without forward takes the snapshot’s', () => {
    const strikes = [1500, 1800, 2000, 2200, 2600];
    const grid = { kind: 'grid', slices: expiries.slice(0, 2).map((e, j) => ({ expiry: e.label === 'E0' ? e.ms : e.ms, ...(j === 0 ? { forward: e.forward } : {}), strikes, vols: strikes.map((K, i) => 0.5 + 0.02 * i + 0.05 * j) })) };
    const s = parseMarketSnapshot(withSurface(grid, true), opts);
    expiries.slice(0, 2).forEach((e, j) => strikes.forEach((K, i) => expect(s.volFor('ETH', e.ms, K)).toBeCloseTo(0.5 + 0.02 * i + 0.05 * j, 14)));
    // Between marks: linear in total variance over log-moneyness.
    const e = expiries[0]!;
    const [k1, k2, k] = [Math.log(1800 / e.forward), Math.log(2000 / e.forward), Math.log(1900 / e.forward)];
    const [w1, w2] = [0.52 ** 2 * T(e.ms), 0.54 ** 2 * T(e.ms)];
    expect(s.volFor('ETH', e.ms, 1900)).toBeCloseTo(Math.sqrt((w1 + ((w2 - w1) * (k - k1)) / (k2 - k1)) / T(e.ms)), 13);
  });

  it('beyond the configured bounds: RG_ERR_MISSING_MARKET_DATA naming the surface, in volFor and in a margin', () => {
    const m = withSurface(svi);
    const s = parseMarketSnapshot(m, opts);
    const e = expiries[0]!;
    const far = Math.round(e.forward * Math.exp(1.5));
    const err = errorOf(() => s.volFor('ETH', e.ms, far));
    expect(err.code).toBe('RG_ERR_MISSING_MARKET_DATA');
    expect(err.field).toBe('underlyings.ETH.surface');
    expect(err.message).toMatch(/no extrapolation/);
    const engine = createEngine({ profile: 'derive-pmrm2.test', snapshot: opts });
    const acct = { account_id: 'far', positions: [{ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: far, expiry: e.ms, option_type: 'C' }, size: -1 }], balances: { USDC: 10000 } };
    expect(() => engine.margin(acct, m)).toThrow(expect.objectContaining({ code: 'RG_ERR_MISSING_MARKET_DATA', field: 'underlyings.ETH.surface' }));
  });

  it('a malformed reference is refused at parse, naming the field', () => {
    const bad = clone(svi);
    bad.slices[0].bogus = 1;
    expect(errorOf(() => parseMarketSnapshot(withSurface(bad), opts)).field).toBe('underlyings.ETH.surface.slices[0].bogus');
    const rho = clone(svi);
    rho.slices[1].rho = 1;
    expect(errorOf(() => parseMarketSnapshot(withSurface(rho), opts)).field).toBe('underlyings.ETH.surface.slices[1].rho');
    const past = clone(svi);
    past.slices[0].expiry = ethMarket.timestamp - 1;
    expect(errorOf(() => parseMarketSnapshot(withSurface(past), opts)).field).toMatch(/^underlyings\.ETH\.surface\.slices\[0\]/);
  });

  it('the reference round-trips through snapshot JSON and prices the same', () => {
    const s = parseMarketSnapshot(withSurface(svi), opts);
    const back = parseMarketSnapshot(snapshotToJson(s), opts);
    expect(snapshotToJson(back)).toEqual(snapshotToJson(s));
    const e = expiries[2]!;
    expect(back.volFor('ETH', e.ms, 2025)).toBe(s.volFor('ETH', e.ms, 2025));
  });
});

describe('static arbitrage on ingest (market-data guard)', () => {
  const now = ethMarket.timestamp;
  // Vogt's butterfly arbitrage (Gatheral & Jacquier 2014) on the last expiry, k range wide enough to see it.
  const VOGT = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
  const butterfly = { kind: 'svi', k_min: -1.5, k_max: 1.5, slices: [{ expiry: expiries[expiries.length - 1]!.ms, ...VOGT }] };
  // Calendar: the second slice below the first in the wings.
  const calendar = { ...svi, slices: svi.slices.map((s, j) => (j === 1 ? { ...s, a: svi.slices[0]!.a, b: 0.02 } : s)) };

  it('a clean surface is accepted and not degraded', () => {
    const g = new MarketGuard();
    const out = g.ingest({ source: 'a', snapshot: withSurface(svi) }, now);
    expect(out.status).toBe('accepted');
    if (out.status === 'accepted') expect(out.degraded.filter((r) => r.code === 'arbitrage')).toEqual([]);
  });

  it.each([
    ['butterfly', butterfly],
    ['calendar', calendar],
  ])('a planted %s violation is rejected by default, naming the surface', (check, surface) => {
    const g = new MarketGuard();
    const out = g.ingest({ source: 'a', snapshot: withSurface(surface) }, now);
    expect(out.status).toBe('rejected');
    if (out.status === 'rejected') {
      expect(out.reasons[0]!.field).toBe('underlyings.ETH.surface');
      expect(out.reasons[0]!.detail).toContain(check);
    }
    expect(g.latest).toBeUndefined();
  });

  it('on_arbitrage "flag": accepted, degraded with an `arbitrage` reason, in status too', () => {
    const policy = parseMarketDataPolicy({ on_arbitrage: 'flag' });
    expect(policy.on_arbitrage).toBe('flag');
    const g = new MarketGuard(policy);
    const out = g.ingest({ source: 'a', snapshot: withSurface(calendar) }, now);
    expect(out.status).toBe('accepted');
    if (out.status === 'accepted') expect(out.degraded.map((r) => r.code)).toContain('arbitrage');
    const st = g.status(now, policy);
    expect(st.degraded && st.reasons.some((r) => r.code === 'arbitrage' && r.feed === 'underlyings.ETH.surface')).toBe(true);
    expect(() => parseMarketDataPolicy({ on_arbitrage: 'warn' })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'market_data.on_arbitrage' }));
  });
});

describe('a new surface for one underlying on the venue engine', () => {
  it('recomputes only that underlying’s pool, and equals a full recompute', async () => {
    const multi = synthMultiVenue({ accounts: 600, instruments: 300, seed: 5 });
    const accounts = [...multi.accountLines()].map((l) => JSON.parse(l) as Json);
    const m0 = multi.market as Json;
    const eth = m0.underlyings.ETH as Json;
    const ts = m0.timestamp as number;
    const slices = Object.entries(eth.expiries as Record<string, Json>).map(([label, e]) => {
      const ms = (e.expiry as number | undefined) ?? label;
      const t = typeof ms === 'number' ? (ms - ts) / MS_PER_YEAR : undefined;
      return { expiry: ms, ...sviOf(t ?? 0.25) };
    });
    const m1 = clone(m0);
    m1.snapshot_id = `${String(m0.snapshot_id)}-surface`;
    m1.underlyings.ETH.surface = { kind: 'svi', k_min: -2, k_max: 2, slices };
    const tick = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    const full = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      tick.load(accounts, m0);
      await tick.remargin();
      const r = await tick.tick(m1);
      expect(r.changed).toEqual({ underlyings: ['ETH'], assets: [], full: false });
      const ethAccounts = accounts.filter((a) => a.pool === 'ETH').length;
      expect(r.accounts).toBe(ethAccounts);
      expect(r.accounts).toBeLessThan(accounts.length);
      full.load(accounts, m1);
      await full.remargin();
      for (const a of accounts) expect(tick.account(a.account_id as string)).toEqual(full.account(a.account_id as string));
    } finally {
      await tick.close();
      await full.close();
    }
  }, 120_000);
});
