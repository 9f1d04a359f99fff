// The venue engine (issue 5): a Piscina pool over one shared WebAssembly.Memory must give every
// account exactly engine.margin's figures; a tick must equal a full recompute; a worker that dies
// mid-run must not lose a slice; invalid accounts fail alone with their code; statuses sit on the
// profile's thresholds. Needs the built workers (npm run build:host), as `npm test` does first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../host/margin/engine.js';
import type { MarginResult } from '../host/margin/result.js';
import { parseMarketSnapshot } from '../host/market/validate.js';
import { excessRatio, statusOf, ST_BANKRUPT, ST_HEALTHY, ST_LIQUIDATABLE, ST_MARGIN_CALL } from '../host/pool/venue-layout.js';
import { VenueEngine, type VenueAccountResult } from '../host/pool/venue-engine.js';
import { synthMultiVenue, type SynthMultiVenue } from '../host/venue/synth-multi.js';
import { synthVenue } from '../host/venue/synth.js';

type Json = Record<string, unknown>;
const FIGURES = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess'] as const;

function expectSame(v: VenueAccountResult, ref: MarginResult | Error, id: string): void {
  if (ref instanceof Error) {
    expect({ id, status: v.status, code: v.error?.code }).toEqual({ id, status: 'failed', code: (ref as { code?: string }).code });
    return;
  }
  for (const k of FIGURES) if (!Object.is(v[k], ref[k])) expect({ id, field: k, venue: v[k] }).toEqual({ id, field: k, venue: ref[k] });
  expect(v.status).toBe(['healthy', 'margin_call', 'liquidatable', 'bankrupt'][statusOf(ref.equity, ref.im_excess, ref.mm_excess)]);
}

function reference(engine: Engine, a: Json, market: Json): MarginResult | Error {
  try {
    return engine.margin(a, market);
  } catch (e) {
    return e as Error;
  }
}

describe('venue engine: 10,000 accounts on a 2-worker pool', () => {
  const v = synthVenue({ accounts: 10_000, instruments: 600, seed: 11, profile: 'derive-pmrm2.mainnet' });
  const accounts = [...v.accountLines()].map((l) => JSON.parse(l) as Json);
  // A few that cannot margin, each for its own reason, among the good ones.
  accounts[17] = { account_id: 'bad-instrument', positions: [{ instrument: 'ETH-1JAN20-3000-C', size: 1 }], balances: { USDC: 10 } };
  accounts[4242] = { account_id: 'bad-balance', positions: [], balances: { USDC: Number.NaN } };
  accounts[9000] = { account_id: 'bad-pool', pool: 'nowhere', positions: [], balances: { USDC: 1 } };
  let venue: VenueEngine;
  const engine = createEngine({ profile: 'derive-pmrm2.mainnet', snapshot: { now: false } });

  beforeAll(async () => {
    venue = await VenueEngine.open({ pools: { default: 'derive-pmrm2.mainnet' }, threads: 2, taskRows: 700 });
    venue.load(accounts, v.market.json);
  });
  afterAll(async () => venue?.close());

  it('gives every account engine.margin’s figures bit for bit, and bad ones their own error', async () => {
    const run = await venue.remargin();
    expect(run.accounts).toBe(10_000 - 3 + 1); // rows + the one the fast path left to the reference
    for (const a of accounts) {
      const id = a.account_id as string;
      const got = venue.account(id)!;
      if (id === 'bad-pool') {
        expect(got.error?.code).toBe('RG_ERR_INVALID_INPUT');
        expect(got.error?.field).toBe('pool');
        continue;
      }
      if (id === 'bad-balance') {
        expect(got.status).toBe('failed');
        expect(got.error?.code).toBe('RG_ERR_INVALID_INPUT');
        continue;
      }
      expectSame(got, reference(engine, a, v.market.json), id);
    }
    const t = venue.totals();
    expect(t.accounts).toBe(10_000);
    expect(Object.values(t.by_status).reduce((x, y) => x + y, 0)).toBe(10_000);
    expect(t.by_status.failed).toBe(3);
    expect(t.by_status.margin_call + t.by_status.liquidatable).toBeGreaterThan(100); // synth funds a minority short
  });

  it('ranks accounts by excess ratio, failures first, and the ranking agrees with a full sort', () => {
    const top = venue.ranked(50);
    expect(top.slice(0, 3).every((r) => r.status === 'failed')).toBe(true);
    const all = accounts.map((a) => venue.account(a.account_id as string)!).filter((r) => r.status !== 'failed');
    all.sort((x, y) => x.excess_ratio - y.excess_ratio);
    expect(top.slice(3).map((r) => r.excess_ratio)).toEqual(all.slice(0, 47).map((r) => r.excess_ratio));
    expect(top[3]!.status === 'bankrupt' || top[3]!.status === 'liquidatable').toBe(true);
  });

  it('one thread, two threads and no pool give the same figures', async () => {
    const one = await VenueEngine.open({ pools: { default: 'derive-pmrm2.mainnet' }, threads: 0 });
    try {
      one.load(accounts.slice(0, 2000), v.market.json);
      await one.remargin();
      for (const a of accounts.slice(0, 2000)) {
        const x = one.account(a.account_id as string)!, y = venue.account(a.account_id as string)!;
        expect(x).toEqual(y);
      }
    } finally {
      await one.close();
    }
  });
});

