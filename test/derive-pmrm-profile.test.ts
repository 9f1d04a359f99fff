// derive-pmrm (v2.0): parameter files and their validation, portfolio validation, the small
// formulas against hand values, and properties of the whole method (cash, scaling, depeg,
// confidence, basis as a floor scenario, no NaN margin).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import type { ScenarioPlan } from '../host/margin/plan.js';
import { loadProfile } from '../host/profiles/registry.js';
import { registerBuiltinMethodologies } from '../host/margin/builtin.js';
import {
  buildDerivePmrmPlan,
  computeDerivePmrm,
  finishDerivePmrm,
  nakedShorts,
  staticDiscount,
  validateDerivePmrmParams,
  volShockMultipliers,
  type DerivePmrmOption,
  type DerivePmrmParams,
  type DerivePmrmPortfolio,
} from '../host/profiles/derive-pmrm/index.js';

registerBuiltinMethodologies(); // the engine's derive-pmrm: the method's params plus `currency`
const testProfile = loadProfile<DerivePmrmParams>('derive-pmrm.test');
const mainnet = loadProfile<DerivePmrmParams>('derive-pmrm.mainnet');
// The method's own parameters: the profile's params without the engine's `currency`.
const { currency: _currency, ...params } = testProfile.params as DerivePmrmParams & { currency: string };
const DAY = 86_400;

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

function rawParams(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(params)) as Record<string, unknown>;
}

const S17 = 17 * DAY + 8 * 3600;
const S57 = 57 * DAY + 8 * 3600;

function market(over: Partial<DerivePmrmPortfolio> = {}): DerivePmrmPortfolio {
  return {
    spot: 2000,
    spotConfidence: 1,
    stablePrice: 1,
    cash: 0,
    perpPrice: 2001,
    perpConfidence: 1,
    perps: [],
    baseAmount: 0,
    options: [],
    expiries: [
      { secToExpiry: S17, forward: 2004.7545, rate: 0.02, forwardConfidence: 1, rateConfidence: 1 },
      { secToExpiry: S57, forward: 2015.7696, rate: 0.02, forwardConfidence: 1, rateConfidence: 1 },
    ],
    ...over,
  };
}

const opt = (secToExpiry: number, strike: number, isCall: boolean, amount: number, vol = 0.5): DerivePmrmOption => ({
  secToExpiry,
  strike,
  isCall,
  amount,
  vol,
  volConfidence: 1,
});

const margin = (p: DerivePmrmPortfolio, ps: DerivePmrmParams = params) => computeDerivePmrm([p], ps, evaluatePlanTs)[0]!;

