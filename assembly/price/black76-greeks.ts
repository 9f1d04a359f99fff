// Price and Greeks of one Black-76 / BSM item (f64) or two (f64x2), written to output columns.
// One core serves both models: BSM is Black-76 on F = S·e^((r−q)T), df = e^(−rT) with
//   delta_S = g·δF, gamma_S = g²·γF, vanna_S = g·vannaF (g = F/S = e^((r−q)T)),
//   theta_S = theta_76 − δF·(r−q)·F,  rho_S = T·(δF·F − V)   (S, q fixed),
// and Black-76 rho = −T·V (F fixed), theta = r·V − df·F·n(d1)·vol/(2√T) with r = −ln(df)/T.
// Units: vega and volga per 1.00 vol, theta per year (dV/dt as calendar time passes), rho per
// 1.00 rate. With s = vol·√T = 0 or K = 0 the option is its discounted intrinsic value: gamma,
// vega, vanna, volga are 0; delta is df·ω·H(ω(F−K)) with H(0) = 1/2; theta, rho follow from V.
// T <= 0: theta = rho = 0.
import { logNormalF64, logNormalF64x2 } from '../math/log';
import { INV_SQRT_2PI, cdfGivenGaussF64, cdfGivenGaussF64x2 } from '../math/cody';
import { pminF64, pmaxF64 } from '../math/minmax';
import {
  black76OtmF64, black76OtmF64x2, black76GaussF64, black76GaussF64x2,
} from './black76';
import {
  black76SmallF64, black76SmallF64x2, black76OtmSmallF64, black76OtmSmallF64x2, black76LogSmallF64, black76LogSmallF64x2,
} from './black76-small';

const MIN_NORMAL: f64 = 2.2250738585072014e-308;

/**
 * Writes price, delta, gamma, vega, theta, rho, vanna, volga at out + i·(column stride):
 * `o` holds the 8 output column base addresses, `off` the byte offset of the item.
 * rT: r·T for theta (Black-76: −ln df); b: cost of carry r − q (0 for Black-76); g: F/S (1 for
 * Black-76); bsm: rho convention. Two divisions serve all Greeks: a = 1/(F·s) and 1/T.
 */
// @ts-ignore: decorator
@inline
export function greeksF64(
  F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64, rT: f64, b: f64, g: f64, bsm: bool,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize,
): void {
  const M = pmaxF64(F, K);
  const m = pminF64(F, K);
  const q = m / M;
  let L = logNormalF64(pmaxF64(q, MIN_NORMAL));
  const sq = sqrt(pmaxF64(T, 0.0));
  const s = vol * sq;
  // Small vol·√T near the money (black76-small.ts): ln(m/M) from the exact m − M, so d1 and the
  // Greeks built on Φ(d1), n(d1) do not inherit the 1e-16/s error of ln(rounded q); the OTM value
  // comes from the cancellation-free expansion.
  const small = black76SmallF64(s, M, m);
  if (small) L = black76LogSmallF64(M, m);
  const u = L == 0 ? 0.0 : L * (1.0 / s); // as price/black76.ts: same price bits
  const hs = 0.5 * s;
  const ep = u + hs;
  const em = u - hs;
  const gp = black76GaussF64(ep);
  const live = s > 0 && q > 0;
  let otm = black76OtmF64(M, q, ep, em, gp);
  if (small) otm = black76OtmSmallF64(M, m, q, s);
  otm = live ? pmaxF64(otm, 0.0) : 0.0;
  const cap = omega > 0 ? F : K;
  const V = df * pminF64(otm + pmaxF64(omega * (F - K), 0.0), cap);
  // Φ on the OTM side of d1: Z = Φ(d1) if F <= K else Φ(−d1).
  const low = F <= K;
  const Z = cdfGivenGaussF64(low ? ep : em, low ? gp : gp * q);
  const same = (omega > 0) == low;
  let h = same ? Z : 1.0 - Z; // Φ(ω·d1)
  if (!live) h = F > K ? (omega > 0 ? 1.0 : 0.0) : F < K ? (omega > 0 ? 0.0 : 1.0) : 0.5;
  const dF = df * omega * h;
  const phiF = live ? df * m * gp * INV_SQRT_2PI : 0.0; // df·F·n(d1)
  const d1 = low ? ep : -em;
  const d2 = d1 - s;
  const vega = phiF * sq;
  const a = 1.0 / (F * s);
  const iT = 1.0 / T;
  const gammaF = live ? phiF * a * a * s : 0.0; // df·n(d1)/(F·s)
  const vannaF = live ? -phiF * d2 * (a * sq) : 0.0; // −df·n(d1)·d2/vol
  const volga = live ? vega * d1 * d2 * (F * a * sq) : 0.0; // vega·d1·d2/vol
  const tpos = T > 0;
  const theta = tpos ? rT * iT * V - (live ? 0.5 * phiF * s * iT : 0.0) - dF * b * F : 0.0;
  const rho = tpos ? (bsm ? T * (dF * F - V) : -T * V) : 0.0;
  store<f64>(pPrice, V);
  store<f64>(pDelta, dF * g);
  store<f64>(pGamma, gammaF * g * g);
  store<f64>(pVega, vega);
  store<f64>(pTheta, theta);
  store<f64>(pRho, rho);
  store<f64>(pVanna, vannaF * g);
  store<f64>(pVolga, volga);
}

