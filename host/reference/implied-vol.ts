// Plain-TypeScript implied volatility for Black-76: the test oracle for the WebAssembly kernel,
// deliberately by a different and simpler method (Numerical Recipes' `rtsafe`: Newton steps kept
// inside a bisection bracket, so it always converges; speed is no concern here).
//   - in-the-money prices are turned into out-of-the-money ones by put–call parity first, so the
//     time value is not lost under a large intrinsic value;
//   - the unknown is total volatility s = σ√T; the objective is ln(price(s)) − ln(target), which
//     spreads the astronomically small prices of deep OTM options over a usable range.
// Statuses match assembly/abi.ts so tests can compare item by item.
import { black76Price, type Omega } from './black.js';

export const IV_OK = 0;
export const IV_BAD_FORWARD = 1;
export const IV_BAD_STRIKE = 2;
export const IV_BAD_TIME = 3;
export const IV_BAD_DISCOUNT = 5;
export const IV_BAD_TYPE = 6;
export const IV_BAD_RATE = 7;
export const IV_BAD_YIELD = 8;
export const IV_BAD_PRICE = 9;
export const IV_BELOW_INTRINSIC = 10;
export const IV_ABOVE_MAX = 11;
export const IV_NO_CONVERGENCE = 12;

export interface IvResult {
  iv: number;
  status: number;
}

const fail = (status: number): IvResult => ({ iv: NaN, status });

/** Black-76 implied volatility of a price (discounted, in the forward's currency). */
export function black76ImpliedVol(price: number, F: number, K: number, T: number, df: number, omega: number): IvResult {
  if (!(F > 0) || !Number.isFinite(F)) return fail(IV_BAD_FORWARD);
  if (!(K > 0) || !Number.isFinite(K)) return fail(IV_BAD_STRIKE);
  if (!(T > 0) || !Number.isFinite(T)) return fail(IV_BAD_TIME);
  if (!(df > 0) || !Number.isFinite(df)) return fail(IV_BAD_DISCOUNT);
  if (omega !== 1 && omega !== -1) return fail(IV_BAD_TYPE);
  if (!(price >= 0) || !Number.isFinite(price)) return fail(IV_BAD_PRICE);

  const p = price / df; // undiscounted
  if (p >= (omega === 1 ? F : K)) return fail(IV_ABOVE_MAX);
  const intrinsic = Math.max(omega * (F - K), 0);
  if (p < intrinsic) return fail(IV_BELOW_INTRINSIC);
  // Out-of-the-money side: a call when F < K, a put when F > K (either at the money).
  const w: Omega = F < K ? 1 : F > K ? -1 : (omega as Omega);
  const target = w === omega ? p : p - omega * (F - K);
  if (target <= 0) return { iv: 0, status: IV_OK };
  const lnTarget = Math.log(target);
  const objective = (s: number): number => Math.log(black76Price(F, K, 1, s, 1, w)) - lnTarget;

  // Bracket [lo, hi]: the price rises strictly with s, from the intrinsic value (0 here) to F or K.
  let lo = 0;
  let hi = 1;
  while (objective(hi) < 0) {
    lo = hi;
    hi *= 2;
    if (hi > 1e3) return fail(IV_NO_CONVERGENCE);
  }
  let s = 0.5 * (lo + hi);
  for (let i = 0; i < 300; i++) {
    const f = objective(s);
    if (f === 0) return { iv: s / Math.sqrt(T), status: IV_OK };
    if (f < 0) lo = s;
    else hi = s;
    // d ln(price)/ds = vega_s / price, vega_s = F·n(d1) for T = 1, df = 1.
    const price = black76Price(F, K, 1, s, 1, w);
    const d1 = Math.log(F / K) / s + 0.5 * s;
    const slope = (F * Math.exp(-0.5 * d1 * d1) * 0.3989422804014327) / price;
    let next = s - f / slope;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi); // Newton left the bracket: bisect
    if (Math.abs(next - s) <= 1e-15 * s || hi - lo <= 4e-16 * hi) return { iv: next / Math.sqrt(T), status: IV_OK };
    s = next;
  }
  return fail(IV_NO_CONVERGENCE);
}

/** Black–Scholes–Merton implied volatility (spot S, rate r, yield q) via forward and discount. */
export function bsmImpliedVol(price: number, S: number, K: number, T: number, r: number, q: number, omega: number): IvResult {
  if (!Number.isFinite(r)) return fail(IV_BAD_RATE);
  if (!Number.isFinite(q)) return fail(IV_BAD_YIELD);
  return black76ImpliedVol(price, S * Math.exp((r - q) * T), K, T, Math.exp(-r * T), omega);
}
