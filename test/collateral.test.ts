import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CollateralValuer, valueCollateral, type CollateralAccount } from '../host/collateral/value.js';
import { liquidityHaircut } from '../host/collateral/liquidity.js';
import { median, type CollateralMarket, type CollateralPrice } from '../host/collateral/reference.js';
import { validateCollateralParams, type CollateralParams } from '../host/collateral/params.js';
import { RiskgridError } from '../host/errors.js';

const NOW = Date.UTC(2026, 10, 30, 12);

function params(): CollateralParams {
  return {
    margin_currency: 'USD',
    max_price_age_ms: 10_000,
    min_price_confidence: 0.6,
    degraded: { policy: 'flag', extra_haircut_im: 0.1, extra_haircut_mm: 0.05 },
    unrealised_pnl: { haircut_im: 0.5, haircut_mm: 0.25 },
    min_index_sources: 3,
    depeg_flag_threshold: 0.005,
    thin_assets: ['MNGO'],
    assets: {
      BTC: { haircut_im: 0.1, haircut_mm: 0.05, liquidity: { base: 0, k: 0.5, cap: 0.5, adv: 1000 }, borrow_add_on_im: 0.2, borrow_add_on_mm: 0.1 },
      ETH: { haircut_im: 0.12, haircut_mm: 0.06, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0.2, borrow_add_on_mm: 0.1 },
      USDC: { haircut_im: 0.01, haircut_mm: 0, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0.02, borrow_add_on_mm: 0.01, reference: { kind: 'peg', peg: 1 } },
      stETH: {
        haircut_im: 0.15,
        haircut_mm: 0.1,
        liquidity: { base: 0.01, k: 0.2, cap: 0.3 },
        borrow_add_on_im: 0.3,
        borrow_add_on_mm: 0.2,
        reference: { kind: 'redemption', underlying: 'ETH', rate: 1 },
      },
      MNGO: { haircut_im: 1, haircut_mm: 1, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 1, borrow_add_on_mm: 1 },
    },
  };
}

const fresh = (price: number, extra: Partial<CollateralPrice> = {}): CollateralPrice => ({ price, confidence: 0.99, timestamp_ms: NOW - 1000, ...extra });

function market(extra: Record<string, CollateralPrice> = {}): CollateralMarket {
  return {
    now_ms: NOW,
    prices: {
      BTC: fresh(60_000),
      ETH: fresh(3_000),
      USDC: fresh(1, { sources: [1, 0.9999, 1.0001] }),
      stETH: fresh(2_990, { sources: [2_990, 2_995, 2_985], adv: 50_000 }),
      MNGO: fresh(0.02),
      ...extra,
    },
  };
}

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

const one = (v: CollateralValuer, asset: string, amount: number, m = market()) => v.value({ balances: [{ asset, amount }] }, m).lines[0]!;

describe('collateral parameters', () => {
  it('accept a complete set and copy it', () => {
    const p = params();
    const v = validateCollateralParams(p);
    expect(v).toEqual(p);
    expect(v.assets).not.toBe(p.assets);
  });

  it('reject unknown, missing and out-of-domain fields naming the path', () => {
    const cases: [(p: Record<string, any>) => void, string][] = [
      [(p) => (p.haircut = 0.1), 'collateral.haircut'],
      [(p) => delete p.max_price_age_ms, 'collateral.max_price_age_ms'],
      [(p) => (p.assets.BTC.liquidity.depth = 5), 'collateral.assets.BTC.liquidity.depth'],
      [(p) => delete p.assets.ETH.borrow_add_on_mm, 'collateral.assets.ETH.borrow_add_on_mm'],
      [(p) => (p.assets.BTC.haircut_im = 1.2), 'collateral.assets.BTC.haircut_im'],
      [(p) => (p.assets.BTC.haircut_im = 0.01), 'collateral.assets.BTC.haircut_im'], // below MM
      [(p) => (p.assets.BTC.liquidity.cap = 0.7), 'collateral.assets.BTC.liquidity.cap'], // > (2 + 0)/3
      [(p) => (p.assets.BTC.liquidity.base = 0.6), 'collateral.assets.BTC.liquidity.base'], // above cap
      [(p) => (p.assets.BTC.liquidity.k = Number.NaN), 'collateral.assets.BTC.liquidity.k'],
      [(p) => (p.degraded.policy = 'ignore'), 'collateral.degraded.policy'],
      [(p) => (p.min_index_sources = 2.5), 'collateral.min_index_sources'],
      [(p) => (p.assets.USDC.reference = { kind: 'oracle' }), 'collateral.assets.USDC.reference.kind'],
      [(p) => (p.assets.USDC.reference = { kind: 'peg' }), 'collateral.assets.USDC.reference.peg'],
      [(p) => (p.assets.ETH.reference = { kind: 'peg', peg: 1 }), 'collateral.assets.stETH.reference.underlying'], // chain
      [(p) => (p.assets.USD = { ...p.assets.USDC }), 'collateral.assets.USD.reference'],
      [(p) => (p.thin_assets = 'MNGO'), 'collateral.thin_assets'],
    ];
    for (const [mutate, field] of cases) {
      const p = structuredClone(params()) as Record<string, any>;
      mutate(p);
      const e = errorOf(() => validateCollateralParams(p));
      expect([e.code, e.field]).toEqual(['RG_ERR_PROFILE', field]);
    }
  });
});

