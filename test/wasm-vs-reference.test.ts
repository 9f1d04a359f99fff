// Three implementations of the same formulas must agree: the f64x2 kernels, the scalar kernels
// (bit for bit: same operation sequence per lane) and the plain-TypeScript reference (to 1e-13
// relative, with an absolute floor of a few ulp of the formula's own terms where a Greek passes
// through zero — there neither implementation can carry relative precision).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadWasmSync, type RiskgridWasm } from '../host/wasm/loader.js';
import { black76Greeks, bsmGreeks, type Greeks, type Omega } from '../host/reference/black.js';
import { inverseBlack76 } from '../host/reference/inverse.js';

const simd = loadWasmSync({ variant: 'simd' });
const scalar = loadWasmSync({ variant: 'scalar' });
const GREEKS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;
const REL = 1e-13;
const FLOOR = 1e-14;

interface Row {
  F: number; // forward (black76) or spot (bsm)
  K: number;
  T: number;
  vol: number;
  df: number;
  r: number;
  q: number;
  w: Omega;
}

const rowArb = fc
  .record({
    F: fc.double({ min: 1, max: 1e5, noNaN: true }),
    z: fc.double({ min: -4, max: 4, noNaN: true }),
    T: fc.double({ min: 1 / 365, max: 5, noNaN: true }),
    vol: fc.double({ min: 0.05, max: 3, noNaN: true }),
    r: fc.double({ min: -0.02, max: 0.2, noNaN: true }),
    q: fc.double({ min: 0, max: 0.1, noNaN: true }),
    call: fc.boolean(),
  })
  .map(({ F, z, T, vol, r, q, call }): Row => ({ F, K: F * Math.exp(z * vol * Math.sqrt(T)), T, vol, df: Math.exp(-r * T), r, q, w: call ? 1 : -1 }));

/**
 * Size of the terms each Greek is built from: the scale of its unavoidable rounding. ln(F/K) is
 * only known to ~1e-16 absolute (F/K is rounded), so d1 and d2 carry ~1e-16/s each: the 1/s terms.
 */
function scales(F: number, K: number, T: number, vol: number, df: number, r: number): Record<(typeof GREEKS)[number], number> {
  const s = vol * Math.sqrt(T);
  const d1 = Math.log(F / K) / s + s / 2;
  const d2 = d1 - s;
  const dd = 1 / s; // sensitivity to the rounding of ln(F/K), per unit of it
  return {
    price: df * (F + K),
    delta: df * (1 + dd),
    gamma: (df / (F * s)) * (1 + Math.abs(d1) * dd),
    vega: df * F * Math.sqrt(T) * (1 + Math.abs(d1) * dd),
    theta: ((df * F * vol) / Math.sqrt(T)) * (1 + Math.abs(d1) * dd) + Math.abs(r) * df * (F + K),
    rho: T * df * (F + K),
    vanna: (df * (1 + Math.abs(d2) + dd * (1 + Math.abs(d1 * d2)))) / vol,
    volga: (df * F * Math.sqrt(T) * (1 + Math.abs(d1 * d2) + dd * (Math.abs(d1) + Math.abs(d2) + Math.abs(d1 * d1 * d2)))) / vol,
  };
}

type Kernel = 'black76' | 'bsm';

function runGreeks(wasm: RiskgridWasm, model: Kernel, rows: Row[]): Record<string, Float64Array> & { status: Int32Array } {
  const n = rows.length;
  const mark = wasm.arena.mark();
  const c = wasm.arena.columns(n, {
    a: 'f64', K: 'f64', T: 'f64', vol: 'f64', b: 'f64', q: 'f64', w: 'f64',
    price: 'f64', delta: 'f64', gamma: 'f64', vega: 'f64', theta: 'f64', rho: 'f64', vanna: 'f64', volga: 'f64', status: 'i32',
  });
  rows.forEach((x, i) => {
    c.a.view[i] = x.F; c.K.view[i] = x.K; c.T.view[i] = x.T; c.vol.view[i] = x.vol; c.w.view[i] = x.w;
    c.b.view[i] = model === 'black76' ? x.df : x.r;
    c.q.view[i] = x.q;
  });
  const suffix = wasm.variant === 'simd' ? 'f64x2_soa' : 'f64_soa';
  const outs = [c.price.ptr, c.delta.ptr, c.gamma.ptr, c.vega.ptr, c.theta.ptr, c.rho.ptr, c.vanna.ptr, c.volga.ptr, c.status.ptr];
  const failed = model === 'black76'
    ? wasm.exports[`black76_greeks_${suffix}`]!(n, c.a.ptr, c.K.ptr, c.T.ptr, c.vol.ptr, c.b.ptr, c.w.ptr, ...outs)
    : wasm.exports[`bsm_greeks_${suffix}`]!(n, c.a.ptr, c.K.ptr, c.T.ptr, c.vol.ptr, c.b.ptr, c.q.ptr, c.w.ptr, ...outs);
  expect(failed).toBe(0);
  const out: Record<string, Float64Array> = {};
  for (const g of GREEKS) out[g] = Float64Array.from(c[g].view as Float64Array);
  const status = Int32Array.from(c.status.view as Int32Array);
  wasm.arena.release(mark);
  return Object.assign(out, { status });
}

