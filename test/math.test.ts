// assembly/math: exp, log, Φ, n against decimal.js references; NaN and special values; the f64x2
// kernels give the same bits as the scalar ones. Measured maxima are printed (and quoted in the
// source comments of assembly/math/*.ts).
import { describe, expect, it } from 'vitest';
import { loadWasmSync, type RiskgridWasm } from '../host/wasm/loader.js';
import { D, exact, phiHP, pdfHP, relErr, ulpErr } from './support/hp-normal.js';
import { rng } from './support/rng.js';

const simd = loadWasmSync({ variant: 'simd' });
const scalar = loadWasmSync({ variant: 'scalar' });
const active = loadWasmSync();

function run(w: RiskgridWasm, name: string, xs: ArrayLike<number>, forceScalar = false): Float64Array {
  const mark = w.arena.mark();
  try {
    const x = w.arena.f64(xs.length);
    const out = w.arena.f64(xs.length);
    x.view.set(xs);
    const fn = w.exports[`${name}_${w.variant === 'simd' && !forceScalar ? 'f64x2' : 'f64'}_soa`]!;
    expect(fn(xs.length, x.ptr, out.ptr)).toBe(0);
    return out.view.slice();
  } finally {
    w.arena.release(mark);
  }
}


function maxOver(xs: number[], got: Float64Array, err: (g: number, x: number) => number): { max: number; at: number } {
  let max = 0;
  let at = NaN;
  xs.forEach((x, i) => {
    const e = err(got[i]!, x);
    if (!(e <= max)) {
      max = e;
      at = x;
    }
  });
  return { max, at };
}

describe('exp', () => {
  it('is within 1.5 ulp of the exact value over [-708, 709.7] and near 0', () => {
    const r = rng(1);
    const xs = [0, 1, -1, 0.5, 1e-10, -1e-10, 709.78, -708.39];
    for (let i = 0; i < 3000; i++) xs.push(-708 + r() * 1417.7);
    for (let i = 0; i < 1000; i++) xs.push((r() - 0.5) * 2);
    const got = run(active, 'exp', xs);
    const { max, at } = maxOver(xs, got, (g, x) => ulpErr(g, D.exp(exact(x))));
    console.log(`exp max error ${max.toFixed(3)} ulp at x = ${at}`);
    expect(max).toBeLessThanOrEqual(1.5);
  });

  it('underflows gradually and overflows to +Inf; NaN propagates', () => {
    const xs = [-745.2, -740, -720, 710, 1000, Infinity, -Infinity, NaN];
    const got = run(active, 'exp', xs);
    expect(got[0]).toBe(0);
    expect(got[1]! / Math.exp(-740)).toBeCloseTo(1, 12);
    expect(Math.abs(got[2]! - Math.exp(-720))).toBeLessThanOrEqual(5e-324 * 2);
    expect(got.slice(3, 6)).toEqual(new Float64Array([Infinity, Infinity, Infinity]));
    expect(got[6]).toBe(0);
    expect(got[7]).toBeNaN();
  });
});