describe('profile files', () => {
  it('the test set: 21 scenarios (1.15 … 0.85 × up/none/down) and the README figures', () => {
    expect(testProfile.methodology).toBe('derive-pmrm');
    expect(testProfile.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(params.scenarios.length).toBe(21);
    expect(params.scenarios.slice(0, 3)).toEqual([
      { spotShock: 1.15, volShock: 'up' },
      { spotShock: 1.15, volShock: 'none' },
      { spotShock: 1.15, volShock: 'down' },
    ]);
    expect(params.basisContingency).toEqual({ scenarioSpotUp: 1.05, scenarioSpotDown: 0.95, addFactor: 0.25, multFactor: 0.01 });
    expect(params.otherContingency).toEqual({
      pegLossThreshold: 0.98,
      pegLossFactor: 2,
      confThreshold: 0.6,
      confMargin: 0.4,
      basePercent: 0.025,
      perpPercent: 0.025,
      optionPercent: 0.01,
    });
    expect(params.margin).toEqual({ imFactor: 1.3, baseStaticDiscount: 0.95, rateMultScale: 4, rateAddScale: 0.12 });
    expect(params.volShock).toEqual({ volRangeUp: 0.45, volRangeDown: 0.3, shortTermPower: 0.3, longTermPower: 0.13, dteFloorDays: 1 });
  });

  it('the mainnet set: 23 scenarios with 1.20 and 0.80 vol up only, IM 1.25, open-interest caps as data', () => {
    const m = mainnet.params;
    expect(m.scenarios.length).toBe(23);
    expect(m.scenarios[0]).toEqual({ spotShock: 1.2, volShock: 'up' });
    expect(m.scenarios[22]).toEqual({ spotShock: 0.8, volShock: 'up' });
    expect(m.margin.imFactor).toBe(1.25);
    expect(m.basisContingency.multFactor).toBe(1.2);
    expect(m.otherContingency).toMatchObject({ confThreshold: 0.55, confMargin: 1, basePercent: 0.03, optionPercent: 0.02 });
    expect(m.volShock.volRangeUp).toBe(0.6);
    expect(m.openInterestCaps).toEqual({
      ETH: { perp: 250_000, option: 2_000_000, base: 750 },
      BTC: { perp: 12_000, option: 100_000, base: 15 },
    });
  });
});

describe('validateDerivePmrmParams', () => {
  it.each([
    ['unknown top-level field', (r: Record<string, any>) => (r.extra = 1), 'params.extra', /unknown field/],
    ['unknown field in a section', (r: Record<string, any>) => (r.margin.imfactor = 1.3), 'params.margin.imfactor', /unknown field/],
    ['missing field', (r: Record<string, any>) => delete r.volShock.dteFloorDays, 'params.volShock.dteFloorDays', /missing/],
    ['missing section', (r: Record<string, any>) => delete r.otherContingency, 'params.otherContingency', /missing/],
    ['NaN', (r: Record<string, any>) => (r.margin.imFactor = NaN), 'params.margin.imFactor', /finite/],
    ['out of range', (r: Record<string, any>) => (r.margin.imFactor = 0.5), 'params.margin.imFactor', /\[1, 4\]/],
    ['basis spot up ≤ 1', (r: Record<string, any>) => (r.basisContingency.scenarioSpotUp = 1), 'params.basisContingency.scenarioSpotUp', /\(1, 3\]/],
    ['bad vol direction', (r: Record<string, any>) => (r.scenarios[4].volShock = 'UP'), 'params.scenarios[4].volShock', /"up"/],
    ['spot shock above 3', (r: Record<string, any>) => (r.scenarios[0].spotShock = 3.5), 'params.scenarios[0].spotShock', /3/],
    ['no scenarios', (r: Record<string, any>) => (r.scenarios = []), 'params.scenarios', /non-empty/],
    ['bad cap', (r: Record<string, any>) => (r.openInterestCaps = { ETH: { perp: 1, option: 2 } }), 'params.openInterestCaps.ETH.base', /missing/],
  ])('%s → RG_ERR_PROFILE naming the field', (_label, mutate, field, message) => {
    const r = rawParams();
    mutate(r as Record<string, any>);
    const e = errorOf(() => validateDerivePmrmParams(r));
    expect(e.code).toBe('RG_ERR_PROFILE');
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });

  it('returns a copy that equals a valid input', () => {
    expect(validateDerivePmrmParams(rawParams())).toEqual(rawParams());
  });
});

describe('portfolio validation', () => {
  it('NaN or Infinity anywhere is RG_ERR_INVALID_INPUT naming the field, never a margin', () => {
    const cases: Array<[DerivePmrmPortfolio, string]> = [
      [market({ options: [opt(S17, 2000, true, 1, NaN)] }), 'portfolios[0].options[0].vol'],
      [market({ cash: Infinity }), 'portfolios[0].cash'],
      [market({ spot: NaN }), 'portfolios[0].spot'],
      [market({ perps: [{ amount: 1, entryPrice: 2000 }], perpPrice: NaN }), 'portfolios[0].perpPrice'],
      [market({ options: [opt(S17, 2000, true, -Infinity)] }), 'portfolios[0].options[0].amount'],
      [market({ spotConfidence: 1.5 }), 'portfolios[0].spotConfidence'],
      [market({ baseAmount: -1 }), 'portfolios[0].baseAmount'],
    ];
    for (const [p, field] of cases) {
      const e = errorOf(() => margin(p));
      expect(e.code).toBe('RG_ERR_INVALID_INPUT');
      expect(e.field).toBe(field);
    }
  });

  it('an option without market data for its expiry is RG_ERR_MISSING_MARKET_DATA', () => {
    const e = errorOf(() => margin(market({ options: [opt(5 * DAY, 2000, true, 1)] })));
    expect(e.code).toBe('RG_ERR_MISSING_MARKET_DATA');
    expect(e.field).toBe('portfolios[0].options[0].secToExpiry');
  });

  it('a NaN from the evaluator becomes RG_ERR_NOT_FINITE_RESULT', () => {
    const p = market({ options: [opt(S17, 2000, true, -1)] });
    const { plan, meta } = buildDerivePmrmPlan([p], params);
    const res = evaluatePlanTs(plan);
    res.pnl[3] = NaN;
    res.worst[0] = NaN;
    expect(errorOf(() => finishDerivePmrm([p], plan, meta, res)).code).toBe('RG_ERR_NOT_FINITE_RESULT');
  });
});

describe('formulas against hand values', () => {
  const vs = params.volShock;
  it('vol shock: short-term power at or under 30 days, long-term beyond, DTE floor of 1 day', () => {
    const m17 = Math.pow(30 / (17 + 1 / 3), 0.3);
    expect(volShockMultipliers(S17, vs).up).toBeCloseTo(1 + 0.45 * m17, 14);
    expect(volShockMultipliers(S17, vs).down).toBeCloseTo(1 - 0.3 * m17, 14);
    const m60 = Math.pow(0.5, 0.13);
    expect(volShockMultipliers(60 * DAY, vs).up).toBeCloseTo(1 + 0.45 * m60, 14);
    // One hour to expiry is floored at one day: τ = 30.
    expect(volShockMultipliers(3600, vs).up).toBeCloseTo(1 + 0.45 * Math.pow(30, 0.3), 14);
    // Vol down never goes below 0 (0.3·30^0.3 < 1, so use a large range).
    expect(volShockMultipliers(3600, { ...vs, volRangeDown: 1 }).down).toBe(0);
  });

  it('static discount: 0.95·exp(−T·(4·rate + 0.12)), negative rates floored at 0', () => {
    const T = S17 / (365 * DAY);
    expect(staticDiscount(S17, 0.02, params.margin)).toBeCloseTo(0.95 * Math.exp(-T * 0.2), 15);
    expect(staticDiscount(S17, -0.05, params.margin)).toBeCloseTo(0.95 * Math.exp(-T * 0.12), 15);
  });

  it('naked shorts are counted per strike; a short call is covered only by a long put at its strike', () => {
    const o = (strike: number, isCall: boolean, amount: number) => ({ strike, isCall, amount });
    expect(nakedShorts([o(2000, true, -1), o(2000, false, 1)])).toBe(0);
    expect(nakedShorts([o(2000, true, -1), o(2100, false, 1)])).toBe(1);
    expect(nakedShorts([o(2000, true, -1), o(2000, false, -2)])).toBe(3);
    expect(nakedShorts([o(2000, true, -3), o(2000, false, 1)])).toBe(2);
    expect(nakedShorts([o(2000, true, -1), o(2000, true, 1)])).toBe(0); // same option netted first
    expect(nakedShorts([o(2000, true, 2), o(1000, false, 5)])).toBe(0);
  });
});

describe('method behaviour', () => {
  it('a long option: only its positive shocked value is discounted (scenario 1.00 / none gives (d − 1)·V)', () => {
    const r = margin(market({ options: [opt(S17, 2000, true, 1)] }));
    const i = params.scenarios.findIndex((s) => s.spotShock === 1 && s.volShock === 'none');
    const d = r.expiries[0]!.staticDiscount;
    expect(r.scenarioPnl[i]).toBeCloseTo((d - 1) * r.optionMtm, 10);
    // A short option at the same point loses nothing: negative values are not discounted.
    const s = margin(market({ options: [opt(S17, 2000, true, -1)] }));
    expect(s.scenarioPnl[i]).toBe(0);
  });

  it('an empty account: zero margins; the basis contingency wins the tie (Derive starts from it)', () => {
    const r = margin(market());
    expect([r.imExcess, r.mmExcess, r.initialMargin, r.maintenanceMargin]).toEqual([0, 0, 0, 0]);
    expect(r.worst).toMatchObject({ kind: 'basis', index: params.scenarios.length });
  });

  it('the basis contingency is a floor scenario: with only the 1.00/none scenario it is the worst', () => {
    const only: DerivePmrmParams = { ...params, scenarios: [{ spotShock: 1, volShock: 'none' }] };
    const r = margin(market({ options: [opt(S17, 2000, true, -1), opt(S17, 2000, false, 1), opt(S57, 1800, true, 2)] }), only);
    const fromExpiries = r.expiries.reduce((s, e) => s + e.basisContingency, 0);
    expect(r.worst.kind).toBe('basis');
    expect(r.worst.pnl).toBeCloseTo(fromExpiries, 10);
    expect(r.contingencies.basis).toBeCloseTo(fromExpiries, 10);
    // The short forward (delta ≈ −1 on 20230118) loses ≈ 5 % of the forward in the up move, × (0.25 + 0.01·T).
    const e = r.expiries[0]!;
    expect(e.basisContingency).toBeLessThan(-0.25 * 0.05 * 2004.7545 * 0.95);
  });

  it('depeg: below the threshold the IM factor grows by (0.98 − stable)·2 and MM is unchanged', () => {
    const p = market({ options: [opt(S17, 1700, false, -1)] });
    const a = margin(p);
    const b = margin({ ...p, stablePrice: 0.5 });
    expect(b.contingencies.imFactor).toBeCloseTo(1.3 + 0.48 * 2, 15);
    expect(b.mmExcess).toBe(a.mmExcess);
    expect(b.imExcess).toBeCloseTo((a.mmExcess - a.mtm) * b.contingencies.imFactor + a.mtm, 9);
  });

  it('oracle confidence: (1 − conf)·0.4·contracts·spot below 0.6, on IM only; perp confidence only with perps', () => {
    const p = market({ baseAmount: 1 });
    const a = margin(p);
    const b = margin({ ...p, spotConfidence: 0.5 });
    expect(b.contingencies.confidence).toBeCloseTo(0.5 * 0.4 * 1 * 2000, 9);
    expect(b.imExcess).toBeCloseTo(a.imExcess - 400, 9);
    expect(b.mmExcess).toBe(a.mmExcess);
    expect(margin({ ...p, perpConfidence: 0.1 }).contingencies.confidence).toBe(0);
    const withPerp = margin({ ...p, perpConfidence: 0.1, perps: [{ amount: -1, entryPrice: 2001 }] });
    expect(withPerp.contingencies.confidence).toBeCloseTo(0.9 * 0.4 * 2 * 2000, 9);
    // Per expiry: the lowest of spot, forward, rate and vol confidence on Σ|amount|·spot.
    const q = market({ options: [{ ...opt(S17, 2000, true, 2), volConfidence: 0.2 }, opt(S17, 2100, false, -1)] });
    expect(margin(q).contingencies.confidence).toBeCloseTo(0.8 * 0.4 * 3 * 2000, 9);
  });

  it('a fixed forward portion does not move with spot: a fully fixed forward has no spot risk', () => {
    const p = market({ options: [opt(S17, 2000, true, -1)] });
    p.expiries[0] = { ...p.expiries[0]!, forwardFixed: p.expiries[0]!.forward };
    const r = margin(p);
    const none = params.scenarios.map((s, i) => [s, r.scenarioPnl[i]!] as const).filter(([s]) => s.volShock === 'none');
    for (const [, v] of none) expect(v).toBe(0);
    expect(r.contingencies.basis).toBe(0);
  });
});

describe('properties', () => {
  const arbPortfolio = fc
    .record({
      options: fc.array(
        fc.record({
          sec: fc.constantFrom(S17, S57),
          strike: fc.integer({ min: 10, max: 40 }).map((k) => k * 100),
          isCall: fc.boolean(),
          amount: fc.integer({ min: -8, max: 8 }).map((a) => a / 4),
          vol: fc.integer({ min: 10, max: 150 }).map((v) => v / 100),
        }),
        { maxLength: 6 },
      ),
      perp: fc.integer({ min: -8, max: 8 }).map((a) => a / 4),
      base: fc.integer({ min: 0, max: 8 }).map((a) => a / 4),
      cash: fc.integer({ min: -5000, max: 5000 }),
      spotConfidence: fc.constantFrom(1, 0.5, 0.2),
    })
    .map((g) =>
      market({
        options: g.options.map((o) => opt(o.sec, o.strike, o.isCall, o.amount, o.vol)),
        perps: g.perp === 0 ? [] : [{ amount: g.perp, entryPrice: 1990 }],
        baseAmount: g.base,
        cash: g.cash,
        spotConfidence: g.spotConfidence,
      }),
    );

  it('adding cash raises both excesses by exactly that cash and leaves the requirements alone', () => {
    fc.assert(
      fc.property(arbPortfolio, fc.integer({ min: 1, max: 1_000_000 }), (p, c) => {
        const a = margin(p);
        const b = margin({ ...p, cash: p.cash + c });
        expect(b.initialMargin).toBe(a.initialMargin);
        expect(b.maintenanceMargin).toBe(a.maintenanceMargin);
        expect(b.equity).toBe(b.mtm + (p.cash + c));
        expect(b.mmExcess).toBe(b.equity - a.maintenanceMargin);
        expect(b.imExcess).toBe(b.equity - a.initialMargin);
        expect(b.mmExcess - a.mmExcess).toBeCloseTo(c, 6);
        expect(b.imExcess - a.imExcess).toBeCloseTo(c, 6);
      }),
      { numRuns: 60 },
    );
  });

  it('IM requirement ≥ MM requirement ≥ 0', () => {
    fc.assert(
      fc.property(arbPortfolio, (p) => {
        const r = margin(p);
        expect(r.maintenanceMargin).toBeGreaterThanOrEqual(0);
        expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
      }),
      { numRuns: 60 },
    );
  });

  it('scaling every position by 2 or 1/2 scales the requirements and the scenario P&L exactly', () => {
    fc.assert(
      fc.property(arbPortfolio, fc.constantFrom(2, 0.5), (p, k) => {
        const a = margin(p);
        const scaled = {
          ...p,
          options: p.options.map((o) => ({ ...o, amount: o.amount * k })),
          perps: p.perps.map((q) => ({ ...q, amount: q.amount * k })),
          baseAmount: p.baseAmount * k,
        };
        const b = margin(scaled);
        expect(b.maintenanceMargin).toBe(a.maintenanceMargin * k);
        expect(Array.from(b.scenarioPnl)).toEqual(Array.from(a.scenarioPnl, (v) => v * k));
        expect(b.initialMargin).toBeCloseTo(a.initialMargin * k, 6);
      }),
      { numRuns: 60 },
    );
  });

  it('a covered call (short call + the base asset) never leaves less excess than the naked call', () => {
    // Requirements can rise (the base asset moves with spot and carries its own 2.5 %), but never
    // by more than the base asset adds to equity.
    fc.assert(
      fc.property(fc.integer({ min: 12, max: 30 }), fc.constantFrom(S17, S57), (k, sec) => {
        const naked = margin(market({ options: [opt(sec, k * 100, true, -1)] }));
        const covered = margin(market({ options: [opt(sec, k * 100, true, -1)], baseAmount: 1 }));
        expect(covered.mmExcess).toBeGreaterThanOrEqual(naked.mmExcess);
        expect(covered.imExcess).toBeGreaterThanOrEqual(naked.imExcess);
      }),
      { numRuns: 30 },
    );
  });

  it('a batch gives each portfolio the figures it gets alone, bit for bit', () => {
    fc.assert(
      fc.property(fc.array(arbPortfolio, { minLength: 1, maxLength: 5 }), (ps) => {
        const batch = computeDerivePmrm(ps, params, evaluatePlanTs);
        ps.forEach((p, i) => {
          const alone = margin(p);
          expect(batch[i]!.imExcess).toBe(alone.imExcess);
          expect(batch[i]!.mmExcess).toBe(alone.mmExcess);
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('plan layout', () => {
  it('groups = expiries (discount on positive values only), perps and base linear, basis pair last', () => {
    const p = market({ options: [opt(S17, 2000, true, 1), opt(S57, 2000, false, -1)], perps: [{ amount: 1, entryPrice: 2000 }], baseAmount: 2 });
    const { plan, meta }: { plan: ScenarioPlan; meta: ReturnType<typeof buildDerivePmrmPlan>['meta'] } = buildDerivePmrmPlan([p], params);
    expect(plan.scenarios.nS).toBe(23);
    expect(Array.from(plan.scenarios.mode.slice(21))).toEqual([2, 3]);
    expect(Array.from(plan.scenarios.spotMult.slice(21))).toEqual([1.05, 0.95]);
    expect(plan.rows.groupId.length).toBe(3);
    const g0 = plan.rows.groupId[0]!;
    expect(plan.groups.posDisc[g0]).toBeCloseTo(meta.rows[0]!.expiries[0]!.staticDiscount, 15);
    expect(plan.groups.negDisc[g0]).toBe(1);
    const gl = plan.rows.groupId[2]!;
    expect([plan.groups.posDisc[gl], plan.groups.negDisc[gl], plan.groups.aux[gl]]).toEqual([1, 1, 0]);
    expect(Array.from(plan.instruments.kind)).toEqual([0, 0, 1, 1]);
    expect(Array.from(plan.instruments.df)).toEqual([1, 1, 1, 1]);
    expect(plan.instruments.fwdVar[3]).toBe(2000); // base: spot / stable
  });
});
