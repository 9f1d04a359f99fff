import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { black76Price } from '../host/reference/black.js';
import { finishCrossFutures } from '../host/profiles/cross-futures/finish.js';
import { validateCrossFuturesParams } from '../host/profiles/cross-futures/params.js';
import { buildCrossFuturesPlan } from '../host/profiles/cross-futures/plan.js';
import type { CrossFuturesParams } from '../host/profiles/cross-futures/types.js';
import { finishStandard } from '../host/profiles/standard/finish.js';
import { validateStandardParams } from '../host/profiles/standard/params.js';
import { buildStandardPlan } from '../host/profiles/standard/plan.js';
import type { Portfolio, ResolvedPosition } from '../host/profiles/standard/position.js';
import type { StandardParams } from '../host/profiles/standard/types.js';

const load = (n: string) => JSON.parse(readFileSync(new URL(`../profiles/${n}.json`, import.meta.url), 'utf8')).params;
const SP: StandardParams = load('standard');
const CP: CrossFuturesParams = load('cross-futures');

function standard(positions: ResolvedPosition[], params: StandardParams = SP) {
  const { plan, meta } = buildStandardPlan([{ id: 'a', positions }], params);
  return finishStandard(plan, evaluatePlanTs(plan), meta)[0]!;
}
function cross(positions: ResolvedPosition[], params: CrossFuturesParams = CP) {
  const { plan, meta } = buildCrossFuturesPlan([{ id: 'a', positions }], params);
  return finishCrossFutures(plan, evaluatePlanTs(plan), meta)[0]!;
}

