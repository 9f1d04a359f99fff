// Status ladder (issue 7 req. 1): thresholds from IM / MM ratios, hysteresis on the way up,
// every boundary checked on both sides, and properties over random figures.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ladderLevels, statusLadder, STATUSES, type AccountFigures, type AccountStatus } from '../host/liquidation/ladder.js';
import { DEFAULT_AUCTION, DEFAULT_LADDER, DEFAULT_LIQUIDATION, parseLiquidationParams, type LadderParams } from '../host/liquidation/params.js';
import { registerBuiltinMethodologies } from '../host/margin/builtin.js';
import { DEFAULT_PLAN_PARAMS, parsePlanParams } from '../host/liquidation/plan.js';
import { contentHash } from '../host/profiles/hash.js';
import { loadProfile, parseProfile } from '../host/profiles/registry.js';
import mainnetJson from '../profiles/derive-pmrm2.mainnet.json' with { type: 'json' };

const P = DEFAULT_LADDER; // im_ratio 1, im_weight 0.5, mm_ratio 1; bands 0.02, 0.02, 0.10, 0.05 of MM
const fig = (equity: number): AccountFigures => ({ equity, initial_margin: 1250, maintenance_margin: 1000 });
const at = (prev: AccountStatus | undefined, equity: number, p: LadderParams = P): AccountStatus => statusLadder(prev, fig(equity), p).status;
const down = (x: number): number => x - Math.max(Math.abs(x), 1) * 1e-12;

describe('levels (IM 1250, MM 1000, defaults) — by hand', () => {
  it('enter: margin call 1250 = 1 × IM; reduce-only 1125 = 1000 + 0.5 × 250; liquidatable 1000; bankrupt 0', () => {
    const l = ladderLevels(fig(0), P);
    expect(l.enter.margin_call).toBe(1250);
    expect(l.enter.reduce_only).toBe(1125);
    expect(l.enter.liquidatable).toBe(1000);
    expect(l.enter.bankrupt).toBe(0);
  });
  it('leave: 1250 + 0.02·1000 = 1270; 1125 + 20 = 1145; 1000 + 0.10·1000 = 1100; 0 + 0.05·1000 = 50', () => {
    const l = ladderLevels(fig(0), P).leave;
    expect(l.margin_call).toBeCloseTo(1270, 9);
    expect(l.reduce_only).toBeCloseTo(1145, 9);
    expect(l.liquidatable).toBeCloseTo(1100, 9);
    expect(l.bankrupt).toBeCloseTo(50, 9);
  });
  it('ratios scale the levels: im_ratio 1.1, mm_ratio 1.2, im_weight 0.25', () => {
    const p = parseLiquidationParams({ ladder: { margin_call: { im_ratio: 1.1 }, liquidatable: { mm_ratio: 1.2 }, reduce_only: { im_weight: 0.25 } } }).ladder;
    const l = ladderLevels(fig(0), p).enter;
    expect(l.margin_call).toBeCloseTo(1375, 9); // 1.1 × 1250
    expect(l.liquidatable).toBeCloseTo(1200, 9); // 1.2 × 1000
    expect(l.reduce_only).toBeCloseTo(1243.75, 9); // 1200 + 0.25 × 175
  });
  it('IM below MM (odd profile) cannot put margin call under liquidatable: levels stay ordered', () => {
    const l = ladderLevels({ equity: 0, initial_margin: 800, maintenance_margin: 1000 }, P).enter;
    expect(l.margin_call).toBe(1000);
    expect(l.reduce_only).toBe(1000);
    expect(statusLadder(undefined, { equity: 999, initial_margin: 800, maintenance_margin: 1000 }, P).status).toBe('liquidatable');
    expect(statusLadder(undefined, { equity: 1000, initial_margin: 800, maintenance_margin: 1000 }, P).status).toBe('healthy');
  });
});

