// Standard normal cdf Φ(x) and pdf n(x), f64 and f64x2 (same operations, identical bits).
// Source: W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp.
// 23 (1969) 631-637, in the form of his ALGORITHM 715 ANORM (as R's pnorm uses it): three
// regions |x| <= 0.67448975 (Φ = 1/2 + x·A(x²)/B(x²)), |x| <= sqrt(32) (Φ(−y) = e^(−y²/2)·C(y)/D(y))
// and beyond (Φ(−y) = e^(−y²/2)·(1/√(2π) − P(1/y²)/(y²·Q(1/y²)))/y, here with numerator and
// denominator multiplied by y^10 so no reciprocal is needed). Each branch ends in one division.
// The lower tail keeps full relative accuracy: y² is split exactly (Dekker) into hi + lo and
// e^(−y²/2) = e^(−hi/2)·(1 − lo/2), so the rounding of y² (up to 8e-14 relative at y = 38)
// does not leak into the result.
// Measured max error vs decimal.js at 60 digits (test/math.test.ts): Φ absolute 8.3e-17 over
// [-40, 40] (1400 points); Φ relative 4.8e-16 over [-37.5, 0] (the lower tail, 1500 points, down
// to where Φ leaves the normal range); n relative 3.6e-16 over [-37.5, 37.5].

export const A0: f64 = 2.2352520354606839287;
export const A1: f64 = 161.02823106855587881;
export const A2: f64 = 1067.6894854603709582;
export const A3: f64 = 18154.981253343561249;
export const A4: f64 = 0.065682337918207449113;
export const B0: f64 = 47.20258190468824187;
export const B1: f64 = 976.09855173777669322;
export const B2: f64 = 10260.932208618978205;
export const B3: f64 = 45507.789335026729956;
export const C0: f64 = 0.39894151208813466764;
export const C1: f64 = 8.8831497943883759412;
export const C2: f64 = 93.506656132177855979;
export const C3: f64 = 597.27027639480026226;
export const C4: f64 = 2494.5375852903726711;
export const C5: f64 = 6848.1904505362823326;
export const C6: f64 = 11602.651437647350124;
export const C7: f64 = 9842.7148383839780218;
export const C8: f64 = 1.0765576773720192317e-8;
export const D0: f64 = 22.266688044328115691;
export const D1: f64 = 235.38790178262499861;
export const D2: f64 = 1519.377599407554805;
export const D3: f64 = 6485.558298266760755;
export const D4: f64 = 18615.571640885098091;
export const D5: f64 = 34900.952721145977266;
export const D6: f64 = 38912.003286093271411;
export const D7: f64 = 19685.429676859990727;
export const P0: f64 = 0.21589853405795699;
export const P1: f64 = 0.1274011611602473639;
export const P2: f64 = 0.022235277870649807;
export const P3: f64 = 0.001421619193227893466;
export const P4: f64 = 2.9112874951168792e-5;
export const P5: f64 = 0.02307344176494017303;
export const Q0: f64 = 1.28426009614491121;
export const Q1: f64 = 0.468238212480865118;
export const Q2: f64 = 0.0659881378689285515;
export const Q3: f64 = 0.00378239633202758244;
export const Q4: f64 = 7.29751555083966205e-5;
export const INV_SQRT_2PI: f64 = 0.398942280401432677939946059934;
export const SPLIT_CENTRAL: f64 = 0.67448975;
export const SPLIT_TAIL: f64 = 5.656854249492380195206754896838; // sqrt(32)
const Y_CAP: f64 = 40.0; // Φ(−40) underflows; capping keeps y^12 finite in the tail polynomial
const DEKKER: f64 = 134217729.0; // 2^27 + 1

import { expF64, expF64x2 } from './exp';
import { pminF64, pmaxF64 } from './minmax';

/** e^(−x²/2) with x² split exactly into hi + lo (full relative accuracy for large |x|). */
// @ts-ignore: decorator
@inline
export function gaussF64(x: f64): f64 {
  x = pminF64(abs(x), Y_CAP); // e^(−800) = 0 already; keeps the Dekker split finite (NaN stays NaN)
  const hi = x * x;
  const c = x * DEKKER;
  const xh = c - (c - x);
  const xl = x - xh;
  const lo = xh * xh - hi + 2.0 * xh * xl + xl * xl;
  return expF64(-0.5 * hi) * (1.0 - 0.5 * lo);
}

