// Black-76 out-of-the-money value for small total vol s = vol·√T near the money (expiries minutes
// to days away), where m·Φ(e+) − M·Φ(e−) (price/black76.ts) cancels: both terms are O(M), their
// difference O(s·M), so roundings of q = m/M and of e± cost ~1e-16/s relative.
//
// Method (Jäckel, "Let's be rational", 2015, small-t expansion; coefficients re-derived from
// Y' = 1 + h·Y): with x = ln(m/M) <= 0, h = x/s, t = s/2, Y(z) = Φ(z)/φ(z),
//   V_otm = √(mM)·(e^(x/2)·Φ(h+t) − e^(−x/2)·Φ(h−t)) = √(mM)·e^(−(h²+t²)/2)/√(2π)·(Y(h+t) − Y(h−t))
//   Y(h+t) − Y(h−t) = 2t·Σ_k Y^(2k+1)(h)·t^(2k)/(2k+1)!,  Y^(2k+1)(h) = α_k(h²)·a − β_k(h²),
// a = Y'(h) = 1 + h·Y(h): no difference of nearly equal terms (a > 0, the series terms are
// relative corrections of order (t·h)^(2k)/(2k+1)!). x comes from the exact difference m − M
// (Sterbenz: m >= M/2 here) through 2·atanh, so it has full relative accuracy.
// Domain (black76SmallF64): 0 < s < SMALL_S and (M − m)/M <= 5.3·s, so |h| <= 5.61 < √32 (Cody's
// central and middle regions give a without a second exp) and w·h² <= 3.2e-3: the terms through
// k = 5 leave a truncation below 1e-19. Outside it the direct formula is already accurate: for
// s >= SMALL_S its error is ~1e-15/s (1.1e-13 measured on [0.02, 0.05]), and for |h| > 5.3 an OTM
// value is below 1e-8·F while an ITM one is dominated by its exactly computed intrinsic part.
// Measured (test/price-kernels.test.ts vs decimal.js at 60 digits, price > 1e-8·F): max relative
// error 8.1e-15 over s in [1e-6, 3e-3], |h| <= 8 (direct formula alone: 6.4e-10 at s ~ 1e-6).
// Cost: four divisions, one exp and ~90 flops, only for vectors with a lane in the domain; the
// price kernel keeps its hot loop free of it (black76-kernels.ts re-prices such vectors after).
// The Greeks and delta kernels use black76LogSmallF64 for d1 in the same domain.
import { expBoundedF64, expBoundedF64x2 } from '../math/exp';
import { pminF64, pmaxF64 } from '../math/minmax';
import {
  SPLIT_CENTRAL,
  cdfCentralNumF64, cdfCentralDenF64, cdfMidNumF64, cdfMidDenF64,
  cdfCentralNumF64x2, cdfCentralDenF64x2, cdfMidNumF64x2, cdfMidDenF64x2,
} from '../math/cody';

export const SMALL_S: f64 = 0.02;
const H_SMALL: f64 = 5.3; // (M − m)/M <= 5.3·s keeps |h| = |ln(m/M)|/s below √32 (Cody's middle region)
const MAYBE_S2: f64 = 0.02 * 0.02 * 1.001; // vol²·T below it: a lane may be in the domain
const SQRT_2PI: f64 = 2.5066282746310002;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
// 1/(2k+1)! for the series coefficients
const R3: f64 = 1.0 / 6.0;
const R5: f64 = 1.0 / 120.0;
const R7: f64 = 1.0 / 5040.0;
const R9: f64 = 1.0 / 362880.0;
const R11: f64 = 1.0 / 39916800.0;

/**
 * True when the lane takes the small-s path: 0 < s < SMALL_S and M − m <= H_SMALL·s·M. No log:
 * ln(M/m) <= −ln(1 − H_SMALL·s)/s·s, so |h| <= 5.61 < √32 for every s < SMALL_S.
 */
// @ts-ignore: decorator
@inline
export function black76SmallF64(s: f64, M: f64, m: f64): bool {
  return s > 0 && s < SMALL_S && M - m <= H_SMALL * s * M;
}