describe('venue engine: worker crash recovery', () => {
  it('retries the slices of a worker that dies and misses no account', async () => {
    const v = synthVenue({ accounts: 3000, instruments: 200, seed: 5, profile: 'derive-pmrm2.mainnet' });
    const accounts = [...v.accountLines()].map((l) => JSON.parse(l) as Json);
    const crashing = await VenueEngine.open({ pools: { default: 'derive-pmrm2.mainnet' }, threads: 2, taskRows: 250, crashTasks: [1, 6] });
    const clean = await VenueEngine.open({ pools: { default: 'derive-pmrm2.mainnet' }, threads: 0 });
    try {
      crashing.load(accounts, v.market.json);
      clean.load(accounts, v.market.json);
      const run = await crashing.remargin();
      await clean.remargin();
      expect(run.retried).toBe(2);
      expect(crashing.totals()).toEqual(clean.totals());
      for (const a of accounts) expect(crashing.account(a.account_id as string)).toEqual(clean.account(a.account_id as string));
      // The pool still works after replacing its workers.
      const again = await crashing.remargin();
      expect(again.retried).toBe(0);
      expect(crashing.totals()).toEqual(clean.totals());
    } finally {
      await crashing.close();
      await clean.close();
    }
  });
});

describe('venue engine: incremental ticks', () => {
  let multi: SynthMultiVenue;
  let accounts: Json[];
  beforeAll(() => {
    multi = synthMultiVenue({ accounts: 4000, instruments: 900, seed: 3 });
    accounts = [...multi.accountLines()].map((l) => JSON.parse(l) as Json);
  });

  /** The market with one underlying's feeds (and its collateral family) moved by `m`. */
  function moved(market: Json, U: string, m: number, assets: string[]): Json {
    const next = JSON.parse(JSON.stringify(market)) as Json & { underlyings: Record<string, Json & { expiries: Record<string, Json> }>; collateral: Record<string, Json> };
    next.snapshot_id = `${String(market.snapshot_id)}-${U}-${m}`;
    const u = next.underlyings[U]!;
    u.index_price = (u.index_price as number) * m;
    if (u.perp_price !== undefined) u.perp_price = (u.perp_price as number) * m;
    for (const e of Object.values(u.expiries)) e.forward = (e.forward as number) * m;
    for (const a of assets) next.collateral[a]!.price = (next.collateral[a]!.price as number) * m;
    return next;
  }

  it('recomputes only the moved pool and the accounts holding its collateral, and equals a full recompute', async () => {
    const tick = await VenueEngine.open({ pools: multi.pools, threads: 2 });
    const full = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      tick.load(accounts, multi.market);
      await tick.remargin();
      const m1 = moved(multi.market, 'BTC', 0.93, ['BTC', 'LBTC', 'CBBTC']);
      const r1 = await tick.tick(m1);
      expect(r1.changed).toEqual({ underlyings: ['BTC'], assets: ['BTC', 'LBTC', 'CBBTC'], full: false });
      const btc = accounts.filter((a) => a.pool === 'BTC').length;
      expect(r1.accounts).toBeGreaterThanOrEqual(btc);
      expect(r1.accounts).toBeLessThan(accounts.length); // ETH / SOL accounts without BTC collateral untouched
      const m2 = moved(m1, 'ETH', 1.08, ['ETH', 'WEETH', 'RSWETH']);
      await tick.tick(m2);
      // Only collateral moves (no underlying): the accounts holding it.
      const m3 = moved(m2, 'SOL', 1, []);
      (m3.collateral as Record<string, Json>).USDT!.price = 0.97;
      const r3 = await tick.tick(m3);
      expect(r3.changed).toEqual({ underlyings: [], assets: ['USDT'], full: false });
      expect(r3.accounts).toBeGreaterThan(0);
      expect(r3.accounts).toBeLessThan(accounts.length / 2);

      full.load(accounts, m3);
      await full.remargin();
      for (const a of accounts) expect(tick.account(a.account_id as string)).toEqual(full.account(a.account_id as string));
      expect(tick.totals()).toEqual(full.totals());
      // …and both equal engine.margin on that market, pool by pool.
      const engines = Object.fromEntries(Object.entries(multi.pools).map(([p, prof]) => [p, createEngine({ profile: prof, snapshot: { now: false } })]));
      const snap = parseMarketSnapshot(m3, { now: false });
      for (const a of accounts.filter((_, i) => i % 7 === 0)) expectSame(tick.account(a.account_id as string)!, reference(engines[a.pool as string]!, a, snap as unknown as Json), a.account_id as string);
    } finally {
      await tick.close();
      await full.close();
    }
  });

  it('a changed valuation time recomputes everything; an unchanged market recomputes nothing', async () => {
    const venue = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      venue.load(accounts, multi.market);
      await venue.remargin();
      const same = await venue.tick({ ...multi.market, snapshot_id: 'again' });
      expect(same.accounts).toBe(0);
      const later = await venue.tick({ ...multi.market, snapshot_id: 'later', timestamp: (multi.market.timestamp as number) + 60_000 });
      expect(later.changed?.full).toBe(true);
      expect(later.accounts).toBe(accounts.length);
    } finally {
      await venue.close();
    }
  });

  it('a position change recomputes one account through the what-if path, equal to a full recompute', async () => {
    const venue = await VenueEngine.open({ pools: multi.pools, threads: 2 });
    const full = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      venue.load(accounts, multi.market);
      await venue.remargin();
      const changed = accounts.slice(0, 600).map((a, k) => {
        const positions = (a.positions as Json[]).map((p) => ({ ...p, size: (p.size as number) * (k % 2 === 0 ? 2 : -1) }));
        return { ...a, positions };
      });
      for (const a of changed) venue.setAccount(a);
      // A brand-new account holding an option nobody held before (a new venue instrument) and
      // WEETH, and one moved to a pool the venue does not run.
      const held = new Set(accounts.flatMap((a) => (a.positions as Json[]).map((p) => p.instrument as string)));
      const eth = (multi.market.underlyings as Record<string, { expiries: Record<string, { vols: Record<string, number> }> }>).ETH!;
      const fresh = Object.entries(eth.expiries).flatMap(([t, e]) => Object.keys(e.vols).map((k) => `ETH-${t}-${k}-P`)).find((id) => !held.has(id))!;
      expect(fresh).toBeDefined();
      const newcomer = { account_id: 'newcomer', pool: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', size: 3, avg_price: 2900 }, { instrument: fresh, size: -2 }], balances: { USDC: 5000, WEETH: 1.5 } };
      venue.setAccount(newcomer);
      venue.setAccount({ ...accounts[700]!, pool: 'nowhere' });
      expect(venue.account(accounts[700]!.account_id as string)!.error?.code).toBe('RG_ERR_INVALID_INPUT');
      const after = [...changed, ...accounts.slice(600)];
      after[700] = { ...accounts[700]!, pool: 'nowhere' };
      after.push(newcomer);
      // Then only WEETH moves: the rows holding it (the newcomer's among them) are recomputed.
      const m1 = JSON.parse(JSON.stringify(multi.market)) as Json & { collateral: Record<string, Json> };
      m1.snapshot_id = 'weeth-down';
      m1.collateral.WEETH!.price = (m1.collateral.WEETH!.price as number) * 0.9;
      const t = await venue.tick(m1);
      expect(t.changed).toEqual({ underlyings: [], assets: ['WEETH'], full: false });
      full.load(after, m1);
      await full.remargin();
      for (const a of after) expect(venue.account(a.account_id as string)).toEqual(full.account(a.account_id as string));
      // A full re-margin over the appended rows changes nothing.
      const before = after.map((a) => venue.account(a.account_id as string));
      await venue.remargin();
      expect(after.map((a) => venue.account(a.account_id as string))).toEqual(before);
    } finally {
      await venue.close();
      await full.close();
    }
  });
  it('a batch of changes (setAccounts) is re-margined on the pool, equal to a full recompute; withStatus lists by status', async () => {
    const venue = await VenueEngine.open({ pools: multi.pools, threads: 2 });
    const full = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      venue.load(accounts, multi.market);
      await venue.remargin();
      // 40 fit the mirror's headroom (their rows run on the pool); the whole venue three times
      // over outgrows it (one new layout, every account recomputed).
      const scale = (a: Json, f: number) => ({ ...a, positions: (a.positions as Json[]).map((p) => ({ ...p, size: (p.size as number) * f })) });
      const small = await venue.setAccounts(accounts.slice(100, 140).map((a) => scale(a, 0.5)));
      expect(small.accounts).toBe(40);
      const runs = [];
      for (const f of [3, 0.25, 2]) runs.push(await venue.setAccounts(accounts.slice(1000, 3000).map((a) => scale(a, f))));
      // Each batch is its 2,000 accounts, or the whole venue when it needed a new layout (here: all
      // three, the positions' headroom being the binding one).
      expect(runs.every((r) => r.accounts === 2000 || r.accounts === 4000)).toBe(true);
      expect(runs.some((r) => r.accounts === 4000)).toBe(true);
      const after = accounts.map((a, k) => (k >= 100 && k < 140 ? scale(a, 0.5) : k >= 1000 && k < 3000 ? scale(a, 2) : a));
      full.load(after, multi.market);
      await full.remargin();
      for (const a of after) expect(venue.account(a.account_id as string)).toEqual(full.account(a.account_id as string));
      for (const st of ['healthy', 'margin_call', 'liquidatable', 'bankrupt', 'failed'] as const) {
        const ids = venue.withStatus(st).map((i) => venue.idOf(i));
        expect(ids).toEqual(after.map((a) => a.account_id as string).filter((id) => full.account(id)!.status === st));
      }
    } finally {
      await venue.close();
      await full.close();
    }
  });
});

describe('venue status thresholds', () => {
  it('sit exactly on IM, MM and zero equity', () => {
    expect(statusOf(100, 0, 10)).toBe(ST_HEALTHY); // at IM: still healthy
    expect(statusOf(100, -1e-12, 10)).toBe(ST_MARGIN_CALL);
    expect(statusOf(100, -5, 0)).toBe(ST_MARGIN_CALL); // at MM: a margin call, not yet liquidatable
    expect(statusOf(100, -5, -1e-12)).toBe(ST_LIQUIDATABLE);
    expect(statusOf(0, -5, -1)).toBe(ST_LIQUIDATABLE); // zero equity is not bankrupt
    expect(statusOf(-1e-12, -5, -1)).toBe(ST_BANKRUPT);
    expect(excessRatio(50, 100)).toBe(0.5);
    expect(excessRatio(0, 0)).toBe(Infinity);
    expect(excessRatio(-1, 0)).toBe(-Infinity);
  });
});
