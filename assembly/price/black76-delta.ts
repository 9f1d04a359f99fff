// Black-76 forward delta for one option (f64) or two (f64x2), on the same OTM frame as the price
// (price/black76.ts); used by the inverse-option kernels.
import { logNormalF64, logNormalF64x2 } from '../math/log';
import { pminF64, pmaxF64 } from '../math/minmax';
import { cdfGivenGaussF64, cdfGivenGaussF64x2 } from '../math/cody';
import { black76GaussF64, black76GaussF64x2 } from './black76';
import { black76SmallF64, black76SmallF64x2, black76LogSmallF64, black76LogSmallF64x2 } from './black76-small';

const MIN_NORMAL: f64 = 2.2250738585072014e-308;

/** Forward delta ∂V/∂F = df·ω·Φ(ω·d1); at s = 0 or K = 0: df·ω·H(ω(F−K)), H(0) = 1/2. */
// @ts-ignore: decorator
@inline
export function black76DeltaF64(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): f64 {
  const M = pmaxF64(F, K);
  const q = pminF64(F, K) / M;
  let L = logNormalF64(pmaxF64(q, MIN_NORMAL));
  const s = vol * sqrt(pmaxF64(T, 0.0));
  // small vol·√T near the money: ln(m/M) from the exact m − M (as in black76-greeks.ts)
  if (black76SmallF64(s, M, pminF64(F, K))) L = black76LogSmallF64(M, pminF64(F, K));
  const u = L == 0 ? 0.0 : L / s;
  const hs = 0.5 * s;
  const ep = u + hs;
  const em = u - hs;
  const gp = black76GaussF64(ep);
  const low = F <= K;
  const Z = cdfGivenGaussF64(low ? ep : em, low ? gp : gp * q);
  let h = (omega > 0) == low ? Z : 1.0 - Z;
  if (!(s > 0 && q > 0)) h = F > K ? (omega > 0 ? 1.0 : 0.0) : F < K ? (omega > 0 ? 0.0 : 1.0) : 0.5;
  return df * omega * h;
}

// @ts-ignore: decorator
@inline
export function black76DeltaF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128): v128 {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1.0);
  const M = f64x2.pmax(F, K);
  const m = f64x2.pmin(F, K);
  const q = f64x2.div(m, M);
  let L = logNormalF64x2(f64x2.pmax(q, f64x2.splat(MIN_NORMAL)));
  const s = f64x2.mul(vol, f64x2.sqrt(f64x2.pmax(T, zero)));
  const small = black76SmallF64x2(s, M, m);
  if (v128.any_true(small)) L = v128.bitselect(black76LogSmallF64x2(M, m), L, small);
  const u = v128.bitselect(zero, f64x2.div(L, s), f64x2.eq(L, zero));
  const hs = f64x2.mul(f64x2.splat(0.5), s);
  const ep = f64x2.add(u, hs);
  const em = f64x2.sub(u, hs);
  const gp = black76GaussF64x2(ep);
  const low = f64x2.le(F, K);
  const call = f64x2.gt(omega, zero);
  const Z = cdfGivenGaussF64x2(v128.bitselect(ep, em, low), v128.bitselect(gp, f64x2.mul(gp, q), low));
  let h = v128.bitselect(Z, f64x2.sub(one, Z), v128.not(v128.xor(call, low)));
  const live = v128.and(f64x2.gt(s, zero), f64x2.gt(q, zero));
  const hDead = v128.bitselect(v128.and(call, one), v128.bitselect(v128.andnot(one, call), f64x2.splat(0.5), f64x2.lt(F, K)), f64x2.gt(F, K));
  h = v128.bitselect(h, hDead, live);
  return f64x2.mul(f64x2.mul(df, omega), h);
}

