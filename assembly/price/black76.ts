// Black-76 price and vega for one option (f64) or two (f64x2): the kernels' core, also called by
// implied vol and the scenario table. Callers validate (F, K >= 0, T finite, vol >= 0, df > 0,
// omega = ±1); results for F = K = 0 are 0.
//
// Method. Work with the out-of-the-money option and add the intrinsic value by put-call
// parity: with M = max(F,K), m = min(F,K), q = m/M, s = vol·√T and e± = ln(q)/s ± s/2 (both
// arguments of Φ for the OTM side), V_otm = m·Φ(e+) − M·Φ(e−) = M·(q·Φ(e+) − Φ(e−)).
// Only one exp: e^(−e−²/2) = e^(−e+²/2)·q. Each Φ is c + f·N/D (Cody's regions, math/ncdf.ts),
// and the two are combined over one division. The OTM form keeps deep-OTM prices accurate to
// the relative precision of Φ's tail; ITM prices are intrinsic + OTM (no 1 − Φ cancellation).
// V = df·min(max(V_otm, 0) + max(ω(F−K), 0), cap) with cap = F (call) or K (put).
// Edges (selects, no branches): s = 0 (vol = 0 or T <= 0) → V_otm = 0, i.e. df·intrinsic of the
// forward; K = 0 → call F·df, put 0; s → ∞ → call F·df, put K·df. The only branch skips Cody's
// tail region (|e| > √32) for vectors that do not need it.
// For s < 0.02 the two Φ agree to ~|e|/s digits and the error would grow as ~1e-15/s (rounding
// of F/K and of e±, amplified alike): lanes with s < 0.02 and (M − m)/M <= 5.3·s take the
// cancellation-free small-s expansion of price/black76-small.ts instead (one mask test per
// vector; the expansion runs only when a lane needs it).
// Measured (test/price-kernels.test.ts vs decimal.js, price > 1e-8·F): relative error <= 3.1e-14 on
// a realistic book, <= 5.7e-14 on extremes, 8.1e-15 on a scan of s in [1e-6, 3e-3].
import { expBoundedF64, expBoundedF64x2 } from '../math/exp';
import { logNormalF64, logNormalF64x2 } from '../math/log';
import { pminF64, pmaxF64 } from '../math/minmax';
import {
  INV_SQRT_2PI, SPLIT_CENTRAL, SPLIT_TAIL,
  cdfCentralNumF64, cdfCentralDenF64, cdfMidNumF64, cdfMidDenF64, cdfTailNumF64, cdfTailWqF64,
  cdfCentralNumF64x2, cdfCentralDenF64x2, cdfMidNumF64x2, cdfMidDenF64x2, cdfTailNumF64x2, cdfTailWqF64x2,
} from '../math/cody';
import { black76MaybeSmallF64, black76MaybeSmallF64x2, black76PriceSmallF64, black76PriceSmallF64x2 } from './black76-small';

const MIN_NORMAL: f64 = 2.2250738585072014e-308;
const EXP_FLOOR: f64 = -708.0; // e^(−708) ≈ 3e-308: below it Φ terms are far under any price
const Y_CAP: f64 = 40.0;

// OTM value M·(q·Φ(ep) − Φ(em)), each Φ = c + f·N/D, over one division. gp = e^(−ep²/2).
// @ts-ignore: decorator
@inline
export function black76OtmF64(M: f64, q: f64, ep: f64, em: f64, gp: f64): f64 {
  const gm = gp * q;
  // Φ(ep)
  let cP: f64, fP: f64, nP: f64, dP: f64;
  const yp = abs(ep);
  if (yp <= SPLIT_CENTRAL) {
    const w = ep * ep;
    cP = 0.5; fP = 1.0; nP = cdfCentralNumF64(ep, w); dP = cdfCentralDenF64(w);
  } else {
    fP = gp;
    if (yp <= SPLIT_TAIL) {
      nP = cdfMidNumF64(yp); dP = cdfMidDenF64(yp);
    } else {
      const yc = pminF64(yp, Y_CAP);
      const w = yc * yc;
      const wq = cdfTailWqF64(w);
      nP = cdfTailNumF64(w, wq); dP = yc * wq;
    }
    if (ep > 0) { cP = 1.0; nP = -nP; } else cP = 0.0;
  }
  // Φ(em), em <= 0
  let cM: f64, fM: f64, nM: f64, dM: f64;
  const ym = abs(em);
  if (ym <= SPLIT_CENTRAL) {
    const w = em * em;
    cM = 0.5; fM = 1.0; nM = cdfCentralNumF64(em, w); dM = cdfCentralDenF64(w);
  } else {
    fM = gm;
    if (ym <= SPLIT_TAIL) {
      nM = cdfMidNumF64(ym); dM = cdfMidDenF64(ym);
    } else {
      const yc = pminF64(ym, Y_CAP);
      const w = yc * yc;
      const wq = cdfTailWqF64(w);
      nM = cdfTailNumF64(w, wq); dM = yc * wq;
    }
    if (em > 0) { cM = 1.0; nM = -nM; } else cM = 0.0;
  }
  return M * ((q * cP - cM) + (q * fP * nP * dM - fM * nM * dP) / (dP * dM));
}

