// Per-item input checks shared by the pricing kernels: the first failing field gives the status
// (abi.ts). SIMD kernels test a whole vector with one mask and fall back to the scalar status
// only for lanes that fail, so clean batches pay a few compares per vector.
import {
  ST_OK, ST_BAD_FORWARD, ST_BAD_STRIKE, ST_BAD_TIME, ST_BAD_VOL, ST_BAD_DISCOUNT, ST_BAD_TYPE, ST_BAD_RATE, ST_BAD_YIELD,
} from '../abi';

const INF: f64 = Infinity;

/** Status of one Black-76 item (F, K, T, vol, df, omega). */
// @ts-ignore: decorator
@inline
export function black76Status(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): i32 {
  if (!(F >= 0 && F < INF)) return ST_BAD_FORWARD;
  if (!(K >= 0 && K < INF)) return ST_BAD_STRIKE;
  if (!(abs(T) < INF)) return ST_BAD_TIME;
  if (!(vol >= 0 && vol < INF)) return ST_BAD_VOL;
  if (!(df > 0 && df < INF)) return ST_BAD_DISCOUNT;
  if (!(omega == 1.0 || omega == -1.0)) return ST_BAD_TYPE;
  return ST_OK;
}

/**
 * Status of one Black–Scholes–Merton item (S, K, T, vol, r, q, omega), given the forward
 * F = S·e^((r−q)T) and df = e^(−rT) built from it: finite inputs whose r·T or (r−q)·T overflow
 * (F not finite, df 0 or ∞) are ST_BAD_RATE rather than a NaN price.
 */
// @ts-ignore: decorator
@inline
export function bsmStatus(S: f64, K: f64, T: f64, vol: f64, r: f64, q: f64, omega: f64, F: f64, df: f64): i32 {
  if (!(S >= 0 && S < INF)) return ST_BAD_FORWARD;
  if (!(K >= 0 && K < INF)) return ST_BAD_STRIKE;
  if (!(abs(T) < INF)) return ST_BAD_TIME;
  if (!(vol >= 0 && vol < INF)) return ST_BAD_VOL;
  if (!(abs(r) < INF)) return ST_BAD_RATE;
  if (!(abs(q) < INF)) return ST_BAD_YIELD;
  if (!(omega == 1.0 || omega == -1.0)) return ST_BAD_TYPE;
  if (!(F < INF && df > 0 && df < INF)) return ST_BAD_RATE;
  return ST_OK;
}

/** All-ones lanes where a Black-76 item is valid. */
// @ts-ignore: decorator
@inline
export function black76OkF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128): v128 {
  const zero = f64x2.splat(0);
  const inf = f64x2.splat(INF);
  let ok = v128.and(f64x2.ge(F, zero), f64x2.lt(F, inf));
  ok = v128.and(ok, v128.and(f64x2.ge(K, zero), f64x2.lt(K, inf)));
  ok = v128.and(ok, f64x2.lt(f64x2.abs(T), inf));
  ok = v128.and(ok, v128.and(f64x2.ge(vol, zero), f64x2.lt(vol, inf)));
  ok = v128.and(ok, v128.and(f64x2.gt(df, zero), f64x2.lt(df, inf)));
  return v128.and(ok, f64x2.eq(f64x2.abs(omega), f64x2.splat(1.0)));
}

// @ts-ignore: decorator
@inline
export function bsmOkF64x2(S: v128, K: v128, T: v128, vol: v128, r: v128, q: v128, omega: v128, F: v128, df: v128): v128 {
  const zero = f64x2.splat(0);
  const inf = f64x2.splat(INF);
  let ok = v128.and(f64x2.ge(S, zero), f64x2.lt(S, inf));
  ok = v128.and(ok, v128.and(f64x2.ge(K, zero), f64x2.lt(K, inf)));
  ok = v128.and(ok, f64x2.lt(f64x2.abs(T), inf));
  ok = v128.and(ok, v128.and(f64x2.ge(vol, zero), f64x2.lt(vol, inf)));
  ok = v128.and(ok, f64x2.lt(f64x2.abs(r), inf));
  ok = v128.and(ok, f64x2.lt(f64x2.abs(q), inf));
  ok = v128.and(ok, v128.and(f64x2.lt(F, inf), v128.and(f64x2.gt(df, zero), f64x2.lt(df, inf))));
  return v128.and(ok, f64x2.eq(f64x2.abs(omega), f64x2.splat(1.0)));
}