// @ts-ignore: decorator
@inline
export function greeksF64x2(
  F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128, rT: v128, b: v128, g: v128, bsm: bool,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize,
): void {
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1.0);
  const M = f64x2.pmax(F, K);
  const m = f64x2.pmin(F, K);
  const q = f64x2.div(m, M);
  let L = logNormalF64x2(f64x2.pmax(q, f64x2.splat(MIN_NORMAL)));
  const sq = f64x2.sqrt(f64x2.pmax(T, zero));
  const s = f64x2.mul(vol, sq);
  const small = black76SmallF64x2(s, M, m);
  const anySmall = v128.any_true(small);
  if (anySmall) L = v128.bitselect(black76LogSmallF64x2(M, m), L, small);
  const u = v128.bitselect(zero, f64x2.mul(L, f64x2.div(f64x2.splat(1.0), s)), f64x2.eq(L, zero));
  const hs = f64x2.mul(f64x2.splat(0.5), s);
  const ep = f64x2.add(u, hs);
  const em = f64x2.sub(u, hs);
  const gp = black76GaussF64x2(ep);
  const live = v128.and(f64x2.gt(s, zero), f64x2.gt(q, zero));
  let otmRaw = black76OtmF64x2(M, q, ep, em, gp);
  if (anySmall) otmRaw = v128.bitselect(black76OtmSmallF64x2(M, m, q, s), otmRaw, small);
  const otm = v128.and(f64x2.pmax(otmRaw, zero), live);
  const call = f64x2.gt(omega, zero);
  const cap = v128.bitselect(F, K, call);
  const V = f64x2.mul(df, f64x2.pmin(f64x2.add(otm, f64x2.pmax(f64x2.mul(omega, f64x2.sub(F, K)), zero)), cap));
  const low = f64x2.le(F, K);
  const Z = cdfGivenGaussF64x2(v128.bitselect(ep, em, low), v128.bitselect(gp, f64x2.mul(gp, q), low));
  const same = v128.not(v128.xor(call, low));
  let h = v128.bitselect(Z, f64x2.sub(one, Z), same);
  const gt = f64x2.gt(F, K);
  const lt = f64x2.lt(F, K);
  const hDead = v128.bitselect(v128.and(call, one), v128.bitselect(v128.andnot(one, call), f64x2.splat(0.5), lt), gt);
  h = v128.bitselect(h, hDead, live);
  const dF = f64x2.mul(f64x2.mul(df, omega), h);
  const phiF = v128.and(f64x2.mul(f64x2.mul(f64x2.mul(df, m), gp), f64x2.splat(INV_SQRT_2PI)), live);
  const d1 = v128.bitselect(ep, f64x2.neg(em), low);
  const d2 = f64x2.sub(d1, s);
  const vega = f64x2.mul(phiF, sq);
  const a = f64x2.div(one, f64x2.mul(F, s));
  const iT = f64x2.div(one, T);
  const gammaF = v128.and(f64x2.mul(f64x2.mul(f64x2.mul(phiF, a), a), s), live);
  const vannaF = v128.and(f64x2.mul(f64x2.mul(f64x2.neg(phiF), d2), f64x2.mul(a, sq)), live);
  const volga = v128.and(f64x2.mul(f64x2.mul(f64x2.mul(vega, d1), d2), f64x2.mul(f64x2.mul(F, a), sq)), live);
  const tpos = f64x2.gt(T, zero);
  const vt = v128.and(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.splat(0.5), phiF), s), iT), live);
  const theta = v128.and(f64x2.sub(f64x2.sub(f64x2.mul(f64x2.mul(rT, iT), V), vt), f64x2.mul(f64x2.mul(dF, b), F)), tpos);
  const rho = v128.and(bsm ? f64x2.mul(T, f64x2.sub(f64x2.mul(dF, F), V)) : f64x2.mul(f64x2.neg(T), V), tpos);
  v128.store(pPrice, V);
  v128.store(pDelta, f64x2.mul(dF, g));
  v128.store(pGamma, f64x2.mul(f64x2.mul(gammaF, g), g));
  v128.store(pVega, vega);
  v128.store(pTheta, theta);
  v128.store(pRho, rho);
  v128.store(pVanna, f64x2.mul(vannaF, g));
  v128.store(pVolga, volga);
}

