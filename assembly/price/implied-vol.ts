// Batched Black-76 implied volatility, scalar f64 and f64x2 (same operation sequence per lane).
//
// ABI: black76_iv_f64_soa / black76_iv_f64x2_soa(n, F, K, T, price, df, omega, iv, status): i32.
// Inputs are f64 columns: forward F, strike K, T in years (> 0), the discounted option price,
// discount factor df, omega +1 call / −1 put. Outputs: iv (f64, per √year) and status (i32) per
// item; the return value is the number of items whose status is not OK.
//
// Method (after P. Jäckel, "Let's be rational", Wilmott 2015, simplified):
//   1. Validate; turn an in-the-money price into the out-of-the-money one by put–call parity and
//      work undiscounted, so the unknown is total vol s = σ√T and the price P(s) rises strictly
//      from 0 to bmax = min(F, K).
//   2. P has one inflection, at s_c = √(2|x|), x = ln(F/K). Below b_c = P(s_c) the price is tiny
//      and flat, so solve f(s) = 1/ln β(s) − 1/ln β* there (β = P/√(FK); ln β ≈ −x²/2s² makes f
//      nearly quadratic in s); above it solve f(s) = P(s) − p directly.
//   3. Initial guess: lower branch, one Householder step from s_c itself, free because P(s_c) = b_c
//      and P'(s_c) = m·n(0) are known (the s² law s_c·√(ln β_c / ln β*) if it leaves (0, s_c));
//      upper branch −2·Φ⁻¹((bmax − p)/(F + K)), exact at the money and as s → ∞ (Acklam's Φ⁻¹).
//      Measured on the benchmark mix: 2.2 price evaluations per item on average (plus the one at
//      s_c); Jäckel's rational-cubic guesses would save a few more.
//   4. Householder (3rd order) steps, using P'' / P' = d1·d2/s and
//      P''' / P' = (u² − u)/s² − 2x²/s⁴ − 1/2 with u = d1·d2; each step kept inside a bracket
//      [lo, hi] updated from the sign of P − p (bisection when a step leaves it).
//   P and P' come from black76.ts's out-of-the-money primitives (one exp, two Φ rationals).
//   Stop when the step is below 1e-6·s (cubic convergence: the error left is ~1e-18·s),
//   or, on the upper branch, when P − p is at the rounding level of the price formula.
// Status per item (assembly/abi.ts): OK, BAD_* for invalid inputs, IV_BELOW_INTRINSIC,
// IV_ABOVE_MAX, IV_NO_CONVERGENCE (also for an OTM price below 1e-290·max(F, K), beyond the
// range where the f64 price formula can resolve it); iv is NaN for every status but OK. A price
// exactly at the intrinsic value gives iv = 0.
// Files: implied-vol-steps.ts (Householder steps, tolerances), implied-vol-guess.ts (Φ⁻¹ for the
// upper guess), implied-vol-pair.ts (the f64x2 twin of ivF64).
import { black76OtmF64, black76GaussF64 } from './black76';
import { logF64 } from '../math/log';
import { INV_SQRT_2PI } from '../math/ncdf';
import {
  ST_OK, ST_BAD_FORWARD, ST_BAD_STRIKE, ST_BAD_TIME, ST_BAD_DISCOUNT, ST_BAD_TYPE, ST_BAD_PRICE,
  ST_IV_BELOW_INTRINSIC, ST_IV_ABOVE_MAX, ST_IV_NO_CONVERGENCE,
} from '../abi';
import { invNormLowerF64 } from './implied-vol-guess';
import { MAX_ITER, STEP_TOL, RESID_TOL, TINY, householderF64, h3F64, lowerStepF64 } from './implied-vol-steps';
import { ivPairF64x2 } from './implied-vol-pair';

/** Status of the last ivF64 call (the stub runtime has no tuples). */
let lastStatus: i32 = ST_OK;

/** Input checks shared by both paths; ST_OK when the item can be solved. */
// @ts-ignore: decorator
@inline
function checkInputs(F: f64, K: f64, T: f64, price: f64, df: f64, w: f64): i32 {
  if (!(F > 0 && F < Infinity)) return ST_BAD_FORWARD;
  if (!(K > 0 && K < Infinity)) return ST_BAD_STRIKE;
  if (!(T > 0 && T < Infinity)) return ST_BAD_TIME;
  if (!(df > 0 && df < Infinity)) return ST_BAD_DISCOUNT;
  if (w != 1.0 && w != -1.0) return ST_BAD_TYPE;
  if (!(price >= 0 && price < Infinity)) return ST_BAD_PRICE;
  // Compared discounted, as the bounds are stated: df·max(ω(F−K), 0) <= price < df·(F or K).
  if (price >= df * (w > 0 ? F : K)) return ST_IV_ABOVE_MAX;
  if (price < df * Math.max(w * (F - K), 0)) return ST_IV_BELOW_INTRINSIC;
  return ST_OK;
}

