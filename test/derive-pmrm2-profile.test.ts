// derive-pmrm2: parameter files and their validation, portfolio validation, the plan it builds,
// and properties of the margin (fast-check) on random portfolios.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { paramsFromCase } from '../host/conformance/derive-pmrm2-cases.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { KIND_LINEAR, MODE_BASIS_DOWN, MODE_BASIS_UP, MODE_NEG_ABS, type ScenarioPlan } from '../host/margin/plan.js';
import { black76Price } from '../host/reference/black.js';
import {
  buildDerivePmrm2Plan,
  marginDerivePmrm2,
  validateDerivePmrm2Params,
  type DerivePmrm2Params,
  type DerivePortfolio,
} from '../host/profiles/derive-pmrm2/index.js';
import { derivePmrm2MethodParams, validateDerivePmrm2EngineParams } from '../host/margin/orchestrators/derive-pmrm2.js';
import testProfile from '../profiles/derive-pmrm2.test.json' with { type: 'json' };
import mainnetProfile from '../profiles/derive-pmrm2.mainnet.json' with { type: 'json' };

const TEST = validateDerivePmrm2Params(derivePmrm2MethodParams(testProfile.params));

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

const clone = <T>(x: T): T => structuredClone(x);

describe('derive-pmrm2 parameter files', () => {
  it('both presets validate and say what they are', () => {
    for (const prof of [testProfile, mainnetProfile]) {
      expect(prof.methodology).toBe('derive-pmrm2');
      // The mainnet file also carries Derive's liquidation (auction) parameters; params are Derive's alone.
      expect(Object.keys(prof).sort()).toEqual(['description', 'methodology', 'name', 'params', 'version', ...(prof === mainnetProfile ? ['liquidation'] : [])].sort());
      expect(validateDerivePmrm2Params(derivePmrm2MethodParams(prof.params))).toEqual(derivePmrm2MethodParams(prof.params));
      expect(prof.params.currency).toBe('ETH');
    }
    expect(testProfile.params.scenarios).toHaveLength(31);
    expect(mainnetProfile.params.scenarios).toHaveLength(33);
    // Kept as the configuration writes them, and flagged.
    expect(mainnetProfile.params.margin.longBaseStaticDiscount).toBe(1.05);
    expect(mainnetProfile.params.margin.shortBaseStaticDiscount).toBe(0.95);
    expect(mainnetProfile.description).toMatch(/swapped/);
  });

  const case1 = fileURLToPath(new URL('../../shared/reference/derive-v2-core/pmrm2/test_1_collateral_cash_only.json', import.meta.url));
  it.skipIf(!existsSync(case1))("the test preset is the parameter set of Derive's test_1 case", () => {
    const raw = JSON.parse(readFileSync(case1, 'utf8')) as { Parameters: unknown };
    expect(paramsFromCase(raw.Parameters, 'test_1')).toEqual(TEST);
  });

  it.each([
    ['an unknown group field', (p: any) => (p.margin.foo = 1), 'margin.foo'],
    ['an unknown top-level field', (p: any) => (p.extra = {}), 'extra'],
    ['a missing field', (p: any) => delete p.volShock.dteFloorDays, 'volShock.dteFloorDays'],
    ['a missing group', (p: any) => delete p.skewShock, 'skewShock'],
    ['a NaN', (p: any) => (p.otherContingency.confMargin = NaN), 'otherContingency.confMargin'],
    ['a string number', (p: any) => (p.margin.imFactor = '1'), 'margin.imFactor'],
    ['imFactor below the contract bound 0.5', (p: any) => (p.margin.imFactor = 0.4), 'margin.imFactor'],
    ['basis spot up not above 1', (p: any) => (p.basisContingency.scenarioSpotUp = 1), 'basisContingency.scenarioSpotUp'],
    ['no scenarios', (p: any) => (p.scenarios = []), 'scenarios'],
    ['41 scenarios', (p: any) => (p.scenarios = Array(41).fill(p.scenarios[0])), 'scenarios'],
    ['an unknown vol shock', (p: any) => (p.scenarios[0].volShock = 'sideways'), 'scenarios[0].volShock'],
    ['a skew scenario that moves spot', (p: any) => (p.scenarios[29].spotShock = 1.18), 'scenarios[29].spotShock'],
    ['two LINEAR scenarios', (p: any) => (p.scenarios[30].volShock = 'linear'), 'scenarios[30].volShock'],
    ['a negative dampening', (p: any) => (p.scenarios[3].dampening = -1), 'scenarios[3].dampening'],
  ])('rejects %s with RG_ERR_PROFILE naming the field', (_, mutate, field) => {
    const p = clone(testProfile.params);
    mutate(p);
    const e = errorOf(() => validateDerivePmrm2EngineParams(p));
    expect(e.code).toBe('RG_ERR_PROFILE');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });
});

