// W. J. Cody's rational Chebyshev approximations of the normal cdf ("Rational Chebyshev
// approximations for the error function", Math. Comp. 23 (1969) 631-637, in the form of his
// ALGORITHM 715 ANORM, as R's pnorm uses it), split into pieces so kernels can combine two cdf
// values over one division. For y = |x|:
//   central (y <= 0.67448975):  Φ(x)  = 1/2 + x·A(x²)/B(x²)
//   middle  (y <= √32):         Φ(−y) = g·C(y)/D(y)
//   tail:                       Φ(−y) = g·(1/√(2π) − P(1/y²)/(y²·Q(1/y²)))/y
//                                     = g·(w·Q̃(w)/√(2π) − P̃(w))/(y·w·Q̃(w)),  w = y² (×y^10, no reciprocal)
// with g = e^(−y²/2). Accuracy as measured for the assembled Φ: see ncdf.ts.
import { pminF64 } from './minmax';

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

// Coefficients of the mid-region polynomials as splatted pairs in static memory (below ARENA_BASE,
// abi.ts): V8 builds a v128.const from immediates with three instructions, two of them on the
// vector ports the Black-76 kernels saturate; a v128.load uses a load port (~1-2 % measured; the
// same for all constants was slower: the loads then compete with V8's spill traffic).
const MID_TAB: usize = memory.data<f64>([
  C8, C8, C0, C0, C1, C1, C2, C2, C3, C3, C4, C4, C5, C5, C6, C6, C7, C7,
  D0, D0, D1, D1, D2, D2, D3, D3, D4, D4, D5, D5, D6, D6, D7, D7,
], 16);
// @ts-ignore: decorator
@inline
export function cdfMidNumF64x2(y: v128): v128 {
  let nc = f64x2.add(f64x2.mul(v128.load(MID_TAB, 0), y), v128.load(MID_TAB, 16));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 32));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 48));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 64));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 80));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 96));
  nc = f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 112));
  return f64x2.add(f64x2.mul(nc, y), v128.load(MID_TAB, 128));
}
// @ts-ignore: decorator
@inline
export function cdfMidDenF64x2(y: v128): v128 {
  let dc = f64x2.add(y, v128.load(MID_TAB, 144));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 160));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 176));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 192));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 208));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 224));
  dc = f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 240));
  return f64x2.add(f64x2.mul(dc, y), v128.load(MID_TAB, 256));
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

/** Φ(e) given g = e^(−e²/2) (Cody's regions, one division). */
// @ts-ignore: decorator
@inline
export function cdfGivenGaussF64(e: f64, g: f64): f64 {
  const y = abs(e);
  if (y <= SPLIT_CENTRAL) {
    const w = e * e;
    return 0.5 + 1.0 * (cdfCentralNumF64(e, w) / cdfCentralDenF64(w));
  }
  let n: f64, d: f64;
  if (y <= SPLIT_TAIL) {
    n = cdfMidNumF64(y); d = cdfMidDenF64(y);
  } else {
    const yc = pminF64(y, Y_CAP);
    const w = yc * yc;
    const wq = cdfTailWqF64(w);
    n = cdfTailNumF64(w, wq); d = yc * wq;
  }
  return e > 0 ? 1.0 + g * (-n / d) : 0.0 + g * (n / d);
}

// @ts-ignore: decorator
@inline
export function cdfGivenGaussF64x2(e: v128, g: v128): v128 {
  const y = f64x2.abs(e);
  const wc = f64x2.mul(e, e);
  const central = f64x2.le(y, f64x2.splat(SPLIT_CENTRAL));
  const mid = f64x2.le(y, f64x2.splat(SPLIT_TAIL));
  const pos = f64x2.gt(e, f64x2.splat(0));
  let n = cdfMidNumF64x2(y);
  let dm = cdfMidDenF64x2(y);
  if (!i64x2.all_true(mid)) {
    const yc = f64x2.pmin(y, f64x2.splat(Y_CAP));
    const wt = f64x2.mul(yc, yc);
    const wq = cdfTailWqF64x2(wt);
    n = v128.bitselect(n, cdfTailNumF64x2(wt, wq), mid);
    dm = v128.bitselect(dm, f64x2.mul(yc, wq), mid);
  }
  n = v128.bitselect(f64x2.neg(n), n, pos);
  n = v128.bitselect(cdfCentralNumF64x2(e, wc), n, central);
  const d = v128.bitselect(cdfCentralDenF64x2(wc), dm, central);
  const c = v128.bitselect(f64x2.splat(0.5), v128.and(pos, f64x2.splat(1.0)), central);
  const f = v128.bitselect(f64x2.splat(1.0), g, central);
  return f64x2.add(c, f64x2.mul(f, f64x2.div(n, d)));
}
