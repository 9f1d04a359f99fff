import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { black76Greeks, black76Price } from '../host/reference/black.js';
import { finishSpan } from '../host/profiles/span/finish.js';
import { validateSpanParams } from '../host/profiles/span/params.js';
import { buildSpanPlan } from '../host/profiles/span/plan.js';
import { spanRiskArrays } from '../host/profiles/span/risk-arrays.js';
import { deltaPoints, spanScenarios } from '../host/profiles/span/scenarios.js';
import type { SpanParams, SpanPortfolio, SpanPosition } from '../host/profiles/span/types.js';

const file = JSON.parse(readFileSync(new URL('../profiles/span.cme-example.json', import.meta.url), 'utf8'));
const P: SpanParams = file.params;
const clone = (): SpanParams => JSON.parse(JSON.stringify(P));

function run(portfolios: SpanPortfolio[], params: SpanParams = P) {
  const { plan, meta } = buildSpanPlan(portfolios, params);
  const result = evaluatePlanTs(plan);
  return { results: finishSpan(plan, result, meta), arrays: spanRiskArrays(plan, result, meta) };
}

const fut = (size: number, over: Partial<SpanPosition> = {}): SpanPosition => ({
  id: 'SPZ6', kind: 'future', underlying: 'SP', commodity: 'SP', month: '202612', size, multiplier: 500, forward: 410, T: 0.1, ...over,
});
const opt = (size: number, strike: number, type: 'C' | 'P', over: Partial<SpanPosition> = {}): SpanPosition => ({
  id: `SPZ6 ${type}${strike}`, kind: 'option', underlying: 'SP', commodity: 'SP', month: '202612', size, multiplier: 500, forward: 410,
  strike, optionType: type, T: 0.25, vol: 0.2, df: 0.99, ...over,
});

// McMillan, CME S&P example. Book figures are gains positive; SPAN risk arrays are loss positive.
const BOOK_FUTURE = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000];
const BOOK_CALL = [460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500];
const loss = (gains: number[]) => gains.map((g) => -g + 0);
const givenCall = (size: number): SpanPosition => ({ ...opt(size, 410, 'C'), id: 'SP DEC 410 C', riskArray: loss(BOOK_CALL), compositeDelta: 0.55, price: 6000 });

describe('span: McMillan CME S&P check figures', () => {
  it('long future risk array from the $10,000 scan range (extreme 2x at 35 %)', () => {
    const { arrays } = run([{ id: 'f', positions: [fut(1)] }]);
    const a = arrays[0]!.riskArray;
    loss(BOOK_FUTURE).forEach((v, s) => expect(a[s]).toBeCloseTo(v, 8));
    expect(arrays[0]!.compositeDelta).toBeCloseTo(1, 9);
  });

  it('long Dec 410 call (given array): scan risk $3,990', () => {
    const { results } = run([{ id: 'call', positions: [givenCall(1)] }]);
    expect(results[0]!.breakdown.scanRisk).toBe(3990);
    expect(results[0]!.commodities[0]!.activeScenario).toBe(13); // down 3/3, vol down
  });

  it('covered write (long future from the scan range + short given call): scan risk $6,620', () => {
    const { results } = run([{ id: 'cw', positions: [fut(1), givenCall(-1)] }]);
    expect(results[0]!.breakdown.scanRisk).toBeCloseTo(6620, 8);
    expect(results[0]!.commodities[0]!.activeScenario).toBe(12); // down 3/3, vol up
  });

  it('covered write from two given arrays sums exactly', () => {
    const givenFut = { ...fut(1), id: 'SPZ6 given', riskArray: loss(BOOK_FUTURE), compositeDelta: 1 };
    const { results } = run([{ id: 'cw', positions: [givenFut, givenCall(-1)] }]);
    expect(results[0]!.breakdown.scanRisk).toBe(6620);
    // Non-extreme scenarios are exact; the extremes pass through ÷ and × the cover fraction.
    const want = BOOK_FUTURE.map((f, s) => -(f - BOOK_CALL[s]!) + 0);
    expect(results[0]!.commodities[0]!.losses.slice(0, 14)).toEqual(want.slice(0, 14));
    results[0]!.commodities[0]!.losses.forEach((l, s) => expect(l).toBeCloseTo(want[s]!, 9));
  });
});

