import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadWasmSync, type RiskgridWasm } from '../host/wasm/loader.js';
import { impliedVolBatch, ivItemError, ivStatusCode, IV_STATUS } from '../host/price/implied-vol.js';
import { black76Greeks, black76Price, bsmPrice, type Omega } from '../host/reference/black.js';
import { black76ImpliedVol, bsmImpliedVol } from '../host/reference/implied-vol.js';
import { RiskgridError } from '../host/errors.js';

const EPS = 2.220446049250313e-16;
const builds: [string, RiskgridWasm][] = [
  ['simd', loadWasmSync({ variant: 'simd' })],
  ['scalar', loadWasmSync({ variant: 'scalar' })],
];

interface Case {
  F: number;
  K: number;
  T: number;
  vol: number;
  df: number;
  w: Omega;
}

// vol 1 %–500 %, T one day to ten years, strikes up to ±3 standard deviations from the forward.
const caseArb = fc
  .record({
    vol: fc.double({ min: 0.01, max: 5, noNaN: true }),
    T: fc.double({ min: 1 / 365, max: 10, noNaN: true }),
    z: fc.double({ min: -3, max: 3, noNaN: true }),
    F: fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
    df: fc.double({ min: 0.5, max: 1, noNaN: true }),
    call: fc.boolean(),
  })
  .map(({ vol, T, z, F, df, call }): Case => ({ F, K: F * Math.exp(z * vol * Math.sqrt(T)), T, vol, df, w: call ? 1 : -1 }));

/** 1e-10, widened only where the price itself cannot pin the vol down that far (rounding/vega). */
function tolerance(c: Case, price: number): number {
  const vega = black76Greeks(c.F, c.K, c.T, c.vol, c.df, c.w).vega;
  return 1e-10 + (8 * EPS * price) / vega;
}

function inside(c: Case, price: number): boolean {
  return price > c.df * Math.max(c.w * (c.F - c.K), 0) && price < c.df * (c.w === 1 ? c.F : c.K);
}

function solve(wasm: RiskgridWasm, cases: Case[], prices: number[]) {
  return impliedVolBatch(
    { model: 'black76', F: cases.map((c) => c.F), K: cases.map((c) => c.K), T: cases.map((c) => c.T), df: cases.map((c) => c.df), type: cases.map((c) => c.w), price: prices },
    wasm,
  );
}

