// iv.black76.wasm-simd / -scalar: implied vol of 1e6 option prices per call, over arena columns
// filled once (the kernel reads and writes memory in place; no copies in the timed call).
// Prices are the reference's for the option mix of reference.js (vol 20–120 %, 1 day–1 year,
// strikes within ±2 sd); `max_err` is the largest |iv − vol| over the batch.
import { loadWasmSync } from '../../dist/wasm/loader.js';
import { black76Price } from '../../dist/reference/black.js';
import { optionMix } from './reference.js';

const N = 1_000_000;

export default async function cases() {
  const mix = optionMix(N, 777);
  const price = new Float64Array(N);
  for (let i = 0; i < N; i++) price[i] = black76Price(mix.F[i], mix.K[i], mix.T[i], mix.vol[i], mix.df[i], mix.w[i]);

  return ['simd', 'scalar'].map((variant) => {
    const wasm = loadWasmSync({ variant, initialBytes: 80 * N });
    const c = wasm.arena.columns(N, { F: 'f64', K: 'f64', T: 'f64', price: 'f64', df: 'f64', w: 'f64', iv: 'f64', st: 'i32' });
    c.F.view.set(mix.F); c.K.view.set(mix.K); c.T.view.set(mix.T); c.price.view.set(price); c.df.view.set(mix.df); c.w.view.set(mix.w);
    const kernel = wasm.exports[variant === 'simd' ? 'black76_iv_f64x2_soa' : 'black76_iv_f64_soa'];
    let failed = 0;
    return {
      name: `iv.black76.wasm-${variant}`,
      batch: N,
      time: 3000,
      iterations: 5,
      warmupTime: 300,
      fn: () => {
        failed = kernel(N, c.F.ptr, c.K.ptr, c.T.ptr, c.price.ptr, c.df.ptr, c.w.ptr, c.iv.ptr, c.st.ptr);
      },
      extra: () => {
        const iv = c.iv.view;
        let maxErr = 0;
        for (let i = 0; i < N; i++) maxErr = Math.max(maxErr, Math.abs(iv[i] - mix.vol[i]));
        return { failed, max_err: maxErr };
      },
    };
  });
}