describe('span: valued risk arrays against an independent Black-76', () => {
  it.each([0, 1, 5])('option array = −(V(F0 + move·R, T − %d days, σ ± v) − V(F0, T, σ)) × multiplier, extremes × cover', (days) => {
    const p = clone();
    p.lookaheadDays = days;
    const o = opt(1, 400, 'P');
    const { arrays, results } = run([{ id: 'p', positions: [o] }], p);
    const R = P.commodities.SP!.priceScanRange / 500;
    const v0 = black76Price(410, 400, 0.25, 0.2, 0.99, -1);
    const T = 0.25 - days / 365;
    spanScenarios(P).forEach((sc, s) => {
      const vol = Math.max(0.2 + sc.vol * 0.04, sc.vol === 0 ? 0 : 0.01);
      const v = black76Price(410 + sc.move * R, 400, T, vol, 0.99, -1);
      expect(arrays[0]!.riskArray[s]).toBeCloseTo(-(v - v0) * 500 * sc.weight, 6);
      expect(results[0]!.commodities[0]!.losses[s]).toBeCloseTo(arrays[0]!.riskArray[s]!, 6);
    });
    expect(arrays[0]!.price).toBeCloseTo(v0 * 500, 9);
  });

  it('composite delta = weighted analytic deltas at the seven price points', () => {
    const { arrays } = run([{ id: 'c', positions: [opt(1, 420, 'C')] }]);
    const R = 20;
    const T = 0.25 - 1 / 365; // after the one-day look-ahead
    const want = deltaPoints(P).reduce((acc, m, k) => acc + P.compositeDeltaWeights[k]! * black76Greeks(410 + m * R, 420, T, 0.2, 0.99, 1).delta, 0);
    expect(arrays[0]!.compositeDelta).toBeCloseTo(want, 6);
  });

  it('relative vol scan multiplies the vol', () => {
    const p = clone();
    p.lookaheadDays = 0;
    p.volScanMode = 'relative';
    p.commodities.SP!.volScanRange = 0.25;
    const { arrays } = run([{ id: 'c', positions: [opt(1, 410, 'C')] }], p);
    const v0 = black76Price(410, 410, 0.25, 0.2, 0.99, 1);
    expect(arrays[0]!.riskArray[0]).toBeCloseTo(-(black76Price(410, 410, 0.25, 0.25, 0.99, 1) - v0) * 500, 6);
    expect(arrays[0]!.riskArray[1]).toBeCloseTo(-(black76Price(410, 410, 0.25, 0.15, 0.99, 1) - v0) * 500, 6);
  });
});

