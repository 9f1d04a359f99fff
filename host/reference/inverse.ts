// Plain-TypeScript inverse (coin-settled) option value, as BTC/ETH venues quote it: the payoff
// max(ω(F_T − K), 0) is paid in coin, i.e. divided by the settlement price, so the value in coin
// per coin of notional is v = V/F, V the Black-76 value in quote currency. Same definitions as
// assembly/price/inverse-kernels.ts:
//   value    v = V/F
//   deltaPa  F·∂v/∂F = Δ − V/F  (premium-adjusted delta, coin per coin; Deribit's option delta)
//   dvdf     ∂v/∂F = (Δ − V/F)/F (coin per unit of F)
// with Δ = ∂V/∂F the Black-76 forward delta. F must be > 0.
import { black76Greeks, type Omega } from './black.js';

export interface InverseValue {
  value: number;
  deltaPa: number;
  dvdf: number;
}

export function inverseBlack76(F: number, K: number, T: number, vol: number, df: number, omega: Omega): InverseValue {
  const g = black76Greeks(F, K, T, vol, df, omega);
  const value = g.price / F;
  const deltaPa = g.delta - value;
  return { value, deltaPa, dvdf: deltaPa / F };
}
