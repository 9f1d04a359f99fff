// price.black76.wasm-simd / -scalar, greeks.black76.wasm-simd / -scalar: one kernel call over a
// batch of 1e6 realistic options (fixed seed) laid out in arena columns through the pricer's
// zero-copy path (columns() once in setup, compute() timed). Single thread.
// Targets (issue 2): price ≥ 35 M options/s with SIMD, price + Greeks ≥ 15 M/s.
import { createPricer, loadWasmSync } from '../../dist/index.js';
import { rng } from '../fixtures/rng.js';

const N = 1_000_000;


/** A book across underlyings: F 1..1e4, T 1 day..2 years, vol 10..120 %, strikes ±3 sd, calls and puts. */
function fill(b) {
  const r = rng(20261130);
  const { F, K, T, vol, df, omega } = b;
  for (let i = 0; i < N; i++) {
    const f = 10 ** (r() * 4);
    const t = 1 / 365 + r() * 2;
    const v = 0.1 + r() * 1.1;
    F[i] = f;
    K[i] = f * Math.exp((r() * 2 - 1) * 3 * v * Math.sqrt(t));
    T[i] = t;
    vol[i] = v;
    df[i] = Math.exp(-0.04 * t);
    omega[i] = r() < 0.5 ? 1 : -1;
  }
}

function kernelCase(name, variant, output) {
  let batch;
  let failed = 0;
  let best = Infinity; // fastest call: the machine is shared, the median is load-sensitive
  return {
    name,
    batch: N,
    setup() {
      const pricer = createPricer(loadWasmSync({ variant }));
      batch = pricer.columns(N, 'black76', output);
      fill(batch);
    },
    fn() {
      const t0 = performance.now();
      failed += batch.compute();
      best = Math.min(best, performance.now() - t0);
    },
    teardown() {
      batch.release();
      if (failed !== 0) throw new Error(`${name}: ${failed} items failed`);
    },
    extra: () => ({ variant, output, best_items_per_s: Math.round(N / (best / 1000)) }),
  };
}

export default async function cases() {
  return [
    kernelCase('price.black76.wasm-simd', 'simd', 'price'),
    kernelCase('price.black76.wasm-scalar', 'scalar', 'price'),
    kernelCase('greeks.black76.wasm-simd', 'simd', 'greeks'),
    kernelCase('greeks.black76.wasm-scalar', 'scalar', 'greeks'),
  ];
}
