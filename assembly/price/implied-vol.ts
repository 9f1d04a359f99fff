// Batched Black-76 implied volatility, scalar f64 and f64x2 (same operation sequence per lane).
//
// Method (after P. Jäckel, "Let's be rational", Wilmott 2015, simplified):
//   1. Validate; turn an in-the-money price into the out-of-the-money one by put–call parity and
//      work undiscounted, so the unknown is total vol s = σ√T and the price P(s) rises strictly
//      from 0 to bmax = min(F, K).
//   2. P has one inflection, at s_c = √(2|x|), x = ln(F/K). Below b_c = P(s_c) the price is tiny
//      and flat, so solve f(s) = 1/ln β(s) − 1/ln β* there (β = P/√(FK); ln β ≈ −x²/2s² makes f
//      nearly quadratic in s); above it solve f(s) = P(s) − p directly.
//   3. Initial guess: lower branch s_c·√(ln β_c / ln β*) (the s² law anchored at s_c; crude, often
//      tens of % off, but f is so well shaped there that two steps still reach 1e-9); upper branch
//      −2·Φ⁻¹((bmax − p)/(F + K)), exact at the money and as s → ∞ (Acklam's Φ⁻¹, ~1e-9).
//      Measured on the benchmark mix: 3 price evaluations per item (lower), 2–3 (upper), plus
//      one at s_c. Jäckel's rational-cubic guesses would save one evaluation.
//   4. Householder (3rd order) steps, using P'' / P' = d1·d2/s and
//      P''' / P' = (u² − u)/s² − 2x²/s⁴ − 1/2 with u = d1·d2; each step kept inside a bracket
//      [lo, hi] updated from the sign of P − p (bisection when a step leaves it).
//   P and P' come from black76.ts's out-of-the-money primitives (one exp, two Φ rationals).
//   Stop when the step is below 1e-9·s (cubic convergence: the error left is far below 1e-10),
//   or, on the upper branch, when P − p is at the rounding level of the price formula.
// Status per item (assembly/abi.ts): OK, BAD_* for invalid inputs, IV_BELOW_INTRINSIC,
// IV_ABOVE_MAX, IV_NO_CONVERGENCE; iv is NaN for every status but OK. A price exactly at the
// intrinsic value gives iv = 0.
import { black76OtmF64, black76OtmF64x2, black76GaussF64, black76GaussF64x2 } from './black76';
import { logF64, logF64x2 } from '../math/log';
import { INV_SQRT_2PI } from '../math/ncdf';
import {
  ST_OK, ST_BAD_FORWARD, ST_BAD_STRIKE, ST_BAD_TIME, ST_BAD_DISCOUNT, ST_BAD_TYPE, ST_BAD_PRICE,
  ST_IV_BELOW_INTRINSIC, ST_IV_ABOVE_MAX, ST_IV_NO_CONVERGENCE,
} from '../abi';
import { invNormLowerF64, invNormLowerF64x2 } from './implied-vol-guess';

const MAX_ITER: i32 = 24;
const STEP_TOL: f64 = 1e-9;
const RESID_TOL: f64 = 8 * 2.220446049250313e-16; // times the target: rounding level of P(s)

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

  let s: f64;
  if (lower) s = sc * Math.sqrt(logF64(bc / sqrtFK) / lnBeta);
  else s = Math.max(-2.0 * invNormLowerF64((m - p) / (F + K)), sc);

  let lo: f64 = 0.0;
  let hi: f64 = Infinity;
  const L2 = L * L;
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
    const H2 = u * is; // P''/P'
    const H3 = (u * u - u) * is * is - 2.0 * L2 * is * is * is * is - 0.5; // P'''/P'
    let nu: f64, h2: f64, h3: f64;
    if (lower) {
      const g = logF64(P / sqrtFK);
      const lam = v / P;
      const ig = 1.0 / g;
      nu = (g - g * g / lnBeta) / lam;
      h2 = H2 - lam - 2.0 * lam * ig;
      const lam2 = lam * lam; // grouped exactly as in the f64x2 path: identical bits
      h3 = H3 - 3.0 * lam * H2 + 2.0 * lam2 - 6.0 * lam * (H2 - lam) * ig + 6.0 * lam2 * ig * ig;
    } else {
      nu = (p - P) / v;
      h2 = H2;
      h3 = H3;
    }
    const step = (nu * (1.0 + 0.5 * h2 * nu)) / (1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0)));
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