// @ts-ignore: decorator
@inline
export function gaussF64x2(x: v128): v128 {
  x = f64x2.pmin(f64x2.abs(x), f64x2.splat(Y_CAP));
  const hi = f64x2.mul(x, x);
  const c = f64x2.mul(x, f64x2.splat(DEKKER));
  const xh = f64x2.sub(c, f64x2.sub(c, x));
  const xl = f64x2.sub(x, xh);
  const lo = f64x2.add(f64x2.add(f64x2.sub(f64x2.mul(xh, xh), hi), f64x2.mul(f64x2.mul(f64x2.splat(2.0), xh), xl)), f64x2.mul(xl, xl));
  return f64x2.mul(expF64x2(f64x2.mul(f64x2.splat(-0.5), hi)), f64x2.sub(f64x2.splat(1.0), f64x2.mul(f64x2.splat(0.5), lo)));
}

/** Standard normal density n(x). */
// @ts-ignore: decorator
@inline
export function npdfF64(x: f64): f64 {
  return INV_SQRT_2PI * gaussF64(x);
}

// @ts-ignore: decorator
@inline
export function npdfF64x2(x: v128): v128 {
  return f64x2.mul(f64x2.splat(INV_SQRT_2PI), gaussF64x2(x));
}

/** Standard normal cdf Φ(x). */
export function ncdfF64(x: f64): f64 {
  const y = abs(x);
  if (y <= SPLIT_CENTRAL) {
    const w = x * x;
    const num = x * ((((A4 * w + A0) * w + A1) * w + A2) * w + A3);
    const den = (((w + B0) * w + B1) * w + B2) * w + B3;
    return 0.5 + 1.0 * (num / den);
  }
  let num: f64, den: f64;
  const e = gaussF64(y);
  if (y <= SPLIT_TAIL) {
    num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
    den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
  } else {
    const yc = pminF64(y, Y_CAP);
    const w = yc * yc;
    const pt = ((((P4 * w + P3) * w + P2) * w + P1) * w + P0) * w + P5;
    const qt = ((((Q4 * w + Q3) * w + Q2) * w + Q1) * w + Q0) * w + 1.0;
    const wq = w * qt;
    num = wq * INV_SQRT_2PI - pt;
    den = yc * wq;
  }
  return x > 0 ? 1.0 + e * (-num / den) : 0.0 + e * (num / den);
}

// @ts-ignore: decorator
@inline
export function ncdfF64x2(x: v128): v128 {
  const y = f64x2.abs(x);
  // central region
  const w0 = f64x2.mul(x, x);
  const numA = f64x2.mul(x, f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(A4), w0), f64x2.splat(A0)), w0), f64x2.splat(A1)), w0), f64x2.splat(A2)), w0), f64x2.splat(A3)));
  const denA = f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(w0, f64x2.splat(B0)), w0), f64x2.splat(B1)), w0), f64x2.splat(B2)), w0), f64x2.splat(B3));
  // middle region
  let nc = f64x2.add(f64x2.mul(f64x2.splat(C8), y), f64x2.splat(C0));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C1));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C2));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C3));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C4));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C5));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C6));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C7));
  let dc = f64x2.add(y, f64x2.splat(D0));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D1));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D2));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D3));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D4));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D5));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D6));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D7));
  // tail region
  const yc = f64x2.pmin(y, f64x2.splat(Y_CAP));
  const w = f64x2.mul(yc, yc);
  let pt = f64x2.add(f64x2.mul(f64x2.splat(P4), w), f64x2.splat(P3));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P2));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P1));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P0));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P5));
  let qt = f64x2.add(f64x2.mul(f64x2.splat(Q4), w), f64x2.splat(Q3));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q2));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q1));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q0));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(1.0));
  const wq = f64x2.mul(w, qt);
  const nt = f64x2.sub(f64x2.mul(wq, f64x2.splat(INV_SQRT_2PI)), pt);
  const dt = f64x2.mul(yc, wq);

  const central = f64x2.le(y, f64x2.splat(SPLIT_CENTRAL));
  const mid = f64x2.le(y, f64x2.splat(SPLIT_TAIL));
  const pos = f64x2.gt(x, f64x2.splat(0));
  let num = v128.bitselect(nc, nt, mid);
  num = v128.bitselect(f64x2.neg(num), num, pos);
  num = v128.bitselect(numA, num, central);
  const den = v128.bitselect(denA, v128.bitselect(dc, dt, mid), central);
  const c = v128.bitselect(f64x2.splat(0.5), v128.bitselect(f64x2.splat(1.0), f64x2.splat(0.0), pos), central);
  const f = v128.bitselect(f64x2.splat(1.0), gaussF64x2(y), central);
  return f64x2.add(c, f64x2.mul(f, f64x2.div(num, den)));
}

