// The public engine under derive-pmrm2: the properties every portfolio margin must keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../host/margin/engine.js';
import { RiskgridError } from '../host/errors.js';
import { ENGINE_VERSION } from '../host/version.js';
import { arbAccount, option, testMarket, testProfile } from './support/derive-fixtures.js';
import { readFileSync } from 'node:fs';

const engine = createEngine({ profile: testProfile(), snapshot: { now: false } });
const market = engine.parseMarket(testMarket());
const runs = { numRuns: 60 };

describe('engine: derive-pmrm2 properties', () => {
  it('echoes profile hash, snapshot id and engine version', () => {
    const r = engine.margin({ positions: [option(1, 2000, 'C', -1)], balances: { USDC: 1000 } }, market);
    expect(r.profile_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.market_snapshot_id).toBe('test-eth');
    expect(r.engine_version).toBe(ENGINE_VERSION);
    expect(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version).toBe(ENGINE_VERSION);
    expect(r.scenario_pnl.length).toBe(r.scenarios.length);
    expect(r.scenario_pnl[r.worst_scenario.index]).toBe(r.worst_scenario.pnl);
  });

  it('adding cash raises both excesses by exactly that cash', () => {
    fc.assert(
      fc.property(arbAccount, fc.integer({ min: 1, max: 1_000_000 }), (acct, extra) => {
        const a = engine.margin(acct, market);
        const b = engine.margin({ ...acct, balances: { ...acct.balances, USDC: acct.balances.USDC! + extra } }, market);
        expect(b.im_excess - a.im_excess).toBeCloseTo(extra, 6);
        expect(b.mm_excess - a.mm_excess).toBeCloseTo(extra, 6);
        expect(b.initial_margin).toBe(a.initial_margin);
        expect(b.maintenance_margin).toBe(a.maintenance_margin);
      }),
      runs,
    );
  });

  it('IM ≥ MM ≥ 0 as requirements, and every figure finite', () => {
    fc.assert(
      fc.property(arbAccount, (acct) => {
        const r = engine.margin(acct, market);
        expect(r.initial_margin).toBeGreaterThanOrEqual(r.maintenance_margin - 1e-9);
        expect(r.maintenance_margin).toBeGreaterThanOrEqual(-1e-9);
        expect(r.equity - r.initial_margin).toBeCloseTo(r.im_excess, 6);
      }),
      runs,
    );
  });

  it('scaling every position by k scales the scenario loss by k', () => {
    fc.assert(
      fc.property(arbAccount, fc.constantFrom(2, 3, 0.5, 10), (acct, k) => {
        // Risk-cancelling collateral (WETH) moves with spot in every scenario: a position too.
        const balances = acct.balances.WETH === undefined ? acct.balances : { ...acct.balances, WETH: acct.balances.WETH * k };
        const scaled = { ...acct, balances, positions: acct.positions.map((p) => ({ ...p, size: (p.size as number) * k })) };
        const a = engine.margin(acct, market);
        const b = engine.margin(scaled, market);
        a.scenario_pnl.forEach((v, s) => {
          const w = b.scenario_pnl[s]!;
          expect(Math.abs(w - k * v)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(k * v)));
        });
      }),
      runs,
    );
  });

  it('a covered call is never worse than the naked call: the covering asset only adds excess', () => {
    for (const k of [1600, 1800, 2000, 2400]) {
      for (let e = 0; e < 3; e++) {
        for (const cover of [{ WETH: 1 }, { WETH: 3 }]) {
          const naked = engine.margin({ positions: [option(e, k, 'C', -1)], balances: { USDC: 5000 } }, market);
          const covered = engine.margin({ positions: [option(e, k, 'C', -1)], balances: { USDC: 5000, ...cover } }, market);
          expect(covered.mm_excess).toBeGreaterThanOrEqual(naked.mm_excess);
          expect(covered.im_excess).toBeGreaterThanOrEqual(naked.im_excess);
          // Risk-cancelling collateral removes the naked-short contingency.
          expect(covered.breakdown.contingencies['mm.option']).toBeLessThanOrEqual(naked.breakdown.contingencies['mm.option']!);
        }
      }
    }
  });

  it("a box's requirement is bounded by its width", () => {
    for (const [lo, hi] of [[1800, 2200], [1600, 2400], [2000, 2200]] as const) {
      for (const sign of [1, -1]) {
        const box = [option(1, lo, 'C', sign), option(1, hi, 'C', -sign), option(1, hi, 'P', sign), option(1, lo, 'P', -sign)];
        const r = engine.margin({ positions: box, balances: { USDC: 10_000 } }, market);
        expect(r.maintenance_margin).toBeLessThanOrEqual(hi - lo);
        expect(r.initial_margin).toBeLessThanOrEqual((hi - lo) * 1.5);
      }
    }
  });

  it('permuting positions gives bit-identical results', () => {
    fc.assert(
      fc.property(arbAccount, fc.integer(), (acct, seed) => {
        const shuffled = [...acct.positions];
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = engine.margin(acct, market);
        const b = engine.margin({ ...acct, positions: shuffled }, market);
        expect(Object.is(b.initial_margin, a.initial_margin)).toBe(true);
        expect(Object.is(b.maintenance_margin, a.maintenance_margin)).toBe(true);
        expect(b.scenario_pnl).toEqual(a.scenario_pnl);
      }),
      runs,
    );
  });

  it('NaN or Infinity in any input field is an error naming it, never a margin', () => {
    const bad = [
      { positions: [{ ...option(0, 2000, 'C', 1), size: NaN }], balances: {} },
      { positions: [option(0, 2000, 'C', 1)], balances: { USDC: Infinity } },
      { positions: [{ instrument: 'ETH-PERPETUAL', size: 1, avg_price: -Infinity }], balances: {} },
    ];
    for (const acct of bad) {
      expect(() => engine.margin(acct, market)).toThrowError(RiskgridError);
    }
    const m = testMarket() as { underlyings: { ETH: Record<string, unknown> } };
    for (const field of ['index_price', 'perp_price']) {
      const broken = structuredClone(m);
      broken.underlyings.ETH[field] = NaN;
      try {
        engine.margin({ positions: [option(0, 2000, 'C', 1)], balances: {} }, broken);
        expect.unreachable();
      } catch (e) {
        expect((e as RiskgridError).code).toBe('RG_ERR_INVALID_INPUT');
        expect((e as RiskgridError).field).toContain(field);
      }
    }
  });

  it('a batch with bad accounts gives the good ones the same results as alone', () => {
    fc.assert(
      fc.property(fc.array(arbAccount, { minLength: 1, maxLength: 6 }), (accts) => {
        const batch = [
          { positions: [{ instrument: 'BTC-PERPETUAL', size: 1 }], balances: {} }, // wrong currency
          ...accts.flatMap((a, i) => [{ ...a, account_id: `a${i}` }, { account_id: `bad${i}`, positions: [{ instrument: 'nonsense', size: 1 }] }]),
        ];
        const out = engine.marginBatch(batch, market);
        expect(out.length).toBe(batch.length);
        expect(out[0]!.ok).toBe(false);
        accts.forEach((a, i) => {
          const good = out[1 + 2 * i]!;
          const bad = out[2 + 2 * i]!;
          expect(bad.ok).toBe(false);
          if (!bad.ok) expect(bad.error.code).toBe('RG_ERR_UNKNOWN_INSTRUMENT');
          expect(good.ok).toBe(true);
          if (good.ok) {
            const alone = engine.margin({ ...a, account_id: `a${i}` }, market);
            expect(good.result.initial_margin).toBe(alone.initial_margin);
            expect(good.result.maintenance_margin).toBe(alone.maintenance_margin);
            expect(good.result.scenario_pnl).toEqual(alone.scenario_pnl);
          }
        });
      }),
      { numRuns: 25 },
    );
  });

  it('what-if gives before, after and the change between them', () => {
    const acct = { account_id: 'w', positions: [option(1, 2000, 'C', -2)], balances: { USDC: 20_000 } };
    const w = engine.whatIf(acct, market, [{ instrument: 'ETH-PERPETUAL', size: 1 }]);
    expect(w.before.initial_margin).toBe(engine.margin(acct, market).initial_margin);
    expect(w.change.initial_margin).toBeCloseTo(w.after.initial_margin - w.before.initial_margin, 9);
    expect(w.after.initial_margin).toBeLessThan(w.before.initial_margin); // the perp hedges the short call
  });

  it('WASM and TypeScript evaluators agree', () => {
    const ts = createEngine({ profile: testProfile(), snapshot: { now: false }, evaluator: 'ts' });
    fc.assert(
      fc.property(arbAccount, (acct) => {
        const a = engine.margin(acct, market);
        const b = ts.margin(acct, market);
        expect(Math.abs(a.initial_margin - b.initial_margin)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b.initial_margin)));
      }),
      { numRuns: 30 },
    );
  });
});

describe('engine: explanations', () => {
  it("on request, each option's scenario vector; P&L of a one-option account follows from it", () => {
    const acct = { positions: [option(2, 2200, 'C', 3)], balances: {} };
    const r = engine.margin(acct, market, { instrumentScenarios: true });
    const ids = Object.keys(r.instrument_scenarios!);
    expect(ids.length).toBe(1);
    const v = r.instrument_scenarios![ids[0]!]!;
    expect(v.length).toBe(r.scenario_pnl.length - 1); // every scenario but the basis contingency
    // The unshocked scenario (spot ×1, vol none) prices the option at its mark.
    const flat = r.scenarios.findIndex((s) => s.spot_shock === 0 && s.vol_move === 'none');
    expect(v[flat]! * 3).toBeCloseTo(r.greeks.positions[0]!.value, 6);
    expect(engine.margin(acct, market).instrument_scenarios).toBeUndefined();
  });
});