// @ts-ignore: decorator
@inline
export function black76SmallF64x2(s: v128, M: v128, m: v128): v128 {
  return v128.and(
    v128.and(f64x2.gt(s, f64x2.splat(0)), f64x2.lt(s, f64x2.splat(SMALL_S))),
    f64x2.le(f64x2.sub(M, m), f64x2.mul(f64x2.mul(f64x2.splat(H_SMALL), s), M)),
  );
}

/**
 * x = ln(m/M) to full relative accuracy for a lane in the small-s domain (m >= M/2):
 * ln(1 + r) = 2·atanh(z), z = r/(2 + r), r = (m − M)/M with m − M exact; |z| <= 0.057 so the
 * first omitted term z^14/15 is below 3e-18 relative. (ln of the rounded q = m/M is off by up to
 * 1.1e-16 absolute, which moves d1 by 1e-16/s.)
 */
// @ts-ignore: decorator
@inline
export function black76LogSmallF64(M: f64, m: f64): f64 {
  const r = (m - M) / M;
  const z = r / (2.0 + r);
  const z2 = z * z;
  return 2.0 * z * (1.0 + z2 * (1.0 / 3.0 + z2 * (0.2 + z2 * (1.0 / 7.0 + z2 * (1.0 / 9.0 + z2 * (1.0 / 11.0 + z2 * (1.0 / 13.0)))))));
}

// @ts-ignore: decorator
@inline
export function black76LogSmallF64x2(M: v128, m: v128): v128 {
  const r = f64x2.div(f64x2.sub(m, M), M);
  const z = f64x2.div(r, f64x2.add(f64x2.splat(2.0), r));
  const z2 = f64x2.mul(z, z);
  let p = f64x2.add(f64x2.splat(1.0 / 11.0), f64x2.mul(z2, f64x2.splat(1.0 / 13.0)));
  p = f64x2.add(f64x2.splat(1.0 / 9.0), f64x2.mul(z2, p));
  p = f64x2.add(f64x2.splat(1.0 / 7.0), f64x2.mul(z2, p));
  p = f64x2.add(f64x2.splat(0.2), f64x2.mul(z2, p));
  p = f64x2.add(f64x2.splat(1.0 / 3.0), f64x2.mul(z2, p));
  p = f64x2.add(f64x2.splat(1.0), f64x2.mul(z2, p));
  return f64x2.mul(f64x2.mul(f64x2.splat(2.0), z), p);
}

/** OTM value M·(q·Φ(e+) − Φ(e−)) for a lane in the small-s domain; m = min(F,K), q = m/M. */
// Not inlined (both versions): the callers' hot loops stay small and keep their registers.
export function black76OtmSmallF64(M: f64, m: f64, q: f64, s: f64): f64 {
  const x = black76LogSmallF64(M, m);
  const h = x / s;
  const h2 = h * h;
  const t = 0.5 * s;
  const w = t * t;
  const G = expBoundedF64(-0.5 * h2); // e^(−h²/2)
  // a = 1 + h·Y(h) over one division: central Φ(h) = 1/2 + N/B, Y = √(2π)·Φ(h)/G, so
  // a = (B·G + h·√(2π)·(B/2 + N))/(B·G) (a >= 0.57 there); middle Y(−y) = √(2π)·C(y)/D(y)
  // (cody.ts), a = (D − y·√(2π)·C)/D, which loses up to y² <= 32 ulps to cancellation.
  let an: f64, ad: f64;
  if (-h <= SPLIT_CENTRAL) {
    const B = cdfCentralDenF64(h2);
    ad = B * G;
    an = ad + h * (SQRT_2PI * (0.5 * B + cdfCentralNumF64(h, h2)));
  } else {
    const y = -h;
    ad = cdfMidDenF64(y);
    an = ad - y * (SQRT_2PI * cdfMidNumF64(y));
  }
  const a = an / ad;
  const c1 = (a * (h2 + 3.0) - 1.0) * R3;
  const c2 = (a * ((h2 + 10.0) * h2 + 15.0) - (h2 + 7.0)) * R5;
  const c3 = (a * (((h2 + 21.0) * h2 + 105.0) * h2 + 105.0) - ((h2 + 18.0) * h2 + 57.0)) * R7;
  const c4 = (a * ((((h2 + 36.0) * h2 + 378.0) * h2 + 1260.0) * h2 + 945.0) - (((h2 + 33.0) * h2 + 285.0) * h2 + 561.0)) * R9;
  const c5 = (a * (((((h2 + 55.0) * h2 + 990.0) * h2 + 6930.0) * h2 + 17325.0) * h2 + 10395.0) - ((((h2 + 52.0) * h2 + 840.0) * h2 + 4680.0) * h2 + 6555.0)) * R11;
  const S = a + w * (c1 + w * (c2 + w * (c3 + w * (c4 + w * c5))));
  const ew = 1.0 + w * (-0.5 + w * (0.125 + w * (-1.0 / 48.0))); // e^(−t²/2), t² < 1e-4
  return M * sqrt(q) * (s * INV_SQRT_2PI) * (G * ew) * S;
}

