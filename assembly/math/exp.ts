// exp(x), f64 and f64x2, with the same operation sequence so both builds give identical bits.
// Source: Cody & Waite range reduction x = k·ln2 + r, |r| <= ln2/2 (ln2 split as in fdlibm so
// k·LN2_HI is exact for |k| < 2^20), then the degree-13 Taylor polynomial of e^r (truncation
// < 4.3e-18 relative) split Estrin-style for instruction-level parallelism; 2^k is built in the exponent bits with integer ops (no
// i32<->f64 conversion: k is read from the low mantissa bits of x·log2e + 1.5·2^52).
// The scale is applied in two halves, 2^(k>>1)·2^(k-(k>>1)), so results underflow gradually to
// subnormals and overflow to +Inf without special cases. NaN propagates (the clamp is pmin/pmax
// with x first, which returns a NaN x).
// Measured max error (test/math.test.ts vs decimal.js at 60 digits, 3000 points over
// [-708, 709.7] and 1000 over [-1, 1]): 1.04 ulp (normal results).

import { pminF64, pmaxF64 } from './minmax';

export const LOG2E: f64 = 1.4426950408889634;
export const LN2_HI: f64 = 6.93147180369123816490e-01; // low 21 bits zero
export const LN2_LO: f64 = 1.90821492927058770002e-10;
export const SHIFT: f64 = 6755399441055744.0; // 1.5·2^52: adding it rounds to an integer
const SHIFT_BITS: i64 = 0x4338000000000000;
const BIAS_BITS: i64 = 0x3ff0000000000000; // 1023 << 52
const X_LIMIT: f64 = 1100.0; // beyond it the result is 0 or +Inf anyway; keeps k small

// Taylor coefficients 1/n!, n = 2..13
const C2: f64 = 0.5;
const C3: f64 = 1.6666666666666666e-1;
const C4: f64 = 4.1666666666666664e-2;
const C5: f64 = 8.333333333333333e-3;
const C6: f64 = 1.388888888888889e-3;
const C7: f64 = 1.984126984126984e-4;
const C8: f64 = 2.48015873015873e-5;
const C9: f64 = 2.7557319223985893e-6;
const C10: f64 = 2.755731922398589e-7;
const C11: f64 = 2.505210838544172e-8;
const C12: f64 = 2.08767569878681e-9;
const C13: f64 = 1.6059043836821613e-10;

// @ts-ignore: decorator
@inline
export function expF64(x: f64): f64 {
  x = pminF64(pmaxF64(x, -X_LIMIT), X_LIMIT);
  const t = x * LOG2E + SHIFT;
  const k = t - SHIFT;
  const r = x - k * LN2_HI - k * LN2_LO;
  // Estrin-style split for more instruction-level parallelism.
  const r2 = r * r;
  const r4 = r2 * r2;
  const hi = ((C13 * r + C12) * r2 + (C11 * r + C10)) * r4 + ((C9 * r + C8) * r2 + (C7 * r + C6));
  const lo = (C5 * r + C4) * r2 + (C3 * r + C2);
  const p = ((hi * r4 + lo) * r2 + r) + 1.0;
  const ki = reinterpret<i64>(t) - SHIFT_BITS;
  const k1 = ki >> 1;
  const k2 = ki - k1;
  return p * reinterpret<f64>((k1 << 52) + BIAS_BITS) * reinterpret<f64>((k2 << 52) + BIAS_BITS);
}

// @ts-ignore: decorator
@inline
export function expF64x2(x: v128): v128 {
  x = f64x2.pmin(f64x2.pmax(x, f64x2.splat(-X_LIMIT)), f64x2.splat(X_LIMIT));
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E)), f64x2.splat(SHIFT));
  const k = f64x2.sub(t, f64x2.splat(SHIFT));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const hi = f64x2.add(
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C13), r), f64x2.splat(C12)), r2), f64x2.add(f64x2.mul(f64x2.splat(C11), r), f64x2.splat(C10))), r4),
    f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C9), r), f64x2.splat(C8)), r2), f64x2.add(f64x2.mul(f64x2.splat(C7), r), f64x2.splat(C6))),
  );
  const lo = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C5), r), f64x2.splat(C4)), r2), f64x2.add(f64x2.mul(f64x2.splat(C3), r), f64x2.splat(C2)));
  const p = f64x2.add(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(hi, r4), lo), r2), r), f64x2.splat(1.0));
  const ki = i64x2.sub(t, i64x2.splat(SHIFT_BITS));
  const k1 = i64x2.shr_s(ki, 1);
  const k2 = i64x2.sub(ki, k1);
  const s1 = i64x2.add(i64x2.shl(k1, 52), i64x2.splat(BIAS_BITS));
  const s2 = i64x2.add(i64x2.shl(k2, 52), i64x2.splat(BIAS_BITS));
  return f64x2.mul(f64x2.mul(p, s1), s2);
}

/** exp(x) for x in [-708, 709] only (one scale multiply): for kernels whose argument is bounded. */
// @ts-ignore: decorator
@inline
export function expBoundedF64(x: f64): f64 {
  const t = x * LOG2E + SHIFT;
  const k = t - SHIFT;
  const r = x - k * LN2_HI - k * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const hi = ((C13 * r + C12) * r2 + (C11 * r + C10)) * r4 + ((C9 * r + C8) * r2 + (C7 * r + C6));
  const lo = (C5 * r + C4) * r2 + (C3 * r + C2);
  const p = ((hi * r4 + lo) * r2 + r) + 1.0;
  return p * reinterpret<f64>(((reinterpret<i64>(t) - SHIFT_BITS) << 52) + BIAS_BITS);
}

// @ts-ignore: decorator
@inline
export function expBoundedF64x2(x: v128): v128 {
  const t = f64x2.add(f64x2.mul(x, f64x2.splat(LOG2E)), f64x2.splat(SHIFT));
  const k = f64x2.sub(t, f64x2.splat(SHIFT));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const hi = f64x2.add(
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C13), r), f64x2.splat(C12)), r2), f64x2.add(f64x2.mul(f64x2.splat(C11), r), f64x2.splat(C10))), r4),
    f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C9), r), f64x2.splat(C8)), r2), f64x2.add(f64x2.mul(f64x2.splat(C7), r), f64x2.splat(C6))),
  );
  const lo = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C5), r), f64x2.splat(C4)), r2), f64x2.add(f64x2.mul(f64x2.splat(C3), r), f64x2.splat(C2)));
  const p = f64x2.add(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(hi, r4), lo), r2), r), f64x2.splat(1.0));
  return f64x2.mul(p, i64x2.add(i64x2.shl(i64x2.sub(t, i64x2.splat(SHIFT_BITS)), 52), i64x2.splat(BIAS_BITS)));
}