/** Implied vol of one option; sets lastStatus. */
export function ivF64(F: f64, K: f64, T: f64, price: f64, df: f64, w: f64): f64 {
  const st = checkInputs(F, K, T, price, df, w);
  if (st != ST_OK) {
    lastStatus = st;
    return NaN;
  }
  lastStatus = ST_OK;
  const wo: f64 = F < K ? 1.0 : F > K ? -1.0 : w; // out-of-the-money side
  const p0 = price / df;
  const p = wo == w ? p0 : p0 - w * (F - K);
  if (!(p > 0)) return 0.0; // exactly intrinsic (checkInputs excluded below)
  if (p < TINY * Math.max(F, K)) {
    lastStatus = ST_IV_NO_CONVERGENCE;
    return NaN;
  }

  // OTM frame of black76.ts: M = max(F,K), m = min(F,K), q = m/M, L = ln q = −|x| <= 0,
  // P(s) = M·(q·Φ(e+) − Φ(e−)), e± = L/s ± s/2, P'(s) = m·n(e+): one exp per evaluation.
  const M = Math.max(F, K);
  const m = Math.min(F, K);
  const q = m / M;
  const L = logF64(q);
  const sqrtFK = Math.sqrt(F) * Math.sqrt(K);
  const sc = Math.sqrt(-2.0 * L);
  const bc = L < 0 ? Math.max(black76OtmF64(M, q, 0.0, -sc, 1.0), 0.0) : 0.0; // e+ = 0 at s_c
  const lower = p < bc;
  const lnBeta = lower ? logF64(p / sqrtFK) : 0.0;

  // Lower branch: one free Householder step from s_c, where P = b_c, P′ = m·n(0) and e+ = 0
  // (so P″ = 0); the s² law s_c·√(ln β_c / ln β*) if that step leaves (0, s_c).
  // Upper branch: −2·Φ⁻¹((m − p)/(F + K)), at least s_c.
  const L2 = L * L;
  let s: f64;
  if (lower) {
    const gc = logF64(bc / sqrtFK);
    const s1 = sc + lowerStepF64(gc, (m * INV_SQRT_2PI) / bc, 0.0, h3F64(0.0, 1.0 / sc, L2), lnBeta);
    s = s1 > 0 && s1 < sc ? s1 : sc * Math.sqrt(gc / lnBeta);
  } else {
    s = Math.max(-2.0 * invNormLowerF64((m - p) / (F + K)), sc);
  }

  let lo: f64 = 0.0;
  let hi: f64 = lower ? sc : Infinity; // P(s_c) = b_c > p on the lower branch
  const residTol = RESID_TOL * p;
  for (let it = 0; it < MAX_ITER; it++) {
    const is = 1.0 / s;
    const ep = L * is + 0.5 * s;
    const em = ep - s;
    const gp = black76GaussF64(ep);
    const P = Math.max(black76OtmF64(M, q, ep, em, gp), 0.0);
    const v = m * gp * INV_SQRT_2PI;
    if (P < p) lo = Math.max(lo, s);
    else hi = Math.min(hi, s);
    const u = ep * em;
    const H2 = u * is;
    const H3 = h3F64(u, is, L2);
    const step = lower ? lowerStepF64(logF64(P / sqrtFK), v / P, H2, H3, lnBeta) : householderF64((p - P) / v, H2, H3);
    const next = s + step;
    const conv = Math.abs(step) <= STEP_TOL * s || (!lower && Math.abs(P - p) <= residTol);
    const fb = hi < Infinity ? 0.5 * (lo + hi) : 2.0 * s;
    s = conv || (next > lo && next < hi) ? next : fb; // a converged step may graze the bracket
    if (conv) return s / Math.sqrt(T);
  }
  lastStatus = ST_IV_NO_CONVERGENCE;
  return NaN;
}

/** Scalar batch: iv[i] from F, K, T, price, df, type (+1 call / −1 put). Returns the failure count. */
export function black76_iv_f64_soa(n: i32, pF: usize, pK: usize, pT: usize, pPrice: usize, pDf: usize, pType: usize, pIv: usize, pStatus: usize): i32 {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 3;
    const iv = ivF64(load<f64>(pF + o), load<f64>(pK + o), load<f64>(pT + o), load<f64>(pPrice + o), load<f64>(pDf + o), load<f64>(pType + o));
    store<f64>(pIv + o, iv);
    store<i32>(pStatus + ((<usize>i) << 2), lastStatus);
    if (lastStatus != ST_OK) failed++;
  }
  return failed;
}

/** f64x2 batch: same arguments and bit-identical results as the f64 version. Traps in the scalar
 * build, like every *_f64x2 kernel (docs/ABI.md): call black76_iv_f64_soa there. */
export function black76_iv_f64x2_soa(n: i32, pF: usize, pK: usize, pT: usize, pPrice: usize, pDf: usize, pType: usize, pIv: usize, pStatus: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable();
  let failed = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const o = (<usize>i) << 3;
    const F = v128.load(pF + o);
    const K = v128.load(pK + o);
    const T = v128.load(pT + o);
    const price = v128.load(pPrice + o);
    const df = v128.load(pDf + o);
    const w = v128.load(pType + o);
    // Fast path only when both items are valid and strictly inside the bounds.
    const st0 = checkInputs(f64x2.extract_lane(F, 0), f64x2.extract_lane(K, 0), f64x2.extract_lane(T, 0), f64x2.extract_lane(price, 0), f64x2.extract_lane(df, 0), f64x2.extract_lane(w, 0));
    const st1 = checkInputs(f64x2.extract_lane(F, 1), f64x2.extract_lane(K, 1), f64x2.extract_lane(T, 1), f64x2.extract_lane(price, 1), f64x2.extract_lane(df, 1), f64x2.extract_lane(w, 1));
    if ((st0 | st1) == ST_OK && ivPairF64x2(F, K, T, price, df, w, pIv + o)) {
      store<i64>(pStatus + ((<usize>i) << 2), 0);
    } else {
      failed += black76_iv_f64_soa(2, pF + o, pK + o, pT + o, pPrice + o, pDf + o, pType + o, pIv + o, pStatus + ((<usize>i) << 2));
    }
  }
  if (i < n) {
    const o = (<usize>i) << 3;
    failed += black76_iv_f64_soa(1, pF + o, pK + o, pT + o, pPrice + o, pDf + o, pType + o, pIv + o, pStatus + ((<usize>i) << 2));
  }
  return failed;
}
