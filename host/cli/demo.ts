// `riskgrid demo` (what `npm start` runs): price a sample BTC option chain through the WebAssembly
// kernels and print its Greeks. The chain is illustrative, not market data: spot 60,000 USD,
// r = 5 %, three expiries, strikes 50k–70k, a simple smile vol = 0.55 + 0.4·ln(K/F)².
import { loadWasm } from '../wasm/loader.js';
import { createPricer } from '../price/pricer.js';
import { impliedVolBatch } from '../price/implied-vol.js';

const SPOT = 60000;
const RATE = 0.05;
const EXPIRIES = [
  { label: '7d', days: 7 },
  { label: '30d', days: 30 },
  { label: '90d', days: 90 },
];
const STRIKES = [50000, 55000, 60000, 65000, 70000];

interface ChainRow {
  expiry: string;
  K: number;
  type: 'C' | 'P';
  F: number;
  T: number;
  vol: number;
  df: number;
}

function sampleChain(): ChainRow[] {
  const rows: ChainRow[] = [];
  for (const e of EXPIRIES) {
    const T = e.days / 365;
    const F = SPOT * Math.exp(RATE * T);
    for (const K of STRIKES) {
      const m = Math.log(K / F);
      for (const type of ['C', 'P'] as const) rows.push({ expiry: e.label, K, type, F, T, vol: 0.55 + 0.4 * m * m, df: Math.exp(-RATE * T) });
    }
  }
  return rows;
}

const fmt = (x: number, digits: number): string => x.toFixed(digits);

export async function runDemo(out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const t0 = performance.now();
  const wasm = await loadWasm();
  const pricer = createPricer(wasm);
  const t1 = performance.now();
  const chain = sampleChain();
  const input = {
    model: 'black76' as const,
    F: chain.map((r) => r.F),
    K: chain.map((r) => r.K),
    T: chain.map((r) => r.T),
    vol: chain.map((r) => r.vol),
    df: chain.map((r) => r.df),
    type: chain.map((r) => r.type),
  };
  const g = pricer.greeksBatch(input);
  const inv = pricer.inverseBatch(input);
  const t2 = performance.now();
  // Round trip: the implied vols of these prices must give back the smile.
  const ivs = impliedVolBatch({ model: 'black76', F: input.F, K: input.K, T: input.T, df: input.df, type: input.type, price: g.price }, wasm);
  const t3 = performance.now();
  let ivErr = 0;
  chain.forEach((r, i) => (ivErr = Math.max(ivErr, Math.abs(ivs.iv[i]! - r.vol))));

  const header = ['expiry', 'strike', 'type', 'vol', 'price USD', 'price BTC', 'delta', 'gamma 1/USD', 'vega USD/vol', 'theta USD/day', 'rho USD/rate', 'vanna 1/vol', 'volga USD/vol²'];
  const rows = chain.map((r, i) => [
    r.expiry,
    String(r.K),
    r.type,
    fmt(r.vol, 4),
    fmt(g.price[i]!, 2),
    fmt(inv.value[i]!, 6),
    fmt(g.delta[i]!, 4),
    g.gamma[i]!.toExponential(3),
    fmt(g.vega[i]!, 2),
    fmt(g.theta[i]! / 365, 2),
    fmt(g.rho[i]!, 2),
    fmt(g.vanna[i]!, 4),
    fmt(g.volga[i]!, 1),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]): string => cells.map((c, j) => (j < 3 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ');

  const w = (s: string): boolean => out.write(`${s}\n`);
  w(`riskgrid demo: sample BTC option chain (Black-76 on the forward), spot ${SPOT} USD, r = ${RATE}`);
  w(`WebAssembly build: ${wasm.variant}${wasm.variant === 'simd' ? ' (f64x2 kernels)' : ' (scalar f64 kernels)'}, ABI ${wasm.exports.abi_version!()}`);
  w('');
  w(line(header));
  w(widths.map((n) => '-'.repeat(n)).join('  '));
  let prev = '';
  for (const [i, r] of rows.entries()) {
    if (chain[i]!.expiry !== prev && prev !== '') w('');
    prev = chain[i]!.expiry;
    w(line(r));
  }
  w('');
  w('delta: dV/dF (forward delta, discounted); gamma: d2V/dF2; vega, volga per 1.00 vol; theta per calendar day;');
  w('rho per 1.00 rate with the forward held fixed (= -T*price); price BTC: inverse (coin-settled) value V/F.');
  w(`implied vol of these prices: max |iv − vol| = ${ivErr.toExponential(1)} (${ivs.failed} failed) in ${fmt((t3 - t2) * 1000, 0)} µs`);
  w(`${g.failed + inv.failed === 0 ? 'all' : 'not all'} ${chain.length} options priced; load + compile ${fmt(t1 - t0, 1)} ms, price + Greeks + inverse ${fmt((t2 - t1) * 1000, 0)} µs (first call, includes JIT warm-up)`);
}