describe('liquidity haircut', () => {
  it('is base at size 0, cap from size* = ADV·((cap − base)/k)² on, and the square-root law between', () => {
    expect(liquidityHaircut(0, 1000, 0.02, 0.5, 0.4)).toBe(0.02);
    const sStar = 1000 * ((0.4 - 0.02) / 0.5) ** 2;
    expect(liquidityHaircut(sStar * 1.000001, 1000, 0.02, 0.5, 0.4)).toBe(0.4);
    expect(liquidityHaircut(1e12, 1000, 0.02, 0.5, 0.4)).toBe(0.4);
    expect(liquidityHaircut(10, 1000, 0.02, 0.5, 0.4)).toBeCloseTo(0.02 + 0.5 * 0.1, 15);
    expect(liquidityHaircut(10, 1000, 0.02, 0, 0.4)).toBe(0.02);
  });

  const liq = fc
    .record({ base: fc.double({ min: 0, max: 0.5, noNaN: true }), k: fc.double({ min: 0, max: 5, noNaN: true }), t: fc.double({ min: 0, max: 1, noNaN: true }), adv: fc.double({ min: 1e-3, max: 1e9, noNaN: true }) })
    .map(({ base, k, t, adv }) => ({ base, k, adv, cap: base + t * ((2 + base) / 3 - base) })); // base ≤ cap ≤ (2 + base)/3

  it('is monotone in size, so a large holding is worth less per unit but never less in total (property)', () => {
    fc.assert(
      fc.property(liq, fc.double({ min: 0, max: 1e9, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), ({ base, k, cap, adv }, x, y) => {
        const [s1, s2] = x <= y ? [x, y] : [y, x];
        const h1 = liquidityHaircut(s1, adv, base, k, cap);
        const h2 = liquidityHaircut(s2, adv, base, k, cap);
        expect(h1).toBeLessThanOrEqual(h2);
        expect(h1).toBeGreaterThanOrEqual(base);
        expect(h2).toBeLessThanOrEqual(cap);
        expect(s1 * (1 - h1)).toBeLessThanOrEqual(s2 * (1 - h2) * (1 + 1e-12) + 1e-300);
      }),
    );
  });
});

describe('collateral valuation', () => {
  const v = new CollateralValuer(params());

  it('converts through the index price and applies IM/MM and liquidity haircuts (hand-computed)', () => {
    const l = one(v, 'BTC', 2);
    const liq = 0.5 * Math.sqrt(2 / 1000);
    expect(l).toMatchObject({ asset: 'BTC', amount: 2, price: 60_000, price_confidence: 0.99, price_age_ms: 1000, haircut_im: 0.1, haircut_mm: 0.05, depeg: 0 });
    expect(l.liquidity_haircut).toBeCloseTo(liq, 15);
    expect(l.value).toBe(120_000);
    expect(l.value_im).toBeCloseTo(120_000 * 0.9 * (1 - liq), 9);
    expect(l.value_mm).toBeCloseTo(120_000 * 0.95 * (1 - liq), 9);
    const cash = one(v, 'USD', 5000);
    expect(cash).toMatchObject({ price: 1, price_confidence: 1, price_age_ms: 0, value: 5000, value_im: 5000, value_mm: 5000 });
  });

  it('holds haircuts at their boundaries: 0 counts everything, 1 counts nothing; liquidity at the cap', () => {
    const p = params();
    p.assets.ETH!.haircut_im = 1;
    p.assets.ETH!.haircut_mm = 0;
    const w = new CollateralValuer(p);
    const eth = one(w, 'ETH', 3);
    expect([eth.value, eth.value_im, eth.value_mm]).toEqual([9000, 0, 9000]);
    // BTC: k·√(size/ADV) reaches cap 0.5 at size = ADV = 1000.
    const big = one(v, 'BTC', 5000);
    expect(big.liquidity_haircut).toBe(0.5);
    expect(big.value_im).toBeCloseTo(5000 * 60_000 * 0.9 * 0.5, 6);
    const zero = one(v, 'BTC', 0);
    expect([zero.value, zero.value_im, zero.liquidity_haircut]).toEqual([0, 0, 0]);
  });

  it('values a larger holding less per unit (the market ADV overrides the profile)', () => {
    const small = one(v, 'BTC', 1);
    const large = one(v, 'BTC', 100);
    expect(large.value_im / 100).toBeLessThan(small.value_im);
    const deep = one(v, 'BTC', 100, market({ BTC: fresh(60_000, { adv: 1e6 }) }));
    expect(deep.liquidity_haircut).toBeCloseTo(0.5 * Math.sqrt(100 / 1e6), 15);
  });

  it('carries stale and low-confidence prices: flag, haircut or reject as the profile says', () => {
    const base = one(v, 'ETH', 10);
    const stale = market({ ETH: fresh(3_000, { timestamp_ms: NOW - 10_001 }) });
    const r = v.value({ balances: [{ asset: 'ETH', amount: 10 }] }, stale);
    expect(r.degraded).toBe(true);
    expect(r.flags).toEqual([{ asset: 'ETH', flag: 'stale', value: 10_001 }]);
    expect(r.lines[0]!.price_age_ms).toBe(10_001);
    expect(r.lines[0]!.value_im).toBe(base.value_im); // 'flag': values unchanged
    expect(r.totals.max_price_age_ms).toBe(10_001);
    // At the limit exactly: not stale, not low-confidence.
    const edge = v.value({ balances: [{ asset: 'ETH', amount: 10 }] }, market({ ETH: fresh(3_000, { timestamp_ms: NOW - 10_000, confidence: 0.6 }) }));
    expect([edge.degraded, edge.flags]).toEqual([false, []]);

    const p = params();
    p.degraded.policy = 'haircut';
    const h = new CollateralValuer(p);
    const low = market({ ETH: fresh(3_000, { confidence: 0.59 }) });
    const rl = h.value({ balances: [{ asset: 'ETH', amount: 10 }] }, low);
    expect(rl.flags).toEqual([{ asset: 'ETH', flag: 'low_confidence', value: 0.59 }]);
    expect(rl.lines[0]!.price_confidence).toBe(0.59);
    expect(rl.totals.min_price_confidence).toBe(0.59);
    expect(rl.lines[0]!.value_im).toBeCloseTo(base.value_im * 0.9, 9);
    expect(rl.lines[0]!.value_mm).toBeCloseTo(base.value_mm * 0.95, 9);
    expect(rl.lines[0]!.degraded_haircut_im).toBe(0.1);

    p.degraded.policy = 'reject';
    const rej = new CollateralValuer(p);
    expect(errorOf(() => rej.value({ balances: [{ asset: 'ETH', amount: 1 }] }, stale)).code).toBe('RG_ERR_STALE_MARKET_DATA');
    const e = errorOf(() => rej.value({ balances: [{ asset: 'ETH', amount: 1 }] }, low));
    expect([e.code, e.field]).toEqual(['RG_ERR_MISSING_MARKET_DATA', 'prices.ETH.confidence']);
  });

  it('values a stablecoin at min(peg, median of sources) and reports the depeg', () => {
    // One venue prints 1.50 and another 0.50: the median ignores both.
    const calm = one(v, 'USDC', 1000, market({ USDC: fresh(1.5, { sources: [1.5, 0.5, 1, 1, 0.9998] }) }));
    expect([calm.price, calm.depeg]).toEqual([1, 0]);
    const premium = one(v, 'USDC', 1000, market({ USDC: fresh(1.01, { sources: [1.01, 1.012, 1.011] }) }));
    expect(premium.price).toBe(1); // a premium over the peg is not counted
    const m = market({ USDC: fresh(0.9, { sources: [0.97, 0.96, 0.99, 0.97] }) });
    const r = v.value({ balances: [{ asset: 'USDC', amount: 1000 }] }, m);
    const l = r.lines[0]!;
    expect(l.price).toBeCloseTo(0.97, 15);
    expect(l.depeg).toBeCloseTo(0.03, 15);
    expect(l.value_im).toBeCloseTo(970 * 0.99, 9);
    expect(r.totals.depeg_max).toBeCloseTo(0.03, 15);
    expect(r.flags).toEqual([{ asset: 'USDC', flag: 'depeg', value: l.depeg }]);
    // Fewer sources than the profile requires: degraded, named.
    const few = v.value({ balances: [{ asset: 'USDC', amount: 1 }] }, market({ USDC: fresh(1, { sources: [1, 1] }) }));
    expect(few.flags).toEqual([{ asset: 'USDC', flag: 'few_sources', value: 2 }]);
    expect(median([3, 1, 2, 10], 's')).toBe(2.5);
    expect(errorOf(() => median([1, Number.NaN, 2], 's')).field).toBe('s[1]');
  });

  it('values a staked asset against its redemption value and carries the underlying’s confidence and age', () => {
    const m = market({ stETH: fresh(2_900, { sources: [2_900, 2_905, 2_890], redemption_rate: 1.02, adv: 50_000 }), ETH: fresh(3_000, { confidence: 0.8, timestamp_ms: NOW - 4000 }) });
    const l = one(v, 'stETH', 10, m);
    const ref = 1.02 * 3_000;
    expect(l.price).toBe(2_900);
    expect(l.depeg).toBeCloseTo(1 - 2_900 / ref, 15);
    expect([l.price_confidence, l.price_age_ms]).toEqual([0.8, 4000]);
    const liq = 0.01 + 0.2 * Math.sqrt(10 / 50_000);
    expect(l.value_im).toBeCloseTo(29_000 * (1 - liq) * 0.85, 8);
    // At a premium to redemption it counts at the redemption value (profile rate 1 without a market rate).
    const rich = one(v, 'stETH', 10, market({ stETH: fresh(3_100, { sources: [3_100, 3_100, 3_100], adv: 50_000 }) }));
    expect(rich.price).toBe(3_000);
  });

  it('counts negative balances as liabilities with their add-on, at max(reference, index)', () => {
    const r = v.value({ balances: [{ asset: 'USD', amount: 50_000 }, { asset: 'USDC', amount: -10_000 }] }, market({ USDC: fresh(1.01, { sources: [1.01, 1.01, 1.01] }) }));
    const l = r.lines[1]!;
    expect(l.price).toBe(1.01);
    expect(l.value).toBeCloseTo(-10_100, 9);
    expect(l.value_im).toBeCloseTo(-10_100 * 1.02, 9);
    expect(l.value_mm).toBeCloseTo(-10_100 * 1.01, 9);
    expect([l.haircut_im, l.haircut_mm]).toEqual([0.02, 0.01]);
    expect(r.totals.liabilities_value_im).toBe(l.value_im);
    expect(r.totals.assets_value_im).toBe(50_000);
    expect(r.totals.value_im).toBeCloseTo(50_000 - 10_302, 9);
    // A borrowed BTC gets the liquidity haircut too: buying it back moves the market.
    const b = one(v, 'BTC', -10);
    expect(b.value_im).toBeCloseTo(-600_000 * (1 + 0.5 * Math.sqrt(0.01)) * 1.2, 6);
  });

  it('counts unrealised profit after its haircut, losses in full, and no profit on a thin underlying', () => {
    const acct: CollateralAccount = {
      balances: [{ asset: 'USD', amount: 1000 }],
      unrealised_pnl: [
        { underlying: 'BTC', asset: 'USD', amount: 1000 },
        { underlying: 'ETH', asset: 'USDC', amount: -400 },
        { underlying: 'MNGO', asset: 'USD', amount: 1e6 },
        { underlying: 'MNGO', asset: 'USD', amount: -100 },
      ],
    };
    const r = v.value(acct, market());
    const [btc, eth, mngo, mngoLoss] = r.unrealised_pnl;
    expect([btc!.value_im, btc!.value_mm]).toEqual([500, 750]);
    expect([eth!.value_im, eth!.value_mm]).toEqual([-400, -400]);
    expect([mngo!.value, mngo!.value_im, mngo!.value_mm, mngo!.thin_excluded]).toEqual([1e6, 0, 0, true]);
    expect([mngoLoss!.value_im, mngoLoss!.thin_excluded]).toEqual([-100, false]);
    expect(r.flags).toContainEqual({ asset: 'MNGO', flag: 'thin_upnl_excluded', value: 1e6 });
    expect(r.totals.upnl_value_im).toBe(0);
    expect(r.totals.value_im).toBe(1000);
    expect(r.totals.upnl_value).toBe(1e6 + 1000 - 400 - 100);
  });

  it('refuses bad input with the field named', () => {
    const cases: [CollateralAccount, CollateralMarket, string, string][] = [
      [{ balances: [{ asset: 'DOGE', amount: 1 }] }, market(), 'RG_ERR_INVALID_INPUT', 'balances[0].asset'],
      [{ balances: [{ asset: 'BTC', amount: 1 }, { asset: 'BTC', amount: 2 }] }, market(), 'RG_ERR_INVALID_INPUT', 'balances[1].asset'],
      [{ balances: [{ asset: 'BTC', amount: Number.NaN }] }, market(), 'RG_ERR_INVALID_INPUT', 'balances[0].amount'],
      [{ balances: [{ asset: 'BTC', amount: 1, premium_received: -1 }] }, market(), 'RG_ERR_INVALID_INPUT', 'balances[0].premium_received'],
      [{ balances: [{ asset: 'ETH', amount: 1 }] }, { now_ms: NOW, prices: {} }, 'RG_ERR_MISSING_MARKET_DATA', 'prices.ETH'],
      [{ balances: [{ asset: 'ETH', amount: 1 }] }, market({ ETH: fresh(Infinity) }), 'RG_ERR_INVALID_INPUT', 'prices.ETH.price'],
      [{ balances: [{ asset: 'ETH', amount: 1 }] }, market({ ETH: fresh(3000, { confidence: 1.5 }) }), 'RG_ERR_INVALID_INPUT', 'prices.ETH.confidence'],
      [{ balances: [{ asset: 'stETH', amount: 1 }] }, market({ stETH: fresh(3000, { sources: [1, 1, 1] }) }), 'RG_ERR_MISSING_MARKET_DATA', 'prices.stETH.adv'],
      [{ balances: [{ asset: 'BTC', amount: 1e306 }] }, market(), 'RG_ERR_NOT_FINITE_RESULT', 'totals.value'],
    ];
    for (const [acct, m, code, field] of cases) {
      const e = errorOf(() => v.value(acct, m));
      expect([e.code, e.field]).toEqual([code, field]);
    }
  });
});

describe('collateral properties', () => {
  const assets = ['USD', 'BTC', 'ETH', 'USDC', 'stETH'] as const;
  const account = fc
    .uniqueArray(fc.record({ asset: fc.constantFrom(...assets), amount: fc.double({ min: -1e6, max: 1e6, noNaN: true }) }), { selector: (b) => b.asset, maxLength: 5 })
    .map((balances) => ({ balances }));
  const v = new CollateralValuer(params());

  it('IM counts no more than MM, and every figure is finite', () => {
    fc.assert(
      fc.property(account, (acct) => {
        const r = v.value(acct, market());
        expect(r.totals.value_im).toBeLessThanOrEqual(r.totals.value_mm + 1e-9 * (1 + Math.abs(r.totals.value_mm)));
        for (const l of r.lines) {
          expect(l.value_im).toBeLessThanOrEqual(l.value_mm);
          expect(l.value_mm).toBeLessThanOrEqual(l.value + 1e-9 * Math.abs(l.value)); // haircuts and add-ons only ever take away
        }
        for (const x of Object.values(r.totals)) expect(Number.isFinite(x)).toBe(true);
      }),
    );
  });

  it('premium received never raises free collateral (property)', () => {
    fc.assert(
      fc.property(account, fc.constantFrom(...assets), fc.double({ min: 0, max: 1e5, noNaN: true }), (acct, asset, p) => {
        const before = v.value(acct, market());
        const has = acct.balances.find((b) => b.asset === asset);
        const balances = has
          ? acct.balances.map((b) => (b.asset === asset ? { ...b, amount: b.amount + p, premium_received: p } : b))
          : [...acct.balances, { asset, amount: p, premium_received: p }];
        const after = v.value({ balances }, market());
        // (amount + p) − p may differ from amount in the last bit: compare relative to the gross value.
        const scale = 1 + after.lines.reduce((s, l) => s + Math.abs(l.value), 0);
        expect(Math.abs(after.totals.free_value_im - before.totals.value_im)).toBeLessThanOrEqual(1e-12 * scale);
        expect(after.totals.premium_value_im).toBe(after.totals.value_im - after.totals.free_value_im);
        expect(after.totals.value_im).toBeGreaterThanOrEqual(after.totals.free_value_im - 1e-12 * scale);
      }),
    );
  });

  it('valueCollateral (one-shot) equals the reusable valuer', () => {
    const acct: CollateralAccount = { balances: [{ asset: 'BTC', amount: 3 }, { asset: 'USDC', amount: -500 }] };
    expect(valueCollateral(params(), acct, market())).toEqual(v.value(acct, market()));
  });
});
