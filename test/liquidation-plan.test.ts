// Liquidation plans (host/liquidation/plan.ts) and the close-out cost model (close-out-cost.ts):
// worked cost examples by hand; every executed step re-margined independently (never lowers
// mm_excess, never raises MM or IM, never opens or flips); plans restore MM + buffer when they
// can and say why when not; the hedge rule; determinism.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { closeOutCost, halfSpreadPerContract, parseCloseOutCostParams, totalCloseOutCost, DEFAULT_CLOSE_OUT_COST, type InstrumentQuote } from '../host/liquidation/close-out-cost.js';
import { applyStep, liquidationPlan, parsePlanParams, REASON_BANKRUPT, REASON_NO_STEP, REASON_MAX_STEPS, type LiquidationPlan } from '../host/liquidation/plan.js';
import { createEngine, type Engine } from '../host/margin/engine.js';
import type { MarginResult } from '../host/margin/result.js';
import type { Account } from '../host/model/account.js';
import { black76Price } from '../host/reference/black.js';
import { arbAccount, NOW, option, testMarket, testProfile } from './support/derive-fixtures.js';

const engine = createEngine({ profile: testProfile(), snapshot: { now: false } });
const snap = engine.parseMarket(testMarket());
const PERP = (size: number, avg = 2000) => ({ instrument: 'ETH-PERPETUAL', size, avg_price: avg });

/** The account with its USDC set so that mm_excess = −deficit × MM. */
function below(positions: unknown[], deficit: number, id = 'acct'): Account {
  const a = engine.parseAccount({ account_id: id, positions, balances: { USDC: 100_000 } });
  const r = engine.margin(a, snap);
  return engine.parseAccount({ account_id: id, positions, balances: { USDC: 100_000 - r.mm_excess - deficit * r.maintenance_margin } });
}

/** Executes every step from the start, re-margins each state, and checks the step invariants. */
function replay(account: Account, plan: LiquidationPlan, eng: Engine = engine): Account {
  let cur = account;
  let before = eng.margin(cur, snap);
  for (const s of plan.steps) {
    const cuts = [{ instrument: s.instrument, size_before: s.size_before, size_after: s.size_after, qty: s.qty }, ...(s.paired ? [s.paired] : [])];
    for (const c of cuts) {
      const held = cur.positions.filter((p) => p.instrument.id === c.instrument);
      expect(held.length, `${c.instrument} must be held before its step`).toBeGreaterThan(0);
      expect(held.reduce((t, p) => t + p.size, 0)).toBeCloseTo(c.size_before, 12);
      // Reduce only: same sign or closed, strictly smaller, qty consistent.
      expect(Math.abs(c.size_after)).toBeLessThan(Math.abs(c.size_before));
      expect(c.size_after === 0 || Math.sign(c.size_after) === Math.sign(c.size_before)).toBe(true);
      expect(c.qty).toBeCloseTo(Math.abs(c.size_before) - Math.abs(c.size_after), 9);
    }
    // Spread rule, independently: a long option cut alone leaves its type's longs ≥ min(longs, shorts).
    const ins = cur.positions.find((p) => p.instrument.id === s.instrument)!.instrument;
    if (ins.kind === 'option' && s.size_before > 0 && s.paired === undefined) {
      const same = cur.positions.filter((p) => p.instrument.kind === 'option' && p.instrument.optionType === ins.optionType && p.instrument.underlying === ins.underlying);
      const longs = same.reduce((t, p) => t + Math.max(p.size, 0) * p.instrument.contractSize, 0);
      const shorts = same.reduce((t, p) => t + Math.max(-p.size, 0) * p.instrument.contractSize, 0);
      if (shorts > 0) expect(longs - s.qty * ins.contractSize).toBeGreaterThanOrEqual(Math.min(longs, shorts) * (1 - 1e-12) - 1e-12);
    }
    expect(s.est_cost).toBeGreaterThan(0);
    expect(s.cash_change).toBeCloseTo(s.proceeds - s.est_cost, 9);
    expect(s.cash_asset).toBe('USDC'); // linear USDC instruments settle in USDC
    if (plan.margin_currency === 'USDC') expect(s.cash_amount).toBe(s.cash_change);
    const next = applyStep(cur, s);
    const ids = new Set(cur.positions.map((p) => p.instrument.id));
    for (const p of next.positions) expect(ids.has(p.instrument.id)).toBe(true);
    const after = eng.margin(next, snap);
    expect(after.mm_excess).toBeGreaterThan(before.mm_excess);
    expect(after.maintenance_margin).toBeLessThanOrEqual(before.maintenance_margin);
    expect(after.initial_margin).toBeLessThanOrEqual(before.initial_margin);
    expect(s.margin_after).toEqual({ mm: after.maintenance_margin, im: after.initial_margin, mm_excess: after.mm_excess, equity: after.equity });
    cur = next;
    before = after;
  }
  return cur;
}

