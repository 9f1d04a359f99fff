// Full revaluation VaR / ES: closed forms for a linear (lognormal) position, the plain-TS plan
// evaluator as a second implementation, and the pool against the single-thread path.
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { normCdf } from '../host/reference/normal.js';
import { buildRiskBook } from '../host/risk/book.js';
import { generateMcScenarios } from '../host/risk/mc-scenarios.js';
import { revaluePool } from '../host/risk/pool-revalue.js';
import { revalue } from '../host/risk/revalue.js';
import { tailFigures, tailSize } from '../host/risk/tail-stats.js';
import { loadWasmSync } from '../host/wasm/loader.js';
import { acct, option, testMarket } from './support/risk-book.js';

const wasm = loadWasmSync();

/** Φ⁻¹ by bisection on the reference Φ (independent of anything under test). */
function normInv(p: number): number {
  let lo = -40;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const m = 0.5 * (lo + hi);
    if (normCdf(m) < p) lo = m;
    else hi = m;
  }
  return 0.5 * (lo + hi);
}

describe('tail statistics', () => {
  it('order-statistic VaR and ES on a known sample', () => {
    // P&L −1 … −1000, shuffled: the 10 worst are −1000 … −991.
    const v = Float64Array.from({ length: 1000 }, (_, i) => -((i * 7919) % 1000) - 1);
    const [a, b] = tailFigures(v, [0.99, 0.995]);
    expect(a).toEqual({ level: 0.99, var: 991, es: 995.5, tail: 10 });
    expect(b).toEqual({ level: 0.995, var: 996, es: 998, tail: 5 });
    expect(tailSize(10_000, 0.99)).toBe(100);
  });

  it('a NaN anywhere gives NaN figures', () => {
    const v = Float64Array.from({ length: 100 }, (_, i) => i);
    v[50] = NaN;
    expect(tailFigures(v, [0.99])[0]!.var).toBeNaN();
  });

  it('agrees with a full sort on random samples', () => {
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const n of [1, 7, 100, 999, 5000]) {
      const v = Float64Array.from({ length: n }, () => rnd() * 100 - 50);
      const sorted = [...v].sort((x, y) => x - y);
      for (const l of [0.9, 0.99, 0.995]) {
        const k = tailSize(n, l);
        const f = tailFigures(v, [l])[0]!;
        expect(f.var).toBe(-sorted[k - 1]!);
        expect(f.es).toBeCloseTo(-sorted.slice(0, k).reduce((a, b) => a + b, 0) / k, 9);
      }
    }
  });
});

describe('Monte Carlo VaR of a linear position against the closed form', () => {
  // 10 ETH (perp at the index 2000) under lognormal moves: P&L = q·S·(e^r − 1), r ~ N(−s²/2, s²),
  // s = σ√h. VaR_α = q·S·(1 − e^{−s²/2 + s·z}), ES_α = q·S·(1 − Φ(z − s)/(1−α)), z = Φ⁻¹(1−α).
  const q = 10;
  const S = 2000;
  const sigma = 0.8;
  const h = 10 / 365;
  const s = sigma * Math.sqrt(h);
  const book = buildRiskBook([acct('lin', [{ instrument: 'ETH-PERPETUAL', size: q }])], testMarket(S), ['ETH']);
  const mc = generateMcScenarios({ underlyings: [{ name: 'ETH', vol: sigma }], horizonYears: h, nScenarios: 200_000, seed: 42 }, book.volGroups);
  const res = revalue(wasm, book, mc.scenarios, { levels: [0.99, 0.995] });

  for (const [k, alpha] of [[0, 0.99], [1, 0.995]] as const) {
    it(`VaR and ES at ${alpha}`, () => {
      const z = normInv(1 - alpha);
      const varExact = q * S * (1 - Math.exp(-0.5 * s * s + s * z));
      const esExact = q * S * (1 - normCdf(z - s) / (1 - alpha));
      expect(res.accounts.var[k]![0]! / varExact - 1).toBeLessThan(0.02);
      expect(res.accounts.var[k]![0]! / varExact - 1).toBeGreaterThan(-0.02);
      expect(Math.abs(res.accounts.es[k]![0]! / esExact - 1)).toBeLessThan(0.02);
      // One account: the venue is that account.
      expect(res.venue.tail[k]!.var).toBeCloseTo(res.accounts.var[k]![0]!, 6);
    });
  }

  it('a short position loses in the up tail: VaR from the other side', () => {
    const short = buildRiskBook([acct('short', [{ instrument: 'ETH-PERPETUAL', size: -q }])], testMarket(S), ['ETH']);
    const r = revalue(wasm, short, mc.scenarios, { levels: [0.99] });
    const z = normInv(0.99);
    const exact = q * S * (Math.exp(-0.5 * s * s + s * z) - 1);
    expect(Math.abs(r.accounts.var[0]![0]! / exact - 1)).toBeLessThan(0.02);
  });
});

