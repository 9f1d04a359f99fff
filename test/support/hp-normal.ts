// High-precision references (decimal.js) for the math and pricing tests: Φ, n, exp, log and
// the Black-76 price, evaluated on the exact binary value of each double input.
import Decimal from 'decimal.js';

export const D = Decimal.clone({ precision: 60 });
const SQRT2 = new D(2).sqrt();
const SQRT_PI = D.acos(-1).sqrt();
const SQRT_2PI = D.acos(-1).mul(2).sqrt();

/** The exact value of a double (not its shortest decimal string), to 60 digits. */
export function exact(x: number | Decimal): Decimal {
  if (typeof x !== 'number') return x;
  if (!Number.isFinite(x) || x === 0 || Number.isInteger(x)) return new D(x);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  const be = Number((bits >> 52n) & 0x7ffn);
  let m = bits & ((1n << 52n) - 1n);
  let e: number;
  if (be === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = be - 1075;
  }
  const v = new D(m.toString()).mul(new D(2).pow(e));
  return x < 0 ? v.neg() : v;
}

/** erfc(z) for z >= 2 by its continued fraction (backward, 400 terms: converged far below 1e-40). */
function erfcCf(z: Decimal): Decimal {
  let t = new D(0);
  for (let k = 400; k >= 1; k--) t = new D(k).div(2).div(z.add(t));
  return z.mul(z).neg().exp().div(SQRT_PI).div(z.add(t));
}

/** erf(z) by its Maclaurin series (|z| < 2.5: mild cancellation at 60 digits). */
function erfSeries(z: Decimal): Decimal {
  const z2 = z.mul(z);
  let term = z;
  let sum = new D(0);
  for (let n = 0; n < 2000; n++) {
    const t = term.div(2 * n + 1);
    sum = sum.add(t);
    if (t.abs().lt('1e-65')) break;
    term = term.mul(z2).neg().div(n + 1);
  }
  return sum.mul(2).div(SQRT_PI);
}

/** Φ(x), high precision. */
export function phiHP(x: number | Decimal): Decimal {
  const xd = exact(x);
  const z = xd.abs().div(SQRT2);
  const tail = z.gte(2) ? erfcCf(z).div(2) : new D(1).sub(erfSeries(z)).div(2); // Φ(−|x|)
  return xd.isNeg() ? tail : new D(1).sub(tail);
}

export function pdfHP(x: number | Decimal): Decimal {
  const xd = exact(x);
  return xd.mul(xd).div(-2).exp().div(SQRT_2PI);
}

/** Relative error of a double against a high-precision value (absolute when the value is 0). */
export function relErr(got: number, ref: Decimal): number {
  if (ref.isZero()) return Math.abs(got);
  return exact(got).sub(ref).div(ref).abs().toNumber();
}

/** Error in ulps of the reference's double. */
export function ulpErr(got: number, ref: Decimal): number {
  const r = ref.toNumber();
  if (!Number.isFinite(r)) return got === r ? 0 : Infinity;
  const ulp = ulpOf(r);
  return exact(got).sub(ref).abs().div(ulp).toNumber();
}

function ulpOf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.2250738585072014e-308) return 5e-324;
  const e = Math.floor(Math.log2(a));
  let u = 2 ** (e - 52);
  if (2 ** e > a) u /= 2; // log2 rounding near powers of two
  return u;
}

/** Black-76 price df·ω·(F·Φ(ωd1) − K·Φ(ωd2)) at 60 digits (T > 0, vol > 0, K > 0). */
export function black76HP(F: number, K: number, T: number, vol: number, df: number, omega: 1 | -1): Decimal {
  const s = exact(vol).mul(exact(T).sqrt());
  const x = exact(F).div(exact(K)).ln();
  const d1 = x.div(s).add(s.div(2));
  const d2 = d1.sub(s);
  const w = new D(omega);
  return exact(df).mul(w).mul(exact(F).mul(phiHP(d1.mul(w))).sub(exact(K).mul(phiHP(d2.mul(w)))));
}