const fut = (size: number, F = 60000, over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({ id: `BTC-F${F}`, kind: 'future', underlying: 'BTC', size, multiplier: 1, forward: F, T: 0.2, ...over });
const perp = (size: number, F = 60100): ResolvedPosition => ({ id: 'BTC-PERPETUAL', kind: 'perpetual', underlying: 'BTC', size, multiplier: 1, forward: F, T: 0 });
const opt = (size: number, K: number, type: 'C' | 'P', over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({
  id: `BTC-${K}-${type}`, kind: 'option', underlying: 'BTC', size, multiplier: 1, forward: 60000, spot: 59800, strike: K, optionType: type, T: 0.25, vol: 0.6, df: 0.99, ...over,
});

describe('standard: each rule against hand computation', () => {
  it('futures: rate × notional; inverse: rate × contracts × USD multiplier', () => {
    const r = standard([fut(-2)]);
    expect(r.initialMargin).toBeCloseTo(0.1 * 2 * 60000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.05 * 2 * 60000, 6);
    const inv = standard([fut(300, 60000, { settlement: 'inverse', multiplier: 10 })]);
    expect(inv.initialMargin).toBeCloseTo(0.1 * 3000, 6);
  });

  it('short call: premium + max(20 % U − OTM, 10 % U); short put floor on the strike', () => {
    const prem = black76Price(60000, 70000, 0.25, 0.6, 0.99, 1);
    const r = standard([opt(-3, 70000, 'C')]);
    expect(r.initialMargin).toBeCloseTo(3 * (prem + Math.max(0.2 * 59800 - 10200, 0.1 * 59800)), 6);
    expect(r.maintenanceMargin).toBeCloseTo(3 * (prem + Math.max(0.15 * 59800 - 10200, 0.075 * 59800)), 6);
    const pp = black76Price(60000, 30000, 0.25, 0.6, 0.99, -1);
    const put = standard([opt(-1, 30000, 'P')]);
    expect(put.initialMargin).toBeCloseTo(pp + Math.max(0.2 * 59800 - 29800, 0.1 * 30000), 6);
    const itm = standard([opt(-1, 50000, 'C')]);
    expect(itm.initialMargin).toBeCloseTo(black76Price(60000, 50000, 0.25, 0.6, 0.99, 1) + 0.2 * 59800, 6);
  });

  it('long option: premium, or nothing when longOptionPremium is false', () => {
    const prem = black76Price(60000, 65000, 0.25, 0.6, 0.99, -1);
    expect(standard([opt(2, 65000, 'P')]).initialMargin).toBeCloseTo(2 * prem, 6);
    expect(standard([opt(2, 65000, 'P')], { ...SP, longOptionPremium: false }).initialMargin).toBe(0);
  });

  it('rates at their extremes: 0 needs nothing, 1 needs the whole notional', () => {
    const zero = { ...SP, futureRate: { initial: 0, maintenance: 0 } };
    expect(standard([fut(1)], zero).initialMargin).toBe(0);
    const full = { ...SP, futureRate: { initial: 1, maintenance: 1 } };
    expect(standard([fut(1)], full).initialMargin).toBeCloseTo(60000, 6);
  });

  it('no offsets: a long and a short future need the sum', () => {
    const r = standard([fut(1), fut(-1, 61000, { id: 'BTC-F2' })]);
    expect(r.initialMargin).toBeCloseTo(0.1 * 60000 + 0.1 * 61000, 6);
    expect(r.positions).toHaveLength(2);
    expect(r.worstPosition?.id).toBe('BTC-F2');
  });
});

describe('cross-futures', () => {
  it('nets futures and perps per underlying; spread charge on the offset', () => {
    const r = cross([fut(2), perp(-1.5)]);
    const net = 2 * 60000 - 1.5 * 60100;
    const gross = 2 * 60000 + 1.5 * 60100;
    const offset = (gross - Math.abs(net)) / 2;
    expect(r.initialMargin).toBeCloseTo(0.1 * Math.abs(net) + 0.01 * offset, 6);
    expect(r.maintenanceMargin).toBeCloseTo(0.05 * Math.abs(net) + 0.005 * offset, 6);
    expect(r.units[0]!.netNotional).toBeCloseTo(net, 6);
  });

  it('different underlyings do not net', () => {
    const eth: ResolvedPosition = { id: 'ETH-PERPETUAL', kind: 'perpetual', underlying: 'ETH', size: -40, multiplier: 1, forward: 3000, T: 0 };
    const r = cross([fut(2), eth]);
    expect(r.initialMargin).toBeCloseTo(0.1 * 120000 + 0.1 * 120000, 6);
    expect(r.units.map((u) => u.underlying)).toEqual(['BTC', 'ETH']);
  });

  it('options and spot are margined as in standard', () => {
    const book = [opt(-1, 70000, 'C'), opt(1, 50000, 'P')];
    expect(cross(book).initialMargin).toBeCloseTo(standard(book).initialMargin, 9);
  });

  it('property: a futures book never needs more than under standard (same rates, spread ≤ 2 × rate)', () => {
    const params: StandardParams = { ...SP, futureRate: CP.netRate, perpetualRate: CP.netRate };
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.double({ min: -50, max: 50, noNaN: true }), F: fc.double({ min: 1000, max: 100000, noNaN: true }), perp: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        (legs) => {
          const book = legs.map((l, i) => (l.perp ? { ...perp(l.size, l.F), id: `P${i}` } : fut(l.size, l.F, { id: `F${i}` })));
          const c = cross(book);
          const s = standard(book, params);
          expect(c.initialMargin).toBeLessThanOrEqual(s.initialMargin * (1 + 1e-12) + 1e-9);
          expect(c.maintenanceMargin).toBeLessThanOrEqual(s.maintenanceMargin * (1 + 1e-12) + 1e-9);
          expect(c.initialMargin).toBeGreaterThanOrEqual(c.maintenanceMargin);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('standard and cross-futures: shared properties', () => {
  it('finite, IM ≥ MM, and scaling every position by k scales both by k', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 100, noNaN: true }), (k) => {
        const book = [fut(1), perp(-2), opt(-1, 70000, 'C'), opt(2, 50000, 'P')];
        const scaled = book.map((p) => ({ ...p, size: p.size * k }));
        for (const f of [standard, cross] as const) {
          const one = f(book);
          const r = f(scaled);
          expect(Number.isFinite(r.initialMargin)).toBe(true);
          expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
          expect(r.initialMargin).toBeCloseTo(k * one.initialMargin, 5);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('parameter files: unknown, missing, out-of-range and initial < maintenance are RG_ERR_PROFILE', () => {
    expect(validateStandardParams(SP)).toBe(SP);
    expect(validateCrossFuturesParams(CP)).toBe(CP);
    expect(() => validateStandardParams({ ...SP, spreadRate: SP.futureRate })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.spreadRate' }));
    const { futureRate: _f, ...missing } = SP;
    expect(() => validateStandardParams(missing)).toThrow(expect.objectContaining({ field: 'params.futureRate' }));
    expect(() => validateStandardParams({ ...SP, futureRate: { initial: 1.5, maintenance: 0.1 } })).toThrow(expect.objectContaining({ field: 'params.futureRate.initial' }));
    expect(() => validateCrossFuturesParams({ ...CP, netRate: { initial: 0.01, maintenance: 0.1 } })).toThrow(/>= maintenance/);
    expect(() => validateCrossFuturesParams({ ...CP, futureRate: CP.netRate })).toThrow(/unknown field "futureRate"/);
  });

  it('bad positions are RG_ERR_INVALID_INPUT naming the field', () => {
    expect(() => standard([fut(1, NaN)])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'portfolios[0].positions[0].forward' }));
    expect(() => cross([opt(1, 70000, 'C', { vol: Infinity })])).toThrow(expect.objectContaining({ field: 'portfolios[0].positions[0].vol' }));
  });
});