describe('revaluation through the kernels against the plain-TS evaluator', () => {
  const accounts = [
    acct('a', [{ instrument: option('ETH', 2000, 'C'), size: -5 }, { instrument: option('ETH', 1800, 'P'), size: 3 }, { instrument: 'ETH-PERPETUAL', size: 2 }], { USDC: 1000, ETH: 1 }),
    acct('b', [{ instrument: option('BTC', 99000, 'C'), size: 1 }, { instrument: option('ETH', 2200, 'C'), size: -2 }]),
    acct('c', []),
    acct('d', [{ instrument: option('BTC', 72000, 'P'), size: -0.5 }, { instrument: 'BTC-PERPETUAL', size: 0.25 }]),
  ];
  const book = buildRiskBook(accounts, testMarket(), ['ETH', 'BTC']);
  const mc = generateMcScenarios({
    underlyings: [{ name: 'ETH', vol: 0.8, volOfVol: 1.5, spotVolCorr: -0.5, jumps: { intensity: 5, mean: -0.05, std: 0.1 } }, { name: 'BTC', vol: 0.6, volOfVol: 1, spotVolCorr: -0.3 }],
    correlation: [[1, 0.7], [0.7, 1]], horizonYears: 5 / 365, nScenarios: 3000, seed: 7, studentT: 6,
  }, book.volGroups);

  it('per-account VaR / ES and venue P&L match', () => {
    const res = revalue(wasm, book, mc.scenarios, { levels: [0.99, 0.995] });
    const ts = evaluatePlanTs({ instruments: book.instruments, scenarios: mc.scenarios, groups: book.groups, rows: book.rows });
    const nS = mc.scenarios.nS;
    const venue = new Float64Array(nS);
    for (let r = 0; r < accounts.length; r++) {
      const row = ts.pnl.subarray(r * nS, (r + 1) * nS);
      for (let s = 0; s < nS; s++) venue[s]! += row[s]!;
      const f = tailFigures(row, [0.99, 0.995]);
      for (let l = 0; l < 2; l++) {
        expect(res.accounts.var[l]![r]!).toBeCloseTo(f[l]!.var, 6);
        expect(res.accounts.es[l]![r]!).toBeCloseTo(f[l]!.es, 6);
      }
    }
    for (let s = 0; s < nS; s++) expect(res.venue.pnl[s]!).toBeCloseTo(venue[s]!, 5);
    expect(res.accounts.var[0]![2]).toBe(-0); // the empty account: P&L 0 everywhere
    expect(res.venue.worst[0]!.pnl).toBe(Math.min(...res.venue.pnl));
  });

  it('the pool gives bit-identical per-account figures', async () => {
    expect(existsSync(new URL('../dist/risk/var-worker.js', import.meta.url)), 'run npm run build:host first').toBe(true);
    const one = revalue(wasm, book, mc.scenarios, { levels: [0.99, 0.995] });
    const pool = await revaluePool(wasm, book, mc.scenarios, { levels: [0.99, 0.995], threads: 2, taskRows: 1 });
    for (let l = 0; l < 2; l++) {
      expect(Array.from(pool.accounts.var[l]!)).toEqual(Array.from(one.accounts.var[l]!));
      expect(Array.from(pool.accounts.es[l]!)).toEqual(Array.from(one.accounts.es[l]!));
    }
    expect(Array.from(pool.accounts.worstScenario)).toEqual(Array.from(one.accounts.worstScenario));
    expect(Array.from(pool.venue.pnl)).toEqual(Array.from(one.venue.pnl));
  });

  it('the pool on a single account: the venue is that account, bit for bit', async () => {
    const one = buildRiskBook([accounts[0]!], testMarket(), ['ETH', 'BTC']);
    const a = revalue(wasm, one, mc.scenarios, { levels: [0.99] });
    const b = await revaluePool(wasm, one, mc.scenarios, { levels: [0.99], threads: 2 });
    expect(Array.from(b.venue.pnl)).toEqual(Array.from(a.venue.pnl));
    expect(b.venue.tail[0]!.var).toBe(a.accounts.var[0]![0]);
  });

  it('refuses inverse instruments and unmodelled underlyings with a code', () => {
    expect(() => buildRiskBook([acct('x', [{ instrument: 'SOL-PERPETUAL', size: 1 }])], testMarket(), ['ETH'])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT' }));
    expect(() => buildRiskBook([acct('x', [{ instrument: 'BTC-PERPETUAL', size: 1 }])], testMarket(), ['ETH'])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'accounts[0].positions[0]' }));
    expect(() => revalue(wasm, book, mc.scenarios, { levels: [1] })).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'levels' }));
  });
});

