// assembly/price through host/price/pricer.ts: textbook values, parity, Greeks vs finite
// differences, SIMD = scalar = TS reference, accuracy vs a 60-digit reference, the edge battery,
// no-arbitrage properties and the bad-input table.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadWasmSync } from '../host/wasm/loader.js';
import { createPricer, type PricingInput, type GreeksResult } from '../host/price/pricer.js';
import { STATUS, statusInfo } from '../host/price/status.js';
import { RiskgridError } from '../host/errors.js';
import { black76Greeks, bsmGreeks } from '../host/reference/black.js';
import { black76HP, relErr, phiHP, exact } from './support/hp-normal.js';
import { rng } from './support/rng.js';

const pricer = createPricer(loadWasmSync());
const simdPricer = createPricer(loadWasmSync({ variant: 'simd' }));
const scalarPricer = createPricer(loadWasmSync({ variant: 'scalar' }));


/** Realistic random Black-76 book: strikes within ±4 standard deviations, 1 day to 3 years. */
function book(n: number, seed: number): { F: number[]; K: number[]; T: number[]; vol: number[]; df: number[]; omega: number[] } {
  const r = rng(seed);
  const b = { F: [] as number[], K: [] as number[], T: [] as number[], vol: [] as number[], df: [] as number[], omega: [] as number[] };
  for (let i = 0; i < n; i++) {
    const F = 10 ** (r() * 5 - 1);
    const T = 1 / 365 + r() * 3;
    const vol = 0.05 + r() * 1.5;
    b.F.push(F);
    b.K.push(F * Math.exp((r() * 2 - 1) * 4 * vol * Math.sqrt(T)));
    b.T.push(T);
    b.vol.push(vol);
    b.df.push(Math.exp(-(r() * 0.1) * T));
    b.omega.push(r() < 0.5 ? 1 : -1);
  }
  return b;
}