// ---------------------------------------------------------------------------------------------

const DAY = 86_400;
const base: DerivePortfolio = {
  spot: 2000,
  spotConfidence: 1,
  stablePrice: 1,
  cash: 0,
  options: [
    { secToExpiry: 10 * DAY, strike: 2100, isCall: true, amount: -2, markVol: 0.6 },
    { secToExpiry: 10 * DAY, strike: 2100, isCall: false, amount: 1, markVol: 0.62 },
    { secToExpiry: 600, strike: 1950, isCall: false, amount: -1, markVol: 0.8 },
  ],
  expiries: [
    { secToExpiry: 10 * DAY, forward: 2003, forwardConfidence: 1, rate: 0.05, rateConfidence: 1, volConfidence: 1 },
    { secToExpiry: 600, forward: 2000.1, forwardConfidence: 1, rate: 0.05, rateConfidence: 1, volConfidence: 1 },
  ],
  collaterals: [{ name: 'ETH', amount: 1, price: 2000, confidence: 1, riskCancelling: true, mmHaircut: 0.05, imHaircut: 0.02 }],
  perp: { amount: -0.5, price: 2001, confidence: 1, unrealisedPnl: 3, funding: -1 },
};

describe('derive-pmrm2 portfolio validation', () => {
  it.each([
    ['a NaN spot', (p: any) => (p.spot = NaN), 'RG_ERR_INVALID_INPUT', 'portfolios[0].spot'],
    ['an infinite amount', (p: any) => (p.options[1].amount = Infinity), 'RG_ERR_INVALID_INPUT', 'portfolios[0].options[1].amount'],
    ['a confidence above 1', (p: any) => (p.expiries[0].volConfidence = 1.2), 'RG_ERR_INVALID_INPUT', 'portfolios[0].expiries[0].volConfidence'],
    ['a negative time to expiry', (p: any) => (p.options[0].secToExpiry = -1), 'RG_ERR_INVALID_INPUT', 'portfolios[0].options[0].secToExpiry'],
    ['a repeated option', (p: any) => p.options.push({ ...p.options[0] }), 'RG_ERR_INVALID_INPUT', 'portfolios[0].options[3]'],
    ['an option without its expiry feed', (p: any) => (p.options[0].secToExpiry = 11 * DAY), 'RG_ERR_MISSING_MARKET_DATA', 'portfolios[0].options[0].secToExpiry'],
    ['a NaN perp funding', (p: any) => (p.perp.funding = NaN), 'RG_ERR_INVALID_INPUT', 'portfolios[0].perp.funding'],
  ])('rejects %s', (_, mutate, code, field) => {
    const p = clone(base);
    mutate(p);
    const e = errorOf(() => marginDerivePmrm2([p], TEST));
    expect(e.code).toBe(code);
    expect(e.field).toBe(field);
  });

  it('rejects an expired option when the DTE floor is 0 (the vol shock is undefined)', () => {
    const p = clone(base);
    p.options[2]!.secToExpiry = 0;
    p.expiries[1]!.secToExpiry = 0;
    const params = clone(TEST);
    params.volShock.dteFloorDays = 0;
    expect(errorOf(() => marginDerivePmrm2([p], params)).code).toBe('RG_ERR_INVALID_INPUT');
    expect(Number.isFinite(marginDerivePmrm2([p], TEST)[0]!.imExcess)).toBe(true);
  });
});

