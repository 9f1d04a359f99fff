import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { black76Price } from '../host/reference/black.js';
import { finishOkxPm } from '../host/profiles/okx-pm/finish.js';
import { validateOkxPmParams } from '../host/profiles/okx-pm/params.js';
import { buildOkxPmPlan } from '../host/profiles/okx-pm/plan.js';
import { okxSlots, tiered } from '../host/profiles/okx-pm/scenarios.js';
import type { OkxPmParams, OkxPosition } from '../host/profiles/okx-pm/types.js';

const P: OkxPmParams = JSON.parse(readFileSync(new URL('../profiles/okx-pm.json', import.meta.url), 'utf8')).params;
const clone = (): OkxPmParams => JSON.parse(JSON.stringify(P));

function run(positions: OkxPosition[], params = P) {
  const { plan, meta } = buildOkxPmPlan([{ id: 'a', positions }], params);
  return finishOkxPm(plan, evaluatePlanTs(plan), meta)[0]!;
}

const S0 = 60000;
const opt = (size: number, K: number, type: 'C' | 'P', over: Partial<OkxPosition> = {}): OkxPosition => ({
  id: `BTC-${K}-${type}`, kind: 'option', underlying: 'BTC', size, multiplier: 1, forward: 60200, spot: S0, strike: K, optionType: type, T: 14 / 365, vol: 0.5, df: 0.998, ...over,
});
const fut = (size: number, over: Partial<OkxPosition> = {}): OkxPosition => ({ id: 'BTC-FUT', kind: 'future', underlying: 'BTC', size, multiplier: 1, forward: 61000, spot: S0, T: 0.5, ...over });

// Independent transcription of the MR1 vol shock.
function mr1Vol(p: OkxPmParams, vol: number, T: number, state: 1 | 0 | -1): number {
  const f = (30 / Math.max(T * 365, p.mr1.minDays)) ** p.mr1.power;
  return state === 1 ? vol * (1 + p.mr1.volUp * f) : state === -1 ? vol * Math.max(1 - p.mr1.volDown * f, 0) : vol;
}