// Pieces of Φ for kernels that combine two cdf values over one division (see price/black76.ts).
// For y = |x|: central Φ(x) = 1/2 + x·A/B; middle Φ(−y) = g·C/D; tail Φ(−y) = g·Nt/Dt, g = e^(−y²/2).

/** x·A(x²) and B(x²) of the central region. */
// @ts-ignore: decorator
@inline
export function cdfCentralNumF64x2(x: v128, w: v128): v128 {
  return f64x2.mul(x, f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(A4), w), f64x2.splat(A0)), w), f64x2.splat(A1)), w), f64x2.splat(A2)), w), f64x2.splat(A3)));
}
// @ts-ignore: decorator
@inline
export function cdfCentralDenF64x2(w: v128): v128 {
  return f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(w, f64x2.splat(B0)), w), f64x2.splat(B1)), w), f64x2.splat(B2)), w), f64x2.splat(B3));
}
// @ts-ignore: decorator
@inline
export function cdfCentralNumF64(x: f64, w: f64): f64 {
  return x * ((((A4 * w + A0) * w + A1) * w + A2) * w + A3);
}
// @ts-ignore: decorator
@inline
export function cdfCentralDenF64(w: f64): f64 {
  return (((w + B0) * w + B1) * w + B2) * w + B3;
}

// @ts-ignore: decorator
@inline
export function cdfMidNumF64x2(y: v128): v128 {
  let nc = f64x2.add(f64x2.mul(f64x2.splat(C8), y), f64x2.splat(C0));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C1));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C2));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C3));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C4));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C5));
  nc = f64x2.add(f64x2.mul(nc, y), f64x2.splat(C6));
  return f64x2.add(f64x2.mul(nc, y), f64x2.splat(C7));
}
// @ts-ignore: decorator
@inline
export function cdfMidDenF64x2(y: v128): v128 {
  let dc = f64x2.add(y, f64x2.splat(D0));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D1));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D2));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D3));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D4));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D5));
  dc = f64x2.add(f64x2.mul(dc, y), f64x2.splat(D6));
  return f64x2.add(f64x2.mul(dc, y), f64x2.splat(D7));
}
// @ts-ignore: decorator
@inline
export function cdfMidNumF64(y: f64): f64 {
  return (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
}
// @ts-ignore: decorator
@inline
export function cdfMidDenF64(y: f64): f64 {
  return (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
}

/** Tail numerator w·Q̃/√(2π) − P̃ and denominator y·w·Q̃ for y capped at 40 (w = y²). */
// @ts-ignore: decorator
@inline
export function cdfTailNumF64x2(w: v128, wq: v128): v128 {
  let pt = f64x2.add(f64x2.mul(f64x2.splat(P4), w), f64x2.splat(P3));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P2));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P1));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P0));
  pt = f64x2.add(f64x2.mul(pt, w), f64x2.splat(P5));
  return f64x2.sub(f64x2.mul(wq, f64x2.splat(INV_SQRT_2PI)), pt);
}
/** w·Q̃(w). */
// @ts-ignore: decorator
@inline
export function cdfTailWqF64x2(w: v128): v128 {
  let qt = f64x2.add(f64x2.mul(f64x2.splat(Q4), w), f64x2.splat(Q3));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q2));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q1));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(Q0));
  qt = f64x2.add(f64x2.mul(qt, w), f64x2.splat(1.0));
  return f64x2.mul(w, qt);
}
// @ts-ignore: decorator
@inline
export function cdfTailNumF64(w: f64, wq: f64): f64 {
  const pt = ((((P4 * w + P3) * w + P2) * w + P1) * w + P0) * w + P5;
  return wq * INV_SQRT_2PI - pt;
}
// @ts-ignore: decorator
@inline
export function cdfTailWqF64(w: f64): f64 {
  return w * (((((Q4 * w + Q3) * w + Q2) * w + Q1) * w + Q0) * w + 1.0);
}