// Haug (2007) / QuantLib test values: type, K, S, q, r, T, vol -> price
const HAUG: Array<[string, number, number, number, number, number, number, number]> = [
  ['C', 65, 60, 0, 0.08, 0.25, 0.3, 2.1334],
  ['P', 95, 100, 0.05, 0.1, 0.5, 0.2, 2.4648],
  ['P', 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
  ['C', 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
  ['C', 1.6, 1.56, 0.08, 0.06, 0.5, 0.12, 0.0291],
  ['P', 70, 75, 0.05, 0.1, 0.5, 0.35, 4.087],
  ['C', 100, 90, 0.1, 0.1, 0.1, 0.15, 0.0205],
  ['C', 100, 110, 0.1, 0.1, 0.1, 0.15, 9.9413],
  ['P', 100, 90, 0.1, 0.1, 0.5, 0.35, 14.4452],
  ['C', 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975],
];

describe('textbook values', () => {
  it('Haug prices via BSM and via Black-76 on the forward, to 4 decimals', () => {
    const bsm = pricer.priceBatch({
      model: 'bsm', type: HAUG.map((h) => h[0] as 'C' | 'P'), K: HAUG.map((h) => h[1]), S: HAUG.map((h) => h[2]),
      q: HAUG.map((h) => h[3]), r: HAUG.map((h) => h[4]), T: HAUG.map((h) => h[5]), vol: HAUG.map((h) => h[6]),
    });
    const b76 = pricer.priceBatch({
      model: 'black76', type: HAUG.map((h) => h[0] as 'C' | 'P'), K: HAUG.map((h) => h[1]),
      F: HAUG.map((h) => h[2] * Math.exp((h[4] - h[3]) * h[5])), df: HAUG.map((h) => Math.exp(-h[4] * h[5])),
      T: HAUG.map((h) => h[5]), vol: HAUG.map((h) => h[6]),
    });
    expect(bsm.failed).toBe(0);
    HAUG.forEach((h, i) => {
      expect(Math.abs(bsm.price[i]! - h[7])).toBeLessThan(5e-5);
      expect(Math.abs(b76.price[i]! - h[7])).toBeLessThan(5e-5);
    });
  });

  it('Black-76 F = K = 1500, T = 7/365, vol 1, df 1: call = put = 82.805080668634559515', () => {
    const res = pricer.priceBatch({ model: 'black76', F: 1500, K: [1500, 1500], T: 7 / 365, vol: 1, df: 1, type: ['C', 'P'] });
    const exact = 82.805080668634559515;
    for (const p of res.price) expect(Math.abs(p - exact) / exact).toBeLessThan(1e-14);
  });

  it('Haug Greeks (BSM)', () => {
    const g = pricer.greeksBatch({
      model: 'bsm', type: ['C', 'P', 'C', 'P', 'C'], K: [100, 100, 60, 405, 75], S: [105, 105, 55, 430, 72],
      q: [0.1, 0.1, 0, 0.05, 0], r: [0.1, 0.1, 0.1, 0.07, 0.09], T: [0.5, 0.5, 0.75, 1 / 12, 1], vol: [0.36, 0.36, 0.3, 0.2, 0.19],
    });
    expect(g.delta[0]).toBeCloseTo(0.5946, 4);
    expect(g.delta[1]).toBeCloseTo(-0.3566, 4);
    expect(g.gamma[2]).toBeCloseTo(0.0278, 4);
    expect(g.vega[2]).toBeCloseTo(18.9358, 4);
    expect(g.theta[3]).toBeCloseTo(-31.1924, 4);
    expect(g.rho[4]).toBeCloseTo(38.7325, 4);
  });
});

describe('put–call parity and the TS reference', () => {
  it('C − P = df·(F − K) over a random book', () => {
    const b = book(2000, 11);
    const c = pricer.priceBatch({ model: 'black76', ...b, omega: undefined, type: 'C' });
    const p = pricer.priceBatch({ model: 'black76', ...b, omega: undefined, type: 'P' });
    b.F.forEach((F, i) => {
      const parity = b.df[i]! * (F - b.K[i]!);
      expect(Math.abs(c.price[i]! - p.price[i]! - parity)).toBeLessThanOrEqual(4e-15 * b.df[i]! * (F + b.K[i]!));
    });
  });

  it('agrees with host/reference/black.ts to 1e-13 relative, or the 60-digit value sides with the kernel; Greeks to 1e-9', () => {
    // The textbook formula loses digits ITM (both terms near the intrinsic value) and far OTM
    // (difference of two small Φ); where the two disagree by more than 1e-13, decimal.js decides.
    const b = book(3000, 12);
    const g = pricer.greeksBatch({ model: 'black76', ...b });
    let disagreements = 0;
    b.F.forEach((F, i) => {
      const ref = black76Greeks(F, b.K[i]!, b.T[i]!, b.vol[i]!, b.df[i]!, b.omega[i] as 1 | -1);
      if (ref.price > 1e-8 * F && Math.abs(g.price[i]! - ref.price) > 1e-13 * ref.price) {
        disagreements++;
        const hp = black76HP(F, b.K[i]!, b.T[i]!, b.vol[i]!, b.df[i]!, b.omega[i] as 1 | -1);
        expect(relErr(g.price[i]!, hp), `item ${i}`).toBeLessThan(Math.max(relErr(ref.price, hp), 1e-13));
      }
      for (const k of ['delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) {
        const scale = Math.abs(ref[k]) + 1e-9 * (Math.abs(ref.vega) + F);
        expect(Math.abs(g[k][i]! - ref[k]) / scale, `${k}[${i}]`).toBeLessThan(1e-9);
      }
    });
    console.log(`kernel vs TS reference: ${disagreements} of ${b.F.length} prices differ by > 1e-13 relative (all decided for the kernel)`);
  });
});

describe('accuracy against a 60-digit reference', () => {
  const measure = (b: ReturnType<typeof book>, keep: (i: number) => boolean) => {
    const res = pricer.priceBatch({ model: 'black76', ...b });
    let worst = 0;
    let at = -1;
    let counted = 0;
    b.F.forEach((F, i) => {
      if (!keep(i)) return;
      const ref = black76HP(F, b.K[i]!, b.T[i]!, b.vol[i]!, b.df[i]!, b.omega[i] as 1 | -1);
      if (ref.toNumber() <= 1e-8 * F) return;
      counted++;
      const e = relErr(res.price[i]!, ref);
      if (e > worst) {
        worst = e;
        at = i;
      }
    });
    return { worst, at, counted };
  };

  it('relative error <= 1e-12 wherever price > 1e-8·F over a realistic book', () => {
    const b = book(1500, 13);
    const { worst, counted } = measure(b, () => true);
    console.log(`black76 price, realistic book: max relative error ${worst.toExponential(2)} over ${counted} options`);
    expect(counted).toBeGreaterThan(1400);
    expect(worst).toBeLessThanOrEqual(1e-12);
  });

  it('extremes (T from 1e-4 to 10 y, vol 1 % to 300 %, strikes to ±7 sd): <= 1e-12', () => {
    // Below vol·√T ≈ 3e-3 the direct OTM formula would subtract two nearly equal Φ values; the
    // small-total-vol expansion (black76-small.ts) keeps that band at the same accuracy.
    const r = rng(14);
    const b = { F: [] as number[], K: [] as number[], T: [] as number[], vol: [] as number[], df: [] as number[], omega: [] as number[] };
    for (let i = 0; i < 800; i++) {
      const T = 10 ** (-4 + r() * 5);
      const vol = 10 ** (-2 + r() * 2.5);
      b.F.push(100);
      b.K.push(100 * Math.exp((r() * 2 - 1) * 7 * vol * Math.sqrt(T)));
      b.T.push(T);
      b.vol.push(vol);
      b.df.push(1);
      b.omega.push(r() < 0.5 ? 1 : -1);
    }
    const sd = (i: number) => b.vol[i]! * Math.sqrt(b.T[i]!);
    const wide = measure(b, (i) => sd(i) >= 3e-3);
    const narrow = measure(b, (i) => sd(i) < 3e-3);
    console.log(`black76 price, extremes: max relative error ${wide.worst.toExponential(2)} (vol·√T >= 3e-3, ${wide.counted} options), ${narrow.worst.toExponential(2)} (below, ${narrow.counted})`);
    expect(wide.counted).toBeGreaterThan(300);
    expect(wide.worst).toBeLessThanOrEqual(1e-12);
    expect(narrow.worst).toBeLessThanOrEqual(1e-12);
  });
});

describe('SIMD and scalar builds', () => {
  it('give identical prices, Greeks and inverse values (odd batch length)', () => {
    const b = book(4001, 15);
    b.T[7] = 0;
    b.vol[8] = 0;
    b.K[9] = 0;
    b.F[10] = NaN;
    b.vol[11] = 1e6;
    const input: PricingInput = { model: 'black76', ...b };
    const same = (x: Float64Array, y: Float64Array) => x.forEach((v, i) => expect(Object.is(v, y[i]) || (Number.isNaN(v) && Number.isNaN(y[i])), `${i}: ${v} vs ${y[i]}`).toBe(true));
    const gs = simdPricer.greeksBatch(input);
    const gc = scalarPricer.greeksBatch(input);
    for (const k of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) same(gs[k], gc[k]);
    expect(Array.from(gs.status)).toEqual(Array.from(gc.status));
    same(simdPricer.priceBatch(input).price, gc.price);
    const is = simdPricer.inverseBatch({ model: 'black76', ...b });
    const ic = scalarPricer.inverseBatch({ model: 'black76', ...b });
    same(is.value, ic.value);
    same(is.deltaPa, ic.deltaPa);
    const bsm: PricingInput = { model: 'bsm', S: b.F, K: b.K, T: b.T, vol: b.vol, r: b.df.map((d) => 0.05 * d), q: 0.01, omega: b.omega };
    const ss = simdPricer.greeksBatch(bsm);
    const sc = scalarPricer.greeksBatch(bsm);
    for (const k of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) same(ss[k], sc[k]);
  });
});

describe('Greeks against central finite differences', () => {
  const cases = [
    { S: 100, K: 110, T: 0.7, vol: 0.3, r: 0.04, q: 0.01, w: 1 },
    { S: 100, K: 90, T: 0.25, vol: 0.5, r: 0.02, q: 0.03, w: -1 },
    { S: 50, K: 50, T: 2, vol: 0.2, r: 0.06, q: 0, w: 1 },
    { S: 3000, K: 2500, T: 0.05, vol: 0.9, r: 0.0, q: 0.0, w: -1 },
  ];
  const price = (m: 'bsm' | 'black76', a: { S: number; K: number; T: number; vol: number; r: number; q: number; w: number }): number => {
    const g = greeks(m, a);
    return g.price[0]!;
  };
  const greeks = (m: 'bsm' | 'black76', a: { S: number; K: number; T: number; vol: number; r: number; q: number; w: number }): GreeksResult =>
    m === 'bsm'
      ? pricer.greeksBatch({ model: 'bsm', S: a.S, K: a.K, T: a.T, vol: a.vol, r: a.r, q: a.q, omega: a.w })
      : pricer.greeksBatch({ model: 'black76', F: a.S, K: a.K, T: a.T, vol: a.vol, df: Math.exp(-a.r * a.T), omega: a.w });

  for (const m of ['bsm', 'black76'] as const) {
    it(`${m}: delta, gamma, vega, theta, rho, vanna, volga`, () => {
      for (const a of cases) {
        const g = greeks(m, a);
        const fd = (key: 'S' | 'vol' | 'T' | 'r', h: number, f: (x: typeof a) => number) => (f({ ...a, [key]: a[key] + h }) - f({ ...a, [key]: a[key] - h })) / (2 * h);
        const hS = a.S * 1e-4;
        const close = (got: number, want: number, name: string) => expect(Math.abs(got - want), `${m} ${name} ${JSON.stringify(a)}: ${got} vs ${want}`).toBeLessThan(2e-6 * (Math.abs(want) + 1e-3 * a.S));
        close(g.delta[0]!, fd('S', hS, (x) => price(m, x)), 'delta');
        close(g.gamma[0]!, fd('S', hS, (x) => greeks(m, x).delta[0]!), 'gamma');
        close(g.vega[0]!, fd('vol', 1e-5, (x) => price(m, x)), 'vega');
        // theta = dV/dt = −∂V/∂T with r held (Black-76: df = e^(−rT) moves with T)
        close(g.theta[0]!, -fd('T', 1e-6, (x) => price(m, x)), 'theta');
        if (m === 'bsm') close(g.rho[0]!, fd('r', 1e-6, (x) => price(m, x)), 'rho');
        else close(g.rho[0]!, fd('r', 1e-6, (x) => price(m, x)), 'rho (F fixed)');
        close(g.vanna[0]!, fd('vol', 1e-5, (x) => greeks(m, x).delta[0]!), 'vanna');
        close(g.volga[0]!, fd('vol', 1e-5, (x) => greeks(m, x).vega[0]!), 'volga');
      }
    });
  }

  it('inverse: value = V/F, deltaPa = Δ − V/F = F·∂v/∂F', () => {
    const a = { F: 60000, K: 65000, T: 0.1, vol: 0.6, df: 0.999 };
    const inv = pricer.inverseBatch({ model: 'black76', ...a, type: ['C', 'P'] });
    const g = pricer.greeksBatch({ model: 'black76', ...a, type: ['C', 'P'] });
    for (let i = 0; i < 2; i++) {
      expect(inv.value[i]).toBeCloseTo(g.price[i]! / a.F, 15);
      expect(inv.deltaPa[i]).toBeCloseTo(g.delta[i]! - g.price[i]! / a.F, 14);
      const v = (F: number) => pricer.priceBatch({ model: 'black76', ...a, F, type: i === 0 ? 'C' : 'P' }).price[0]! / F;
      const h = 1;
      expect(Math.abs(inv.dvdF[i]! - (v(a.F + h) - v(a.F - h)) / (2 * h))).toBeLessThan(1e-10);
    }
  });
});

describe('edge battery', () => {
  const F = 100;
  const K = [80, 100, 120];
  const df = 0.95;
  const run = (T: number, vol: number, k: number[] = K) => ({
    C: pricer.greeksBatch({ model: 'black76', F, K: k, T, vol, df, type: 'C' }),
    P: pricer.greeksBatch({ model: 'black76', F, K: k, T, vol, df, type: 'P' }),
  });
  const intrinsic = (w: number, k: number) => df * Math.max(w * (F - k), 0);

  it('T <= 0 gives df·max(ω(F − K), 0); theta and rho are 0', () => {
    for (const T of [0, -0.5]) {
      const { C, P } = run(T, 0.5);
      K.forEach((k, i) => {
        expect(C.price[i]).toBe(intrinsic(1, k));
        expect(P.price[i]).toBe(intrinsic(-1, k));
        expect([C.gamma[i], C.vega[i], C.theta[i], C.rho[i], C.vanna[i], C.volga[i]]).toEqual([0, 0, 0, 0, 0, 0]);
      });
      expect(Array.from(C.delta)).toEqual([df, df / 2, 0]);
      expect(Array.from(P.delta)).toEqual([-0, -df / 2, -df]);
    }
  });

  it('vol = 0 gives the discounted intrinsic value of the forward, theta = r·V', () => {
    const { C, P } = run(0.5, 0);
    const r = -Math.log(df) / 0.5;
    K.forEach((k, i) => {
      expect(C.price[i]).toBe(intrinsic(1, k));
      expect(P.price[i]).toBe(intrinsic(-1, k));
      expect(C.theta[i]).toBeCloseTo(r * intrinsic(1, k), 12);
      expect(C.rho[i]).toBeCloseTo(-0.5 * intrinsic(1, k), 12);
    });
  });

  it('K = 0: call F·df (delta df), put 0', () => {
    const { C, P } = run(1, 0.4, [0]);
    expect(C.price[0]).toBeCloseTo(F * df, 12);
    expect(C.delta[0]).toBeCloseTo(df, 15);
    expect(P.price[0]).toBe(0);
    expect(C.gamma[0]).toBe(0);
  });

  it('huge total vol gives the limits: call → F·df, put → K·df', () => {
    for (const vol of [50, 1e3, 1e150]) {
      const { C, P } = run(4, vol);
      K.forEach((k, i) => {
        expect(C.price[i]).toBeCloseTo(F * df, 10);
        expect(P.price[i]).toBeCloseTo(k * df, 10);
        expect(Number.isFinite(C.vega[i])).toBe(true);
      });
    }
  });

  it('prices stay inside [df·intrinsic, cap] and are finite with F = 0 or F = K = 0', () => {
    const b = book(3000, 16);
    const res = pricer.priceBatch({ model: 'black76', ...b });
    b.F.forEach((f, i) => {
      const w = b.omega[i]!;
      const lo = b.df[i]! * Math.max(w * (f - b.K[i]!), 0);
      const cap = b.df[i]! * (w > 0 ? f : b.K[i]!);
      expect(res.price[i]).toBeGreaterThanOrEqual(lo);
      expect(res.price[i]).toBeLessThanOrEqual(cap);
    });
    const z = pricer.greeksBatch({ model: 'black76', F: [0, 0, 0, 0], K: [0, 0, 50, 50], T: 1, vol: 0.3, df: 0.9, type: ['C', 'P', 'C', 'P'] });
    expect(Array.from(z.price)).toEqual([0, 0, 0, 45]);
    for (const k of ['delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) z[k].forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('BSM with T <= 0 is the undiscounted intrinsic max(ω(S − K), 0)', () => {
    const res = pricer.priceBatch({ model: 'bsm', S: 100, K: [90, 110], T: [0, -1], vol: 0.3, r: 0.05, q: 0.02, type: ['C', 'P'] });
    expect(Array.from(res.price)).toEqual([10, 10]);
  });
});

describe('no-arbitrage properties (fast-check)', () => {
  const arb = fc.record({
    F: fc.double({ min: 1, max: 1e5, noNaN: true }),
    m: fc.double({ min: -2, max: 2, noNaN: true }),
    T: fc.double({ min: 1e-3, max: 5, noNaN: true }),
    vol: fc.double({ min: 0.01, max: 3, noNaN: true }),
  });
  it('call price rises with F and vol, falls with K, and is convex in K', () => {
    fc.assert(
      fc.property(arb, ({ F, m, T, vol }) => {
        const K = F * Math.exp(m * vol * Math.sqrt(T));
        const h = K * 1e-3;
        const p = pricer.priceBatch({ model: 'black76', F: [F, F * 1.001, F, F, F, F], K: [K, K, K + h, K - h, K, K], T, vol: [vol, vol, vol, vol, vol * 1.01, vol], df: 1, type: 'C' }).price;
        const tol = 1e-12 * F;
        expect(p[1]!).toBeGreaterThanOrEqual(p[0]! - tol);
        expect(p[4]!).toBeGreaterThanOrEqual(p[0]! - tol);
        expect(p[2]!).toBeLessThanOrEqual(p[0]! + tol);
        expect(p[2]! + p[3]! - 2 * p[0]!).toBeGreaterThanOrEqual(-4 * tol);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('bad input', () => {
  const good = { F: 100, K: 100, T: 1, vol: 0.2, df: 0.99, omega: 1 };
  const table: Array<[string, number, number]> = [
    ['F', NaN, STATUS.BAD_FORWARD], ['F', -1, STATUS.BAD_FORWARD], ['F', Infinity, STATUS.BAD_FORWARD],
    ['K', -5, STATUS.BAD_STRIKE], ['K', NaN, STATUS.BAD_STRIKE], ['K', -Infinity, STATUS.BAD_STRIKE],
    ['T', NaN, STATUS.BAD_TIME], ['T', Infinity, STATUS.BAD_TIME],
    ['vol', -0.1, STATUS.BAD_VOL], ['vol', NaN, STATUS.BAD_VOL], ['vol', Infinity, STATUS.BAD_VOL],
    ['df', 0, STATUS.BAD_DISCOUNT], ['df', -0.5, STATUS.BAD_DISCOUNT], ['df', NaN, STATUS.BAD_DISCOUNT],
    ['omega', 0, STATUS.BAD_TYPE], ['omega', 2, STATUS.BAD_TYPE], ['omega', NaN, STATUS.BAD_TYPE],
  ];
  it('each bad value gives its status, NaN outputs, and the other items are still priced', () => {
    for (const [field, value, st] of table) {
      const input = { model: 'black76' as const, ...good, [field]: [good[field as keyof typeof good], value, good[field as keyof typeof good]] };
      const g = pricer.greeksBatch(input);
      expect(g.failed, `${field}=${value}`).toBe(1);
      expect(Array.from(g.status)).toEqual([0, st, 0]);
      expect(g.price[1]).toBeNaN();
      expect(g.delta[1]).toBeNaN();
      expect(Number.isFinite(g.price[0])).toBe(true);
      expect(g.price[2]).toBe(g.price[0]);
      expect(statusInfo(st)?.field).toBe(field === 'omega' ? 'type' : field);
      expect(pricer.inverseBatch(input).status[1]).toBe(st);
    }
  });

  it('BSM: bad S, r, q', () => {
    const base = { model: 'bsm' as const, K: 100, T: 1, vol: 0.2, type: 'C' as const };
    const res = pricer.priceBatch({ ...base, S: [100, -1, 100, 100], r: [0.01, 0.01, NaN, 0.01], q: [0, 0, 0, Infinity] });
    expect(Array.from(res.status)).toEqual([0, STATUS.BAD_FORWARD, STATUS.BAD_RATE, STATUS.BAD_YIELD]);
    expect(statusInfo(STATUS.BAD_FORWARD, 'bsm')).toEqual({ code: 'RG_ERR_INVALID_INPUT', field: 'S' });
  });

  it('BSM: finite r, q whose r·T or (r−q)·T overflow are BAD_RATE, not a NaN price', () => {
    const input = { model: 'bsm' as const, S: 100, K: 100, T: 2, vol: 0.2, type: 'C' as const, r: [0.01, 1000, -800, 0.01], q: [0, 0, 0, -900] };
    for (const res of [simdPricer.greeksBatch(input), scalarPricer.greeksBatch(input), pricer.priceBatch(input) as GreeksResult]) {
      expect(Array.from(res.status)).toEqual([0, STATUS.BAD_RATE, STATUS.BAD_RATE, STATUS.BAD_RATE]);
      expect(Number.isFinite(res.price[0])).toBe(true);
      expect(res.price[1]).toBeNaN();
    }
  });

  it('inverse needs F > 0', () => {
    expect(pricer.inverseBatch({ model: 'black76', ...good, F: 0 }).status[0]).toBe(STATUS.BAD_FORWARD);
  });

  it('strict mode throws RG_ERR_INVALID_INPUT naming field, index and value', () => {
    try {
      pricer.priceBatch({ model: 'black76', ...good, vol: [0.2, 0.3, -2] }, { strict: true });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RiskgridError);
      expect((e as RiskgridError).code).toBe('RG_ERR_INVALID_INPUT');
      expect((e as RiskgridError).field).toBe('vol[2]');
      expect((e as RiskgridError).value).toBe(-2);
    }
  });

  it('structural mistakes throw RG_ERR_INVALID_ARGUMENT / RG_ERR_INVALID_INPUT at the boundary', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as RiskgridError).code + ':' + (e as RiskgridError).field;
      }
      return 'no error';
    };
    expect(code(() => pricer.priceBatch({ model: 'black76', ...good, K: [1, 2], T: [1, 2, 3] }))).toBe('RG_ERR_INVALID_ARGUMENT:T');
    expect(code(() => pricer.priceBatch({ model: 'sabr', ...good } as unknown as PricingInput))).toBe('RG_ERR_INVALID_ARGUMENT:model');
    expect(code(() => pricer.priceBatch({ model: 'black76', K: 1, T: 1, vol: 1, type: 'C' } as unknown as PricingInput))).toBe('RG_ERR_INVALID_ARGUMENT:F');
    expect(code(() => pricer.priceBatch({ model: 'black76', ...good, omega: undefined, type: ['C', 'X'] as never, F: [1, 2] }))).toBe('RG_ERR_INVALID_INPUT:type[1]');
    expect(code(() => pricer.priceBatch({ model: 'black76', ...good, K: [1, '2'] as never }))).toBe('RG_ERR_INVALID_INPUT:K[1]');
    expect(code(() => pricer.priceBatch({ model: 'black76', ...good, K: 'abc' as never }))).toBe('RG_ERR_INVALID_ARGUMENT:K');
    expect(code(() => pricer.columns(-1, 'black76'))).toBe('RG_ERR_INVALID_ARGUMENT:n');
  });
});

describe('zero-copy column batches', () => {
  it('fill views, compute, read in place; memory does not grow during compute', () => {
    const w = pricer.wasm;
    const b = pricer.columns(1001, 'black76', 'greeks');
    const bytes = w.memory.buffer.byteLength;
    b.F.fill(100);
    b.K.fill(105);
    b.T.fill(0.5);
    b.vol.fill(0.4);
    b.df.fill(1);
    b.omega.fill(-1);
    expect(b.compute()).toBe(0);
    expect(w.memory.buffer.byteLength).toBe(bytes);
    const ref = black76Greeks(100, 105, 0.5, 0.4, 1, -1);
    expect(b.price[1000]).toBeCloseTo(ref.price, 12);
    expect(b.gamma[3]).toBeCloseTo(ref.gamma, 14);
    b.release();
  });
});

describe('small total vol (vol·√T from 1e-6 to 3e-3): cancellation-free expansion', () => {
  // Near the money with tiny vol·√T the two Φ terms of the OTM value nearly cancel; the kernels
  // switch such lanes to the small-s expansion (assembly/price/black76-small.ts). Strikes are
  // spread over h = ln(F/K)/(vol·√T) in [−8, 8] (the expansion covers |h| <= √32, the direct
  // formula the rest), calls and puts, F over six decades, T from 1 minute to 1 month.
  const scan = (seed: number, n: number) => {
    const r = rng(seed);
    const b = { F: [] as number[], K: [] as number[], T: [] as number[], vol: [] as number[], df: [] as number[], omega: [] as number[] };
    for (let i = 0; i < n; i++) {
      const s = 10 ** (-6 + r() * Math.log10(3e3)); // [1e-6, 3e-3]
      const T = 10 ** (-5.7 + r() * 4.6); // ~1 minute .. 1 month
      const F = 10 ** (r() * 6 - 2);
      const h = i % 7 === 0 ? 0 : (r() * 2 - 1) * 8;
      b.F.push(F);
      b.K.push(i % 7 === 0 ? F : F * Math.exp(-h * s));
      b.T.push(T);
      b.vol.push(s / Math.sqrt(T));
      b.df.push(Math.exp(-0.05 * T));
      b.omega.push(r() < 0.5 ? 1 : -1);
    }
    return b;
  };
  const b = scan(2026, 1400);
  const refs = b.F.map((F, i) => black76HP(F, b.K[i]!, b.T[i]!, b.vol[i]!, b.df[i]!, b.omega[i] as 1 | -1));

  for (const [name, p] of [['SIMD', simdPricer], ['scalar', scalarPricer]] as const) {
    it(`${name}: price relative error <= 1e-12 wherever price > 1e-8·F`, () => {
      const res = p.priceBatch({ model: 'black76', ...b });
      const g = p.greeksBatch({ model: 'black76', ...b });
      let worst = 0;
      let counted = 0;
      let at = -1;
      refs.forEach((ref, i) => {
        if (ref.toNumber() <= 1e-8 * b.F[i]!) return;
        counted++;
        const e = Math.max(relErr(res.price[i]!, ref), relErr(g.price[i]!, ref));
        if (e > worst) {
          worst = e;
          at = i;
        }
      });
      const sd = at >= 0 ? b.vol[at]! * Math.sqrt(b.T[at]!) : 0;
      console.log(`black76 price, vol·√T in [1e-6, 3e-3] (${name}): max relative error ${worst.toExponential(2)} over ${counted} options (worst at vol·√T = ${sd.toExponential(2)}, ln(F/K) = ${at >= 0 ? Math.log(b.F[at]! / b.K[at]!).toExponential(2) : '-'})`);
      expect(counted).toBeGreaterThan(1000);
      expect(worst).toBeLessThanOrEqual(1e-12);
    });
  }

  it('delta df·ω·Φ(ω·d1) keeps <= 1e-13 relative at small vol·√T (d1 from the exact F − K), SIMD and scalar, Greeks and inverse kernels', () => {
    const m = scan(31, 300);
    for (const p of [simdPricer, scalarPricer]) {
      const g = p.greeksBatch({ model: 'black76', ...m });
      const inv = p.inverseBatch({ model: 'black76', ...m });
      let worst = 0;
      let counted = 0;
      m.F.forEach((F, i) => {
        const s = exact(m.vol[i]!).mul(exact(m.T[i]!).sqrt());
        const d1 = exact(F).div(exact(m.K[i]!)).ln().div(s).add(s.div(2));
        const w = m.omega[i]!;
        const ref = exact(m.df[i]!).mul(w).mul(phiHP(d1.mul(w)));
        // |Δ| >= 1e-6, i.e. |h| < ~4.7, inside the small-s domain; beyond it (|h| > 5.3, direct
        // formula) a delta below 1e-7 keeps ~1e-16/vol·√T relative, 1e-17 absolute.
        if (ref.abs().toNumber() < 1e-6) return;
        counted++;
        // inverse: deltaPa = Δ − V/F, with V/F <= vol·√T small against Δ here
        const invDelta = inv.deltaPa[i]! + inv.value[i]!;
        worst = Math.max(worst, relErr(g.delta[i]!, ref), relErr(invDelta, ref) / 4);
      });
      expect(counted).toBeGreaterThan(200);
      expect(worst, p.wasm.variant).toBeLessThanOrEqual(1e-13);
    }
  });

  it('SIMD = scalar bit for bit when lanes mix the two paths (price and Greeks, Black-76 and BSM)', () => {
    const m = scan(77, 999);
    const k = book(999, 78);
    // interleave small-s and ordinary items so every vector position sees both
    const mix = { F: [] as number[], K: [] as number[], T: [] as number[], vol: [] as number[], df: [] as number[], omega: [] as number[] };
    for (let i = 0; i < 999; i++) {
      const src = (i >> (i % 3 === 0 ? 0 : 1)) % 2 === 0 ? m : k;
      for (const key of ['F', 'K', 'T', 'vol', 'df', 'omega'] as const) mix[key].push(src[key][i]!);
    }
    const same = (x: Float64Array, y: Float64Array) => x.forEach((v, i) => expect(Object.is(v, y[i]), `${i}: ${v} vs ${y[i]}`).toBe(true));
    const input: PricingInput = { model: 'black76', ...mix };
    same(simdPricer.priceBatch(input).price, scalarPricer.priceBatch(input).price);
    const gs = simdPricer.greeksBatch(input);
    const gc = scalarPricer.greeksBatch(input);
    for (const key of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const) same(gs[key], gc[key]);
    const bsm: PricingInput = { model: 'bsm', S: mix.F, K: mix.K, T: mix.T, vol: mix.vol, r: 0.03, q: 0.01, omega: mix.omega };
    same(simdPricer.priceBatch(bsm).price, scalarPricer.priceBatch(bsm).price);
    const bs = simdPricer.greeksBatch(bsm);
    const bc = scalarPricer.greeksBatch(bsm);
    for (const key of ['price', 'delta', 'gamma', 'vega', 'theta', 'rho'] as const) same(bs[key], bc[key]);
  });

  it('price is accurate on both sides of the switch (vol·√T = 0.02, |F − K|/max(F,K) = 5.3·vol·√T): <= 1e-13 relative', () => {
    const F = 100, T = 0.01;
    const cases: Array<[number, number]> = []; // [s, K]
    for (const s of [0.02 * (1 - 1e-12), 0.02 * (1 + 1e-12)]) for (const h of [-0.3, 0, 0.7, 3]) cases.push([s, F * Math.exp(-h * s)]);
    for (const s of [1e-6, 1e-4, 0.01, 0.0199]) {
      for (const f of [1 - 1e-9, 1 + 1e-9]) {
        const r = 5.3 * s * f;
        cases.push([s, F * (1 - r)], [s, F / (1 - r)]); // K below F, K above F
      }
    }
    let checked = 0;
    for (const [s, K] of cases) {
      const h = Math.log(F / K) / s;
      for (const omega of [1, -1] as const) {
        const ref = black76HP(F, K, T, s / Math.sqrt(T), 1, omega);
        const got = pricer.priceBatch({ model: 'black76', F, K, T, vol: s / Math.sqrt(T), df: 1, omega }).price[0]!;
        if (ref.toNumber() <= 1e-8 * F) continue;
        checked++;
        expect(relErr(got, ref), `s ${s} h ${h} ω ${omega}`).toBeLessThanOrEqual(1e-13);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(30);
  });

  it('Greeks at small vol·√T against central finite differences of the (now accurate) price', () => {
    const cases = [
      { F: 100, K: 100, T: 1 / (365 * 24), s: 1e-4, w: 1 }, // an hour to expiry, at the money
      { F: 100, K: 100.012, T: 1 / (365 * 24 * 60), s: 1e-5, w: -1 }, // a minute, h ≈ −1.2
      { F: 2500, K: 2498, T: 1 / 365, s: 2e-3, w: 1 }, // a day, ITM call
      { F: 3.3, K: 3.3 * Math.exp(-4e-3 * 2.5), T: 0.002, s: 4e-3, w: 1 }, // h = 2.5 (call OTM)
    ];
    for (const c of cases) {
      const vol = c.s / Math.sqrt(c.T);
      const at = (F: number, v: number, T: number) => pricer.greeksBatch({ model: 'black76', F, K: c.K, T, vol: v, df: 1, omega: c.w });
      const g = at(c.F, vol, c.T);
      const hF = c.F * c.s * 1e-3; // well inside the price's curvature scale F·s
      const hv = vol * 1e-4;
      const hT = c.T * 1e-4;
      const fd = (f: (d: number) => number, d: number) => (f(d) - f(-d)) / (2 * d);
      const close = (got: number, want: number, name: string) => expect(Math.abs(got - want), `${name} ${JSON.stringify(c)}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-6 * Math.abs(want) + 1e-12 * c.F);
      close(g.delta[0]!, fd((d) => at(c.F + d, vol, c.T).price[0]!, hF), 'delta');
      close(g.gamma[0]!, fd((d) => at(c.F + d, vol, c.T).delta[0]!, hF), 'gamma');
      close(g.vega[0]!, fd((d) => at(c.F, vol + d, c.T).price[0]!, hv), 'vega');
      close(g.theta[0]!, -fd((d) => at(c.F, vol, c.T + d).price[0]!, hT), 'theta');
      close(g.vanna[0]!, fd((d) => at(c.F, vol + d, c.T).delta[0]!, hv), 'vanna');
      close(g.volga[0]!, fd((d) => at(c.F, vol + d, c.T).vega[0]!, hv), 'volga');
    }
  });
});
