// The collateral module wired into the engine: every methodology's result carries the per-asset
// breakdown; the non-Derive methodologies value balances through the profile's `collateral`
// section (defaults: today's arithmetic); Derive keeps its own collateral arithmetic.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { liquidityHaircut } from '../host/collateral/liquidity.js';
import { createEngine, type Engine } from '../host/margin/engine.js';
import type { MarginResult } from '../host/margin/result.js';
import { snapshotToJson } from '../host/market/snapshot-json.js';
import { parseMarketSnapshot } from '../host/market/validate.js';

type Json = Record<string, any>;
const json = (p: string): Json => JSON.parse(readFileSync(p, 'utf8'));
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));
const btcAccount = json('examples/portfolio-btc.json');
const btcMarket = json('examples/market-btc.json');
const ethAccount = json('examples/portfolio-eth.json');
const ethMarket = json('examples/market-eth.json');
const snapshot = { now: false } as const;

const FIELDS = ['asset', 'amount', 'price', 'price_confidence', 'price_age_ms', 'haircut_im', 'haircut_mm', 'liquidity_haircut', 'value_im', 'value_mm'];
const NON_DERIVE = ['standard', 'cross-futures', 'deribit-pm', 'deribit-pm.cross', 'okx-pm', 'tims'];

/** The profile file as an object, its collateral section replaced (undefined: removed). */
function profileWith(name: string, collateral: Json | undefined): Json {
  const p = json(`profiles/${name}.json`);
  p.name = `${name}.collateral-test`;
  if (collateral === undefined) delete p.params.collateral;
  else p.params.collateral = collateral;
  return p;
}

function section(over: Json = {}): Json {
  return {
    margin_currency: 'USD',
    max_price_age_ms: 60_000,
    min_price_confidence: 0.5,
    degraded: { policy: 'flag', extra_haircut_im: 0.1, extra_haircut_mm: 0.05 },
    unrealised_pnl: { haircut_im: 0.2, haircut_mm: 0.1 },
    min_index_sources: 1,
    depeg_flag_threshold: 0.01,
    thin_assets: [],
    assets: {
      USDC: { haircut_im: 0, haircut_mm: 0, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0, borrow_add_on_mm: 0 },
      BTC: { haircut_im: 0.1, haircut_mm: 0.05, liquidity: { base: 0.01, k: 0.2, cap: 0.5, adv: 1000 }, borrow_add_on_im: 0.2, borrow_add_on_mm: 0.1 },
    },
    ...over,
  };
}

function line(r: MarginResult, asset: string) {
  const l = r.breakdown.collateral?.find((x) => x.asset === asset);
  if (l === undefined) throw new Error(`no breakdown line for ${asset}`);
  return l;
}

