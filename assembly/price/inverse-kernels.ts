// Inverse (coin-settled) options, as BTC/ETH option venues quote them: the payoff
// max(ω(F_T − K), 0) is paid in coin, i.e. divided by the settlement price, so the value in coin
// is v = V/F with V the Black-76 value in quote currency (F the forward/index the venue marks
// against, df the quote-currency discount factor).
// Outputs per item:
//   value     v = V/F                       (coin per 1 coin notional)
//   delta_pa  Δ − V/F = F·∂v/∂F             (premium-adjusted delta, coin per 1 coin; what
//                                            Deribit shows as the option's delta)
//   dvdf      ∂v/∂F = (Δ − V/F)/F           (coin per 1 unit of F, for P&L in coin)
// with Δ = ∂V/∂F the Black-76 forward delta. F must be > 0 (status ST_BAD_FORWARD otherwise).
import { ST_OK, ST_BAD_FORWARD } from '../abi';
import { black76PriceF64, black76PriceF64x2 } from './black76';
import { black76DeltaF64, black76DeltaF64x2 } from './black76-delta';
import { black76Status, black76OkF64x2 } from './validate';

// @ts-ignore: decorator
@inline
function inverseStatus(F: f64, K: f64, T: f64, vol: f64, df: f64, omega: f64): i32 {
  const st = black76Status(F, K, T, vol, df, omega);
  return st == ST_OK && F == 0 ? ST_BAD_FORWARD : st;
}

export function inverse_black76_f64_soa(n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pValue: usize, pDeltaPa: usize, pDvdf: usize, pStatus: usize): i32 {
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const F = load<f64>(pF + o), K = load<f64>(pK + o), T = load<f64>(pT + o);
    const vol = load<f64>(pVol + o), df = load<f64>(pDf + o), omega = load<f64>(pOmega + o);
    const st = inverseStatus(F, K, T, vol, df, omega);
    store<i32>(pStatus + (o >> 1), st);
    if (st != ST_OK) {
      bad++;
      store<f64>(pValue + o, NaN); store<f64>(pDeltaPa + o, NaN); store<f64>(pDvdf + o, NaN);
    } else {
      const v = black76PriceF64(F, K, T, vol, df, omega) / F;
      const pa = black76DeltaF64(F, K, T, vol, df, omega) - v;
      store<f64>(pValue + o, v); store<f64>(pDeltaPa + o, pa); store<f64>(pDvdf + o, pa / F);
    }
  }
  return bad;
}

export function inverse_black76_f64x2_soa(n: i32, pF: usize, pK: usize, pT: usize, pVol: usize, pDf: usize, pOmega: usize, pValue: usize, pDeltaPa: usize, pDvdf: usize, pStatus: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) {
    const o = <usize>i << 3;
    const F = v128.load(pF + o), K = v128.load(pK + o), T = v128.load(pT + o);
    const vol = v128.load(pVol + o), df = v128.load(pDf + o), omega = v128.load(pOmega + o);
    const ok = v128.and(black76OkF64x2(F, K, T, vol, df, omega), f64x2.gt(F, f64x2.splat(0)));
    let v = f64x2.div(black76PriceF64x2(F, K, T, vol, df, omega), F);
    let pa = f64x2.sub(black76DeltaF64x2(F, K, T, vol, df, omega), v);
    let dv = f64x2.div(pa, F);
    if (i64x2.all_true(ok)) {
      store<i64>(pStatus + (o >> 1), 0);
    } else {
      const nan = f64x2.splat(NaN);
      v = v128.bitselect(v, nan, ok); pa = v128.bitselect(pa, nan, ok); dv = v128.bitselect(dv, nan, ok);
      for (let j: usize = 0; j < 2; j++) {
        const p = o + (j << 3);
        const st = inverseStatus(load<f64>(pF + p), load<f64>(pK + p), load<f64>(pT + p), load<f64>(pVol + p), load<f64>(pDf + p), load<f64>(pOmega + p));
        store<i32>(pStatus + (p >> 1), st);
        if (st != ST_OK) bad++;
      }
    }
    v128.store(pValue + o, v); v128.store(pDeltaPa + o, pa); v128.store(pDvdf + o, dv);
  }
  if (n2 < n) {
    const o = <usize>n2 << 3;
    bad += inverse_black76_f64_soa(1, pF + o, pK + o, pT + o, pVol + o, pDf + o, pOmega + o, pValue + o, pDeltaPa + o, pDvdf + o, pStatus + (o >> 1));
  }
  return bad;
}