describe('okx-pm: each MR against an independent computation', () => {
  it('MR1 grid: 7 prices × 3 vols; MR6 ±24 % at the fraction', () => {
    const o = opt(-2, 65000, 'C');
    const r = run([o]).units[0]!;
    const v0 = black76Price(60200, 65000, o.T, 0.5, 0.998, 1);
    const slots = okxSlots(P).filter((s) => s.kind === 'mr1' || s.kind === 'mr6');
    expect(slots.filter((s) => s.kind === 'mr1')).toHaveLength(21);
    slots.forEach((sl, k) => {
      const v = black76Price(60200 * (1 + sl.move), 65000, o.T, sl.kind === 'mr1' ? mr1Vol(P, 0.5, o.T, sl.vol) : 0.5, 0.998, 1);
      expect(r.pnl[k]).toBeCloseTo(-2 * (v - v0) * sl.weight, 6);
    });
    const mr1 = -Math.min(...r.pnl.slice(0, 21));
    expect(r.mr.mr1).toBeCloseTo(mr1, 9);
    expect(r.mr.mr6).toBeCloseTo(2 * (black76Price(60200 * 1.24, 65000, o.T, 0.5, 0.998, 1) - v0) * 0.33, 6); // short call: the up move
  });

  it('MR2 theta: value lost over one day by a long option; a short option gains', () => {
    const o = opt(3, 60000, 'P');
    const want = 3 * (black76Price(60200, 60000, o.T, 0.5, 0.998, -1) - black76Price(60200, 60000, o.T - 1 / 365, 0.5, 0.998, -1));
    expect(run([o]).units[0]!.mr.mr2).toBeCloseTo(want, 8);
    expect(run([opt(-3, 60000, 'P')]).units[0]!.mr.mr2).toBe(0);
  });

  it('MR3 term structure: a calendar spread loses when the ends move apart', () => {
    const book = [opt(1, 60000, 'C', { T: 7 / 365, id: 'short-dated' }), opt(-1, 60000, 'C', { T: 90 / 365, id: 'long-dated' })];
    const r = run(book).units[0]!;
    const s7 = 0.1 * (30 / 7) ** 0.5;
    const s90 = 0.1 * (30 / 90) ** 0.5;
    const val = (T: number, vm: number) => black76Price(60200, 60000, T, 0.5 * vm, 0.998, 1) - black76Price(60200, 60000, T, 0.5, 0.998, 1);
    const twistA = val(7 / 365, 1 + s7) - val(90 / 365, 1 - s90);
    const twistB = val(7 / 365, 1 - s7) - val(90 / 365, 1 + s90);
    expect(r.mr.mr3).toBeCloseTo(Math.max(-twistA, -twistB, 0), 8);
    expect(r.mr.mr3).toBeGreaterThan(0);
  });

  it('MR4 basis: futures ± annualMove × T with the index fixed; 0 for perps', () => {
    expect(run([fut(-2)]).units[0]!.mr.mr4).toBeCloseTo(2 * 61000 * 0.05 * 0.5, 6);
    expect(run([fut(-2, { kind: 'perpetual', T: 0 })]).units[0]!.mr.mr4).toBe(0);
  });

  it('MR5 rate: discount factors shocked by ± rateShock × T', () => {
    const o = opt(5, 50000, 'C', { T: 0.75 });
    const v = black76Price(60200, 50000, 0.75, 0.5, 0.998, 1);
    const vUp = black76Price(60200, 50000, 0.75, 0.5, 0.998 * Math.exp(-0.01 * 0.75), 1);
    expect(run([o]).units[0]!.mr.mr5).toBeCloseTo(5 * (v - vUp), 8);
  });

  it('MR7 minimum charge: raw × the multiplier of its tier, and it binds over small risk', () => {
    const p = clone();
    p.mr7.optionRate = 0.05;
    const book = [opt(1, 200000, 'C', { vol: 0.2 })];
    const r = run(book, p).units[0]!;
    const raw = 0.05 * S0;
    expect(r.mr.mr7).toBeCloseTo(raw * 1, 9);
    expect(r.mmr).toBeCloseTo(raw, 9);
    const many = run(Array.from({ length: 1 }, () => opt(10, 200000, 'C', { vol: 0.2 })), p).units[0]!;
    expect(many.mr.mr7).toBeCloseTo(0.05 * 10 * S0 * 2, 6); // raw 30,000: tier 2
  });

  it('MR9 depeg: a USDT-margined long hedged by a USDC-margined short', () => {
    const book = [fut(20, { id: 'BTC-USDT-SWAP', kind: 'perpetual', T: 0, quote: 'USDT' }), fut(-20, { id: 'BTC-USDC-SWAP', kind: 'perpetual', T: 0, quote: 'USDC' })];
    const r = run(book).units[0]!;
    expect(r.cashDelta.USDT).toBeCloseTo(20 * S0, 3);
    expect(r.mr.mr1).toBeCloseTo(0, 6);
    const h = 20 * S0;
    expect(r.mr.mr9).toBeCloseTo(1e6 * 0.005 + (h - 1e6) * 0.01, 3);
    expect(tiered(10e6, P.mr9.tiers)).toBeCloseTo(1e6 * 0.005 + 4e6 * 0.01 + 5e6 * 0.025, 6);
  });

  it('MMR formula and IMR = 1.3 × MMR', () => {
    const r = run([opt(-1, 62000, 'C'), opt(1, 58000, 'P', { T: 60 / 365 }), fut(0.4)]);
    const u = r.units[0]!;
    const m = u.mr;
    expect(u.mmr).toBeCloseTo(Math.max(Math.max(m.mr1, m.mr2, m.mr6) + m.mr4 + m.mr3 + m.mr5 + m.mr9, m.mr7), 9);
    expect(r.initialMargin).toBeCloseTo(1.3 * r.maintenanceMargin, 9);
  });

  it('inverse (coin-margined) option: USD P&L = size × (V_s/S_s − V0/S0) × S_s', () => {
    const o = opt(-1, 66000, 'C', { settlement: 'inverse' });
    const r = run([o]).units[0]!;
    const v0 = black76Price(60200, 66000, o.T, 0.5, 0.998, 1) / S0;
    const slots = okxSlots(P).filter((s) => s.kind === 'mr1' || s.kind === 'mr6');
    slots.forEach((sl, k) => {
      const Ss = S0 * (1 + sl.move);
      const vs = black76Price(60200 * (1 + sl.move), 66000, o.T, sl.kind === 'mr1' ? mr1Vol(P, 0.5, o.T, sl.vol) : 0.5, 0.998, 1) / Ss;
      expect(r.pnl[k]).toBeCloseTo(-(vs - v0) * Ss * sl.weight, 6);
    });
  });

  it('properties: finite, IMR ≥ MMR, MR1 scales by k', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 50, noNaN: true }), (k) => {
        const book = [opt(-1, 62000, 'C'), opt(2, 55000, 'P', { settlement: 'inverse' }), fut(-0.3)];
        const one = run(book).units[0]!;
        const r = run(book.map((p) => ({ ...p, size: p.size * k })));
        expect(Number.isFinite(r.initialMargin)).toBe(true);
        expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
        expect(r.units[0]!.mr.mr1).toBeCloseTo(k * one.mr.mr1, 6);
      }),
      { numRuns: 40 },
    );
  });

  it('parameters at their extremes switch each MR off or to its full size', () => {
    const book = [opt(-1, 62000, 'C'), opt(1, 58000, 'P', { T: 60 / 365 }), fut(-0.5)];
    const p = clone();
    p.mr6.fraction = 0;
    p.mr4.annualMove = 0;
    p.mr2.days = 0;
    p.mr5.rateShock = 0;
    p.mr3.shock = 0;
    p.mr1.volUp = 0;
    p.mr1.volDown = 0;
    const off = run(book, p).units[0]!.mr;
    expect([off.mr6, off.mr4, off.mr2, off.mr5, off.mr3]).toEqual([0, 0, 0, 0, 0]);
    // With no vol shock MR1 is the pure price grid: the worst of ±0/4/8/12 % at unchanged vol.
    const grid = [0, 0.04, -0.04, 0.08, -0.08, 0.12, -0.12].map((m) =>
      book.reduce((a, q) => a + q.size * (q.kind === 'option' ? black76Price(q.forward * (1 + m), q.strike!, q.T, q.vol!, q.df!, q.optionType === 'C' ? 1 : -1) - black76Price(q.forward, q.strike!, q.T, q.vol!, q.df!, q.optionType === 'C' ? 1 : -1) : q.forward * m), 0),
    );
    expect(off.mr1).toBeCloseTo(Math.max(-Math.min(...grid), 0), 6);
    p.mr6.fraction = 1;
    const full = run(book, p).units[0]!.mr;
    const ext = [0.24, -0.24].map((m) =>
      book.reduce((a, q) => a + q.size * (q.kind === 'option' ? black76Price(q.forward * (1 + m), q.strike!, q.T, q.vol!, q.df!, q.optionType === 'C' ? 1 : -1) - black76Price(q.forward, q.strike!, q.T, q.vol!, q.df!, q.optionType === 'C' ? 1 : -1) : q.forward * m), 0),
    );
    expect(full.mr6).toBeCloseTo(Math.max(-Math.min(...ext), 0), 6);
    p.imrFactor = 1;
    const r = run(book, p);
    expect(r.initialMargin).toBe(r.maintenanceMargin);
  });

  it('parameter schema', () => {
    expect(validateOkxPmParams(clone())).toBeTruthy();
    const p = clone() as unknown as Record<string, Record<string, unknown>>;
    p.mr4!.annual = 1;
    expect(() => validateOkxPmParams(p)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.mr4.annual' }));
    const q = clone() as Partial<OkxPmParams>;
    delete q.mr9;
    expect(() => validateOkxPmParams(q)).toThrow(expect.objectContaining({ field: 'params.mr9' }));
    expect(() => run([opt(1, 60000, 'C'), opt(1, 61000, 'C', { spot: 59000 })])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'portfolios[0].positions[1].spot' }));
    const t = clone();
    t.mr7.tiers[6]!.upTo = 1e9;
    expect(() => validateOkxPmParams(t)).toThrow(/open-ended/);
  });
});