// @ts-ignore: decorator
@inline
export function black76OtmF64x2(M: v128, q: v128, ep: v128, em: v128, gp: v128): v128 {
  const gm = f64x2.mul(gp, q);
  const zero = f64x2.splat(0);
  // Region and sign masks as signed integer compares of the bits (same order as f64 for |e|,
  // and e > 0 for non-NaN e): they run beside the FP ports this kernel saturates (~2 % measured).
  // outer = |e| > SPLIT_CENTRAL, tail = |e| > SPLIT_TAIL.
  // Φ(ep)
  const yp = f64x2.abs(ep);
  const wpc = f64x2.mul(ep, ep);
  const outerP = i64x2.gt_s(yp, f64x2.splat(SPLIT_CENTRAL));
  const tailP = i64x2.gt_s(yp, f64x2.splat(SPLIT_TAIL));
  const posP = i64x2.gt_s(ep, zero);
  let ntP = cdfMidNumF64x2(yp);
  let dtP = cdfMidDenF64x2(yp);
  // The tail region (|e| > sqrt(32)) is rare in real books: evaluate it only when a lane needs it.
  if (v128.any_true(tailP)) {
    const ycp = f64x2.pmin(yp, f64x2.splat(Y_CAP));
    const wpt = f64x2.mul(ycp, ycp);
    const wqp = cdfTailWqF64x2(wpt);
    ntP = v128.bitselect(cdfTailNumF64x2(wpt, wqp), ntP, tailP);
    dtP = v128.bitselect(f64x2.mul(ycp, wqp), dtP, tailP);
  }
  let nP = v128.bitselect(f64x2.neg(ntP), ntP, posP);
  nP = v128.bitselect(nP, cdfCentralNumF64x2(ep, wpc), outerP);
  const dP = v128.bitselect(dtP, cdfCentralDenF64x2(wpc), outerP);
  const cP = v128.bitselect(v128.and(posP, f64x2.splat(1.0)), f64x2.splat(0.5), outerP);
  const fP = v128.bitselect(gp, f64x2.splat(1.0), outerP);
  // Φ(em)
  const ym = f64x2.abs(em);
  const wmc = f64x2.mul(em, em);
  const outerM = i64x2.gt_s(ym, f64x2.splat(SPLIT_CENTRAL));
  const tailM = i64x2.gt_s(ym, f64x2.splat(SPLIT_TAIL));
  const posM = i64x2.gt_s(em, zero);
  let ntM = cdfMidNumF64x2(ym);
  let dtM = cdfMidDenF64x2(ym);
  if (v128.any_true(tailM)) {
    const ycm = f64x2.pmin(ym, f64x2.splat(Y_CAP));
    const wmt = f64x2.mul(ycm, ycm);
    const wqm = cdfTailWqF64x2(wmt);
    ntM = v128.bitselect(cdfTailNumF64x2(wmt, wqm), ntM, tailM);
    dtM = v128.bitselect(f64x2.mul(ycm, wqm), dtM, tailM);
  }
  let nM = v128.bitselect(f64x2.neg(ntM), ntM, posM);
  nM = v128.bitselect(nM, cdfCentralNumF64x2(em, wmc), outerM);
  const dM = v128.bitselect(dtM, cdfCentralDenF64x2(wmc), outerM);
  const cM = v128.bitselect(v128.and(posM, f64x2.splat(1.0)), f64x2.splat(0.5), outerM);
  const fM = v128.bitselect(gm, f64x2.splat(1.0), outerM);
  const num = f64x2.sub(f64x2.mul(f64x2.mul(f64x2.mul(q, fP), nP), dM), f64x2.mul(f64x2.mul(fM, nM), dP));
  return f64x2.mul(M, f64x2.add(f64x2.sub(f64x2.mul(q, cP), cM), f64x2.div(num, f64x2.mul(dP, dM))));
}

// Shared set-up: from (F, K, T, vol) the OTM frame. u is forced to 0 when F = K so that s = 0
// gives e± = 0 rather than 0/0.
// @ts-ignore: decorator
@inline
export function black76GaussF64(ep: f64): f64 {
  return expBoundedF64(pmaxF64(-0.5 * ep * ep, EXP_FLOOR));
}
// @ts-ignore: decorator
@inline
export function black76GaussF64x2(ep: v128): v128 {
  return expBoundedF64x2(f64x2.pmax(f64x2.mul(f64x2.mul(f64x2.splat(-0.5), ep), ep), f64x2.splat(EXP_FLOOR)));
}

