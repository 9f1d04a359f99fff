// Kupiec POF on textbook counts, traffic-light zones, the backtest report, historical simulation
// on a hand-checked series, and the contagion view.
import { describe, expect, it } from 'vitest';
import { backtest } from '../host/risk/backtest.js';
import { backtestDays } from '../host/risk/backtest-positions.js';
import { buildRiskBook } from '../host/risk/book.js';
import { clusters, propagateShock } from '../host/risk/contagion.js';
import { historicalScenarios } from '../host/risk/historical.js';
import { parseHistoryCsv } from '../host/risk/history.js';
import { binomialCdf, kupiecPof, trafficLight } from '../host/risk/kupiec.js';
import { revalue } from '../host/risk/revalue.js';
import { loadWasmSync } from '../host/wasm/loader.js';
import { acct, testMarket } from './support/risk-book.js';

const CHI2_1_95 = 3.841458820694124; // χ²(1) 95 % quantile = 1.959963984540054²

describe('Kupiec POF', () => {
  it('no exception in 250 days at 99 %: LR = −500·ln 0.99 = 5.0252', () => {
    const k = kupiecPof(250, 0, 0.99);
    expect(k.lr).toBeCloseTo(5.025167926, 8);
    expect(k.pValue).toBeCloseTo(0.02498, 4);
  });

  it('the expected count gives LR = 0 and p-value 1; 10 of 250 gives LR = 12.9555 (by hand)', () => {
    const k = kupiecPof(10_000, 100, 0.99);
    expect(k.lr).toBe(0);
    expect(k.pValue).toBe(1);
    // 10 exceptions where 2.5 are expected: −2[240 ln .99 + 10 ln .01] + 2[240 ln .96 + 10 ln .04].
    const k10 = kupiecPof(250, 10, 0.99);
    expect(k10.lr).toBeCloseTo(12.95549, 4);
    expect(k10.pValue).toBeCloseTo(0.000319, 5);
  });

  // Jorion, Value at Risk (3rd ed.), Table 6-2: non-rejection regions of the POF test at 95 %
  // confidence for p = 1 %: T = 250 → N < 7; T = 510 → 1 < N < 11; T = 1000 → 4 < N < 17.
  // (At T = 250 the table has no lower bound, yet the LR of N = 0 is 5.03 > 3.84: the LR test
  // itself rejects it, so the region checked here starts at 1.)
  for (const [T, lo, hi] of [[250, 1, 6], [510, 2, 10], [1000, 5, 16]] as const) {
    it(`Jorion's non-rejection region at T = ${T}: ${lo} ≤ N ≤ ${hi}`, () => {
      for (let N = 0; N <= hi + 3; N++) {
        const accept = kupiecPof(T, N, 0.99).lr < CHI2_1_95;
        expect(accept, `N = ${N}`).toBe(N >= lo && N <= hi);
      }
    });
  }

  it('rejects bad counts with a code', () => {
    expect(() => kupiecPof(10, 11, 0.99)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'exceptions' }));
    expect(() => kupiecPof(0, 0, 0.99)).toThrow(expect.objectContaining({ field: 'observations' }));
  });
});

describe('traffic light (Basel, 99 %, 250 days)', () => {
  it('≤ 4 green, 5–9 amber, ≥ 10 red', () => {
    const zones = Array.from({ length: 13 }, (_, x) => trafficLight(250, x, 0.99));
    expect(zones).toEqual(['green', 'green', 'green', 'green', 'green', 'amber', 'amber', 'amber', 'amber', 'amber', 'red', 'red', 'red']);
  });
  it('cumulative binomial matches the Basel table (P(X ≤ 4) = 89.22 %, P(X ≤ 9) = 99.97 %)', () => {
    expect(binomialCdf(4, 250, 0.01)).toBeCloseTo(0.8922, 4);
    expect(binomialCdf(9, 250, 0.01)).toBeCloseTo(0.9997, 4);
  });
});

describe('backtest report', () => {
  it('counts exceptions, coverage, largest and average exception', () => {
    const days = [
      { date: 'd1', margin: 100, pnl: -50 },
      { date: 'd2', margin: 100, pnl: -130 }, // exception by 30
      { date: 'd3', margin: 100, pnl: 20 },
      { date: 'd4', margin: 80, pnl: -90 }, // exception by 10
      { date: 'd5', margin: 100, pnl: -100 }, // exactly covered
    ];
    const r = backtest(days, 0.99);
    expect(r.observations).toBe(5);
    expect(r.exceptions).toBe(2);
    expect(r.coverage).toBe(0.6);
    expect(r.largestException).toBe(30);
    expect(r.averageException).toBe(20);
    expect(r.exceptionDates).toEqual(['d2', 'd4']);
    expect(r.kupiec.exceptions).toBe(2);
  });

  it('from a history with a margin column and a spot position', () => {
    const h = parseHistoryCsv('date,ETH,margin\n2026-01-01,100,5\n2026-01-02,110,5\n2026-01-03,99,5\n2026-01-04,98,5\n');
    const days = backtestDays(h, acct('x', [{ instrument: 'ETH-PERPETUAL', size: 1 }]).positions, { horizonDays: 1, level: 0.99 });
    expect(days.map((d) => d.pnl)).toEqual([10, -11, -1]);
    expect(backtest(days, 0.99).exceptions).toBe(1);
  });

  it('historical-simulation margin uses only the days before', () => {
    // Returns +10 %, −10 %, +10 %, … ; window 2, horizon 1: margin of day t = worst of the two
    // preceding 1-day moves applied to day t's price = 10 % of it.
    const prices = [100, 110, 99, 108.9, 98.01, 107.811];
    const h = parseHistoryCsv(`date,ETH\n${prices.map((p, i) => `2026-01-0${i + 1},${p}`).join('\n')}\n`);
    const days = backtestDays(h, acct('x', [{ instrument: 'ETH-PERPETUAL', size: 1 }]).positions, { horizonDays: 1, level: 0.5, window: 2 });
    expect(days.map((d) => d.date)).toEqual(['2026-01-04', '2026-01-05']);
    expect(days[0]!.margin).toBeCloseTo(10.89, 10);
    expect(days[0]!.pnl).toBeCloseTo(-10.89, 10);
  });

  it('rejects bad history rows with the line and column', () => {
    expect(() => parseHistoryCsv('date,ETH\n2026-01-01,100\n2026-01-02,-5\n')).toThrow(expect.objectContaining({ field: 'history line 3.ETH' }));
    expect(() => parseHistoryCsv('date,ETH\n2026-01-02,100\n2026-01-01,100\n')).toThrow(expect.objectContaining({ field: 'history line 3.date' }));
  });
});

