// price.black76.js-reference: the plain-TypeScript reference (host/reference/black.ts) in a plain
// JS loop over 1e6 options: the baseline the WebAssembly kernels are measured against.
// Same option mix as the kernel benchmarks' chains: vol 20–120 %, 1 day–1 year, ±2 sd strikes.
import { black76Price } from '../../dist/reference/black.js';

const N = 1_000_000;

export function optionMix(n, seed = 12345) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const F = new Float64Array(n), K = new Float64Array(n), T = new Float64Array(n), vol = new Float64Array(n), df = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    F[i] = 60000;
    T[i] = 1 / 365 + rnd();
    vol[i] = 0.2 + rnd();
    K[i] = F[i] * Math.exp((rnd() * 4 - 2) * vol[i] * Math.sqrt(T[i]));
    df[i] = Math.exp(-0.05 * T[i]);
    w[i] = rnd() < 0.5 ? 1 : -1;
  }
  return { F, K, T, vol, df, w };
}

export default async function cases() {
  const { F, K, T, vol, df, w } = optionMix(N);
  const out = new Float64Array(N);
  return [
    {
      name: 'price.black76.js-reference',
      batch: N,
      time: 3000,
      iterations: 3,
      warmupTime: 0,
      fn: () => {
        for (let i = 0; i < N; i++) out[i] = black76Price(F[i], K[i], T[i], vol[i], df[i], w[i]);
      },
      extra: () => ({ finite: out.every(Number.isFinite) }),
    },
  ];
}