describe('log', () => {
  it('is within 1 ulp of the exact value from subnormals to 1e308', () => {
    const r = rng(2);
    const xs = [1, 2, 0.5, Math.E, 1 + 2 ** -52, 1 - 2 ** -53, 5e-324, 1e-310, 1.7976931348623157e308];
    for (let i = 0; i < 3000; i++) xs.push(10 ** (-310 + r() * 618));
    for (let i = 0; i < 1500; i++) xs.push(0.5 + r() * 1.5);
    const got = run(active, 'log', xs);
    const { max, at } = maxOver(xs, got, (g, x) => (x === 1 ? Math.abs(g) : ulpErr(g, exact(x).ln())));
    console.log(`log max error ${max.toFixed(3)} ulp at x = ${at}`);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('log(0) = −Inf, log(+Inf) = +Inf, log(x < 0) and log(NaN) are NaN', () => {
    const got = run(active, 'log', [0, -0, Infinity, -1, -Infinity, NaN]);
    expect(Array.from(got)).toEqual([-Infinity, -Infinity, Infinity, NaN, NaN, NaN]);
  });
});

describe('normal cdf and pdf', () => {
  it('Φ has absolute error <= 1e-15 over [-40, 40]', () => {
    const r = rng(3);
    const xs = [0, 0.67448975, -0.67448975, 5.656854249492381, -5.656854249492381, 8.3, -8.3];
    for (let i = 0; i < 1200; i++) xs.push((r() - 0.5) * 16);
    for (let i = 0; i < 200; i++) xs.push((r() - 0.5) * 80);
    const got = run(active, 'ncdf', xs);
    const { max, at } = maxOver(xs, got, (g, x) => exact(g).sub(phiHP(x)).abs().toNumber());
    console.log(`ncdf max abs error ${max.toExponential(2)} at x = ${at}`);
    expect(max).toBeLessThanOrEqual(1e-15);
  });

  it('Φ keeps its relative accuracy in the lower tail (down to -37.5, where Φ leaves the normal range)', () => {
    const r = rng(4);
    const xs = [-0.5, -0.67448975, -0.6745, -5.656854249492381, -5.66, -10, -20, -37.5];
    for (let i = 0; i < 1500; i++) xs.push(-r() * 37.5);
    const got = run(active, 'ncdf', xs);
    const { max, at } = maxOver(xs, got, (g, x) => relErr(g, phiHP(x)));
    console.log(`ncdf max relative error (x <= 0) ${max.toExponential(2)} at x = ${at}`);
    expect(max).toBeLessThanOrEqual(4e-15);
  });

  it('n(x) is accurate to a few ulps over [-37.5, 37.5] (normal-range results)', () => {
    const r = rng(5);
    const xs = [0, 1, -1, 37.5];
    for (let i = 0; i < 1000; i++) xs.push((r() - 0.5) * 75);
    const got = run(active, 'npdf', xs);
    const { max, at } = maxOver(xs, got, (g, x) => relErr(g, pdfHP(x)));
    console.log(`npdf max relative error ${max.toExponential(2)} at x = ${at}`);
    expect(max).toBeLessThanOrEqual(2e-15);
  });

  it('limits and NaN', () => {
    expect(Array.from(run(active, 'ncdf', [-Infinity, Infinity, NaN, -1e300, 1e300]))).toEqual([0, 1, NaN, 0, 1]);
    expect(Array.from(run(active, 'npdf', [-Infinity, Infinity, NaN]))).toEqual([0, 0, NaN]);
  });

  it('the high-precision reference agrees with itself across its method switch and with known values', () => {
    // Φ(−1) = 0.15865525393145705141476745436796207752209 (tables); Φ(−2√2) by both methods
    expect(phiHP(-1).sub('0.15865525393145705141476745436796207752209').abs().lt('1e-40')).toBe(true);
    const z = 2 * Math.SQRT2;
    expect(phiHP(-z).sub(phiHP(-(z * (1 - 1e-15)))).abs().lt('1e-15')).toBe(true);
  });
});

describe('SIMD and scalar builds', () => {
  it('give bit-identical results for every function, odd lengths included', () => {
    const r = rng(6);
    const xs: number[] = [NaN, Infinity, -Infinity, 0, -0, 5e-324];
    for (let i = 0; i < 4001; i++) xs.push((r() - 0.5) * 2 * 10 ** (r() * 3));
    for (const name of ['exp', 'log', 'ncdf', 'npdf']) {
      const a = run(simd, name, xs);
      const b = run(scalar, name, xs);
      const c = run(simd, name, xs, true);
      expect(new Uint8Array(a.buffer)).toEqual(new Uint8Array(b.buffer));
      expect(new Uint8Array(c.buffer)).toEqual(new Uint8Array(b.buffer));
    }
  });
});
