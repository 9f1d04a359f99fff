import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { black76Price } from '../host/reference/black.js';
import type { ResolvedPosition } from '../host/profiles/standard/position.js';
import { finishTims } from '../host/profiles/tims/finish.js';
import { validateTimsParams } from '../host/profiles/tims/params.js';
import { buildTimsPlan, timsMoves } from '../host/profiles/tims/plan.js';
import type { TimsParams } from '../host/profiles/tims/types.js';

const P: TimsParams = JSON.parse(readFileSync(new URL('../profiles/tims.json', import.meta.url), 'utf8')).params;
const clone = (): TimsParams => JSON.parse(JSON.stringify(P));

function run(positions: ResolvedPosition[], params = P) {
  const { plan, meta } = buildTimsPlan([{ id: 'a', positions }], params);
  return finishTims(plan, evaluatePlanTs(plan), meta)[0]!;
}

const stock = (size: number, u = 'AAPL', price = 200): ResolvedPosition => ({ id: u, kind: 'spot', underlying: u, size, multiplier: 1, forward: price, T: 0 });
const idxFut = (size: number, u: string, F: number, mult = 50): ResolvedPosition => ({ id: `${u}-F`, kind: 'future', underlying: u, size, multiplier: mult, forward: F, T: 0.2 });
const opt = (size: number, u: string, F: number, K: number, type: 'C' | 'P', over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({
  id: `${u}-${K}${type}`, kind: 'option', underlying: u, size, multiplier: 100, forward: F, strike: K, optionType: type, T: 30 / 365, vol: 0.2, df: 0.996, ...over,
});
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

describe('tims: valuation points and class losses', () => {
  it('10 equidistant points: ±15 % equities, +6 %/−8 % high-cap indices', () => {
    expect(timsMoves(10, P.classes['*']!).map(r6)).toEqual([-0.15, -0.12, -0.09, -0.06, -0.03, 0.03, 0.06, 0.09, 0.12, 0.15]);
    expect(timsMoves(10, P.classes.SPX!).map(r6)).toEqual([-0.08, -0.064, -0.048, -0.032, -0.016, 0.012, 0.024, 0.036, 0.048, 0.06]);
  });

  it('long stock loses 15 %; short SPX put loses at −8 % (independent Black-76)', () => {
    expect(run([stock(100)]).maintenanceMargin).toBeCloseTo(0.15 * 100 * 200, 8);
    const r = run([opt(-2, 'SPX', 5000, 4800, 'P')]);
    const v0 = black76Price(5000, 4800, 30 / 365, 0.2, 0.996, -1);
    const v = black76Price(5000 * 0.92, 4800, 30 / 365, 0.2, 0.996, -1);
    expect(r.classes[0]!.theoreticalLoss).toBeCloseTo(200 * (v - v0), 6);
    expect(r.classes[0]!.worstPoint).toBe(0);
  });

  it('minimum $0.375 × multiplier per contract; a long option not above its value', () => {
    const far = opt(10, 'SPX', 5000, 8000, 'C', { T: 5 / 365 });
    const r = run([far]);
    const value = 100 * black76Price(5000, 8000, 5 / 365, 0.2, 0.996, 1);
    expect(r.classes[0]!.minimum).toBeCloseTo(10 * Math.min(37.5, value), 9);
    const short = run([opt(-10, 'SPX', 5000, 8000, 'C', { T: 5 / 365 })]);
    expect(short.classes[0]!.minimum).toBeCloseTo(375, 9);
    expect(short.maintenanceMargin).toBeCloseTo(Math.max(375, short.classes[0]!.theoreticalLoss), 9);
    const p = clone();
    p.minimumPerContract = 0;
    expect(run([opt(-10, 'SPX', 5000, 8000, 'C', { T: 5 / 365 })], p).breakdown.minimumUplift).toBe(0);
  });
});

describe('tims: offsets and add-ons', () => {
  it('classes of one group offset gains at the offset percentage at the same point', () => {
    const book = [idxFut(1, 'SPX', 5000), idxFut(-1, 'NDX', 5000)];
    const N = 250000;
    const r = run(book);
    // Point 0 (−8 %): SPX loses 0.08 N, NDX gains 0.08 N → 0.08 N − 0.9 × 0.08 N.
    expect(r.groups[0]!.loss).toBeCloseTo(0.08 * N * 0.1, 6);
    expect(r.breakdown.classLosses).toBeCloseTo(0.08 * N + 0.06 * N, 6);
    const p = clone();
    p.groups['us-broad-index']!.offset = 0;
    expect(run(book, p).maintenanceMargin).toBeCloseTo(0.08 * N, 6); // same point, no gain counted
    p.groups['us-broad-index']!.offset = 1;
    const full = run(book, p);
    expect(full.groups[0]!.loss).toBeCloseTo(0, 6);
    expect(full.maintenanceMargin).toBe(2 * 0.375 * 50); // the per-contract minimum binds
  });

  it('single names are groups of their own: no offsets between them', () => {
    const r = run([stock(100, 'AAPL', 200), stock(-100, 'MSFT', 400)]);
    expect(r.maintenanceMargin).toBeCloseTo(0.15 * 20000 + 0.15 * 40000, 6);
    expect(r.groups.map((g) => g.group)).toEqual(['AAPL', 'MSFT']);
  });

  it('concentration add-on above the threshold', () => {
    const p = clone();
    p.concentration = { threshold: 1_000_000, rate: 0.1 };
    const r = run([stock(10000, 'AAPL', 200)], p);
    expect(r.breakdown.concentrationAddOn).toBeCloseTo(0.1 * 1_000_000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.15 * 2_000_000 + 100_000, 4);
  });

  it('properties: finite, IM ≥ MM, loss scales by k', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), (k) => {
        const book = [opt(-1, 'SPX', 5000, 4900, 'P'), opt(1, 'SPX', 5000, 4700, 'P'), idxFut(1, 'NDX', 18000, 20)];
        const one = run(book);
        const r = run(book.map((q) => ({ ...q, size: q.size * k })));
        expect(Number.isFinite(r.maintenanceMargin)).toBe(true);
        expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
        expect(r.breakdown.classLosses).toBeCloseTo(k * one.breakdown.classLosses, 5);
      }),
      { numRuns: 40 },
    );
  });

  it('parameter schema', () => {
    expect(validateTimsParams(clone())).toBeTruthy();
    expect(() => validateTimsParams({ ...clone(), valuationPoints: 9 })).toThrow(/even/);
    const p = clone();
    p.classes.SPX!.group = 'nope';
    expect(() => validateTimsParams(p)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.classes.SPX.group' }));
    const { concentration: _c, ...missing } = clone();
    expect(() => validateTimsParams(missing)).toThrow(expect.objectContaining({ field: 'params.concentration' }));
    const q = clone();
    delete q.classes['*'];
    expect(() => run([stock(1, 'TSLA')], q)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE' }));
  });
});