function compare(model: Kernel, rows: Row[]): void {
  const a = runGreeks(simd, model, rows);
  const b = runGreeks(scalar, model, rows);
  rows.forEach((x, i) => {
    const ref: Greeks = model === 'black76' ? black76Greeks(x.F, x.K, x.T, x.vol, x.df, x.w) : bsmGreeks(x.F, x.K, x.T, x.vol, x.r, x.q, x.w);
    const fwd = model === 'black76' ? x.F : x.F * Math.exp((x.r - x.q) * x.T);
    const sc = scales(fwd, x.K, x.T, x.vol, x.df, x.r);
    for (const g of GREEKS) {
      const v = a[g]![i]!;
      expect(Object.is(v, b[g]![i]), `${g}: simd ${v} vs scalar ${b[g]![i]}`).toBe(true);
      const tol = REL * Math.abs(ref[g]) + FLOOR * sc[g] * (model === 'bsm' && g !== 'price' ? 4 : 1);
      if (!(Math.abs(v - ref[g]) <= tol)) {
        expect.fail(`${model} ${g}: kernel ${v} vs reference ${ref[g]} (diff ${v - ref[g]}, tol ${tol}) at ${JSON.stringify(x)}`);
      }
    }
  });
}

describe('SIMD kernel = scalar kernel = TypeScript reference', () => {
  it('Black-76 price and all eight Greeks', () => {
    fc.assert(fc.property(fc.array(rowArb, { minLength: 1, maxLength: 65 }), (rows) => compare('black76', rows)), { numRuns: 150 });
  });

  it('Black–Scholes–Merton price and all eight Greeks', () => {
    fc.assert(fc.property(fc.array(rowArb, { minLength: 1, maxLength: 65 }), (rows) => compare('bsm', rows)), { numRuns: 150 });
  });

  it('inverse (coin-settled) value and premium-adjusted delta', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 33 }), (rows) => {
        const res = [simd, scalar].map((wasm) => {
          const n = rows.length;
          const mark = wasm.arena.mark();
          const c = wasm.arena.columns(n, { F: 'f64', K: 'f64', T: 'f64', vol: 'f64', df: 'f64', w: 'f64', v: 'f64', pa: 'f64', dvdf: 'f64', st: 'i32' });
          rows.forEach((x, i) => {
            c.F.view[i] = x.F; c.K.view[i] = x.K; c.T.view[i] = x.T; c.vol.view[i] = x.vol; c.df.view[i] = x.df; c.w.view[i] = x.w;
          });
          const fn = wasm.variant === 'simd' ? wasm.exports.inverse_black76_f64x2_soa! : wasm.exports.inverse_black76_f64_soa!;
          expect(fn(n, c.F.ptr, c.K.ptr, c.T.ptr, c.vol.ptr, c.df.ptr, c.w.ptr, c.v.ptr, c.pa.ptr, c.dvdf.ptr, c.st.ptr)).toBe(0);
          const out = { v: Float64Array.from(c.v.view as Float64Array), pa: Float64Array.from(c.pa.view as Float64Array), dvdf: Float64Array.from(c.dvdf.view as Float64Array) };
          wasm.arena.release(mark);
          return out;
        });
        rows.forEach((x, i) => {
          const ref = inverseBlack76(x.F, x.K, x.T, x.vol, x.df, x.w);
          expect(res[0]!.v[i]).toBe(res[1]!.v[i]);
          expect(res[0]!.pa[i]).toBe(res[1]!.pa[i]);
          const vScale = (x.df * (x.F + x.K)) / x.F;
          expect(Math.abs(res[0]!.v[i]! - ref.value)).toBeLessThanOrEqual(REL * Math.abs(ref.value) + FLOOR * vScale);
          expect(Math.abs(res[0]!.pa[i]! - ref.deltaPa)).toBeLessThanOrEqual(REL * Math.abs(ref.deltaPa) + FLOOR * (x.df + vScale));
          expect(Math.abs(res[0]!.dvdf[i]! - ref.dvdf)).toBeLessThanOrEqual(REL * Math.abs(ref.dvdf) + (FLOOR * (x.df + vScale)) / x.F);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('inverse reference: value = V/F and delta = Δ − V/F by finite differences of V/F', () => {
    const F = 60000, K = 65000, T = 30 / 365, vol = 0.6, df = 0.995;
    for (const w of [1, -1] as const) {
      const ref = inverseBlack76(F, K, T, vol, df, w);
      const h = F * 1e-5;
      const vUp = inverseBlack76(F + h, K, T, vol, df, w).value;
      const vDn = inverseBlack76(F - h, K, T, vol, df, w).value;
      expect(ref.value).toBeCloseTo(black76Greeks(F, K, T, vol, df, w).price / F, 15);
      expect(ref.dvdf).toBeCloseTo((vUp - vDn) / (2 * h), 12);
      expect(ref.deltaPa).toBeCloseTo((F * (vUp - vDn)) / (2 * h), 7);
    }
  });
});