export function black76OtmSmallF64x2(M: v128, m: v128, q: v128, s: v128): v128 {
  const one = f64x2.splat(1.0);
  const x = black76LogSmallF64x2(M, m);
  const h = f64x2.div(x, s);
  const h2 = f64x2.mul(h, h);
  const t = f64x2.mul(f64x2.splat(0.5), s);
  const w = f64x2.mul(t, t);
  const G = expBoundedF64x2(f64x2.mul(f64x2.splat(-0.5), h2));
  const y = f64x2.neg(h);
  const central = f64x2.le(y, f64x2.splat(SPLIT_CENTRAL));
  const B = cdfCentralDenF64x2(h2);
  const adC = f64x2.mul(B, G);
  const anC = f64x2.add(adC, f64x2.mul(h, f64x2.mul(f64x2.splat(SQRT_2PI), f64x2.add(f64x2.mul(f64x2.splat(0.5), B), cdfCentralNumF64x2(h, h2)))));
  const adM = cdfMidDenF64x2(y);
  const anM = f64x2.sub(adM, f64x2.mul(y, f64x2.mul(f64x2.splat(SQRT_2PI), cdfMidNumF64x2(y))));
  const a = f64x2.div(v128.bitselect(anC, anM, central), v128.bitselect(adC, adM, central));
  // coefficients α_k(h²)·a − β_k(h²), Horner in h² as in the scalar version
  const c1 = f64x2.mul(f64x2.sub(f64x2.mul(a, f64x2.add(h2, f64x2.splat(3.0))), one), f64x2.splat(R3));
  const c2 = f64x2.mul(f64x2.sub(
    f64x2.mul(a, hornerF64x2(h2, 10.0, 15.0, 0, 0, 0, 2)),
    f64x2.add(h2, f64x2.splat(7.0))), f64x2.splat(R5));
  const c3 = f64x2.mul(f64x2.sub(
    f64x2.mul(a, hornerF64x2(h2, 21.0, 105.0, 105.0, 0, 0, 3)),
    hornerF64x2(h2, 18.0, 57.0, 0, 0, 0, 2)), f64x2.splat(R7));
  const c4 = f64x2.mul(f64x2.sub(
    f64x2.mul(a, hornerF64x2(h2, 36.0, 378.0, 1260.0, 945.0, 0, 4)),
    hornerF64x2(h2, 33.0, 285.0, 561.0, 0, 0, 3)), f64x2.splat(R9));
  const c5 = f64x2.mul(f64x2.sub(
    f64x2.mul(a, hornerF64x2(h2, 55.0, 990.0, 6930.0, 17325.0, 10395.0, 5)),
    hornerF64x2(h2, 52.0, 840.0, 4680.0, 6555.0, 0, 4)), f64x2.splat(R11));
  let S = f64x2.add(c4, f64x2.mul(w, c5));
  S = f64x2.add(c3, f64x2.mul(w, S));
  S = f64x2.add(c2, f64x2.mul(w, S));
  S = f64x2.add(c1, f64x2.mul(w, S));
  S = f64x2.add(a, f64x2.mul(w, S));
  let ew = f64x2.add(f64x2.splat(0.125), f64x2.mul(w, f64x2.splat(-1.0 / 48.0)));
  ew = f64x2.add(f64x2.splat(-0.5), f64x2.mul(w, ew));
  ew = f64x2.add(one, f64x2.mul(w, ew));
  const sc = f64x2.mul(f64x2.mul(f64x2.mul(M, f64x2.sqrt(q)), f64x2.mul(s, f64x2.splat(INV_SQRT_2PI))), f64x2.mul(G, ew));
  return f64x2.mul(sc, S);
}

