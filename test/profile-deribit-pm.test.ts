import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { black76Price } from '../host/reference/black.js';
import { finishDeribitPm } from '../host/profiles/deribit-pm/finish.js';
import { validateDeribitPmParams } from '../host/profiles/deribit-pm/params.js';
import { buildDeribitPmPlan } from '../host/profiles/deribit-pm/plan.js';
import { deribitSlots } from '../host/profiles/deribit-pm/scenarios.js';
import type { DeribitCollateral, DeribitPmParams } from '../host/profiles/deribit-pm/types.js';
import type { ResolvedPosition } from '../host/profiles/standard/position.js';

const P: DeribitPmParams = JSON.parse(readFileSync(new URL('../profiles/deribit-pm.json', import.meta.url), 'utf8')).params;
const clone = (over: Partial<DeribitPmParams> = {}): DeribitPmParams => ({ ...JSON.parse(JSON.stringify(P)), ...over });

function run(positions: ResolvedPosition[], params = P, collateral?: DeribitCollateral[]) {
  const { plan, meta } = buildDeribitPmPlan([{ id: 'a', positions, collateral }], params);
  return finishDeribitPm(plan, evaluatePlanTs(plan), meta)[0]!;
}

const S0 = 60000;
const opt = (size: number, K: number, type: 'C' | 'P', over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({
  id: `BTC-${K}-${type}`, kind: 'option', underlying: 'BTC', size, multiplier: 1, forward: 60300, spot: S0, strike: K, optionType: type, T: 20 / 365, vol: 0.55, df: 1, ...over,
});
const fut = (size: number, over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({ id: 'BTC-FUT', kind: 'future', underlying: 'BTC', size, multiplier: 1, forward: 61000, spot: S0, T: 0.5, ...over });

// Independent transcription of Deribit's vol shock (days floored at minDays).
function shocked(p: DeribitPmParams, vol: number, T: number, state: 1 | 0 | -1): number {
  const days = Math.max(T * 365, p.minDays);
  const f = (30 / days) ** (days < 30 ? p.shortPower : p.longPower);
  if (state === 1) return Math.max(vol * (1 + p.volRangeUp * f), p.minVolUp);
  if (state === -1) return Math.max(vol * (1 - p.volRangeDown * f), 0);
  return vol;
}

describe('deribit-pm: scenarios against an independent Black-76 loop', () => {
  it('slot layout: 9 × 3 grid over ±16 %, 8 extended moves (vol up), delta and roll slots', () => {
    const slots = deribitSlots(P);
    const grid = slots.filter((s) => s.kind === 'grid');
    expect(grid).toHaveLength(27);
    expect([...new Set(grid.map((s) => s.move))].map((m) => Math.round(m * 100))).toEqual([-16, -12, -8, -4, 0, 4, 8, 12, 16]);
    const ext = slots.filter((s) => s.kind === 'extended');
    expect(ext.map((s) => s.move)).toEqual([-0.66, -0.33, 0.5, 1, 2, 3, 4, 5]);
    expect(ext.every((s, k) => s.vol === 1 && s.weight === P.extended[k]!.fraction * P.extendedDampener)).toBe(true);
  });

  it('linear short strangle: every grid / extended P&L equals size × (V(F(1+m), σ_s) − V0) × weight', () => {
    const book = [opt(-2, 70000, 'C', { settlement: 'linear' }), opt(-3, 50000, 'P', { settlement: 'linear', vol: 0.7 })];
    const r = run(book);
    const u = r.units[0]!;
    const slots = deribitSlots(P).filter((s) => s.kind === 'grid' || s.kind === 'extended');
    slots.forEach((sl, k) => {
      let want = 0;
      for (const p of book) {
        const w = p.optionType === 'C' ? 1 : -1;
        const v0 = black76Price(p.forward, p.strike!, p.T, p.vol!, 1, w);
        want += p.size * (black76Price(p.forward * (1 + sl.move), p.strike!, p.T, shocked(P, p.vol!, p.T, sl.vol), 1, w) - v0) * sl.weight;
      }
      expect(u.pnl[k]).toBeCloseTo(want, 6);
    });
    expect(u.breakdown.scenarioLoss).toBeCloseTo(-Math.min(...u.pnl), 9);
    expect(u.currency).toBe('USD');
  });

  it('inverse option P&L in coin: size × (V_s / S_s − V0 / S0) × weight', () => {
    const o = opt(-1, 66000, 'C', { settlement: 'inverse' });
    const u = run([o]).units[0]!;
    expect(u.currency).toBe('BTC');
    const slots = deribitSlots(P).filter((s) => s.kind === 'grid' || s.kind === 'extended');
    const v0 = black76Price(60300, 66000, o.T, 0.55, 1, 1) / S0;
    slots.forEach((sl, k) => {
      const vs = black76Price(60300 * (1 + sl.move), 66000, o.T, shocked(P, 0.55, o.T, sl.vol), 1, 1) / (S0 * (1 + sl.move));
      expect(u.pnl[k]).toBeCloseTo(-(vs - v0) * sl.weight, 12);
    });
  });

  it('inverse future P&L in coin: N (1/F0 − 1/F_s), exactly the inverse payoff', () => {
    const f = fut(3000, { settlement: 'inverse', multiplier: 10, T: 0 , kind: 'perpetual', id: 'BTC-PERPETUAL' });
    const u = run([f], clone({ deltaShock: 0 })).units[0]!;
    const slots = deribitSlots(P).filter((s) => s.kind === 'grid' || s.kind === 'extended');
    slots.forEach((sl, k) => expect(u.pnl[k]).toBeCloseTo(30000 * (1 / 61000 - 1 / (61000 * (1 + sl.move))) * sl.weight, 12));
  });

  it('vol term structure: short power below 30 days, long power above, min vol on the up shock', () => {
    for (const [T, vol] of [[3 / 365, 0.6], [7 / 365, 0.6], [90 / 365, 0.6], [1, 0.2], [0.1 / 365, 0.6]] as const) {
      const o = opt(1, 60000, 'C', { settlement: 'linear', T, vol });
      const u = run([o], clone({ extended: [] })).units[0]!;
      const v0 = black76Price(60300, 60000, T, vol, 1, 1);
      const slots = deribitSlots(clone({ extended: [] })).filter((s) => s.kind === 'grid');
      slots.forEach((sl, k) => expect(u.pnl[k]).toBeCloseTo(black76Price(60300 * (1 + sl.move), 60000, T, shocked(P, vol, T, sl.vol), 1, 1) - v0, 6));
    }
  });
});

describe('deribit-pm: vol parameters at their extremes', () => {
  it('powers 0: the same relative shock at every expiry; minVolUp lifts every up shock', () => {
    const flat = clone({ shortPower: 0, longPower: 0, extended: [], minVolUp: 0 });
    for (const T of [2 / 365, 1]) {
      const u = run([opt(1, 60000, 'C', { settlement: 'linear', T, vol: 0.4 })], flat).units[0]!;
      const v0 = black76Price(60300, 60000, T, 0.4, 1, 1);
      expect(u.pnl[12]).toBeCloseTo(black76Price(60300, 60000, T, 0.6, 1, 1) - v0, 6); // price 0, vol up
      expect(u.pnl[13]).toBeCloseTo(black76Price(60300, 60000, T, 0.4, 1, 1) - v0, 6); // price 0, vol same
      expect(u.pnl[14]).toBeCloseTo(black76Price(60300, 60000, T, 0.3, 1, 1) - v0, 6); // price 0, vol down
    }
    const lifted = run([opt(-1, 60000, 'C', { settlement: 'linear', T: 1, vol: 0.2 })], clone({ minVolUp: 3, extended: [] })).units[0]!;
    const v0 = black76Price(60300, 60000, 1, 0.2, 1, 1);
    expect(lifted.pnl[12]).toBeCloseTo(-(black76Price(60300, 60000, 1, 3, 1, 1) - v0), 6);
  });
});

describe('deribit-pm: components', () => {
  it('delta shock: deltaShock × |net delta| at the index (coin: in coin)', () => {
    const lin = run([fut(2, { T: 0, kind: 'perpetual', id: 'BTC-PERP-L' })]).units[0]!;
    expect(lin.netDelta).toBeCloseTo(2, 8);
    expect(lin.breakdown.deltaShock).toBeCloseTo(0.01 * 2 * S0, 4);
    const zero = run([fut(2, { T: 0, kind: 'perpetual' })], clone({ deltaShock: 0 })).units[0]!;
    expect(zero.breakdown.deltaShock).toBe(0);
    expect(zero.initialMargin).toBeCloseTo(lin.initialMargin - 0.01 * 2 * S0, 4);
  });

  it('roll shock: futures forwards ± rollShock × T, spot fixed', () => {
    const u = run([fut(-1)]).units[0]!;
    expect(u.breakdown.rollShock).toBeCloseTo(61000 * 0.05 * 0.5, 6);
    const none = run([fut(-1)], clone({ rollShock: 0 })).units[0]!;
    expect(none.breakdown.rollShock).toBe(0);
    const inv = run([fut(-6100, { settlement: 'inverse', multiplier: 10 })]).units[0]!;
    // q = N·S0/F0² units; roll loss q·F·cT, in coin / S0 = N·cT/F0 (first order in cT).
    expect(inv.breakdown.rollShock).toBeCloseTo((61000 * 0.025) / 61000, 9);
  });

  it('per-option minimum on net short options per strike (calls and puts together)', () => {
    const book = [opt(10, 60000, 'C', { settlement: 'linear' }), opt(-20, 60000, 'P', { settlement: 'linear' })];
    const u = run(book).units[0]!;
    expect(u.breakdown.optionMinimum).toBeCloseTo(0.01 * 10 * S0, 6);
    const big = run(book, clone({ minPerOption: 1 })).units[0]!;
    expect(big.initialMargin).toBeCloseTo(10 * S0, 6);
  });

  it('extended table: dampener 0 removes it, 1 counts the full P&L', () => {
    const far = [opt(-1, 150000, 'C', { settlement: 'linear', T: 60 / 365 })];
    const off = run(far, clone({ extendedDampener: 0 })).units[0]!;
    const on = run(far, clone({ extendedDampener: 1 })).units[0]!;
    expect(on.worstScenario.label).toMatch(/extended price \+500%/);
    expect(on.breakdown.scenarioLoss).toBeGreaterThan(50 * off.breakdown.scenarioLoss);
  });

  it('MM = mmFactor × IM; S:PM totals in USD at the index', () => {
    const r = run([opt(-1, 66000, 'C', { settlement: 'inverse' }), fut(1, { settlement: 'linear' })]);
    for (const u of r.units) expect(u.maintenanceMargin).toBeCloseTo(0.8 * u.initialMargin, 12);
    const usd = r.units.reduce((a, u) => a + u.initialMargin * (u.currency === 'USD' ? 1 : u.indexPrice), 0);
    expect(r.initialMargin).toBeCloseTo(usd, 6);
    expect(r.units.map((u) => `${u.underlying}:${u.currency}`)).toEqual(['BTC:BTC', 'BTC:USD']);
  });

  it('X:PM: inverse units in USD (coin P&L × S_s); collateral after haircuts', () => {
    const X = JSON.parse(readFileSync(new URL('../profiles/deribit-pm.cross.json', import.meta.url), 'utf8')).params as DeribitPmParams;
    const o = opt(-1, 66000, 'C', { settlement: 'inverse' });
    const seg = run([o]).units[0]!;
    const cross = run([o], X, [{ asset: 'BTC', amount: 2, price: S0 }, { asset: 'USDC', amount: 1000, price: 1 }, { asset: 'DOGE', amount: 5, price: 1 }]);
    const u = cross.units[0]!;
    const slots = deribitSlots(P).filter((s) => s.kind === 'grid' || s.kind === 'extended');
    slots.forEach((sl, k) => expect(u.pnl[k]).toBeCloseTo(seg.pnl[k]! * S0 * (1 + sl.move), 6));
    expect(cross.collateral.value).toBeCloseTo(2 * S0 * 0.95 + 1000, 9);
    expect(cross.collateral.haircut).toBeCloseTo(2 * S0 * 0.05 + 5, 9);
  });

  it('properties: finite, IM ≥ MM, scenario loss scales by k', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 50, noNaN: true }), fc.constantFrom<'linear' | 'inverse'>('linear', 'inverse'), (k, settlement) => {
        const book = [opt(-1, 70000, 'C', { settlement }), opt(2, 55000, 'P', { settlement }), fut(0.5)];
        const one = run(book);
        const r = run(book.map((p) => ({ ...p, size: p.size * k })));
        expect(Number.isFinite(r.initialMargin)).toBe(true);
        expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
        r.units.forEach((u, j) => expect(u.breakdown.scenarioLoss).toBeCloseTo(k * one.units[j]!.breakdown.scenarioLoss, 6));
      }),
      { numRuns: 40 },
    );
  });
});

describe('deribit-pm: validation', () => {
  it('parameter file schema', () => {
    expect(validateDeribitPmParams(clone())).toBeTruthy();
    expect(() => validateDeribitPmParams({ ...clone(), priceRange2: 1 })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.priceRange2' }));
    const { mmFactor: _m, ...missing } = clone();
    expect(() => validateDeribitPmParams(missing)).toThrow(expect.objectContaining({ field: 'params.mmFactor' }));
    expect(() => validateDeribitPmParams(clone({ pricePoints: 8 }))).toThrow(/odd/);
    expect(() => validateDeribitPmParams(clone({ extended: [{ move: -1, fraction: 1 }] }))).toThrow(expect.objectContaining({ field: 'params.extended[0].move' }));
  });

  it('bad input', () => {
    expect(() => run([opt(-1, 66000, 'C', { vol: NaN })])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'portfolios[0].positions[0].vol' }));
    expect(() => run([opt(-1, 66000, 'C'), opt(1, 60000, 'C', { spot: 61000 })])).toThrow(/differs from the BTC index/);
    expect(() => run([fut(1)], P, [{ asset: 'BTC', amount: NaN, price: 1 }])).toThrow(expect.objectContaining({ field: 'portfolios[0].collateral[0].amount' }));
  });
});
