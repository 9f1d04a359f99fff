// Inverse standard normal Φ⁻¹(q) for q in (0, 1/2], only as a starting point for implied vol.
// Source: P. J. Acklam's rational approximation (2003): relative error below 1.15e-9, more than
// enough for a guess that Householder steps then refine to full precision.
// Central region q ≥ 0.02425: Φ⁻¹ = r·A(r²)/B(r²), r = q − 1/2;
// lower tail: Φ⁻¹ = C(t)/D(t), t = √(−2 ln q). f64x2 computes both and selects (same values
// as the scalar branch).
import { logF64, logF64x2 } from '../math/log';

const A0: f64 = -3.969683028665376e1;
const A1: f64 = 2.209460984245205e2;
const A2: f64 = -2.759285104469687e2;
const A3: f64 = 1.38357751867269e2;
const A4: f64 = -3.066479806614716e1;
const A5: f64 = 2.506628277459239;
const B0: f64 = -5.447609879822406e1;
const B1: f64 = 1.615858368580409e2;
const B2: f64 = -1.556989798598866e2;
const B3: f64 = 6.680131188771972e1;
const B4: f64 = -1.328068155288572e1;
const C0: f64 = -7.784894002430293e-3;
const C1: f64 = -3.223964580411365e-1;
const C2: f64 = -2.400758277161838;
const C3: f64 = -2.549732539343734;
const C4: f64 = 4.374664141464968;
const C5: f64 = 2.938163982698783;
const D0: f64 = 7.784695709041462e-3;
const D1: f64 = 3.224671290700398e-1;
const D2: f64 = 2.445134137142996;
const D3: f64 = 3.754408661907416;
const Q_LOW: f64 = 0.02425;

// @ts-ignore: decorator
@inline
export function invNormLowerF64(q: f64): f64 {
  if (q < Q_LOW) {
    const t = Math.sqrt(-2.0 * logF64(q));
    return (((((C0 * t + C1) * t + C2) * t + C3) * t + C4) * t + C5) / ((((D0 * t + D1) * t + D2) * t + D3) * t + 1.0);
  }
  const r = q - 0.5;
  const r2 = r * r;
  return (r * (((((A0 * r2 + A1) * r2 + A2) * r2 + A3) * r2 + A4) * r2 + A5)) / (((((B0 * r2 + B1) * r2 + B2) * r2 + B3) * r2 + B4) * r2 + 1.0);
}

// @ts-ignore: decorator
@inline
function poly(x: v128, c0: f64, c1: f64): v128 {
  return f64x2.add(f64x2.mul(x, f64x2.splat(c0)), f64x2.splat(c1));
}

// @ts-ignore: decorator
@inline
function step(acc: v128, x: v128, c: f64): v128 {
  return f64x2.add(f64x2.mul(acc, x), f64x2.splat(c));
}

// @ts-ignore: decorator
@inline
export function invNormLowerF64x2(q: v128): v128 {
  const r = f64x2.sub(q, f64x2.splat(0.5));
  const r2 = f64x2.mul(r, r);
  const an = step(step(step(step(poly(r2, A0, A1), r2, A2), r2, A3), r2, A4), r2, A5);
  const bd = step(step(step(step(poly(r2, B0, B1), r2, B2), r2, B3), r2, B4), r2, 1.0);
  const central = f64x2.div(f64x2.mul(r, an), bd);
  const t = f64x2.sqrt(f64x2.mul(f64x2.splat(-2.0), logF64x2(q)));
  const cn = step(step(step(step(poly(t, C0, C1), t, C2), t, C3), t, C4), t, C5);
  const dd = step(step(step(poly(t, D0, D1), t, D2), t, D3), t, 1.0);
  return v128.bitselect(f64x2.div(cn, dd), central, f64x2.lt(q, f64x2.splat(Q_LOW)));
}