describe('raw thresholds: each boundary on both sides (strictly below enters)', () => {
  const cases: [number, AccountStatus][] = [
    [1250, 'healthy'], [down(1250), 'margin_call'],
    [1125, 'margin_call'], [down(1125), 'reduce_only'],
    [1000, 'reduce_only'], [down(1000), 'liquidatable'],
    [0, 'liquidatable'], [-1e-9, 'bankrupt'], [-5000, 'bankrupt'],
  ];
  it.each(cases)('equity %s → %s (new account, no history)', (equity, status) => {
    expect(at(undefined, equity)).toBe(status);
  });
  it('an empty account (IM = MM = 0) is healthy at equity 0 and bankrupt below', () => {
    expect(statusLadder(undefined, { equity: 0, initial_margin: 0, maintenance_margin: 0 }, P).status).toBe('healthy');
    expect(statusLadder(undefined, { equity: -1, initial_margin: 0, maintenance_margin: 0 }, P).status).toBe('bankrupt');
  });
});

describe('hysteresis: falling is immediate, climbing needs threshold + band', () => {
  const leave = ladderLevels(fig(0), P).leave;
  it('falls at once, several rungs if need be', () => {
    expect(at('healthy', down(1250))).toBe('margin_call');
    expect(at('healthy', 500)).toBe('liquidatable');
    expect(at('margin_call', -1)).toBe('bankrupt');
  });
  it('bankrupt: stays below 0 + 50, climbs at 50 (to liquidatable, which needs 1100)', () => {
    expect(at('bankrupt', 10)).toBe('bankrupt');
    expect(at('bankrupt', down(leave.bankrupt))).toBe('bankrupt');
    expect(at('bankrupt', leave.bankrupt)).toBe('liquidatable');
    expect(at('bankrupt', down(leave.liquidatable))).toBe('liquidatable');
    expect(at('bankrupt', leave.liquidatable)).toBe('reduce_only');
  });
  it('liquidatable: raw says reduce-only from 1000 but it stays until 1100', () => {
    expect(statusLadder('liquidatable', fig(1050), P)).toMatchObject({ status: 'liquidatable', raw: 'reduce_only', changed: false });
    expect(at('liquidatable', down(leave.liquidatable))).toBe('liquidatable');
    expect(statusLadder('liquidatable', fig(leave.liquidatable), P)).toMatchObject({ status: 'reduce_only', changed: true });
  });
  it('reduce-only: stays until 1145; margin call: stays until 1270', () => {
    expect(at('reduce_only', down(leave.reduce_only))).toBe('reduce_only');
    expect(at('reduce_only', leave.reduce_only)).toBe('margin_call');
    expect(at('margin_call', down(leave.margin_call))).toBe('margin_call');
    expect(at('margin_call', leave.margin_call)).toBe('healthy');
  });
  it('climbs several rungs at once when it clears each: liquidatable at 1300 → healthy; at 1260 → margin call', () => {
    expect(at('liquidatable', 1300)).toBe('healthy');
    expect(at('liquidatable', 1260)).toBe('margin_call');
    expect(at('bankrupt', 1269)).toBe('margin_call');
  });
  it('flapping on noise around a threshold: ±0.5 % around MM gives one change, not ten', () => {
    let s: AccountStatus = 'reduce_only';
    let changes = 0;
    for (let i = 0; i < 20; i++) {
      const r = statusLadder(s, fig(i % 2 === 0 ? 995 : 1005), P);
      if (r.changed) changes++;
      s = r.status;
    }
    expect(changes).toBe(1);
    expect(s).toBe('liquidatable');
  });
  it('zero bands: status is the raw status whatever the history', () => {
    const p = parseLiquidationParams({ ladder: { margin_call: { band: 0 }, reduce_only: { band: 0 }, liquidatable: { band: 0 }, bankrupt: { band: 0 } } }).ladder;
    for (const prev of STATUSES) for (const e of [-1, 0, 999, 1000, 1124, 1125, 1249, 1250]) expect(at(prev, e, p)).toBe(at(undefined, e, p));
  });
});

describe('bad input is an error, never a status', () => {
  it.each([
    [{ equity: NaN, initial_margin: 1, maintenance_margin: 1 }, 'equity'],
    [{ equity: 1, initial_margin: Infinity, maintenance_margin: 1 }, 'initial_margin'],
    [{ equity: 1, initial_margin: 1, maintenance_margin: -1 }, 'maintenance_margin'],
  ])('%o names %s', (f, field) => {
    expect(() => statusLadder(undefined, f, P)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field }));
  });
  it('an unknown previous status', () => {
    expect(() => statusLadder('frozen' as AccountStatus, fig(1), P)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'prev' }));
  });
});