/** Black-76 price df·ω·(F·Φ(ωd1) − K·Φ(ωd2)), omega = +1 call, −1 put. No validation. */
// @ts-ignore: decorator
@inline
export function black76PriceF64(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): f64 {
  const v = black76PriceDirectF64(F, K, T, vol, df, omega);
  // Re-priced out of line only when vol²·T is small: the hot path keeps nothing live across it.
  return black76MaybeSmallF64(vol, T) ? black76PriceSmallF64(F, K, T, vol, df, omega, v) : v;
}

// @ts-ignore: decorator
@inline
export function black76PriceF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128): v128 {
  const v = black76PriceDirectF64x2(F, K, T, vol, df, omega);
  return v128.any_true(black76MaybeSmallF64x2(vol, T)) ? black76PriceSmallF64x2(F, K, T, vol, df, omega, v) : v;
}

/** The direct formula alone (accurate for vol·√T >= 0.02 or far from the money). */
// @ts-ignore: decorator
@inline
export function black76PriceDirectF64(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): f64 {
  const M = pmaxF64(F, K);
  const q = pminF64(F, K) / M;
  const L = logNormalF64(pmaxF64(q, MIN_NORMAL));
  const s = vol * sqrt(pmaxF64(T, 0.0));
  const u = L == 0 ? 0.0 : L * (1.0 / s); // 1/s off the critical path (see the f64x2 twin)
  const hs = 0.5 * s;
  const ep = u + hs;
  const em = u - hs;
  let otm = black76OtmF64(M, q, ep, em, black76GaussF64(ep));
  otm = s > 0 && q > 0 ? pmaxF64(otm, 0.0) : 0.0;
  const cap = omega > 0 ? F : K;
  return df * pminF64(otm + pmaxF64(omega * (F - K), 0.0), cap);
}

// @ts-ignore: decorator
@inline
export function black76PriceDirectF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128): v128 {
  const zero = f64x2.splat(0);
  const M = f64x2.pmax(F, K);
  const q = f64x2.div(f64x2.pmin(F, K), M);
  const L = logNormalF64x2(f64x2.pmax(q, f64x2.splat(MIN_NORMAL)));
  const s = f64x2.mul(vol, f64x2.sqrt(f64x2.pmax(T, zero)));
  // u = L·(1/s): the division depends on vol and T only and runs beside q = m/M and the log;
  // L/s would put a second division on the critical path (measured ~3 % slower). u: ~1 ulp.
  const u = v128.bitselect(zero, f64x2.mul(L, f64x2.div(f64x2.splat(1.0), s)), f64x2.eq(L, zero));
  const hs = f64x2.mul(f64x2.splat(0.5), s);
  const ep = f64x2.add(u, hs);
  const em = f64x2.sub(u, hs);
  const otm = black76OtmF64x2(M, q, ep, em, black76GaussF64x2(ep));
  // s >= 0 and omega = ±1: integer compares of the bits, off the FP ports (q may be NaN).
  const live = v128.and(i64x2.gt_s(s, zero), f64x2.gt(q, zero));
  const otmc = v128.and(f64x2.pmax(otm, zero), live);
  const cap = v128.bitselect(F, K, i64x2.gt_s(omega, zero));
  return f64x2.mul(df, f64x2.pmin(f64x2.add(otmc, f64x2.pmax(f64x2.mul(omega, f64x2.sub(F, K)), zero)), cap));
}

/** Vega per 1.00 of volatility: df·F·n(d1)·√T = df·pminF64(F,K)·e^(−e+²/2)·√T/√(2π). No validation. */
// @ts-ignore: decorator
@inline
export function black76VegaF64(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): f64 {
  const M = pmaxF64(F, K);
  const m = pminF64(F, K);
  const q = m / M;
  const L = logNormalF64(pmaxF64(q, MIN_NORMAL));
  const sq = sqrt(pmaxF64(T, 0.0));
  const s = vol * sq;
  const u = L == 0 ? 0.0 : L / s;
  const g = black76GaussF64(u + 0.5 * s);
  return q > 0 ? df * m * g * sq * INV_SQRT_2PI : 0.0;
}

// @ts-ignore: decorator
@inline
export function black76VegaF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128): v128 {
  const zero = f64x2.splat(0);
  const M = f64x2.pmax(F, K);
  const m = f64x2.pmin(F, K);
  const q = f64x2.div(m, M);
  const L = logNormalF64x2(f64x2.pmax(q, f64x2.splat(MIN_NORMAL)));
  const sq = f64x2.sqrt(f64x2.pmax(T, zero));
  const s = f64x2.mul(vol, sq);
  const u = v128.bitselect(zero, f64x2.div(L, s), f64x2.eq(L, zero));
  const g = black76GaussF64x2(f64x2.add(u, f64x2.mul(f64x2.splat(0.5), s)));
  const v = f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(df, m), g), sq), f64x2.splat(INV_SQRT_2PI));
  return v128.and(v, f64x2.gt(q, zero));
}
