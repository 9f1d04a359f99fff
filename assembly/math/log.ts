// Natural log, f64 and f64x2, same operation sequence in both (identical bits).
// Source: fdlibm e_log.c (Sun Microsystems, 1993): x = 2^k·z with z in [sqrt(1/2), sqrt(2)),
// f = z − 1, s = f/(2+f), log(1+f) = f − f²/2 + s·(f²/2 + R(s²)) with fdlibm's Lg1..Lg7
// minimax coefficients; reduction done with integer ops on the bits as in musl's log.
// k is turned into a double without i32<->f64 conversions (k + 2048 in the low mantissa bits of
// 2^52). Subnormal inputs are scaled by 2^54 first. log(0) = −Inf, log(+Inf) = +Inf,
// log(x < 0) = NaN, NaN propagates.
// Measured max error (test/math.test.ts vs decimal.js at 60 digits, 3000 points log-uniform
// over [1e-310, 1e308] and 1500 over [0.5, 2]): 0.67 ulp.

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const LG1: f64 = 6.666666666666735130e-01;
const LG2: f64 = 3.999999999940941908e-01;
const LG3: f64 = 2.857142874366239149e-01;
const LG4: f64 = 2.222219843214978396e-01;
const LG5: f64 = 1.818357216161805012e-01;
const LG6: f64 = 1.531383769920937332e-01;
const LG7: f64 = 1.479819860511658591e-01;
const SQRT_HALF_BITS: i64 = 0x3fe6a09e667f3bcd;
const EXP_MASK: i64 = 0xfff0000000000000;
const KBIAS_BITS: i64 = 0x4330000000000800; // bits of 2^52 + 2048
const KBIAS: f64 = 4503599627372544.0; // 2^52 + 2048
const TWO54: f64 = 18014398509481984.0;
const MIN_NORMAL: f64 = 2.2250738585072014e-308;

// @ts-ignore: decorator
@inline
export function logF64(x: f64): f64 {
  const sub = x < MIN_NORMAL;
  const xs = sub ? x * TWO54 : x;
  const ix = reinterpret<i64>(xs);
  const tmp = ix - SQRT_HALF_BITS;
  const kb = (tmp >> 52) + (sub ? <i64>(2048 - 54) : <i64>2048);
  const k = reinterpret<f64>(KBIAS_BITS - 2048 + kb) - KBIAS;
  const z = reinterpret<f64>(ix - (tmp & EXP_MASK));
  const f = z - 1.0;
  const s = f / (2.0 + f);
  const hfsq = 0.5 * f * f;
  const z2 = s * s;
  const w = z2 * z2;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z2 * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  const y = s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI;
  if (x > 0 && x < Infinity) return y;
  return x == 0 ? -Infinity : x == Infinity ? Infinity : NaN;
}

// @ts-ignore: decorator
@inline
export function logF64x2(x: v128): v128 {
  const sub = f64x2.lt(x, f64x2.splat(MIN_NORMAL));
  const xs = v128.bitselect(f64x2.mul(x, f64x2.splat(TWO54)), x, sub);
  const tmp = i64x2.sub(xs, i64x2.splat(SQRT_HALF_BITS));
  const kb = i64x2.add(i64x2.shr_s(tmp, 52), v128.bitselect(i64x2.splat(2048 - 54), i64x2.splat(2048), sub));
  const k = f64x2.sub(i64x2.add(i64x2.splat(KBIAS_BITS - 2048), kb), f64x2.splat(KBIAS));
  const z = i64x2.sub(xs, v128.and(tmp, i64x2.splat(EXP_MASK)));
  const f = f64x2.sub(z, f64x2.splat(1.0));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const z2 = f64x2.mul(s, s);
  const w = f64x2.mul(z2, z2);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  const t2 = f64x2.mul(z2, f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3), f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))));
  const r = f64x2.add(t2, t1);
  const y = f64x2.add(
    f64x2.add(f64x2.sub(f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.mul(k, f64x2.splat(LN2_LO))), hfsq), f),
    f64x2.mul(k, f64x2.splat(LN2_HI)),
  );
  const ok = v128.and(f64x2.gt(x, f64x2.splat(0)), f64x2.lt(x, f64x2.splat(Infinity)));
  const zero = f64x2.eq(x, f64x2.splat(0));
  const inf = f64x2.eq(x, f64x2.splat(Infinity));
  const special = v128.bitselect(f64x2.splat(-Infinity), v128.bitselect(f64x2.splat(Infinity), f64x2.splat(NaN), inf), zero);
  return v128.bitselect(y, special, ok);
}

/** log(x) for positive normal finite x only (no special cases): for kernels that validated x. */
// @ts-ignore: decorator
@inline
export function logNormalF64x2(x: v128): v128 {
  const tmp = i64x2.sub(x, i64x2.splat(SQRT_HALF_BITS));
  const k = f64x2.sub(i64x2.add(i64x2.splat(KBIAS_BITS), i64x2.shr_s(tmp, 52)), f64x2.splat(KBIAS));
  const z = i64x2.sub(x, v128.and(tmp, i64x2.splat(EXP_MASK)));
  const f = f64x2.sub(z, f64x2.splat(1.0));
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2.0), f));
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const z2 = f64x2.mul(s, s);
  const w = f64x2.mul(z2, z2);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  const t2 = f64x2.mul(z2, f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3), f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))));
  const r = f64x2.add(t2, t1);
  return f64x2.add(
    f64x2.add(f64x2.sub(f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.mul(k, f64x2.splat(LN2_LO))), hfsq), f),
    f64x2.mul(k, f64x2.splat(LN2_HI)),
  );
}

/** Scalar twin of logNormalF64x2. */
// @ts-ignore: decorator
@inline
export function logNormalF64(x: f64): f64 {
  const ix = reinterpret<i64>(x);
  const tmp = ix - SQRT_HALF_BITS;
  const k = reinterpret<f64>(KBIAS_BITS + (tmp >> 52)) - KBIAS;
  const z = reinterpret<f64>(ix - (tmp & EXP_MASK));
  const f = z - 1.0;
  const s = f / (2.0 + f);
  const hfsq = 0.5 * f * f;
  const z2 = s * s;
  const w = z2 * z2;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z2 * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  const r = t2 + t1;
  return s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI;
}