/** Monic Horner ((((v + c1)·v + c2)·v + c3)·v + c4)·v + c5, first n coefficients (matches the scalar order). */
// @ts-ignore: decorator
@inline
function hornerF64x2(v: v128, c1: f64, c2: f64, c3: f64, c4: f64, c5: f64, n: i32): v128 {
  let p = f64x2.add(v, f64x2.splat(c1));
  if (n > 1) p = f64x2.add(f64x2.mul(p, v), f64x2.splat(c2));
  if (n > 2) p = f64x2.add(f64x2.mul(p, v), f64x2.splat(c3));
  if (n > 3) p = f64x2.add(f64x2.mul(p, v), f64x2.splat(c4));
  if (n > 4) p = f64x2.add(f64x2.mul(p, v), f64x2.splat(c5));
  return p;
}

/** Cheap pre-test on the inputs (no sqrt, no log): false means no lane is in the small-s domain. */
// @ts-ignore: decorator
@inline
export function black76MaybeSmallF64(vol: f64, T: f64): bool {
  return vol * vol * T < MAYBE_S2;
}

// @ts-ignore: decorator
@inline
export function black76MaybeSmallF64x2(vol: v128, T: v128): v128 {
  return f64x2.lt(f64x2.mul(f64x2.mul(vol, vol), T), f64x2.splat(MAYBE_S2));
}

/**
 * Black-76 price for lanes in the small-s domain, `v` (the direct price) elsewhere. Same frame
 * and final assembly as price/black76.ts, so a lane gives the same bits as in the Greeks kernel.
 */
export function black76PriceSmallF64(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64, v: f64): f64 {
  const M = pmaxF64(F, K);
  const m = pminF64(F, K);
  const q = m / M;
  const s = vol * sqrt(pmaxF64(T, 0.0));
  if (!black76SmallF64(s, M, m)) return v;
  let otm = black76OtmSmallF64(M, m, q, s);
  otm = s > 0 && q > 0 ? pmaxF64(otm, 0.0) : 0.0;
  const cap = omega > 0 ? F : K;
  return df * pminF64(otm + pmaxF64(omega * (F - K), 0.0), cap);
}

export function black76PriceSmallF64x2(F: v128, K: v128, T: v128, vol: v128, df: v128, omega: v128, v: v128): v128 {
  const zero = f64x2.splat(0);
  const M = f64x2.pmax(F, K);
  const m = f64x2.pmin(F, K);
  const q = f64x2.div(m, M);
  const s = f64x2.mul(vol, f64x2.sqrt(f64x2.pmax(T, zero)));
  const small = black76SmallF64x2(s, M, m);
  if (!v128.any_true(small)) return v;
  const live = v128.and(f64x2.gt(s, zero), f64x2.gt(q, zero));
  const otm = v128.and(f64x2.pmax(black76OtmSmallF64x2(M, m, q, s), zero), live);
  const cap = v128.bitselect(F, K, f64x2.gt(omega, zero));
  const p = f64x2.mul(df, f64x2.pmin(f64x2.add(otm, f64x2.pmax(f64x2.mul(omega, f64x2.sub(F, K)), zero)), cap));
  return v128.bitselect(p, v, small);
}