describe('properties of the figures (fast-check)', () => {
  const market = testMarket();
  const instruments = [option('ETH', 1800, 'P'), option('ETH', 2000, 'C'), option('ETH', 2200, 'C'), option('BTC', 81000, 'P'), option('BTC', 99000, 'C'), 'ETH-PERPETUAL', 'BTC-PERPETUAL'];
  const positions = fc.array(fc.record({ i: fc.integer({ min: 0, max: instruments.length - 1 }), size: fc.integer({ min: -20, max: 20 }).filter((x) => x !== 0) }), { minLength: 1, maxLength: 5 });
  const model = { underlyings: [{ name: 'ETH', vol: 0.8, volOfVol: 1 }, { name: 'BTC', vol: 0.6 }], correlation: [[1, 0.5], [0.5, 1]], horizonYears: 0.02, nScenarios: 1000, seed: 3, studentT: 5 };

  it('ES ≥ VaR; ES is subadditive (venue ≤ Σ accounts); scaling sizes by k scales both by k', () => {
    fc.assert(
      fc.property(fc.array(positions, { minLength: 1, maxLength: 4 }), fc.integer({ min: 2, max: 5 }), (books, k) => {
        const accounts = books.map((ps, a) => acct(`a${a}`, ps.map((p) => ({ instrument: instruments[p.i], size: p.size }))));
        const book = buildRiskBook(accounts, market, ['ETH', 'BTC']);
        const sc = generateMcScenarios(model, book.volGroups).scenarios;
        const r = revalue(wasm, book, sc, { levels: [0.99] });
        let sumEs = 0;
        for (let a = 0; a < accounts.length; a++) {
          expect(r.accounts.es[0]![a]!).toBeGreaterThanOrEqual(r.accounts.var[0]![a]! - 1e-9);
          sumEs += r.accounts.es[0]![a]!;
        }
        expect(r.venue.tail[0]!.es).toBeLessThanOrEqual(sumEs + 1e-6 * (1 + Math.abs(sumEs)));
        const scaled = buildRiskBook(books.map((ps, a) => acct(`a${a}`, ps.map((p) => ({ instrument: instruments[p.i], size: k * p.size })))), market, ['ETH', 'BTC']);
        const rk = revalue(wasm, scaled, sc, { levels: [0.99] });
        expect(rk.venue.tail[0]!.var).toBeCloseTo(k * r.venue.tail[0]!.var, 6);
        expect(rk.venue.tail[0]!.es).toBeCloseTo(k * r.venue.tail[0]!.es, 6);
      }),
      { numRuns: 40 },
    );
  });
});