describe('breakdown.collateral in every result', () => {
  it.each([...NON_DERIVE, 'span.cme-example'])('%s: one line per balance with every field, finite', (name) => {
    const profile = name === 'span.cme-example' ? spanBtc() : name;
    const r = createEngine({ profile, evaluator: 'ts', snapshot }).margin(btcAccount, btcMarket);
    const lines = r.breakdown.collateral!;
    expect(lines.map((l) => l.asset).sort()).toEqual(Object.keys(btcAccount.balances).sort());
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual([...FIELDS].sort());
      for (const k of FIELDS.slice(1)) expect(Number.isFinite((l as unknown as Json)[k])).toBe(true);
      expect(l.value_im).toBeLessThanOrEqual(l.value_mm);
    }
  });

  it.each(['derive-pmrm2.test', 'derive-pmrm.test'])('%s: Derive’s own haircuts shown per asset; margins unchanged by the lines', (name) => {
    const engine = createEngine({ profile: name, snapshot });
    // derive-pmrm takes the margin asset and the base asset only.
    const account = name === 'derive-pmrm.test' ? { ...ethAccount, balances: { USDC: ethAccount.balances.USDC, ETH: ethAccount.balances.ETH } } : ethAccount;
    const r = engine.margin(account, ethMarket);
    const lines = r.breakdown.collateral!;
    expect(lines.map((l) => l.asset)).toEqual(Object.keys(account.balances).sort());
    const cash = line(r, 'USDC');
    expect(cash).toMatchObject({ price: 1, value_im: ethAccount.balances.USDC, value_mm: ethAccount.balances.USDC });
    if (name === 'derive-pmrm2.test') {
      // Derive: value = amount × price / stable price; MM after mmHaircut, IM after mm + im haircut.
      const terms = json('profiles/derive-pmrm2.test.json').params.collaterals.ETH;
      const stable = ethMarket.stablecoin?.price ?? 1;
      const eth = line(r, 'ETH');
      const value = (3 * ethMarket.collateral.ETH.price) / stable;
      expect(eth.value_mm).toBeCloseTo(value * (1 - terms.mmHaircut), 9);
      expect(eth.value_im).toBeCloseTo(value * (1 - terms.mmHaircut - terms.imHaircut), 9);
      // The MM lines agree with Derive's figures: collateral MtM less the MM haircut contingency.
      const nonCash = lines.filter((l) => l.asset !== 'USDC');
      expect(nonCash.reduce((s, l) => s + l.value_mm, 0)).toBeCloseTo(r.breakdown.equity_parts.collateral! - r.breakdown.contingencies['mm.collateral_haircut']!, 6);
      // The fast path and the reference path give the same lines.
      const ref = createEngine({ profile: name, snapshot, path: 'reference' }).margin(ethAccount, ethMarket);
      expect(ref.breakdown.collateral).toEqual(lines);
    }
  });
});

function spanBtc(): Json {
  const p = json('profiles/span.cme-example.json');
  p.name = 'span.btc-test';
  p.params.commodities = { BTC: { ...p.params.commodities.SP, priceScanRange: 15000 } };
  p.params.interSpreads = [];
  return p;
}

