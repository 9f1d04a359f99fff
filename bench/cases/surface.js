// surface.update.500: a new volatility surface for one underlying arrives; build it, run the
// static-arbitrage checks (policy reject), write the vols of its 500 listed options straight into
// the pricer's arena column and re-price them with the Black-76 kernel (createPricer zero-copy
// path; F, K, T, df and type are laid out once, as they do not change with the surface).
// Target ≤ 1 ms. Two feeds: raw SVI per expiry, and a strike × expiry grid of marks.
import { blackCallNormalized, ingestSurface } from '../../dist/market/arbitrage.js';
import { sviTotalVariance } from '../../dist/market/svi.js';
import { snapshotArbitrage } from '../../dist/market/surface-providers.js';
import { parseMarketSnapshot } from '../../dist/market/validate.js';
import { createPricer } from '../../dist/price/pricer.js';
import { loadWasmSync } from '../../dist/wasm/loader.js';

const DAYS = [1, 2, 7, 14, 28, 56, 91, 182];
const STRIKES_PER_EXPIRY = 32; // × call and put × 8 expiries = 512 ≥ 500 options

export default async function cases() {
  const asOf = Date.UTC(2026, 10, 30, 8);
  const spot = 90_000;
  const expiries = DAYS.map((d) => asOf + d * 86_400_000);
  const svi = (T) => ({ a: 0.02 * T + 0.0005, b: 0.08 * Math.sqrt(T) + 0.01, rho: -0.25, m: 0.02, sigma: 0.2 });
  const forward = (T) => spot * Math.exp(0.05 * T);

  // 500 options: per expiry, strikes spread ±35 % around the forward (inside the surface's bounds).
  const n = 500;
  const T = new Float64Array(n);
  const K = new Float64Array(n);
  const F = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = i % DAYS.length;
    const t = DAYS[j] / 365;
    const s = Math.floor(i / DAYS.length) % STRIKES_PER_EXPIRY;
    T[i] = t;
    F[i] = forward(t);
    K[i] = Math.round((F[i] * (0.65 + (0.7 * s) / (STRIKES_PER_EXPIRY - 1))) / 500) * 500;
  }
  const pricer = createPricer(loadWasmSync());
  const batch = pricer.columns(n, 'black76', 'price');
  batch.F.set(F);
  batch.K.set(K);
  batch.T.set(T);
  batch.df.fill(1);
  for (let i = 0; i < n; i++) batch.omega[i] = (i >> 3) % 2 === 0 ? 1 : -1; // calls and puts

  const sviInput = () => ({
    kind: 'svi',
    as_of_ms: asOf,
    k_min: -0.6,
    k_max: 0.6,
    slices: expiries.map((e, j) => ({ expiry_ms: e, ...svi(DAYS[j] / 365) })),
  });
  const gridInput = () => ({
    kind: 'grid',
    as_of_ms: asOf,
    slices: expiries.map((e, j) => {
      const t = DAYS[j] / 365;
      const f = forward(t);
      const strikes = [];
      for (let s = 0; s < STRIKES_PER_EXPIRY; s++) strikes.push(f * Math.exp(-0.55 + (1.1 * s) / (STRIKES_PER_EXPIRY - 1)));
      return { expiry_ms: e, forward: f, strikes, vols: strikes.map((k) => Math.sqrt(sviTotalVariance(svi(t), Math.log(k / f)) / t)) };
    }),
  });

  const update = (input) => {
    const { surface, report } = ingestSurface(input, { policy: 'reject' });
    surface.vols(T, K, F, batch.vol);
    if (batch.compute() !== 0) throw new Error('surface.update.500: a re-price failed');
    return report;
  };
  // Both feeds must be clean, cover every option and price it, or the case measures an error path.
  for (const make of [sviInput, gridInput]) {
    const r = update(make());
    if (!r.ok || !batch.vol.every((v) => v > 0 && v < 5)) throw new Error(`surface.update.500: ${make.name} not clean or not covering: ${JSON.stringify(r.violations[0])}`);
    // The kernel's prices against the host-side Black-76 (call; put by parity), df = 1.
    for (let i = 0; i < n; i++) {
      const v = batch.vol[i];
      const call = F[i] * blackCallNormalized(Math.log(K[i] / F[i]), v * v * T[i]);
      const ref = batch.omega[i] > 0 ? call : call - (F[i] - K[i]);
      if (!(Math.abs(batch.price[i] - ref) <= 1e-6 * F[i])) throw new Error(`surface.update.500: ${make.name} option ${i} priced ${batch.price[i]}, Black-76 gives ${ref}`);
    }
  }
  // The feed's JSON is new on every update; build the input object outside the timed call.
  const sviIn = sviInput();
  const gridIn = gridInput();
  // The wired path: the surface arrives inside a market snapshot (underlyings.BTC.surface, no
  // marks): parse and validate it, the guard's static-arbitrage check, then each option's vol
  // through snapshot.volFor and the re-price.
  const snapJson = {
    snapshot_id: 'bench-surface',
    timestamp: asOf,
    underlyings: {
      BTC: {
        index_price: spot,
        expiries: Object.fromEntries(expiries.map((e, j) => [`E${j}`, { expiry: e, forward: forward(DAYS[j] / 365), vols: {} }])),
        surface: { kind: 'svi', k_min: -0.6, k_max: 0.6, slices: expiries.map((e, j) => ({ expiry: e, ...svi(DAYS[j] / 365) })) },
      },
    },
  };
  const expiryOf = new Float64Array(n);
  for (let i = 0; i < n; i++) expiryOf[i] = expiries[i % DAYS.length];
  const viaSnapshot = () => {
    const snap = parseMarketSnapshot(snapJson, { now: false });
    if (snapshotArbitrage(snap).length !== 0) throw new Error('surface.snapshot.500: planted arbitrage in a clean surface');
    const vol = batch.vol;
    for (let i = 0; i < n; i++) vol[i] = snap.volFor('BTC', expiryOf[i], K[i]);
    if (batch.compute() !== 0) throw new Error('surface.snapshot.500: a re-price failed');
  };
  viaSnapshot();
  // The snapshot's year fractions (from its own time) equal the direct ones: same vols.
  const direct = ingestSurface(sviIn, { policy: 'reject' }).surface.vols(T, K, F);
  for (let i = 0; i < n; i++) if (!(Math.abs(batch.vol[i] - direct[i]) <= 1e-12)) throw new Error(`surface.snapshot.500: option ${i} vol ${batch.vol[i]} vs ${direct[i]}`);
  return [
    { name: 'surface.update.500', batch: n, fn: () => update(sviIn), extra: () => ({ feed: 'svi', expiries: DAYS.length, includes_reprice: true }) },
    { name: 'surface.snapshot.500', batch: n, fn: viaSnapshot, extra: () => ({ feed: 'svi in a market snapshot', includes_parse: true, includes_arbitrage: true, includes_reprice: true }) },
    { name: 'surface.update.500.grid', batch: n, fn: () => update(gridIn), extra: () => ({ feed: 'grid', marks: DAYS.length * STRIKES_PER_EXPIRY, includes_reprice: true }) },
  ];
}
