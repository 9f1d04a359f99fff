// Plain-TypeScript Black-76 and Black–Scholes–Merton: price and Greeks, straight from the
// textbook formulas (Haug, "The Complete Guide to Option Pricing Formulas", 2nd ed., ch. 1–2).
// Test oracle and benchmark baseline for the WebAssembly kernels; no tricks, no SIMD.
// Units: vega per 1.00 vol; theta per year (dV/dt as calendar time passes); rho per 1.00 rate
// (Black-76: forward held fixed, so rho = −T·price).
import { normCdf, normPdf } from './normal.js';

export type Omega = 1 | -1; // +1 call, −1 put

export interface Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  rho: number;
  vanna: number;
  volga: number;
}

function intrinsicGreeks(price: number, delta: number, theta: number, rho: number): Greeks {
  return { price, delta, gamma: 0, vega: 0, theta, rho, vanna: 0, volga: 0 };
}

/** Black-76 price of an option on forward F with discount factor df. Edge cases give limits. */
export function black76Price(F: number, K: number, T: number, vol: number, df: number, omega: Omega): number {
  const intrinsic = Math.max(omega * (F - K), 0);
  const sd = vol * Math.sqrt(Math.max(T, 0));
  if (T <= 0 || sd === 0 || K === 0) return df * intrinsic;
  const d1 = Math.log(F / K) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const p = df * omega * (F * normCdf(omega * d1) - K * normCdf(omega * d2));
  return Math.min(Math.max(p, df * intrinsic), omega === 1 ? F * df : K * df);
}

/** Black-76 price and Greeks (delta, gamma w.r.t. F; theta with r = −ln(df)/T). */
export function black76Greeks(F: number, K: number, T: number, vol: number, df: number, omega: Omega): Greeks {
  const price = black76Price(F, K, T, vol, df, omega);
  const sd = vol * Math.sqrt(Math.max(T, 0));
  if (T <= 0 || sd === 0 || K === 0) {
    const itm = omega * (F - K) > 0 ? 1 : 0;
    const r = T > 0 ? -Math.log(df) / T : 0;
    return intrinsicGreeks(price, omega * itm * df, r * price, -T * price);
  }
  const sqrtT = Math.sqrt(T);
  const r = -Math.log(df) / T;
  const d1 = Math.log(F / K) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const nd1 = normPdf(d1);
  const vega = df * F * nd1 * sqrtT;
  return {
    price,
    delta: omega * df * normCdf(omega * d1),
    gamma: (df * nd1) / (F * sd),
    vega,
    theta: -(df * F * nd1 * vol) / (2 * sqrtT) + r * price,
    rho: -T * price,
    vanna: (-df * nd1 * d2) / vol,
    volga: (vega * d1 * d2) / vol,
  };
}

/** Black–Scholes–Merton price: spot S, rate r, continuous yield q. */
export function bsmPrice(S: number, K: number, T: number, vol: number, r: number, q: number, omega: Omega): number {
  const tt = Math.max(T, 0);
  return black76Price(S * Math.exp((r - q) * tt), K, T, vol, Math.exp(-r * tt), omega);
}

/** Black–Scholes–Merton price and Greeks w.r.t. S, σ, t, r (S and q held fixed for rho). */
export function bsmGreeks(S: number, K: number, T: number, vol: number, r: number, q: number, omega: Omega): Greeks {
  const price = bsmPrice(S, K, T, vol, r, q, omega);
  const sd = vol * Math.sqrt(Math.max(T, 0));
  if (T <= 0 || sd === 0 || K === 0) {
    const tt = Math.max(T, 0);
    const F = S * Math.exp((r - q) * tt);
    const itm = omega * (F - K) > 0 ? 1 : 0;
    const dq = Math.exp(-q * tt);
    const dr = Math.exp(-r * tt);
    // Discounted intrinsic ω(S·e^{−qT} − K·e^{−rT}) when in the money.
    const theta = itm ? omega * (q * S * dq - r * K * dr) : 0;
    return intrinsicGreeks(price, omega * itm * dq, theta, itm ? omega * K * tt * dr : 0);
  }
  const sqrtT = Math.sqrt(T);
  const dq = Math.exp(-q * T);
  const dr = Math.exp(-r * T);
  const d1 = (Math.log(S / K) + (r - q) * T) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const nd1 = normPdf(d1);
  const vega = S * dq * nd1 * sqrtT;
  return {
    price,
    delta: omega * dq * normCdf(omega * d1),
    gamma: (dq * nd1) / (S * sd),
    vega,
    theta:
      -(S * dq * nd1 * vol) / (2 * sqrtT) - omega * r * K * dr * normCdf(omega * d2) + omega * q * S * dq * normCdf(omega * d1),
    rho: omega * K * T * dr * normCdf(omega * d2),
    vanna: (-dq * nd1 * d2) / vol,
    volga: (vega * d1 * d2) / vol,
  };
}