describe('close-out cost model', () => {
  const p = DEFAULT_CLOSE_OUT_COST;
  const opt: InstrumentQuote = { id: 'ETH-O', kind: 'option', contract_size: 1, index: 2000, mark: 100, vega: 3 };
  const perp: InstrumentQuote = { id: 'ETH-PERPETUAL', kind: 'linear', contract_size: 1, index: 2000, mark: 2001, vega: 0 };

  it('matches worked examples by hand', () => {
    // Option: half-spread max(2 % × 100, 2.5 bp × 2000) = 2; impact 3 × 0.05 × √(10·2000 / 2e6) = 0.015.
    expect(totalCloseOutCost(opt, 10, p)).toBeCloseTo(10 * (2 + 0.015), 12);
    // A cheap option hits the floor: max(2 % × 10, 0.5) = 0.5 per contract.
    expect(halfSpreadPerContract({ ...opt, mark: 10 }, p)).toBeCloseTo(0.5, 12);
    // Perp: 5 bp × 2001 = 1.0005; impact 2001 × 0.05 × √(100·2000 / 2e8) = 3.16386…
    expect(totalCloseOutCost(perp, 100, p)).toBeCloseTo(100 * (1.0005 + 2001 * 0.05 * Math.sqrt(1e-3)), 9);
    // Contract size scales both parts; adv override by id.
    expect(totalCloseOutCost({ ...perp, contract_size: 0.1 }, 1000, p)).toBeCloseTo(totalCloseOutCost(perp, 100, p), 9);
    expect(totalCloseOutCost(perp, 100, { ...p, adv_notional: { 'ETH-PERPETUAL': 2e7 } })).toBeCloseTo(100 * (1.0005 + 2001 * 0.05 * 0.1), 9);
  });

  it('splitting a close-out into steps costs the same; cost grows faster than quantity', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e4, noNaN: true }), fc.double({ min: 0.01, max: 1e4, noNaN: true }), (a, b) => {
        for (const q of [opt, perp]) {
          const split = closeOutCost(q, a, 0, p) + closeOutCost(q, b, a, p);
          expect(split).toBeCloseTo(closeOutCost(q, a + b, 0, p), 6);
          expect(totalCloseOutCost(q, a + b, p) / (a + b)).toBeGreaterThanOrEqual(totalCloseOutCost(q, Math.min(a, b), p) / Math.min(a, b) - 1e-12);
        }
      }),
    );
  });

  it('never charges more than the premium for selling a long option', () => {
    const cheap = { ...opt, mark: 0.2 };
    expect(closeOutCost(cheap, 50, 0, p, true)).toBeCloseTo(50 * 0.2, 12);
    expect(closeOutCost(cheap, 50, 0, p, false)).toBeGreaterThan(50 * 0.2);
  });

  it('rejects bad parameters naming the field', () => {
    const bad = (x: unknown, field: string) => {
      try {
        parseCloseOutCostParams(x);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(RiskgridError);
        expect((e as RiskgridError).code).toBe('RG_ERR_INVALID_INPUT');
        expect((e as RiskgridError).field).toBe(field);
      }
    };
    bad({ option_half_spread_bps: -1 }, 'cost.option_half_spread_bps');
    bad({ linear_adv_notional: 0 }, 'cost.linear_adv_notional');
    bad({ impact: 1 }, 'cost.impact');
    bad({ adv_notional: { X: Number.NaN } }, 'cost.adv_notional.X');
    expect(parseCloseOutCostParams({ linear_impact: 0.1 }).linear_impact).toBe(0.1);
  });
});

