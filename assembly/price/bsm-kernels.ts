// Batch kernels for Black–Scholes–Merton (spot S, rate r, dividend/foreign yield q): the
// Black-76 core on F = S·e^((r−q)T), df = e^(−rT), with T <= 0 treated as T = 0 (intrinsic
// max(ω(S−K), 0), undiscounted). Greeks are with respect to S, r (S, q fixed) and calendar time.
import { ST_OK } from '../abi';
import { expF64, expF64x2 } from '../math/exp';
import { black76PriceF64, black76PriceF64x2 } from './black76';
import { greeksF64, greeksF64x2 } from './black76-greeks';
import { bsmStatus, bsmOkF64x2 } from './validate';
import { pminF64, pmaxF64 } from '../math/minmax';

// @ts-ignore: decorator
@inline
function statusPair(pS: usize, pK: usize, pT: usize, pVol: usize, pR: usize, pQ: usize, pOmega: usize, o: usize, pStatus: usize): i32 {
  let bad = 0;
  for (let j: usize = 0; j < 2; j++) {
    const p = o + (j << 3);
    const S = load<f64>(pS + p), T = load<f64>(pT + p), r = load<f64>(pR + p), q = load<f64>(pQ + p);
    const Tp = pmaxF64(T, 0.0);
    const st = bsmStatus(S, load<f64>(pK + p), T, load<f64>(pVol + p), r, q, load<f64>(pOmega + p), S * expF64((r - q) * Tp), expF64(-r * Tp));
    store<i32>(pStatus + (p >> 1), st);
    if (st != ST_OK) bad++;
  }
  return bad;
}

export function bsm_price_f64_soa(n: i32, pS: usize, pK: usize, pT: usize, pVol: usize, pR: usize, pQ: usize, pOmega: usize, pOut: usize, pStatus: usize): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const S = load<f64>(pS + o), K = load<f64>(pK + o), T = load<f64>(pT + o), vol = load<f64>(pVol + o);
    const r = load<f64>(pR + o), q = load<f64>(pQ + o), omega = load<f64>(pOmega + o);
    const Tp = pmaxF64(T, 0.0);
    const F = S * expF64((r - q) * Tp);
    const df = expF64(-r * Tp);
    const st = bsmStatus(S, K, T, vol, r, q, omega, F, df);
    store<i32>(pStatus + (o >> 1), st);
    if (st != ST_OK) {
      bad++;
      store<f64>(pOut + o, NaN);
    } else {
      store<f64>(pOut + o, black76PriceF64(F, K, T, vol, df, omega));
    }
  }
  return bad;
}

export function bsm_price_f64x2_soa(n: i32, pS: usize, pK: usize, pT: usize, pVol: usize, pR: usize, pQ: usize, pOmega: usize, pOut: usize, pStatus: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    const o = <usize>i << 3;
    const S = v128.load(pS + o), K = v128.load(pK + o), T = v128.load(pT + o), vol = v128.load(pVol + o);
    const r = v128.load(pR + o), q = v128.load(pQ + o), omega = v128.load(pOmega + o);
    const Tp = f64x2.pmax(T, f64x2.splat(0));
    const F = f64x2.mul(S, expF64x2(f64x2.mul(f64x2.sub(r, q), Tp)));
    const df = expF64x2(f64x2.mul(f64x2.neg(r), Tp));
    const ok = bsmOkF64x2(S, K, T, vol, r, q, omega, F, df);
    let v = black76PriceF64x2(F, K, T, vol, df, omega);
    if (i64x2.all_true(ok)) {
      store<i64>(pStatus + (o >> 1), 0);
    } else {
      v = v128.bitselect(v, f64x2.splat(NaN), ok);
      bad += statusPair(pS, pK, pT, pVol, pR, pQ, pOmega, o, pStatus);
    }
    v128.store(pOut + o, v);
  }
  if (n2 < n) {
    const o = <usize>n2 << 3;
    bad += bsm_price_f64_soa(1, pS + o, pK + o, pT + o, pVol + o, pR + o, pQ + o, pOmega + o, pOut + o, pStatus + (o >> 1));
  }
  return bad;
}

