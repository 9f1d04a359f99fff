// Batch kernels for Black-76: price and price + Greeks over SoA columns (calling convention in
// abi.ts). Items with bad inputs get their status and NaN outputs; the rest are priced.
// Column arguments are byte offsets of 16-byte aligned f64 columns (status: i32 column).
import { ST_OK } from '../abi';
import { logF64, logF64x2 } from '../math/log';
import { black76PriceF64, black76PriceF64x2, black76PriceDirectF64x2 } from './black76';
import { black76MaybeSmallF64x2, black76PriceSmallF64x2 } from './black76-small';
import { greeksF64, greeksF64x2 } from './black76-greeks';
import { black76Status, black76OkF64x2 } from './validate';

// @ts-ignore: decorator
@inline
function statusPair(pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, o: usize, pStatus: usize): i32 {
  let bad = 0;
  for (let j: usize = 0; j < 2; j++) {
    const p = o + (j << 3);
    const st = black76Status(load<f64>(pF + p), load<f64>(pK + p), load<f64>(pT + p), load<f64>(pVol + p), load<f64>(pDf + p), load<f64>(pOmega + p));
    store<i32>(pStatus + (p >> 1), st);
    if (st != ST_OK) bad++;
  }
  return bad;
}

/** price[i] = Black-76 price; scalar loop (both builds). */
export function black76_price_f64_soa(n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pOut: usize, pStatus: usize): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const F = load<f64>(pF + o), K = load<f64>(pK + o), T = load<f64>(pT + o);
    const vol = load<f64>(pVol + o), df = load<f64>(pDf + o), omega = load<f64>(pOmega + o);
    const st = black76Status(F, K, T, vol, df, omega);
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

/** f64x2 version: two items per step; identical results to the scalar kernel. */
export function black76_price_f64x2_soa(n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pOut: usize, pStatus: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n4 = n & ~3;
  let i = 0;
  // Two vectors per step: independent chains keep both FP ports busy.
  for (; i < n4; i += 4) {
    const o = <usize>i << 3;
    const F = v128.load(pF + o), K = v128.load(pK + o), T = v128.load(pT + o);
    const vol = v128.load(pVol + o), df = v128.load(pDf + o), omega = v128.load(pOmega + o);
    const F2 = v128.load(pF + o, 16), K2 = v128.load(pK + o, 16), T2 = v128.load(pT + o, 16);
    const vol2 = v128.load(pVol + o, 16), df2 = v128.load(pDf + o, 16), omega2 = v128.load(pOmega + o, 16);
    const ok = v128.and(black76OkF64x2(F, K, T, vol, df, omega), black76OkF64x2(F2, K2, T2, vol2, df2, omega2));
    // Direct formula for both vectors; lanes that may have a small vol·√T (rare in most books)
    // are re-priced after the stores, out of line. A branch between the two chains would split
    // them and cost ~20 % (measured).
    const maybe = v128.or(black76MaybeSmallF64x2(vol, T), black76MaybeSmallF64x2(vol2, T2));
    const v = black76PriceDirectF64x2(F, K, T, vol, df, omega);
    const v2 = black76PriceDirectF64x2(F2, K2, T2, vol2, df2, omega2);
    v128.store(pOut + o, v);
    v128.store(pOut + o, v2, 16);
    if (i64x2.all_true(v128.andnot(ok, maybe))) { // all valid, none possibly small
      store<i64>(pStatus + (o >> 1), 0);
      store<i64>(pStatus + (o >> 1), 0, 8);
    } else {
      bad += black76_price_rest4(pF, pK, pT, pVol, pDf, pOmega, pOut, pStatus, o);
    }
  }
  const n2 = n & ~1;
  for (; i < n2; i += 2) {
    bad += black76_price_pair(pF, pK, pT, pVol, pDf, pOmega, pOut, pStatus, <usize>i << 3);
  }
  if (n2 < n) bad += black76_price_f64_soa(1, pF + (<usize>n2 << 3), pK + (<usize>n2 << 3), pT + (<usize>n2 << 3), pVol + (<usize>n2 << 3), pDf + (<usize>n2 << 3), pOmega + (<usize>n2 << 3), pOut + (<usize>n2 << 3), pStatus + (<usize>n2 << 2));
  return bad;
}

/**
 * The four items at o after the direct formula: a vector with a bad item takes the general step;
 * a valid vector that may have a small vol·√T is re-priced with the small-s path (black76-small.ts,
 * same bits as black76PriceF64x2); the others keep their price.
 */
function black76_price_rest4(pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pOut: usize, pStatus: usize, o: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable();
  let bad = 0;
  for (let j: usize = 0; j < 32; j += 16) {
    const p = o + j;
    const F = v128.load(pF + p), K = v128.load(pK + p), T = v128.load(pT + p);
    const vol = v128.load(pVol + p), df = v128.load(pDf + p), omega = v128.load(pOmega + p);
    if (!i64x2.all_true(black76OkF64x2(F, K, T, vol, df, omega))) {
      bad += black76_price_pair(pF, pK, pT, pVol, pDf, pOmega, pOut, pStatus, p);
      continue;
    }
    store<i64>(pStatus + (p >> 1), 0);
    if (v128.any_true(black76MaybeSmallF64x2(vol, T))) {
      v128.store(pOut + p, black76PriceSmallF64x2(F, K, T, vol, df, omega, v128.load(pOut + p)));
    }
  }
  return bad;
}

