// surface.update.500: a new volatility surface for one underlying arrives; build it, run the
// static-arbitrage checks (policy reject), and produce the vols of its 500 listed options into a
// Float64Array. Target ≤ 1 ms. The re-price through the pricing kernel is not included (no
// host/price/pricer.ts at the time of writing): this measures the surface part only.
// Two feeds: raw SVI per expiry, and a strike × expiry grid of marks.
import { ingestSurface } from '../../dist/market/arbitrage.js';
import { sviTotalVariance } from '../../dist/market/svi.js';

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
  const out = new Float64Array(n);

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
    surface.vols(T, K, F, out);
    return report;
  };
  // Both feeds must be clean and cover every option, or the case measures an error path.
  for (const make of [sviInput, gridInput]) {
    const r = update(make());
    if (!r.ok || !out.every((v) => v > 0 && v < 5)) throw new Error(`surface.update.500: ${make.name} not clean or not covering: ${JSON.stringify(r.violations[0])}`);
  }
  // The feed's JSON is new on every update; build the input object outside the timed call.
  const sviIn = sviInput();
  const gridIn = gridInput();
  return [
    { name: 'surface.update.500', batch: n, fn: () => update(sviIn), extra: () => ({ feed: 'svi', expiries: DAYS.length, includes_reprice: false }) },
    { name: 'surface.update.500.grid', batch: n, fn: () => update(gridIn), extra: () => ({ feed: 'grid', marks: DAYS.length * STRIKES_PER_EXPIRY, includes_reprice: false }) },
  ];
}