describe('properties', () => {
  const rank = (s: AccountStatus): number => STATUSES.indexOf(s);
  const figs = fc.record({
    equity: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    initial_margin: fc.double({ min: 0, max: 1e6, noNaN: true }),
    maintenance_margin: fc.double({ min: 0, max: 1e6, noNaN: true }),
  });
  const ladder = fc.record({
    margin_call: fc.record({ im_ratio: fc.double({ min: 0.5, max: 2, noNaN: true }), band: fc.double({ min: 0, max: 0.5, noNaN: true }) }),
    reduce_only: fc.record({ im_weight: fc.double({ min: 0, max: 1, noNaN: true }), band: fc.double({ min: 0, max: 0.5, noNaN: true }) }),
    liquidatable: fc.record({ mm_ratio: fc.double({ min: 0.5, max: 2, noNaN: true }), band: fc.double({ min: 0, max: 0.5, noNaN: true }) }),
    bankrupt: fc.record({ band: fc.double({ min: 0, max: 2, noNaN: true }) }),
  });
  const prev = fc.option(fc.constantFrom(...STATUSES), { nil: undefined });

  it('never better than the raw status; a fall (raw at or below prev) is taken at once', () => {
    fc.assert(fc.property(prev, figs, ladder, (p, f, l) => {
      const r = statusLadder(p, f, l);
      expect(rank(r.status)).toBeGreaterThanOrEqual(rank(r.raw));
      if (p === undefined || rank(r.raw) >= rank(p)) expect(r.status).toBe(r.raw);
      else expect(rank(r.status)).toBeLessThanOrEqual(rank(p));
    }), { numRuns: 2000 });
  });
  it('raw status is monotone in equity; with history, more equity never gives a worse status', () => {
    fc.assert(fc.property(prev, figs, ladder, fc.double({ min: 0, max: 1e6, noNaN: true }), (p, f, l, more) => {
      const a = statusLadder(p, f, l);
      const b = statusLadder(p, { ...f, equity: f.equity + more }, l);
      expect(rank(b.raw)).toBeLessThanOrEqual(rank(a.raw));
      expect(rank(b.status)).toBeLessThanOrEqual(rank(a.status));
    }), { numRuns: 2000 });
  });
  it('stable: re-evaluating the same figures from the answer gives the same answer (no flapping)', () => {
    fc.assert(fc.property(prev, figs, ladder, (p, f, l) => {
      const s = statusLadder(p, f, l).status;
      expect(statusLadder(s, f, l).status).toBe(s);
    }), { numRuns: 2000 });
  });
});