describe('plan parameters', () => {
  it('validates with the field named', () => {
    const field = (x: unknown) => {
      try {
        parsePlanParams(x);
      } catch (e) {
        return `${(e as RiskgridError).code} ${(e as RiskgridError).field}`;
      }
      return 'ok';
    };
    expect(field({ fractions: [0.5, 1.5] })).toBe('RG_ERR_INVALID_INPUT liquidation.fractions[1]');
    expect(field({ mm_buffer: -0.1 })).toBe('RG_ERR_INVALID_INPUT liquidation.mm_buffer');
    expect(field({ hedge_rule: 'yes' })).toBe('RG_ERR_INVALID_INPUT liquidation.hedge_rule');
    expect(field({ max_steps: 2.5 })).toBe('RG_ERR_INVALID_INPUT liquidation.max_steps');
    expect(field({ nope: 1 })).toBe('RG_ERR_INVALID_INPUT liquidation.nope');
    expect(field({ cost: { linear_impact: -1 } })).toBe('RG_ERR_INVALID_INPUT liquidation.cost.linear_impact');
    // One rule set for the planner and profile files: fractions are listed strictly increasing.
    expect(field({ fractions: [1, 0.25, 0.25] })).toBe('RG_ERR_INVALID_INPUT liquidation.fractions[1]');
    expect(parsePlanParams({ fractions: [0.25, 1] }).fractions).toEqual([0.25, 1]);
  });
});