describe.each(builds)('implied vol kernel (%s)', (_name, wasm) => {
  it('round trips reference prices to 1e-10 in vol over wide ranges', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 1, maxLength: 64 }), (all) => {
        const prices = all.map((c) => black76Price(c.F, c.K, c.T, c.vol, c.df, c.w));
        const cases = all.filter((c, i) => inside(c, prices[i]!));
        const ps = prices.filter((p, i) => inside(all[i]!, p));
        const r = solve(wasm, cases, ps);
        for (let i = 0; i < cases.length; i++) {
          expect(r.status[i]).toBe(IV_STATUS.OK);
          expect(Math.abs(r.iv[i]! - cases[i]!.vol)).toBeLessThanOrEqual(tolerance(cases[i]!, ps[i]!));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with the reference implied vol (rtsafe on ln price)', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 1, maxLength: 32 }), (cases) => {
        const prices = cases.map((c) => black76Price(c.F, c.K, c.T, c.vol, c.df, c.w));
        const r = solve(wasm, cases, prices);
        cases.forEach((c, i) => {
          const ref = black76ImpliedVol(prices[i]!, c.F, c.K, c.T, c.df, c.w);
          if (ref.status !== 0) return expect(r.status[i]).toBe(ref.status);
          expect(r.status[i]).toBe(0);
          expect(Math.abs(r.iv[i]! - ref.iv)).toBeLessThanOrEqual(2 * tolerance(c, prices[i]!));
        });
      }),
      { numRuns: 60 },
    );
  });

  it('solves the extremes: deep OTM prices of 1e-250, 1 % vol for a day, 500 % vol for ten years', () => {
    const cases: Case[] = [
      { F: 100, K: 400, T: 0.25, vol: 0.08, df: 1, w: 1 }, // price ~1e-150
      { F: 100, K: 20, T: 30 / 365, vol: 0.5, df: 0.99, w: -1 }, // price ~1e-28
      { F: 1500, K: 1500, T: 1 / 365, vol: 0.01, df: 1, w: 1 }, // ATM, s = 5e-4
      { F: 1500, K: 1500, T: 10, vol: 5, df: 0.6, w: -1 },
      { F: 1, K: 1.0000001, T: 1, vol: 1e-3, df: 1, w: 1 },
      { F: 100, K: 60, T: 2, vol: 0.2, df: 0.9, w: 1 }, // deep ITM call
    ];
    const prices = cases.map((c) => black76Price(c.F, c.K, c.T, c.vol, c.df, c.w));
    expect(prices[0]).toBeLessThan(1e-250);
    expect(prices[0]).toBeGreaterThan(0);
    const r = solve(wasm, cases, prices);
    cases.forEach((c, i) => {
      expect(r.status[i]).toBe(0);
      expect(Math.abs(r.iv[i]! - c.vol)).toBeLessThanOrEqual(tolerance(c, prices[i]!));
    });
  });

  it('is monotone in the price and agrees across put–call parity', () => {
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0.5, max: 2, noNaN: true }), (c, k) => {
        const p1 = black76Price(c.F, c.K, c.T, c.vol, c.df, c.w);
        const p2 = black76Price(c.F, c.K, c.T, c.vol * k, c.df, c.w);
        const other = (c.w === 1 ? -1 : 1) as Omega;
        const parity = p1 - c.w * c.df * (c.F - c.K); // same option seen from the other side
        fc.pre(inside(c, p1) && inside(c, p2) && inside({ ...c, w: other }, parity));
        const r = solve(wasm, [c, c, { ...c, w: other }], [p1, p2, parity]);
        expect(Array.from(r.status)).toEqual([0, 0, 0]);
        if (p2 > p1) expect(r.iv[1]).toBeGreaterThanOrEqual(r.iv[0]!);
        if (p2 < p1) expect(r.iv[1]).toBeLessThanOrEqual(r.iv[0]!);
        // parity rounds the price by ~ε·max(F, K)·df: allow for it through the vega
        const vega = black76Greeks(c.F, c.K, c.T, c.vol, c.df, c.w).vega;
        expect(Math.abs(r.iv[2]! - r.iv[0]!)).toBeLessThanOrEqual(tolerance(c, p1) + (8 * EPS * c.df * Math.max(c.F, c.K)) / vega);
      }),
      { numRuns: 300 },
    );
  });

  it('gives a status, never an unexplained NaN, for any input whatsoever', () => {
    const anyNum = fc.oneof(fc.double(), fc.double({ min: 0, max: 1e4, noNaN: true }), fc.constantFrom(0, -0, 1, -1, NaN, Infinity));
    fc.assert(
      fc.property(fc.array(fc.tuple(anyNum, anyNum, anyNum, anyNum, anyNum, fc.constantFrom(1, -1, 0, 2, NaN)), { minLength: 1, maxLength: 33 }), (rows) => {
        const r = impliedVolBatch(
          { model: 'black76', F: rows.map((x) => x[0]), K: rows.map((x) => x[1]), T: rows.map((x) => x[2]), price: rows.map((x) => x[3]), df: rows.map((x) => x[4]), type: rows.map((x) => x[5]) },
          wasm,
        );
        let failed = 0;
        for (let i = 0; i < rows.length; i++) {
          if (r.status[i] === 0) expect(Number.isFinite(r.iv[i]) && r.iv[i]! >= 0).toBe(true);
          else {
            failed++;
            expect(r.iv[i]).toBeNaN();
            expect([1, 2, 3, 5, 6, 9, 10, 11, 12]).toContain(r.status[i]);
          }
        }
        expect(r.failed).toBe(failed);
      }),
      { numRuns: 200 },
    );
  });

  it('reports each status (odd batch: pairs mixing good and bad items, and a tail item)', () => {
    const F = 100, K = 110, T = 0.5, df = 0.98;
    const good = black76Price(F, K, T, 0.6, df, 1);
    const rows: [number, number, number, number, number, number | string, number][] = [
      [F, K, T, good, df, 'C', IV_STATUS.OK],
      [NaN, K, T, good, df, 'C', IV_STATUS.BAD_FORWARD],
      [F, 0, T, good, df, 'C', IV_STATUS.BAD_STRIKE],
      [F, K, 0, good, df, 'C', IV_STATUS.BAD_TIME],
      [F, K, T, good, 0, 'C', IV_STATUS.BAD_DISCOUNT],
      [F, K, T, good, df, 0, IV_STATUS.BAD_TYPE],
      [F, K, T, -1, df, 'C', IV_STATUS.BAD_PRICE],
      [F, K, T, Infinity, df, 'C', IV_STATUS.BAD_PRICE],
      [F, K, T, df * (K - F) * 0.999, df, 'P', IV_STATUS.BELOW_INTRINSIC],
      [F, K, T, df * F, df, 'C', IV_STATUS.ABOVE_MAX],
      [F, K, T, df * K * 1.01, df, 'P', IV_STATUS.ABOVE_MAX],
      [F, K, T, good, df, 'c', IV_STATUS.OK],
      [F, K, T, 5, df, -1, IV_STATUS.BELOW_INTRINSIC], // below the put's intrinsic 10·df
      [100, 130, 1, 1e-320, 1, 'C', IV_STATUS.NO_CONVERGENCE], // below 1e-290·max(F, K): unresolvable
      [100, 130, 1, 1e-280, 1, 'C', IV_STATUS.OK],
    ];
    const r = impliedVolBatch(
      { model: 'black76', F: rows.map((x) => x[0]), K: rows.map((x) => x[1]), T: rows.map((x) => x[2]), price: rows.map((x) => x[3]), df: rows.map((x) => x[4]), type: rows.map((x) => x[5]) },
      wasm,
    );
    expect(Array.from(r.status)).toEqual(rows.map((x) => x[6]));
    expect(r.failed).toBe(rows.filter((x) => x[6] !== 0).length);
    expect(r.iv[0]).toBeCloseTo(0.6, 12);
    expect(r.iv[11]).toBeCloseTo(0.6, 12);
    const tiny = black76ImpliedVol(1e-280, 100, 130, 1, 1, 1);
    expect(tiny.status).toBe(0);
    expect(Math.abs(r.iv[14]! - tiny.iv)).toBeLessThan(1e-12);
  });

  it('a price exactly at the discounted intrinsic value has zero vol', () => {
    const r = solve(wasm, [{ F: 120, K: 100, T: 1, vol: 0, df: 0.9, w: 1 }, { F: 100, K: 100, T: 1, vol: 0, df: 0.9, w: -1 }], [0.9 * 20, 0]);
    expect(Array.from(r.status)).toEqual([0, 0]);
    expect(Array.from(r.iv)).toEqual([0, 0]);
  });

  it('round trips the prices of the black76_price kernel too', () => {
    const n = 257;
    const cols = wasm.arena.columns(n, { F: 'f64', K: 'f64', T: 'f64', vol: 'f64', df: 'f64', w: 'f64', out: 'f64', st: 'i32' });
    const cases: Case[] = [];
    for (let i = 0; i < n; i++) {
      const c: Case = { F: 50000, K: 20000 + 250 * i, T: 0.1 + i / 50, vol: 0.2 + (i % 17) / 10, df: 0.97, w: i % 2 ? 1 : -1 };
      cases.push(c);
      cols.F.view[i] = c.F; cols.K.view[i] = c.K; cols.T.view[i] = c.T; cols.vol.view[i] = c.vol; cols.df.view[i] = c.df; cols.w.view[i] = c.w;
    }
    const price = wasm.variant === 'simd' ? wasm.exports.black76_price_f64x2_soa! : wasm.exports.black76_price_f64_soa!;
    expect(price(n, cols.F.ptr, cols.K.ptr, cols.T.ptr, cols.vol.ptr, cols.df.ptr, cols.w.ptr, cols.out.ptr, cols.st.ptr)).toBe(0);
    const prices = Array.from(cols.out.view as Float64Array);
    const r = solve(wasm, cases, prices);
    cases.forEach((c, i) => {
      expect(r.status[i]).toBe(0);
      expect(Math.abs(r.iv[i]! - c.vol)).toBeLessThanOrEqual(tolerance(c, prices[i]!));
    });
  });
});