// The profile's `liquidation` section (params.ts, registry.ts): this file holds its checks
// because the ladder is the section's first reader.
describe('profile section `liquidation`', () => {
  registerBuiltinMethodologies();
  it("derive-pmrm2.mainnet carries Derive's mainnet auction (scripts/config-mainnet.sol) and hashes it", () => {
    const p = loadProfile('derive-pmrm2.mainnet');
    expect(p.liquidation?.auction).toEqual({ ...DEFAULT_AUCTION, starting_mtm_percentage: 0.95, fast_auction_cutoff_percentage: 0.7, fast_auction_length_ms: 900_000, slow_auction_length_ms: 43_200_000, insolvent_auction_length_ms: 3_600_000, liquidator_fee_rate: 0.1, buffer_margin_percentage: 0.15 });
    expect(p.liquidation?.ladder.liquidatable).toEqual({ mm_ratio: 1, band: 0.15 });
    expect(p.liquidation?.insurance.adl.enabled).toBe(false); // Derive socialises, it does not ADL
    expect(p.liquidation?.plan.mm_buffer).toBe(0.15);
    expect(p.hash).toBe(contentHash(mainnetJson));
    const { liquidation: _l, ...without } = mainnetJson;
    const bare = parseProfile(without);
    expect(bare.liquidation).toBeUndefined();
    expect(bare.hash).not.toBe(p.hash);
    expect(bare.params).toEqual(p.params);
    const tweaked = parseProfile({ ...mainnetJson, liquidation: { ...mainnetJson.liquidation, auction: { ...mainnetJson.liquidation.auction, liquidator_fee_rate: 0.05 } } });
    expect(tweaked.hash).not.toBe(p.hash);
    expect(tweaked.liquidation?.auction.liquidator_fee_rate).toBe(0.05);
  });
  it('absent or empty → the documented defaults; a partial section keeps the other defaults', () => {
    expect(parseLiquidationParams(undefined)).toBe(DEFAULT_LIQUIDATION);
    expect(parseLiquidationParams({})).toEqual(DEFAULT_LIQUIDATION);
    const p = parseLiquidationParams({ auction: { starting_mtm_percentage: 0.5 } });
    expect(p.auction.fast_auction_cutoff_percentage).toBe(0.5); // the default 0.7 is capped at the start
    expect(p.ladder).toBe(DEFAULT_LADDER);
  });
  it("the plan section agrees with the planner's own parser (defaults and given values)", () => {
    expect(parseLiquidationParams({}).plan).toEqual(DEFAULT_PLAN_PARAMS);
    const given = { mm_buffer: 0.15, mm_buffer_abs: 5, fractions: [0.2, 1], lot: 0.1, max_steps: 50, extend_ratio: 1, hedge_rule: false, cost: { linear_impact: 0.1, adv_notional: { 'ETH-PERP': 1e9 } } };
    expect(parseLiquidationParams({ plan: given }).plan).toEqual(parsePlanParams(given));
  });
  it.each([
    [{ bogus: 1 }, 'liquidation.bogus'],
    [{ ladder: { margin_call: { im_ratio: 0 } } }, 'liquidation.ladder.margin_call.im_ratio'],
    [{ ladder: { liquidatable: { band: -0.1 } } }, 'liquidation.ladder.liquidatable.band'],
    [{ ladder: { reduce_only: { im_weight: 1.5 } } }, 'liquidation.ladder.reduce_only.im_weight'],
    [{ ladder: { bankrupt: { mm_ratio: 1 } } }, 'liquidation.ladder.bankrupt.mm_ratio'],
    [{ auction: { liquidator_fee_rate: 0.2 } }, 'liquidation.auction.liquidator_fee_rate'],
    [{ auction: { starting_mtm_percentage: 1.01 } }, 'liquidation.auction.starting_mtm_percentage'],
    [{ auction: { starting_mtm_percentage: 0.8, fast_auction_cutoff_percentage: 0.9 } }, 'liquidation.auction.fast_auction_cutoff_percentage'],
    [{ auction: { fast_auction_length_ms: 1.5 } }, 'liquidation.auction.fast_auction_length_ms'],
    [{ auction: { fast_auction_length_ms: 0, slow_auction_length_ms: 0 } }, 'liquidation.auction.slow_auction_length_ms'],
    [{ auction: { buffer_margin_percentage: 5 } }, 'liquidation.auction.buffer_margin_percentage'],
    [{ auction: { mtm_cutoff: 2000 } }, 'liquidation.auction.mtm_cutoff'],
    [{ insurance: { fee_share: 2 } }, 'liquidation.insurance.fee_share'],
    [{ insurance: { adl: { ranking: 'random' } } }, 'liquidation.insurance.adl.ranking'],
    [{ plan: { fractions: [0.5, 0.25] } }, 'liquidation.plan.fractions[1]'],
    [{ plan: { fractions: [] } }, 'liquidation.plan.fractions'],
    [{ plan: { mm_buffer: -1 } }, 'liquidation.plan.mm_buffer'],
    [{ plan: { lot: 0 } }, 'liquidation.plan.lot'],
    [{ plan: { extend_ratio: 2 } }, 'liquidation.plan.extend_ratio'],
    [{ plan: { hedge_rule: 'yes' } }, 'liquidation.plan.hedge_rule'],
    [{ plan: { max_steps: 2.5 } }, 'liquidation.plan.max_steps'],
    [{ plan: { cost: { bogus: 1 } } }, 'liquidation.plan.cost.bogus'],
    [{ plan: { cost: { linear_impact: -1 } } }, 'liquidation.plan.cost.linear_impact'],
  ])('%o is RG_ERR_PROFILE naming %s, through the profile loader too', (section, field) => {
    expect(() => parseLiquidationParams(section)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field }));
    expect(() => parseProfile({ ...mainnetJson, liquidation: section })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field }));
  });
});