/** One f64x2 step with full status handling (loop tail and vectors with a bad item). */
function black76_price_pair(pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pOut: usize, pStatus: usize, o: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable();
  let bad = 0;
  {
    const F = v128.load(pF + o), K = v128.load(pK + o), T = v128.load(pT + o);
    const vol = v128.load(pVol + o), df = v128.load(pDf + o), omega = v128.load(pOmega + o);
    const ok = black76OkF64x2(F, K, T, vol, df, omega);
    let v = black76PriceF64x2(F, K, T, vol, df, omega);
    if (i64x2.all_true(ok)) {
      store<i64>(pStatus + (o >> 1), 0);
    } else {
      v = v128.bitselect(v, f64x2.splat(NaN), ok);
      bad += statusPair(pF, pK, pT, pVol, pDf, pOmega, o, pStatus);
    }
    v128.store(pOut + o, v);
  }
  return bad;
}

/**
 * Price and Greeks: price, delta (∂V/∂F), gamma, vega (per 1.00 vol), theta (per year, dV/dt with
 * r = −ln(df)/T), rho (−T·V, forward fixed), vanna, volga. Scalar loop.
 */
export function black76_greeks_f64_soa(
  n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize, pStatus: usize,
): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const F = load<f64>(pF + o), K = load<f64>(pK + o), T = load<f64>(pT + o);
    const vol = load<f64>(pVol + o), df = load<f64>(pDf + o), omega = load<f64>(pOmega + o);
    const st = black76Status(F, K, T, vol, df, omega);
    store<i32>(pStatus + (o >> 1), st);
    if (st != ST_OK) {
      bad++;
      store<f64>(pPrice + o, NaN); store<f64>(pDelta + o, NaN); store<f64>(pGamma + o, NaN); store<f64>(pVega + o, NaN);
      store<f64>(pTheta + o, NaN); store<f64>(pRho + o, NaN); store<f64>(pVanna + o, NaN); store<f64>(pVolga + o, NaN);
    } else {
      const rT = -logF64(df); // r·T with r = −ln(df)/T
      greeksF64(F, K, T, vol, df, omega, rT, 0.0, 1.0, false,
        pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o);
    }
  }
  return bad;
}

export function black76_greeks_f64x2_soa(
  n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize,
  pPrice: usize, pDelta: usize, pGamma: usize, pVega: usize, pTheta: usize, pRho: usize, pVanna: usize, pVolga: usize, pStatus: usize,
): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n2 = n & ~1;
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1.0);
  let i = 0;
  // Two vectors per step (independent chains), then the general loop for the rest.
  const n4 = n & ~3;
  for (; i < n4; i += 4) {
    const o = <usize>i << 3;
    const F = v128.load(pF + o), K = v128.load(pK + o), T = v128.load(pT + o);
    const vol = v128.load(pVol + o), df = v128.load(pDf + o), omega = v128.load(pOmega + o);
    const F2 = v128.load(pF + o, 16), K2 = v128.load(pK + o, 16), T2 = v128.load(pT + o, 16);
    const vol2 = v128.load(pVol + o, 16), df2 = v128.load(pDf + o, 16), omega2 = v128.load(pOmega + o, 16);
    const ok = v128.and(black76OkF64x2(F, K, T, vol, df, omega), black76OkF64x2(F2, K2, T2, vol2, df2, omega2));
    if (!i64x2.all_true(ok)) break; // a bad item: finish in the general loop below
    greeksF64x2(F, K, T, vol, df, omega, f64x2.neg(logF64x2(df)), zero, one, false,
      pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o);
    const o2 = o + 16;
    greeksF64x2(F2, K2, T2, vol2, df2, omega2, f64x2.neg(logF64x2(df2)), zero, one, false,
      pPrice + o2, pDelta + o2, pGamma + o2, pVega + o2, pTheta + o2, pRho + o2, pVanna + o2, pVolga + o2);
    store<i64>(pStatus + (o >> 1), 0);
    store<i64>(pStatus + (o >> 1), 0, 8);
  }
  for (; i < n2; i += 2) {
    const o = <usize>i << 3;
    const F = v128.load(pF + o), K = v128.load(pK + o), T = v128.load(pT + o);
    const vol = v128.load(pVol + o), df = v128.load(pDf + o), omega = v128.load(pOmega + o);
    const ok = black76OkF64x2(F, K, T, vol, df, omega);
    const rT = f64x2.neg(logF64x2(df));
    greeksF64x2(F, K, T, vol, df, omega, rT, zero, one, false,
      pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o);
    if (i64x2.all_true(ok)) {
      store<i64>(pStatus + (o >> 1), 0);
    } else {
      bad += statusPair(pF, pK, pT, pVol, pDf, pOmega, o, pStatus);
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
    bad += black76_greeks_f64_soa(1, pF + o, pK + o, pT + o, pVol + o, pDf + o, pOmega + o,
      pPrice + o, pDelta + o, pGamma + o, pVega + o, pTheta + o, pRho + o, pVanna + o, pVolga + o, pStatus + (o >> 1));
  }
  return bad;
}