describe('non-Derive methodologies value balances through the collateral module', () => {
  it.each(NON_DERIVE)('%s without a section: every balance at its snapshot price, as before the module', (name) => {
    const r = createEngine({ profile: profileWith(name, undefined), evaluator: 'ts', snapshot }).margin(btcAccount, btcMarket);
    // Independent: Σ amount × the snapshot's collateral price, in the account's order.
    let cash = 0;
    for (const [a, amount] of Object.entries(btcAccount.balances) as [string, number][]) cash += amount * btcMarket.collateral[a].price;
    expect(r.breakdown.equity_parts.cash).toBe(cash);
    expect(r.breakdown.equity_parts.collateral_haircut).toBeUndefined();
    expect(r.breakdown.contingencies['im.collateral_haircut']).toBeUndefined();
    expect(r.im_excess).toBe(r.equity - r.initial_margin);
  });

  it.each(['standard', 'okx-pm', 'cross-futures', 'deribit-pm'])('%s with a section: hand-computed haircuts; equity at MM value, the IM haircut an IM-only requirement', (name) => {
    const bare = createEngine({ profile: profileWith(name, undefined), evaluator: 'ts', snapshot }).margin(btcAccount, btcMarket);
    const r = createEngine({ profile: profileWith(name, section()), evaluator: 'ts', snapshot }).margin(btcAccount, btcMarket);
    const S = btcMarket.collateral.BTC.price;
    const h = Math.min(0.5, 0.01 + 0.2 * Math.sqrt(2 / 1000));
    expect(liquidityHaircut(2, 1000, 0.01, 0.2, 0.5)).toBe(h);
    const btc = line(r, 'BTC');
    expect(btc.liquidity_haircut).toBe(h);
    expect(btc.value_im).toBeCloseTo(2 * S * (1 - h) * (1 - 0.1), 8);
    expect(btc.value_mm).toBeCloseTo(2 * S * (1 - h) * (1 - 0.05), 8);
    expect(btc.price_age_ms).toBe(btcMarket.timestamp - btcMarket.collateral.BTC.timestamp);
    const usdc = line(r, 'USDC');
    expect(usdc.value_im).toBeCloseTo(250000 * 0.9998, 6);
    // Unrealised profit: the perp's (avg 94,000 short 1.5) counted after the haircut.
    const upnlMm = r.breakdown.equity_parts.collateral_haircut! - (btc.value_mm - 2 * S) - (usdc.value_mm - usdc.amount * usdc.price);
    const futures = r.breakdown.equity_parts.futures!;
    expect(upnlMm).toBeCloseTo(futures > 0 ? -0.1 * futures : 0, 6);
    expect(r.maintenance_margin).toBe(bare.maintenance_margin);
    expect(r.equity).toBeCloseTo(bare.equity + r.breakdown.equity_parts.collateral_haircut!, 6);
    const imAddOn = btc.value_mm - btc.value_im + (futures > 0 ? 0.1 * futures : 0);
    expect(r.breakdown.contingencies['im.collateral_haircut']).toBeCloseTo(imAddOn, 6);
    expect(r.initial_margin).toBeCloseTo(bare.initial_margin + imAddOn, 6);
    expect(r.im_excess).toBeCloseTo(r.equity - r.initial_margin, 9);
    expect(r.mm_excess).toBeCloseTo(r.equity - r.maintenance_margin, 9);
  });

  it('haircuts at their boundaries: 0 counts the balance in full, 1 counts nothing', () => {
    const at = (h: number) => {
      const s = section();
      s.assets.BTC = { haircut_im: h, haircut_mm: h, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0, borrow_add_on_mm: 0 };
      return line(createEngine({ profile: profileWith('standard', s), evaluator: 'ts', snapshot }).margin(btcAccount, btcMarket), 'BTC');
    };
    expect(at(0).value_im).toBe(2 * btcMarket.collateral.BTC.price);
    expect(at(1).value_im).toBe(0);
    expect(at(1).value_mm).toBe(0);
  });

  it('the snapshot’s adv overrides the profile’s; more held counts less per unit, never less in total', () => {
    const engine = createEngine({ profile: profileWith('standard', section()), evaluator: 'ts', snapshot });
    const m = clone(btcMarket);
    m.collateral.BTC.adv = 10;
    const h = line(engine.margin(btcAccount, m), 'BTC').liquidity_haircut;
    expect(h).toBeCloseTo(Math.min(0.5, 0.01 + 0.2 * Math.sqrt(2 / 10)), 15);
    let prevPerUnit = Infinity;
    let prevTotal = 0;
    for (const amount of [0.5, 1, 2, 4, 8, 16, 64]) {
      const l = line(engine.margin({ ...btcAccount, balances: { USDC: 250000, BTC: amount } }, m), 'BTC');
      expect(l.value_mm / amount).toBeLessThanOrEqual(prevPerUnit);
      expect(l.value_mm).toBeGreaterThanOrEqual(prevTotal);
      prevPerUnit = l.value_mm / amount;
      prevTotal = l.value_mm;
    }
  });

  it('a borrowed asset is a liability with its add-on (IM above MM)', () => {
    const acct = { ...clone(btcAccount), balances: { USDC: 400000, BTC: -1 } };
    const r = createEngine({ profile: profileWith('standard', section()), evaluator: 'ts', snapshot }).margin(acct, btcMarket);
    const b = line(r, 'BTC');
    const h = 0.01 + 0.2 * Math.sqrt(1 / 1000);
    expect(b.value_mm).toBeCloseTo(-btcMarket.collateral.BTC.price * (1 + h) * 1.1, 6);
    expect(b.value_im).toBeCloseTo(-btcMarket.collateral.BTC.price * (1 + h) * 1.2, 6);
  });

  it('unrealised profit on a thin underlying never counts; elsewhere after the haircut', () => {
    const fut = { account_id: 'f', positions: [{ instrument: 'BTC_USDC-25DEC26', size: 1, avg_price: 90000 }], balances: { USDC: 50000 } };
    const thin = createEngine({ profile: profileWith('cross-futures', section({ thin_assets: ['BTC'] })), evaluator: 'ts', snapshot }).margin(fut, btcMarket);
    const thick = createEngine({ profile: profileWith('cross-futures', section()), evaluator: 'ts', snapshot }).margin(fut, btcMarket);
    const profit = thick.breakdown.equity_parts.futures!;
    expect(profit).toBeCloseTo(btcMarket.underlyings.BTC.expiries['25DEC26'].forward - 90000, 6);
    expect(thick.im_excess - thin.im_excess).toBeCloseTo(profit * (1 - 0.2), 6);
    expect(thick.mm_excess - thin.mm_excess).toBeCloseTo(profit * (1 - 0.1), 6);
    // A loss counts in full, thin or not.
    const loss = { ...fut, positions: [{ instrument: 'BTC_USDC-25DEC26', size: -1, avg_price: 90000 }] };
    const a = createEngine({ profile: profileWith('cross-futures', section({ thin_assets: ['BTC'] })), evaluator: 'ts', snapshot }).margin(loss, btcMarket);
    const b = createEngine({ profile: profileWith('cross-futures', undefined), evaluator: 'ts', snapshot }).margin(loss, btcMarket);
    expect(a.mm_excess).toBeCloseTo(b.mm_excess, 6);
  });

  it('stale and low-confidence prices: flag keeps the value, haircut takes the extra, reject refuses', () => {
    const m = clone(btcMarket);
    m.collateral.BTC.timestamp = m.timestamp - 120_000; // 2 minutes old, limit 60 s
    m.collateral.BTC.confidence = 0.3;
    const run = (policy: string) => createEngine({ profile: profileWith('standard', section({ degraded: { policy, extra_haircut_im: 0.1, extra_haircut_mm: 0.05 } })), evaluator: 'ts', snapshot }).margin(btcAccount, m);
    const flag = line(run('flag'), 'BTC');
    expect(flag.price_age_ms).toBe(120_000);
    expect(flag.price_confidence).toBe(0.3);
    const hc = line(run('haircut'), 'BTC');
    expect(hc.value_im).toBeCloseTo(flag.value_im * 0.9, 8);
    expect(hc.value_mm).toBeCloseTo(flag.value_mm * 0.95, 8);
    expect(hc.haircut_im).toBeCloseTo(1 - 0.9 * 0.9, 12);
    expect(() => run('reject')).toThrow(expect.objectContaining({ code: 'RG_ERR_STALE_MARKET_DATA' }));
  });

  it('a stablecoin with a peg is valued from the median of its sources, never one print', () => {
    const s = section();
    s.min_index_sources = 3;
    s.assets.USDC.reference = { kind: 'peg', peg: 1 };
    const m = clone(btcMarket);
    m.collateral.USDC.price = 0.5; // one venue's print
    m.collateral.USDC.sources = [0.999, 0.5, 0.998];
    const r = createEngine({ profile: profileWith('standard', s), evaluator: 'ts', snapshot }).margin(btcAccount, m);
    expect(line(r, 'USDC').price).toBe(0.998);
  });

  it('a depeg lowers the stablecoin’s value and raises IM and MM by depeg_requirement × depeg', () => {
    const s = section({ depeg_requirement: 2 });
    s.assets.USDC.reference = { kind: 'peg', peg: 1 };
    const m = clone(btcMarket);
    m.collateral.USDC.price = 0.96; // a 4 % depeg
    const at = (sec: Json, market: Json) => createEngine({ profile: profileWith('standard', sec), evaluator: 'ts', snapshot }).margin(btcAccount, market);
    const m0 = clone(btcMarket);
    m0.collateral.USDC.price = 1;
    const pegged = at(s, m0);
    const off = at(section(), m); // no depeg requirement: only the value falls
    const r = at(s, m);
    expect(line(r, 'USDC').price).toBe(0.96);
    expect(r.equity).toBe(off.equity);
    expect(r.equity).toBeLessThan(pegged.equity);
    const k = 2 * (1 - 0.96);
    expect(r.breakdown.contingencies['mm.depeg']).toBeCloseTo(k * off.maintenance_margin, 9);
    expect(r.maintenance_margin).toBeCloseTo(off.maintenance_margin * (1 + k), 9);
    expect(r.initial_margin).toBeCloseTo(off.initial_margin + k * (off.initial_margin - (off.breakdown.contingencies['im.collateral_haircut'] ?? 0)), 9);
    expect(pegged.breakdown.contingencies['im.depeg']).toBeUndefined(); // at the peg: no add-on at all
    expect(() => at(section({ depeg_requirement: -1 }), m)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.collateral.depeg_requirement' }));
  });

  it('a bad collateral section is RG_ERR_PROFILE naming params.collateral.…', () => {
    const s = section();
    s.assets.BTC.haircut_mm = 0.5; // above IM
    expect(() => createEngine({ profile: profileWith('okx-pm', s), evaluator: 'ts' })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.collateral.assets.BTC.haircut_im' }));
  });
});

describe('Derive collateral lines: on request in batches', () => {
  it('margin and whatIf carry them; marginBatch only with collateralLines, and the figures are the same', () => {
    const engine = createEngine({ profile: 'derive-pmrm2.test', snapshot });
    const one = engine.margin(ethAccount, ethMarket);
    expect(one.breakdown.collateral!.map((l) => l.asset)).toEqual(Object.keys(ethAccount.balances).sort());
    expect(engine.whatIf(ethAccount, ethMarket, [{ instrument: 'ETH-PERPETUAL', size: 1 }]).after.breakdown.collateral).toBeDefined();
    const [plain] = engine.marginBatch([ethAccount], ethMarket);
    const [lined] = engine.marginBatch([ethAccount], ethMarket, { collateralLines: true });
    if (!plain!.ok || !lined!.ok) throw new Error('expected results');
    expect(plain.result.breakdown.collateral).toBeUndefined();
    expect(JSON.parse(JSON.stringify(lined.result)).breakdown.collateral).toEqual(JSON.parse(JSON.stringify(one)).breakdown.collateral);
    expect(plain.result.initial_margin).toBe(one.initial_margin);
    // The reference path alike.
    const ref = createEngine({ profile: 'derive-pmrm2.test', snapshot, path: 'reference' });
    expect((ref.marginBatch([ethAccount], ethMarket)[0] as { result: MarginResult }).result.breakdown.collateral).toBeUndefined();
    expect(ref.margin(ethAccount, ethMarket).breakdown.collateral).toHaveLength(Object.keys(ethAccount.balances).length);
  });
});

describe('snapshot collateral fields', () => {
  it('sources, adv and redemption_rate round-trip through snapshot JSON', () => {
    const m = clone(btcMarket);
    m.collateral.STETH = { price: 2990, confidence: 0.9, timestamp: m.timestamp - 1000, sources: [2991, 2989.5, 2990], adv: 120000, redemption_rate: 1.0123 };
    const s = parseMarketSnapshot(m, { now: false });
    expect(s.collateral.get('STETH')).toMatchObject({ value: 2990, sources: [2991, 2989.5, 2990], adv: 120000, redemption_rate: 1.0123 });
    const back = snapshotToJson(s);
    expect(back.collateral).toEqual(snapshotToJson(parseMarketSnapshot(back, { now: false })).collateral);
    expect((back.collateral as Json).STETH).toEqual(m.collateral.STETH);
  });

  it.each([
    [{ sources: [] }, 'collateral.BTC.sources'],
    [{ sources: [1, -2] }, 'collateral.BTC.sources[1]'],
    [{ adv: 0 }, 'collateral.BTC.adv'],
    [{ redemption_rate: 'x' }, 'collateral.BTC.redemption_rate'],
    [{ bogus: 1 }, 'collateral.BTC.bogus'],
  ])('%j is refused naming %s', (extra, field) => {
    const m = clone(btcMarket);
    Object.assign(m.collateral.BTC, extra);
    expect(() => parseMarketSnapshot(m, { now: false })).toThrow(expect.objectContaining({ field }));
  });
});

// Opening a position at its mark, with the premium paid or received in cash, never raises the
// free collateral (im_excess) by more than the cash it brings in less the requirement it adds:
//   Δim_excess ≤ max(c, 0) − ΔIM,  i.e. Δequity ≤ max(c, 0),
// and, sharper, Δequity ≤ 0: premium received is offset by the short option's liability before
// it can be spent (the 2019 failure counted the premium and not the liability).
describe('premium and unrealised-profit property (engine.whatIf)', () => {
  const cases: Array<{ profile: string; account: Json; market: Json; ids: string[]; evaluator?: 'ts' }> = [
    { profile: 'standard', account: btcAccount, market: btcMarket, ids: ['BTC_USDC-25DEC26-100000-C', 'BTC_USDC-25DEC26-90000-P', 'BTC_USDC-29JAN27-85000-P', 'BTC_USDC-26MAR27-95000-C'], evaluator: 'ts' },
    { profile: 'deribit-pm', account: btcAccount, market: btcMarket, ids: ['BTC_USDC-25DEC26-100000-C', 'BTC_USDC-25DEC26-90000-P', 'BTC_USDC-29JAN27-85000-P', 'BTC_USDC-26MAR27-95000-C'], evaluator: 'ts' },
    { profile: 'okx-pm', account: btcAccount, market: btcMarket, ids: ['BTC_USDC-25DEC26-100000-C', 'BTC_USDC-25DEC26-90000-P', 'BTC_USDC-29JAN27-85000-P', 'BTC_USDC-26MAR27-95000-C'], evaluator: 'ts' },
    { profile: 'derive-pmrm2.test', account: ethAccount, market: ethMarket, ids: [] },
  ];

  it.each(cases)('$profile', ({ profile, account, market, ids, evaluator }) => {
    const engine: Engine = createEngine({ profile, snapshot, ...(evaluator === undefined ? {} : { evaluator }) });
    const snap = engine.parseMarket(market);
    const before = engine.margin(account, snap);
    const cashAsset = 'USDC';
    const cashPrice = line(before, cashAsset).price;
    const optionIds: unknown[] = ids.length > 0 ? ids : (account.positions as Json[]).filter((p) => p.instrument?.kind === 'option').map((p) => ({ instrument: p.instrument }));
    // The engine's own mark of one contract: the option alone, valued in equity.
    const markOf = (pos: unknown): number => {
      const r = engine.margin({ account_id: 'mark', positions: [{ ...(typeof pos === 'string' ? { instrument: pos } : (pos as Json)), size: 1 }], balances: {} }, snap);
      return r.equity;
    };
    const marks = optionIds.map(markOf);
    fc.assert(
      fc.property(fc.nat({ max: optionIds.length - 1 }), fc.double({ min: -5, max: 5, noNaN: true }).filter((q) => Math.abs(q) > 1e-3), (k, q) => {
        const pos = optionIds[k]!;
        const trade = { ...(typeof pos === 'string' ? { instrument: pos } : (pos as Json)), size: q };
        const c = -q * marks[k]!; // cash in (USD): the premium received (q < 0) or paid
        const withCash = { ...account, balances: { ...account.balances, [cashAsset]: account.balances[cashAsset] + c / cashPrice } };
        const w = engine.whatIf(withCash, snap, [trade]);
        const after = w.after;
        const dEquity = after.equity - before.equity;
        const dIm = after.initial_margin - before.initial_margin;
        const dExcess = after.im_excess - before.im_excess;
        const tol = 1e-7 * (Math.abs(before.equity) + Math.abs(c) + 1);
        expect(dExcess).toBeLessThanOrEqual(Math.max(c, 0) - dIm + tol);
        expect(dEquity).toBeLessThanOrEqual(tol);
        expect(w.change.initial_margin).toBeCloseTo(after.initial_margin - w.before.initial_margin, 6);
      }),
      { numRuns: 40 },
    );
  });
});