describe('liquidation plan', () => {
  const book = [option(0, 2000, 'C', -8), option(1, 1800, 'P', -6), option(2, 2200, 'C', 4), option(1, 2400, 'C', -3), PERP(5)];

  it('restores MM + buffer on a short-options book, every step re-margined', () => {
    const acct = below(book, 0.3);
    const plan = liquidationPlan(engine, acct, snap, { mm_buffer: 0.1 });
    expect(plan.restored).toBe(true);
    expect(plan.reason).toBeUndefined();
    expect(plan.steps.length).toBeGreaterThan(0);
    const end = engine.margin(replay(acct, plan), snap);
    expect(end.mm_excess).toBeGreaterThanOrEqual(0.1 * end.maintenance_margin);
    expect(plan.margin_after.mm_excess).toBe(end.mm_excess);
    expect(plan.totals.relief).toBeCloseTo(end.mm_excess - plan.margin_before.mm_excess, 9);
    expect(plan.totals.cost).toBeCloseTo(plan.steps.reduce((s, x) => s + x.est_cost, 0), 9);
    // The plan stops at the first state that meets the target, not later.
    const prevState = plan.steps.length > 1 ? plan.steps.at(-2)!.margin_after : plan.margin_before;
    expect(prevState.mm_excess).toBeLessThan(0.1 * prevState.mm);
  });

  it('proceeds are the mark value closed (Black-76 for options, perp mark − avg price)', () => {
    const acct = below(book, 0.3);
    const plan = liquidationPlan(engine, acct, snap, { mm_buffer: 0.1 });
    const m = testMarket() as { underlyings: { ETH: { perp_price: number; expiries: Record<string, { expiry: number; forward: number; rate: number; vols: Record<string, number> }> } } };
    for (const s of plan.steps) {
      const closed = s.size_before - s.size_after; // signed contracts given up
      let value: number;
      if (s.instrument === 'ETH-PERPETUAL') value = closed * (m.underlyings.ETH.perp_price - 2000);
      else {
        const ins = acct.positions.find((p) => p.instrument.id === s.instrument)!.instrument;
        const e = Object.values(m.underlyings.ETH.expiries).find((x) => x.expiry === ins.expiry)!;
        const T = (ins.expiry! - NOW) / 31_536_000_000;
        value = closed * black76Price(e.forward, ins.strike!, T, e.vols[String(ins.strike)]!, Math.exp(-e.rate * T), ins.optionType === 'C' ? 1 : -1);
      }
      expect(s.proceeds).toBeCloseTo(value, 6);
    }
  });

  it('property: random books below MM — steps never lower mm_excess or raise MM/IM, never open or flip', () => {
    fc.assert(
      fc.property(arbAccount, fc.double({ min: 0.02, max: 0.6, noNaN: true }), fc.constantFrom(0, 0.1, 0.25), (a, deficit, buffer) => {
        const base = engine.parseAccount(a);
        const r = engine.margin(base, snap);
        fc.pre(r.maintenance_margin > 1);
        const acct = engine.parseAccount({ ...a, balances: { ...a.balances, USDC: a.balances.USDC - r.mm_excess - deficit * r.maintenance_margin } });
        const plan = liquidationPlan(engine, acct, snap, { mm_buffer: buffer, max_steps: 40 });
        expect(liquidationPlan(engine, acct, snap, { mm_buffer: buffer, max_steps: 40 })).toEqual(plan); // deterministic
        const end = engine.margin(replay(acct, plan), snap);
        if (plan.restored) expect(end.mm_excess).toBeGreaterThanOrEqual(buffer * end.maintenance_margin);
        else {
          expect([REASON_NO_STEP, REASON_MAX_STEPS, REASON_BANKRUPT]).toContain(plan.reason);
          expect(end.mm_excess).toBeLessThan(buffer * end.maintenance_margin);
        }
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('rejects a step that would raise IM even when it frees MM (engine with an IM penalty on one leg)', () => {
    const acct = below(book, 0.3);
    const first = liquidationPlan(engine, acct, snap).steps[0]!.instrument;
    const start = Math.abs(acct.positions.find((p) => p.instrument.id === first)!.size);
    // The real engine, but cutting `first` raises IM by 1,000 per contract cut.
    const bump = (r: MarginResult, a: Account): MarginResult => {
      const held = a.positions.find((p) => p.instrument.id === first);
      const penalty = 1000 * (start - Math.abs(held?.size ?? 0));
      return { ...r, initial_margin: r.initial_margin + penalty, im_excess: r.im_excess - penalty };
    };
    const fake = {
      parseMarket: (m: unknown) => engine.parseMarket(m as never),
      parseAccount: (a: unknown) => engine.parseAccount(a as never),
      margin: (a: Account, m: never) => bump(engine.margin(a, m), a),
      marginBatch: (as: Account[], m: never) => engine.marginBatch(as, m).map((o, k) => (o.ok ? { ...o, result: bump(o.result, as[k]!) } : o)),
    } as unknown as Engine;
    const plan = liquidationPlan(fake, acct, snap);
    expect(plan.steps.length).toBeGreaterThan(0);
    expect(plan.steps.every((s) => s.instrument !== first)).toBe(true);
  });

  it('works under another methodology (okx-pm: reference path, USD margin, USDC settlement)', () => {
    const okx = createEngine({ profile: 'okx-pm', snapshot: { now: false } });
    const a0 = okx.parseAccount({ account_id: 'o', positions: book, balances: { USDC: 100_000 } });
    const r = okx.margin(a0, snap);
    const acct = okx.parseAccount({ account_id: 'o', positions: book, balances: { USDC: 100_000 - r.mm_excess - 0.3 * r.maintenance_margin } });
    const plan = liquidationPlan(okx, acct, snap);
    expect(plan.margin_currency).toBe('USD');
    expect(plan.restored).toBe(true);
    const end = okx.margin(replay(acct, plan, okx), snap);
    expect(end.mm_excess).toBeGreaterThanOrEqual(0.1 * end.maintenance_margin);
  });

  it('a healthy account needs no steps', () => {
    const a = engine.parseAccount({ account_id: 'ok', positions: book, balances: { USDC: 1e6 } });
    const plan = liquidationPlan(engine, a, snap);
    expect(plan).toMatchObject({ restored: true, steps: [] });
  });

  it('says bankrupt when equity < 0', () => {
    const a = engine.parseAccount({ account_id: 'b', positions: book, balances: { USDC: -1e6 } });
    const plan = liquidationPlan(engine, a, snap);
    expect(plan.restored).toBe(false);
    expect(plan.reason).toBe(REASON_BANKRUPT);
    expect(plan.steps).toEqual([]);
  });

  it('says so when no reducing step helps: long options whose close-out costs more than it frees', () => {
    // Deep in-the-money long puts in a market quoted 100 % wide: selling frees ~20 % of the premium
    // in MM but pays 50 % of it.
    const acct = below([option(2, 2400, 'P', 10)], 0.05);
    const plan = liquidationPlan(engine, acct, snap, { cost: { option_half_spread_bps: 5000 } });
    expect(plan.restored).toBe(false);
    expect(plan.reason).toBe(REASON_NO_STEP);
    // Independently: no fraction of the position, closed at mark minus its cost, raises mm_excess.
    const before = engine.margin(acct, snap);
    for (const f of [0.01, 0.1, 0.5, 1]) {
      const size = 10 * (1 - f);
      const r = engine.margin({ account_id: 'x', positions: size > 0 ? [option(2, 2400, 'P', size)] : [], balances: { USDC: acct.balances.USDC! } }, snap);
      const proceeds = before.equity - r.equity;
      const cost = 0.5 * proceeds; // the half-spread alone is a lower bound of the cost
      expect(r.mm_excess + proceeds - cost).toBeLessThanOrEqual(before.mm_excess);
    }
  });

  it('hedge rule: the long leg of a spread is not cut while its short leg remains', () => {
    // Bull call spread: the worst scenario is a fall, so cutting the long 2000 C alone lowers MM and
    // IM — the margin check lets the hedge go first; the rule does not: the long leg goes only in
    // a package with the short 2200 C, by the same amount.
    const spread = [option(1, 2000, 'C', 10), option(1, 2200, 'C', -10)];
    const acct = below(spread, 0.3);
    const longId = acct.positions[0]!.instrument.id;
    const shortId = acct.positions[1]!.instrument.id;
    const loose = liquidationPlan(engine, acct, snap, { hedge_rule: false });
    expect(loose.steps[0]).toMatchObject({ instrument: longId });
    expect(loose.steps[0]!.paired).toBeUndefined();
    const strict = liquidationPlan(engine, acct, snap);
    expect(strict.restored).toBe(true);
    replay(acct, strict);
    for (const s of strict.steps) {
      expect(s.instrument).not.toBe(longId);
      if (s.paired) {
        expect(s).toMatchObject({ instrument: shortId, paired: { instrument: longId } });
        expect(s.paired.qty).toBeCloseTo(s.qty, 12);
      }
    }
    expect(strict.steps.some((s) => s.paired)).toBe(true);
    // With something else to sell, the plan restores without touching the spread at all.
    const withPut = below([...spread, option(1, 1800, 'P', -5)], 0.3);
    const plan = liquidationPlan(engine, withPut, snap);
    expect(plan.restored).toBe(true);
    replay(withPut, plan);
    expect(plan.steps.every((s) => s.instrument !== longId && s.paired?.instrument !== longId)).toBe(true);
  });

  it('hedge rule: a calendar spread is reduced as a package', () => {
    const acct = below([option(0, 2000, 'C', -10), option(2, 2000, 'C', 10)], 0.3);
    const plan = liquidationPlan(engine, acct, snap);
    expect(plan.restored).toBe(true);
    replay(acct, plan);
    expect(plan.steps.every((s) => s.paired !== undefined)).toBe(true);
    // Cutting either leg alone does not help, so without packages nothing would.
    expect(liquidationPlan(engine, acct, snap, { hedge_rule: false }).reason).toBe(REASON_NO_STEP);
  });

  it('hedge rule: a covered call keeps a perp delta at least the short call delta', () => {
    // Long 10 perps against 10 short at-the-money calls (delta ≈ 0.55 each): the perp may shed only
    // its over-hedge, down to 10 × 0.55; without the rule the plan takes it below that.
    const positions = [PERP(10), option(1, 2000, 'C', -10)];
    const acct = below(positions, 0.9);
    const perCall = engine.margin({ account_id: 'd', positions: [option(1, 2000, 'C', 1)], balances: {} }, snap).greeks.totals.ETH!.delta;
    const floor = (shorts: number) => perCall * -shorts;
    const lowest = (plan: LiquidationPlan) => {
      let perp = 10;
      let shorts = -10;
      let min = Infinity;
      for (const s of plan.steps) {
        if (s.instrument === 'ETH-PERPETUAL') perp = s.size_after;
        else shorts = s.size_after;
        if (shorts !== 0) min = Math.min(min, perp - floor(shorts));
      }
      return min;
    };
    const strict = liquidationPlan(engine, acct, snap);
    replay(acct, strict);
    expect(strict.steps.length).toBeGreaterThan(0);
    expect(lowest(strict)).toBeGreaterThanOrEqual(-1e-9);
    expect(lowest(strict)).toBeLessThan(0.5); // the rule is what stopped it
    expect(lowest(liquidationPlan(engine, acct, snap, { hedge_rule: false }))).toBeLessThan(0);
  });

  it('is deterministic: same inputs, same plan; permuted positions, same steps', () => {
    const acct = below(book, 0.4);
    const a = liquidationPlan(engine, acct, snap);
    expect(liquidationPlan(engine, acct, snap)).toEqual(a);
    const permuted = engine.parseAccount({ account_id: 'acct', positions: [...book].reverse(), balances: { USDC: acct.balances.USDC! } });
    const b = liquidationPlan(engine, permuted, snap);
    expect(b.steps.map((s) => [s.instrument, s.qty, s.size_after])).toEqual(a.steps.map((s) => [s.instrument, s.qty, s.size_after]));
  });

  it('merges repeated instruments and keeps quantities on the lot grid', () => {
    const acct = below([option(0, 2000, 'C', -3.33), option(0, 2000, 'C', -4.67), PERP(-2, 1990), PERP(-3, 2010)], 0.3);
    const plan = liquidationPlan(engine, acct, snap, { lot: 0.1 });
    expect(plan.restored).toBe(true);
    for (const s of plan.steps) expect(Math.abs(s.qty / 0.1 - Math.round(s.qty / 0.1)) < 1e-9 || s.size_after === 0).toBe(true);
    expect(plan.margin_before.mm).toBe(engine.margin(acct, snap).maintenance_margin);
  });
});