describe('historical simulation', () => {
  const wasm = loadWasmSync();
  const csv = 'date,ETH,ETH_vol\n2026-01-01,100,0.5\n2026-01-02,110,0.6\n2026-01-03,99,0.45\n2026-01-04,99,0.45\n2026-01-05,108.9,0.5\n';

  it('1-day windows applied to today: a spot position, hand-checked', () => {
    const book = buildRiskBook([acct('x', [{ instrument: 'ETH-PERPETUAL', size: 2 }])], testMarket(200), ['ETH']);
    const { scenarios, labels } = historicalScenarios(parseHistoryCsv(csv), book.underlyings, book.volGroups, 1);
    // Moves ×1.1, ×0.9, ×1, ×1.1 of 2 × 200 = 400 → P&L 40, −40, 0, 40.
    const r = revalue(wasm, book, scenarios, { levels: [0.75, 0.5] });
    expect(Array.from(r.venue.pnl).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([40, -40, 0, 40]);
    expect(labels[1]).toBe('2026-01-02..2026-01-03');
    expect(r.accounts.var[0]![0]).toBeCloseTo(40, 9); // k = 1: the worst
    expect(r.accounts.var[1]![0]).toBeCloseTo(-0, 9); // k = 2: second worst is 0
    expect(r.accounts.es[1]![0]).toBeCloseTo(20, 9);
  });

  it('2-day windows and the vol ratios', () => {
    const book = buildRiskBook([acct('x', [{ instrument: 'ETH-PERPETUAL', size: 2 }])], testMarket(200), ['ETH']);
    const { scenarios } = historicalScenarios(parseHistoryCsv(csv), ['ETH'], [{ underlying: 0, T: 0.1 }], 2);
    expect(Array.from(scenarios.spotMult).map((v) => +v.toFixed(12))).toEqual([0.99, 0.9, 1.1]);
    expect(Array.from(scenarios.volMul).map((v) => +v.toFixed(12))).toEqual([0.9, 0.75, 1.111111111111]);
    expect(() => historicalScenarios(parseHistoryCsv(csv), ['BTC'], [], 1)).toThrow(expect.objectContaining({ code: 'RG_ERR_MISSING_MARKET_DATA' }));
    expect(() => historicalScenarios(parseHistoryCsv(csv), ['ETH'], [], 5)).toThrow(expect.objectContaining({ field: 'history' }));
    void book;
  });
});

describe('contagion', () => {
  const ids = ['a', 'b', 'c', 'd'];
  it('clusters by owner and by shared collateral, transitively', () => {
    const cl = clusters(ids, { a: { owner: 'o1' }, b: { owner: 'o1', collateral: ['vault'] }, c: { collateral: ['vault'] } });
    expect(cl[0]).toBe(cl[1]);
    expect(cl[1]).toBe(cl[2]);
    expect(cl[3]).not.toBe(cl[0]);
    expect(() => clusters(ids, { z: { owner: 'o' } })).toThrow(expect.objectContaining({ field: 'links.z' }));
  });

  it('a broken account passes its shortfall to its cluster, pro rata', () => {
    const cl = clusters(ids, { a: { owner: 'o1' }, b: { owner: 'o1' }, c: { owner: 'o1' } });
    // a: −50 after the shock; b and c hold 30 and 10 → the 50 breaks both, 10 left uncovered. d alone.
    const out = propagateShock(ids, cl, Float64Array.of(100, 30, 10, 5), Float64Array.of(-150, 0, 0, -1));
    expect(out.direct).toEqual(['a']);
    expect(out.contagion.sort()).toEqual(['b', 'c']);
    expect(out.uncovered).toBeCloseTo(10, 12);
    // With more capacity the cluster absorbs it and nobody else breaks.
    const ok = propagateShock(ids, cl, Float64Array.of(100, 60, 40, 5), Float64Array.of(-150, 0, 0, -1));
    expect(ok.contagion).toEqual([]);
    expect(ok.uncovered).toBe(0);
  });
});

describe('traffic light in short samples', () => {
  it('no exception is green however short the sample; the zones scale with n', () => {
    expect(trafficLight(3, 0, 0.99)).toBe('green');
    expect(trafficLight(3, 1, 0.99)).toBe('amber');
    // 500 days: P(X ≤ 8) = 93.2 %, P(X ≤ 9) = 96.9 % → green to 8.
    expect(trafficLight(500, 8, 0.99)).toBe('green');
    expect(trafficLight(500, 9, 0.99)).toBe('amber');
  });
});