/** Two options at once; returns 0 when both converged, else leaves them to the scalar path. */
// @ts-ignore: decorator
@inline
function ivPairF64x2(F: v128, K: v128, T: v128, price: v128, df: v128, w: v128, pIv: usize): bool {
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const wo = v128.bitselect(one, v128.bitselect(f64x2.splat(-1.0), w, f64x2.gt(F, K)), f64x2.lt(F, K));
  const p0 = f64x2.div(price, df);
  const p = v128.bitselect(p0, f64x2.sub(p0, f64x2.mul(w, f64x2.sub(F, K))), f64x2.eq(wo, w));
  if (!i64x2.all_true(f64x2.gt(p, zero))) return false; // a price at intrinsic: scalar path

  const M = f64x2.max(F, K);
  const m = f64x2.min(F, K);
  const q = f64x2.div(m, M);
  const L = logF64x2(q);
  const sqrtFK = f64x2.mul(f64x2.sqrt(F), f64x2.sqrt(K));
  const sc = f64x2.sqrt(f64x2.mul(f64x2.splat(-2.0), L));
  const bc = v128.and(f64x2.max(black76OtmF64x2(M, q, zero, f64x2.neg(sc), one), zero), f64x2.lt(L, zero));
  const lower = f64x2.lt(p, bc);
  const lnBeta = logF64x2(f64x2.div(p, sqrtFK));

  const sLow = f64x2.mul(sc, f64x2.sqrt(f64x2.div(logF64x2(f64x2.div(bc, sqrtFK)), lnBeta)));
  const qU = f64x2.div(f64x2.sub(m, p), f64x2.add(F, K));
  const sUp = f64x2.max(f64x2.mul(f64x2.splat(-2.0), invNormLowerF64x2(qU)), sc);
  let s = v128.bitselect(sLow, sUp, lower);

  let lo = zero;
  let hi = f64x2.splat(Infinity);
  let done = i64x2.splat(0);
  const L2 = f64x2.mul(L, L);
  const residTol = f64x2.mul(f64x2.splat(RESID_TOL), p);
  const half = f64x2.splat(0.5);
  const two = f64x2.splat(2.0);
  for (let it = 0; it < MAX_ITER; it++) {
    const is = f64x2.div(one, s);
    const ep = f64x2.add(f64x2.mul(L, is), f64x2.mul(half, s));
    const em = f64x2.sub(ep, s);
    const gp = black76GaussF64x2(ep);
    const P = f64x2.max(black76OtmF64x2(M, q, ep, em, gp), zero);
    const v = f64x2.mul(f64x2.mul(m, gp), f64x2.splat(INV_SQRT_2PI));
    const below = f64x2.lt(P, p);
    lo = v128.bitselect(f64x2.max(lo, s), lo, below);
    hi = v128.bitselect(hi, f64x2.min(hi, s), below);
    const u = f64x2.mul(ep, em);
    const H2 = f64x2.mul(u, is);
    const H3 = f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(f64x2.sub(f64x2.mul(u, u), u), is), is), f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(two, L2), is), is), is), is)), half);
    // upper branch: objective P(s) − p
    let nu = f64x2.div(f64x2.sub(p, P), v);
    let h2 = H2;
    let h3 = H3;
    if (v128.any_true(lower)) {
      // lower branch: objective 1/ln β(s) − 1/ln β*
      const g = logF64x2(f64x2.div(P, sqrtFK));
      const lam = f64x2.div(v, P);
      const ig = f64x2.div(one, g);
      const nuL = f64x2.div(f64x2.sub(g, f64x2.div(f64x2.mul(g, g), lnBeta)), lam);
      const h2L = f64x2.sub(f64x2.sub(H2, lam), f64x2.mul(f64x2.mul(two, lam), ig));
      const lam2 = f64x2.mul(lam, lam);
      const h3L = f64x2.add(
        f64x2.sub(
          f64x2.add(f64x2.sub(H3, f64x2.mul(f64x2.mul(f64x2.splat(3.0), lam), H2)), f64x2.mul(two, lam2)),
          f64x2.mul(f64x2.mul(f64x2.mul(f64x2.splat(6.0), lam), f64x2.sub(H2, lam)), ig),
        ),
        f64x2.mul(f64x2.mul(f64x2.mul(f64x2.splat(6.0), lam2), ig), ig),
      );
      nu = v128.bitselect(nuL, nu, lower);
      h2 = v128.bitselect(h2L, h2, lower);
      h3 = v128.bitselect(h3L, h3, lower);
    }
    const num = f64x2.mul(nu, f64x2.add(one, f64x2.mul(f64x2.mul(half, h2), nu)));
    const den = f64x2.add(one, f64x2.mul(nu, f64x2.add(h2, f64x2.mul(f64x2.mul(h3, nu), f64x2.splat(1.0 / 6.0)))));
    const step = f64x2.div(num, den);
    const next = f64x2.add(s, step);
    const conv = v128.or(
      f64x2.le(f64x2.abs(step), f64x2.mul(f64x2.splat(STEP_TOL), s)),
      v128.andnot(f64x2.le(f64x2.abs(f64x2.sub(P, p)), residTol), lower),
    );
    const fb = v128.bitselect(f64x2.mul(half, f64x2.add(lo, hi)), f64x2.mul(two, s), f64x2.lt(hi, f64x2.splat(Infinity)));
    const inside = v128.and(f64x2.gt(next, lo), f64x2.lt(next, hi));
    s = v128.bitselect(s, v128.bitselect(next, fb, v128.or(inside, conv)), done);
    done = v128.or(done, conv);
    if (i64x2.all_true(done)) {
      v128.store(pIv, f64x2.div(s, f64x2.sqrt(T)));
      return true;
    }
  }
  return false;
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