describe('implied vol: BSM and the host boundary', () => {
  it('BSM through forward and discount matches the reference', () => {
    const S = [100, 100, 42, 430];
    const K = [95, 120, 40, 405];
    const T = [0.5, 2, 0.75, 1 / 12];
    const r = [0.1, 0.03, 0.04, 0.07];
    const q = [0.05, 0, 0.08, 0.05];
    const vol = [0.2, 0.45, 0.35, 0.2];
    const type = ['P', 'C', 'C', 'P'];
    const price = S.map((s, i) => bsmPrice(s, K[i]!, T[i]!, vol[i]!, r[i]!, q[i]!, type[i] === 'C' ? 1 : -1));
    const res = impliedVolBatch({ model: 'bsm', S, K, T, r, q, price, type });
    vol.forEach((v, i) => {
      expect(res.status[i]).toBe(0);
      expect(Math.abs(res.iv[i]! - v)).toBeLessThan(1e-10);
      expect(Math.abs(res.iv[i]! - bsmImpliedVol(price[i]!, S[i]!, K[i]!, T[i]!, r[i]!, q[i]!, type[i] === 'C' ? 1 : -1).iv)).toBeLessThan(1e-10);
    });
  });

  it('BSM reports bad S, r and q by their own names', () => {
    const res = impliedVolBatch({ model: 'bsm', S: [-1, 100, 100], K: [100, 100, 100], T: [1, 1, 1], r: [0, NaN, 0], q: [0, 0, Infinity], price: [5, 5, 5], type: ['C', 'C', 'C'] });
    expect(Array.from(res.status)).toEqual([IV_STATUS.BAD_FORWARD, IV_STATUS.BAD_RATE, IV_STATUS.BAD_YIELD]);
    const input = { model: 'bsm' as const, S: [-1, 100, 100], K: [100, 100, 100], T: [1, 1, 1], r: [0, NaN, 0], q: [0, 0, Infinity], price: [5, 5, 5], type: ['C', 'C', 'C'] };
    expect(ivItemError(res, 0, input)?.field).toBe('S[0]');
    expect(ivItemError(res, 1, input)?.field).toBe('r[1]');
    expect(ivItemError(res, 2, input)?.code).toBe('RG_ERR_INVALID_INPUT');
  });

  it('maps statuses to stable error codes', () => {
    expect(ivStatusCode(0)).toBeUndefined();
    expect(ivStatusCode(IV_STATUS.BELOW_INTRINSIC)).toBe('RG_ERR_IV_BELOW_INTRINSIC');
    expect(ivStatusCode(IV_STATUS.ABOVE_MAX)).toBe('RG_ERR_IV_ABOVE_MAX');
    expect(ivStatusCode(IV_STATUS.NO_CONVERGENCE)).toBe('RG_ERR_IV_NO_CONVERGENCE');
    for (const st of [1, 2, 3, 5, 6, 7, 8, 9]) expect(ivStatusCode(st)).toBe('RG_ERR_INVALID_INPUT');
    expect(ivStatusCode(99)).toBe('RG_ERR_KERNEL');
  });

  it.each([
    [{ model: 'sabr', F: [1], K: [1], T: [1], df: [1], price: [0.1], type: [1] }, 'model'],
    [{ model: 'black76', K: [1], T: [1], df: [1], price: [0.1], type: [1] }, 'F'],
    [{ model: 'black76', F: [1, 2], K: [1], T: [1], df: [1], price: [0.1], type: [1] }, 'K'],
    [{ model: 'bsm', S: [1], K: [1], T: [1], r: [0], price: [0.1], type: [1] }, 'q'],
    [null, 'input'],
  ])('structural mistake %# throws RG_ERR_INVALID_ARGUMENT naming %s', (input, field) => {
    let err: unknown;
    try {
      impliedVolBatch(input as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RiskgridError);
    expect((err as RiskgridError).code).toBe('RG_ERR_INVALID_ARGUMENT');
    expect((err as RiskgridError).field).toBe(field);
  });

  it.each([
    [{ model: 'black76', F: [1, 1], K: [1, '1'], T: [1, 1], df: [1, 1], price: [0.1, 0.1], type: [1, 1] }, 'K[1]', '1'],
    [{ model: 'black76', F: [1], K: [1], T: [undefined], df: [1], price: [0.1], type: [1] }, 'T[0]', undefined],
    [{ model: 'black76', F: [1, 1], K: [1, 1], T: [1, 1], df: [1, 1], price: [0.1, 0.1], type: ['C', 'X'] }, 'type[1]', 'X'],
    [{ model: 'bsm', S: [1], K: [1], T: [1], r: [0], q: [null], price: [0.1], type: ['P'] }, 'q[0]', null],
  ])('a non-number element %# throws RG_ERR_INVALID_INPUT naming %s', (input, field, value) => {
    let err: unknown;
    try {
      impliedVolBatch(input as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RiskgridError);
    expect((err as RiskgridError).code).toBe('RG_ERR_INVALID_INPUT');
    expect((err as RiskgridError).field).toBe(field);
    expect((err as RiskgridError).value).toBe(value);
  });

  it('an empty batch is fine', () => {
    const r = impliedVolBatch({ model: 'black76', F: [], K: [], T: [], df: [], price: [], type: [] });
    expect(r.iv.length).toBe(0);
    expect(r.failed).toBe(0);
  });
});

describe('implied vol kernel: f64x2 = f64, bit for bit', () => {
  it('same iv and status from both kernels and both builds, valid and invalid items mixed', () => {
    const [simd, scalar] = [builds[0]![1], builds[1]![1]];
    fc.assert(
      fc.property(fc.array(fc.tuple(caseArb, fc.oneof(fc.constant(1), fc.double({ min: 0.5, max: 1.5, noNaN: true }))), { minLength: 1, maxLength: 41 }), (rows) => {
        const cases = rows.map((r) => r[0]);
        const prices = rows.map(([c, k]) => k * black76Price(c.F, c.K, c.T, c.vol, c.df, c.w)); // some outside the bounds
        const a = solve(simd, cases, prices);
        const b = solve(scalar, cases, prices);
        const n = cases.length;
        const cols = simd.arena.columns(n, { F: 'f64', K: 'f64', T: 'f64', p: 'f64', df: 'f64', w: 'f64', iv: 'f64', st: 'i32' });
        cases.forEach((c, i) => {
          cols.F.view[i] = c.F; cols.K.view[i] = c.K; cols.T.view[i] = c.T; cols.p.view[i] = prices[i]!; cols.df.view[i] = c.df; cols.w.view[i] = c.w;
        });
        simd.exports.black76_iv_f64_soa!(n, cols.F.ptr, cols.K.ptr, cols.T.ptr, cols.p.ptr, cols.df.ptr, cols.w.ptr, cols.iv.ptr, cols.st.ptr);
        for (let i = 0; i < n; i++) {
          expect(Object.is(a.iv[i], b.iv[i]), `item ${i}: ${a.iv[i]} vs ${b.iv[i]}`).toBe(true);
          expect(Object.is(a.iv[i], cols.iv.view[i])).toBe(true);
          expect(a.status[i]).toBe(b.status[i]);
        }
        simd.arena.reset();
      }),
      { numRuns: 100 },
    );
  });

  it('the f64x2 kernel traps in the scalar build (docs/ABI.md), the host picks f64 there', () => {
    expect(() => builds[1]![1].exports.black76_iv_f64x2_soa!(0, 0, 0, 0, 0, 0, 0, 0, 0)).toThrow(WebAssembly.RuntimeError);
  });
});

describe('implied vol kernel build', () => {
  it('the f64x2 kernel really runs f64x2 instructions; the scalar build has no v128 at all', async () => {
    const { readFileSync } = await import('node:fs');
    const body = (wat: string, name: string): string => {
      const start = wat.indexOf(`(func $assembly/price/implied-vol/${name} `);
      expect(start).toBeGreaterThan(0);
      const end = wat.indexOf('\n (func ', start + 1);
      return wat.slice(start, end < 0 ? undefined : end);
    };
    const simdWat = readFileSync(new URL('../build/wasm/riskgrid.simd.wat', import.meta.url), 'utf8');
    const scalarWat = readFileSync(new URL('../build/wasm/riskgrid.scalar.wat', import.meta.url), 'utf8');
    const hot = body(simdWat, 'black76_iv_f64x2_soa');
    expect(hot.match(/f64x2\.(mul|div|add|sub)/g)?.length ?? 0).toBeGreaterThan(50);
    expect(scalarWat).not.toMatch(/\b(v128|f64x2|i64x2|i32x4)\.[a-z]/); // instructions, not export names
  });
});