/** Price, delta (∂V/∂S), gamma, vega, theta (per year), rho (∂V/∂r), vanna (∂²V/∂S∂σ), volga. */
export function bsm_greeks_f64_soa(
  n: i32, pS: usize, pK: usize, pT: usize, pVol: usize, pR: usize, pQ: usize, pOmega: usize,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize, pStatus: usize,
): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const S = load<f64>(pS + o), K = load<f64>(pK + o), T = load<f64>(pT + o), vol = load<f64>(pVol + o);
    const r = load<f64>(pR + o), q = load<f64>(pQ + o), omega = load<f64>(pOmega + o);
    const Tp = pmaxF64(T, 0.0);
    const b = r - q;
    const g = expF64(b * Tp);
    const df = expF64(-r * Tp);
    const st = bsmStatus(S, K, T, vol, r, q, omega, S * g, df);
    store<i32>(pStatus + (o >> 1), st);
    if (st != ST_OK) {
      bad++;
      store<f64>(pPrice + o, NaN); store<f64>(pDelta + o, NaN); store<f64>(pGamma + o, NaN); store<f64>(pVega + o, NaN);
      store<f64>(pTheta + o, NaN); store<f64>(pRho + o, NaN); store<f64>(pVanna + o, NaN); store<f64>(pVolga + o, NaN);
    } else {
      greeksF64(S * g, K, T, vol, df, omega, r * T, b, g, true,
        pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o);
    }
  }
  return bad;
}

export function bsm_greeks_f64x2_soa(
  n: i32, pS: usize, pK: usize, pT: usize, pVol: usize, pR: usize, pQ: usize, pOmega: usize,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize, pStatus: usize,
): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    const o = <usize>i << 3;
    const S = v128.load(pS + o), K = v128.load(pK + o), T = v128.load(pT + o), vol = v128.load(pVol + o);
    const r = v128.load(pR + o), q = v128.load(pQ + o), omega = v128.load(pOmega + o);
    const Tp = f64x2.pmax(T, f64x2.splat(0));
    const b = f64x2.sub(r, q);
    const g = expF64x2(f64x2.mul(b, Tp));
    const df = expF64x2(f64x2.mul(f64x2.neg(r), Tp));
    const ok = bsmOkF64x2(S, K, T, vol, r, q, omega, f64x2.mul(S, g), df);
    greeksF64x2(f64x2.mul(S, g), K, T, vol, df, omega, f64x2.mul(r, T), b, g, true,
      pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o);
    if (i64x2.all_true(ok)) {
      store<i64>(pStatus + (o >> 1), 0);
    } else {
      bad += statusPair(pS, pK, pT, pVol, pR, pQ, pOmega, o, pStatus);
      const nan = f64x2.splat(NaN);
      v128.store(pPrice + o, v128.bitselect(v128.load(pPrice + o), nan, ok));
      v128.store(pDelta + o, v128.bitselect(v128.load(pDelta + o), nan, ok));
      v128.store(pGamma + o, v128.bitselect(v128.load(pGamma + o), nan, ok));
      v128.store(pVega + o, v128.bitselect(v128.load(pVega + o), nan, ok));
      v128.store(pTheta + o, v128.bitselect(v128.load(pTheta + o), nan, ok));
      v128.store(pRho + o, v128.bitselect(v128.load(pRho + o), nan, ok));
      v128.store(pVanna + o, v128.bitselect(v128.load(pVanna + o), nan, ok));
      v128.store(pVolga + o, v128.bitselect(v128.load(pVolga + o), nan, ok));
    }
  }
  if (n2 < n) {
    const o = <usize>n2 << 3;
    bad += bsm_greeks_f64_soa(1, pS + o, pK + o, pT + o, pVol + o, pR + o, pQ + o, pOmega + o,
      pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o, pStatus + (o >> 1));
  }
  return bad;
}