describe('span: components', () => {
  it('intra-commodity: same-tier calendar at the tier rate, cross-tier at the tier-spread rate', () => {
    const same = run([{ id: 's', positions: [fut(2, { month: '202612' }), fut(-2, { id: 'SPH7', month: '202703', forward: 415 })] }]).results[0]!;
    expect(same.breakdown.scanRisk).toBeCloseTo(0, 6);
    expect(same.breakdown.intraCommoditySpreadCharge).toBeCloseTo(2 * 150, 6);
    const cross = run([{ id: 'x', positions: [fut(3, { month: '202612' }), fut(-2, { id: 'SPM7', month: '202706', forward: 418 })] }]).results[0]!;
    expect(cross.breakdown.intraCommoditySpreadCharge).toBeCloseTo(2 * 250, 6);
    expect(cross.breakdown.scanRisk).toBeCloseTo(10000, 6);
    expect(cross.maintenanceMargin).toBeCloseTo(10500, 6);
  });

  it('inter-commodity credit: weighted price risk × delta × rate, only for opposite deltas', () => {
    const nd = (size: number): SpanPosition => ({ id: 'NDZ6', kind: 'future', underlying: 'ND', commodity: 'ND', month: '202612', size, multiplier: 100, forward: 300, T: 0.1 });
    const r = run([{ id: 'i', positions: [fut(1), nd(-1)] }]).results[0]!;
    expect(r.breakdown.scanRisk).toBeCloseTo(18000, 6);
    expect(r.breakdown.interCommoditySpreadCredit).toBeCloseTo(0.5 * 10000 + 0.5 * 8000, 6);
    expect(r.maintenanceMargin).toBeCloseTo(9000, 6);
    expect(r.interSpreads).toEqual([{ name: 'SP-ND', spreads: expect.closeTo(1, 9), credit: expect.closeTo(9000, 6) }]);
    const same = run([{ id: 'j', positions: [fut(1), nd(1)] }]).results[0]!;
    expect(same.breakdown.interCommoditySpreadCredit).toBe(0);
    const p0 = clone();
    p0.interSpreads[0]!.creditRate = 0;
    expect(run([{ id: 'k', positions: [fut(1), nd(-1)] }], p0).results[0]!.maintenanceMargin).toBeCloseTo(18000, 6);
    const p1 = clone();
    p1.interSpreads[0]!.creditRate = 1;
    expect(run([{ id: 'k', positions: [fut(1), nd(-1)] }], p1).results[0]!.maintenanceMargin).toBeCloseTo(0, 6);
  });

  it('scan-range cap limits the weighted price risk', () => {
    // 3 long SP futures vs 3 short ND: WPR is per delta, unchanged; cap binds only above the range.
    const p = clone();
    p.wprMethod = 'scanRangeCap';
    p.commodities.ND!.priceScanRange = 8000;
    const nd = (size: number): SpanPosition => ({ id: 'NDZ6', kind: 'future', underlying: 'ND', commodity: 'ND', month: '202612', size, multiplier: 100, forward: 300, T: 0.1 });
    const r = run([{ id: 'i', positions: [fut(3), nd(-3)] }], p).results[0]!;
    expect(r.breakdown.interCommoditySpreadCredit).toBeCloseTo(0.5 * 3 * (10000 + 8000), 6);
  });

  it('short option minimum binds for a far out-of-the-money short option; max vs sum', () => {
    const book = [opt(-3, 600, 'C'), opt(-2, 250, 'P')];
    const r = run([{ id: 'som', positions: book }]).results[0]!;
    expect(r.commodities[0]!.shortOptionMinimum).toBe(3 * 500);
    expect(r.maintenanceMargin).toBeGreaterThanOrEqual(1500);
    const p = clone();
    p.somMethod = 'sum';
    p.commodities.SP!.shortOptionMinimum = 100000;
    const r2 = run([{ id: 'som', positions: book }], p).results[0]!;
    expect(r2.maintenanceMargin).toBe(5 * 100000);
    expect(r2.breakdown.shortOptionMinimumUplift).toBeCloseTo(5 * 100000 - (r2.breakdown.scanRisk + r2.breakdown.intraCommoditySpreadCharge), 6);
  });

  it('net option value: premium-style only, long positive', () => {
    const book = [opt(2, 400, 'C'), opt(-1, 420, 'P')];
    const r = run([{ id: 'n', positions: book }]).results[0]!;
    const want = 2 * 500 * black76Price(410, 400, 0.25, 0.2, 0.99, 1) - 500 * black76Price(410, 420, 0.25, 0.2, 0.99, -1);
    expect(r.breakdown.netOptionValue).toBeCloseTo(want, 6);
    expect(r.breakdown.maintenanceNetOfOptionValue).toBeCloseTo(r.maintenanceMargin - want, 6);
    const p = clone();
    p.commodities.SP!.premiumStyle = false;
    expect(run([{ id: 'n', positions: book }], p).results[0]!.breakdown.netOptionValue).toBe(0);
  });

  it('extremes: cover fraction 0 ignores them; 3x at 30 % counts 0.9 of the range', () => {
    const p = clone();
    p.extremeCoverFraction = 0;
    expect(run([{ id: 'f', positions: [fut(1)] }], p).arrays[0]!.riskArray.slice(14)).toEqual([0, 0]);
    p.extremeMultiple = 3;
    p.extremeCoverFraction = 0.3;
    const a = run([{ id: 'f', positions: [fut(1)] }], p).arrays[0]!.riskArray;
    expect(a[14]).toBeCloseTo(-9000, 6);
    expect(a[15]).toBeCloseTo(9000, 6);
    // A short deep OTM put: the 3x down extreme dominates the scan.
    const r = run([{ id: 'x', positions: [opt(-1, 330, 'P', { vol: 0.1 })] }], p).results[0]!;
    expect(r.commodities[0]!.activeScenario).toBe(15);
  });

  it('initial = maintenance × initialToMaintenance; breakdown sums to maintenance', () => {
    const r = run([{ id: 'a', positions: [fut(1), opt(-2, 420, 'C'), opt(1, 390, 'P')] }]).results[0]!;
    const b = r.breakdown;
    expect(r.initialMargin).toBeCloseTo(1.1 * r.maintenanceMargin, 9);
    expect(b.scanRisk + b.intraCommoditySpreadCharge - b.interCommoditySpreadCredit + b.shortOptionMinimumUplift).toBeCloseTo(r.maintenanceMargin, 8);
    expect(r.initialMargin).toBeGreaterThanOrEqual(r.maintenanceMargin);
  });

  it('scaling every position by k scales scan risk by k; empty portfolio needs 0', () => {
    const book = [fut(1), opt(-2, 420, 'C'), opt(1, 390, 'P')];
    const one = run([{ id: 'a', positions: book }]).results[0]!;
    for (const k of [2, 7, 0.5]) {
      const r = run([{ id: 'a', positions: book.map((p) => ({ ...p, size: p.size * k })) }]).results[0]!;
      expect(r.breakdown.scanRisk).toBeCloseTo(k * one.breakdown.scanRisk, 6);
    }
    const empty = run([{ id: 'e', positions: [] }]).results[0]!;
    expect(empty.maintenanceMargin).toBe(0);
  });

  it('batch: shared instruments valued once, each portfolio as alone', () => {
    const a = [fut(1), opt(-1, 420, 'C')];
    const b = [opt(2, 420, 'C'), opt(-1, 390, 'P')];
    const both = buildSpanPlan([{ id: 'a', positions: a }, { id: 'b', positions: b }], P);
    expect(both.plan.instruments.n).toBe(5); // future, two options and their look-ahead twins
    const res = finishSpan(both.plan, evaluatePlanTs(both.plan), both.meta);
    expect(res[1]!.maintenanceMargin).toBe(run([{ id: 'b', positions: b }]).results[0]!.maintenanceMargin);
  });
});