describe('derive-pmrm2 plan', () => {
  it('lays out scenarios, groups and the last-30-minutes forward split as plan.ts defines', () => {
    const { plan, meta } = buildDerivePmrm2Plan([base], TEST);
    const n = TEST.scenarios.length;
    expect(plan.scenarios.nS).toBe(n + 2);
    expect(plan.scenarios.mode[n]).toBe(MODE_BASIS_UP);
    expect(plan.scenarios.mode[n + 1]).toBe(MODE_BASIS_DOWN);
    expect(plan.scenarios.spotMult[n]).toBe(TEST.basisContingency.scenarioSpotUp);
    expect(plan.scenarios.mode[29]).toBe(MODE_NEG_ABS);
    // 600 s to expiry: two thirds of the forward is fixed.
    const short = meta.portfolios[0]!.expiries[1]!.instruments[0]!;
    expect(plan.instruments.fwdFixed[short]).toBeCloseTo((2000.1 * 1200) / 1800, 9);
    expect(plan.instruments.fwdVar[short]).toBeCloseTo((2000.1 * 600) / 1800, 9);
    // Perp and risk-cancelling collateral: linear instruments in the undiscounted group 0.
    const linear = Array.from(plan.instruments.kind).filter((k) => k === KIND_LINEAR).length;
    expect(linear).toBe(2);
    expect(plan.groups.posDisc[0]).toBe(1);
    expect(plan.groups.negDisc[0]).toBe(1);
    expect(plan.groups.aux[0]).toBe(0);
    // A shocked value in the table is Black-76 on the split forward (spot 0.82, vol up, floored).
    const res = evaluatePlanTs(plan);
    const s = 22;
    const vg = plan.instruments.volGroup[short]!;
    const vol = Math.max(0.8 * plan.scenarios.volMul[vg * plan.scenarios.nS + s]!, TEST.volShock.minVolUpShock);
    const F = plan.instruments.fwdFixed[short]! + plan.instruments.fwdVar[short]! * 0.8200000000000001;
    expect(res.table[short * plan.scenarios.nS + s]).toBe(black76Price(F, 1950, 600 / (365 * DAY), vol, plan.instruments.df[short]!, -1));
  });

  it('shares instruments across a batch and calls the evaluator once', () => {
    const other = clone(base);
    other.options = [base.options[0]!];
    other.collaterals = [];
    other.perp = undefined;
    let calls = 0;
    let planSeen: ScenarioPlan | undefined;
    const evaluate = (plan: ScenarioPlan) => {
      calls++;
      planSeen = plan;
      return evaluatePlanTs(plan);
    };
    const [a, b] = marginDerivePmrm2([base, other], TEST, evaluate);
    expect(calls).toBe(1);
    expect(planSeen!.instruments.n).toBe(5);
    expect(planSeen!.rows.nRows).toBe(2);
    expect(a!.imExcess).toBe(marginDerivePmrm2([base], TEST)[0]!.imExcess);
    expect(b!.imExcess).toBe(marginDerivePmrm2([other], TEST)[0]!.imExcess);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties on random portfolios (test parameter set).

const EXPIRY_SECS = [0, 900, 3 * DAY, 45 * DAY, 200 * DAY];

const portfolioArb: fc.Arbitrary<DerivePortfolio> = fc
  .record({
    spot: fc.double({ min: 500, max: 5000, noNaN: true }),
    conf: fc.double({ min: 0.2, max: 1, noNaN: true }),
    stable: fc.double({ min: 0.9, max: 1.05, noNaN: true }),
    feeds: fc.array(
      fc.record({ basis: fc.double({ min: -0.05, max: 0.05, noNaN: true }), rate: fc.double({ min: -0.1, max: 0.4, noNaN: true }), conf: fc.double({ min: 0.3, max: 1, noNaN: true }) }),
      { minLength: EXPIRY_SECS.length, maxLength: EXPIRY_SECS.length },
    ),
    options: fc.uniqueArray(
      fc.record({
        exp: fc.integer({ min: 0, max: EXPIRY_SECS.length - 1 }),
        moneyness: fc.integer({ min: 5, max: 20 }),
        isCall: fc.boolean(),
        amount: fc.double({ min: -20, max: 20, noNaN: true }),
        markVol: fc.double({ min: 0.05, max: 3, noNaN: true }),
      }),
      { maxLength: 12, selector: (o) => `${o.exp}|${o.moneyness}|${o.isCall}` },
    ),
    perp: fc.option(fc.record({ amount: fc.double({ min: -10, max: 10, noNaN: true }), conf: fc.double({ min: 0, max: 1, noNaN: true }) })),
    collaterals: fc.array(
      fc.record({ amount: fc.double({ min: 0, max: 50, noNaN: true }), rc: fc.boolean(), conf: fc.double({ min: 0.1, max: 1, noNaN: true }) }),
      { maxLength: 3 },
    ),
  })
  .map((g) => ({
    spot: g.spot,
    spotConfidence: g.conf,
    stablePrice: g.stable,
    cash: 0,
    perp: g.perp === null ? undefined : { amount: g.perp.amount, price: g.spot * 1.001, confidence: g.perp.conf, unrealisedPnl: 10, funding: -2 },
    options: g.options.map((o) => ({ secToExpiry: EXPIRY_SECS[o.exp]!, strike: (g.spot * o.moneyness) / 10, isCall: o.isCall, amount: o.amount, markVol: o.markVol })),
    expiries: EXPIRY_SECS.map((sec, i) => ({
      secToExpiry: sec,
      forward: g.spot * (1 + g.feeds[i]!.basis),
      forwardConfidence: 1,
      rate: g.feeds[i]!.rate,
      rateConfidence: 1,
      volConfidence: g.feeds[i]!.conf,
    })),
    collaterals: g.collaterals.map((c, i) => ({ name: `C${i}`, amount: c.amount, price: g.spot, confidence: c.conf, riskCancelling: c.rc, mmHaircut: 0.1, imHaircut: 0.05 })),
  }));

const one = (p: DerivePortfolio, params: DerivePmrm2Params = TEST) => marginDerivePmrm2([p], params)[0]!;
const near = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

describe('derive-pmrm2 properties', () => {
  it('adding cash raises both excesses by that cash', () => {
    fc.assert(
      fc.property(portfolioArb, fc.double({ min: -1e6, max: 1e6, noNaN: true }), (p, cash) => {
        const a = one(p);
        const b = one({ ...p, cash });
        return near(b.imExcess - a.imExcess, cash) && near(b.mmExcess - a.mmExcess, cash) && b.initialMargin === a.initialMargin;
      }),
      { numRuns: 200 },
    );
  });

  it('IM requirement ≥ MM requirement ≥ 0 (imFactor ≥ mmFactor, worst ≤ 0)', () => {
    fc.assert(
      fc.property(portfolioArb, (p) => {
        const r = one(p);
        return r.worst.pnl <= 0 && r.initialMargin >= r.maintenanceMargin - 1e-9 * Math.abs(r.maintenanceMargin) && r.maintenanceMargin >= 0;
      }),
      { numRuns: 200 },
    );
  });

  it('scaling every position by k scales every scenario P&L and the basis contingency by k', () => {
    fc.assert(
      fc.property(portfolioArb, fc.double({ min: 0.1, max: 10, noNaN: true }), (p, k) => {
        const q: DerivePortfolio = {
          ...p,
          options: p.options.map((o) => ({ ...o, amount: o.amount * k })),
          perp: p.perp && { ...p.perp, amount: p.perp.amount * k },
          collaterals: p.collaterals.map((c) => ({ ...c, amount: c.amount * k })),
        };
        const a = one(p);
        const b = one(q);
        const scale = Math.max(1, ...Array.from(a.scenarioPnl, Math.abs));
        return a.scenarioPnl.every((v, i) => Math.abs(b.scenarioPnl[i]! - k * v) <= 1e-9 * k * scale) && Math.abs(b.basisContingency - k * a.basisContingency) <= 1e-9 * k * scale;
      }),
      { numRuns: 200 },
    );
  });

  it('permuting options and collaterals gives bit-identical margins', () => {
    fc.assert(
      fc.property(portfolioArb, fc.infiniteStream(fc.integer()), (p, rnd) => {
        const it = rnd[Symbol.iterator]();
        const shuffle = <T>(xs: T[]): T[] => {
          const out = xs.slice();
          for (let i = out.length - 1; i > 0; i--) {
            const j = Math.abs(it.next().value as number) % (i + 1);
            [out[i], out[j]] = [out[j]!, out[i]!];
          }
          return out;
        };
        const a = one(p);
        const b = one({ ...p, options: shuffle(p.options), collaterals: shuffle(p.collaterals), expiries: shuffle(p.expiries) });
        return (
          Object.is(a.imExcess, b.imExcess) &&
          Object.is(a.mmExcess, b.mmExcess) &&
          Object.is(a.basisContingency, b.basisContingency) &&
          a.scenarioPnl.every((v, i) => Object.is(v, b.scenarioPnl[i]))
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a NaN or Infinity in any numeric input field is an error, never a margin', () => {
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (typeof v === 'number') paths.push(path);
      else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    };
    walk(base, []);
    expect(paths.length).toBeGreaterThan(30);
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const path of paths) {
        const p = clone(base) as unknown as Record<string | number, unknown>;
        let o = p;
        for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
        o[path[path.length - 1]!] = bad;
        const e = errorOf(() => one(p as unknown as DerivePortfolio));
        expect(e.code, path.join('.')).toMatch(/^RG_ERR_(INVALID_INPUT|MISSING_MARKET_DATA)$/);
      }
    }
  });
});