describe('span: input and parameter validation', () => {
  it('parameter file: unknown and missing fields are RG_ERR_PROFILE naming the field', () => {
    expect(validateSpanParams(clone())).toBeTruthy();
    const u = { ...clone(), extra: 1 };
    expect(() => validateSpanParams(u)).toThrow(/params\.extra: unknown field/);
    const m = clone() as Partial<SpanParams>;
    delete m.extremeMultiple;
    expect(() => validateSpanParams(m)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.extremeMultiple' }));
    const w = clone();
    w.compositeDeltaWeights[0] = 0.5;
    expect(() => validateSpanParams(w)).toThrow(/sum to 1/);
    const o = clone();
    o.commodities.SP!.tiers[1]!.fromMonth = '202701';
    expect(() => validateSpanParams(o)).toThrow(expect.objectContaining({ field: 'params.commodities.SP.tiers[1].fromMonth' }));
    const l = clone();
    l.interSpreads[0]!.legs[0]!.commodity = 'XX';
    expect(() => validateSpanParams(l)).toThrow(expect.objectContaining({ field: 'params.interSpreads[0].legs[0].commodity' }));
  });

  it('bad positions are RG_ERR_INVALID_INPUT naming the field', () => {
    expect(() => buildSpanPlan([{ id: 'a', positions: [fut(NaN)] }], P)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'portfolios[0].positions[0].size' }));
    expect(() => buildSpanPlan([{ id: 'a', positions: [fut(1, { commodity: 'ZZ' })] }], P)).toThrow(/commodity/);
    expect(() => buildSpanPlan([{ id: 'a', positions: [{ ...givenCall(1), riskArray: [1, 2] }] }], P)).toThrow(/riskArray/);
    expect(() => buildSpanPlan([{ id: 'a', positions: [opt(1, 40, 'P', { forward: 30, multiplier: 500 })] }], P)).toThrow(/down extreme/);
  });
});
