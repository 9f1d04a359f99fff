// Derive's published PMRM v2.0 portfolio cases (44) through the derive-pmrm profile and the
// TypeScript plan evaluator, compared as Derive does (integer after truncation toward zero, ±1);
// plus the README's worked check transcribed as figures, with the worst scenario recomputed
// independently from Black-76.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DERIVE_PMRM_V20_CASES,
  matchesTruncated,
  parseDerivePmrmV20Case,
  readDerivePmrmV20Cases,
  runDerivePmrmV20Case,
  summarizeOutcomes,
  type DerivePmrmV20Case,
} from '../host/conformance/derive-pmrm-cases.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { evaluatePlanWasm } from '../host/margin/evaluate-wasm.js';
import { loadWasmSync } from '../host/wasm/loader.js';
import { black76Price } from '../host/reference/black.js';
import { loadProfile } from '../host/profiles/registry.js';
import { registerBuiltinMethodologies } from '../host/margin/builtin.js';
import {
  buildDerivePmrmPlan,
  computeDerivePmrm,
  type DerivePmrmParams,
  type DerivePmrmPortfolio,
} from '../host/profiles/derive-pmrm/index.js';

// RISKGRID_REFERENCE_DIR points elsewhere (e.g. to check the missing-folder behaviour).
const REFERENCE_DIR = process.env.RISKGRID_REFERENCE_DIR ?? fileURLToPath(new URL('../../shared/reference', import.meta.url));
const CASE_FILE = join(REFERENCE_DIR, DERIVE_PMRM_V20_CASES);
const HAVE_CASES = existsSync(CASE_FILE);
if (!HAVE_CASES) {
  if (process.env.CI === 'true') throw new Error(`Derive v2.0 reference cases missing at ${CASE_FILE} (required in CI)`);
  console.warn(`[derive-pmrm] reference cases not found at ${CASE_FILE}: conformance tests skipped`);
}

registerBuiltinMethodologies(); // the engine's derive-pmrm: the method's params plus `currency`
// The method's own parameters: the profile's params without the engine's `currency`.
const { currency: _currency, ...params } = loadProfile<DerivePmrmParams & { currency: string }>('derive-pmrm.test').params;

const one = (p: DerivePmrmPortfolio, ps: DerivePmrmParams) => computeDerivePmrm([p], ps, evaluatePlanTs)[0]!;

describe.skipIf(!HAVE_CASES)("Derive's PMRM v2.0 portfolio cases", () => {
  const cases = HAVE_CASES ? readDerivePmrmV20Cases(CASE_FILE, params) : [];

  it('the file holds the 44 published cases, none skipped', () => {
    expect(cases.length).toBe(44);
    expect(cases.filter((c) => c.skip !== undefined).map((c) => c.skip)).toEqual([]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s matches IM and MM', (_name, c: DerivePmrmV20Case) => {
    const o = runDerivePmrmV20Case(c, one);
    expect(o.status, o.line).toBe('pass');
  });

  it('all 44 pass; the summary line says so', () => {
    const outcomes = cases.map((c) => runDerivePmrmV20Case(c, one));
    expect(summarizeOutcomes(outcomes)).toBe('44 passed, 0 failed');
  });

  it('every case lands on the exact truncated integer, not just within ±1', () => {
    const off = cases
      .map((c) => ({ c, r: one(c.portfolio!, c.params) }))
      .filter(({ c, r }) => Math.trunc(r.imExcess) !== c.expected.im || Math.trunc(r.mmExcess) !== c.expected.mm)
      .map(({ c, r }) => `${c.name} IM ${r.imExcess} vs ${c.expected.im}, MM ${r.mmExcess} vs ${c.expected.mm}`);
    expect(off).toEqual([]);
  });

  it('one batch plan over all 44 portfolios gives the same figures as each alone, bit for bit', () => {
    const ports = cases.map((c) => c.portfolio!);
    const batch = computeDerivePmrm(ports, params, evaluatePlanTs);
    cases.forEach((c, i) => {
      const alone = one(c.portfolio!, params);
      expect(batch[i]!.imExcess).toBe(alone.imExcess);
      expect(batch[i]!.mmExcess).toBe(alone.mmExcess);
      expect(Array.from(batch[i]!.scenarioPnl)).toEqual(Array.from(alone.scenarioPnl));
    });
    // Shared instruments are valued once: fewer table rows than positions.
    const { plan } = buildDerivePmrmPlan(ports, params);
    expect(plan.instruments.n).toBeLessThan(plan.rows.posInstrument.length);
    expect(plan.rows.nRows).toBe(44);
  });

  it('through the WebAssembly kernels (this build: SIMD, or scalar under RISKGRID_NO_SIMD=1) all 44 pass too', () => {
    const wasm = loadWasmSync();
    const ports = cases.map((c) => c.portfolio!);
    const viaWasm = computeDerivePmrm(ports, params, (plan) => evaluatePlanWasm(wasm, plan));
    const viaTs = computeDerivePmrm(ports, params, evaluatePlanTs);
    const outcomes = cases.map((c, i) => runDerivePmrmV20Case(c, () => viaWasm[i]!));
    expect(outcomes.filter((o) => o.status !== 'pass').map((o) => o.line)).toEqual([]);
    viaWasm.forEach((r, i) => {
      const t = viaTs[i]!;
      for (const [a, b] of [
        [r.imExcess, t.imExcess],
        [r.mmExcess, t.mmExcess],
        [r.worst.pnl, t.worst.pnl],
      ] as const) {
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
      }
      // The index may differ only on a near-tie (scenarios within rounding of each other).
      if (r.worst.index !== t.worst.index) {
        const other = t.worst.index < params.scenarios.length ? t.scenarioPnl[t.worst.index]! : t.contingencies.basis;
        const mine = r.worst.index < params.scenarios.length ? t.scenarioPnl[r.worst.index]! : t.contingencies.basis;
        expect(Math.abs(mine - other)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(other)));
      }
    });
  });

  it('a wrong expectation fails (the comparison can fail)', () => {
    const c = cases.find((x) => x.name === 'test_short_ITM_call_pm')!;
    const o = runDerivePmrmV20Case({ ...c, expected: { im: c.expected.im, mm: c.expected.mm + 2 } }, one);
    expect(o.status).toBe('fail');
    expect(o.line).toMatch(/^FAIL test_short_ITM_call_pm/);
  });
});

describe('v2.0 case plumbing (no reference file needed)', () => {
  it('truncation toward zero with ±1: −0.07 matches 0, −1021.83 matches −1021 and −1020, not −1023', () => {
    expect(matchesTruncated(-0.072, 0)).toBe(true);
    expect(matchesTruncated(-1021.83, -1021)).toBe(true);
    expect(matchesTruncated(-1021.83, -1020)).toBe(true);
    expect(matchesTruncated(-1021.83, -1023)).toBe(false);
    expect(matchesTruncated(NaN, 0)).toBe(false);
  });

  it('unknown expiry labels and underlyings are skipped with a reason', () => {
    const c = parseDerivePmrmV20Case(
      'x',
      { bases: [], cash: 0, perps: [], options: [{ amount: 1e8, expiry: '20240101', strike: 1000, type: 'call', underlying: 'eth' }], results: { im: 0, mm: 0 } },
      params,
    );
    const o = runDerivePmrmV20Case(c, one);
    expect(o.status).toBe('skip');
    expect(o.reason).toMatch(/expiry label 20240101/);
    expect(summarizeOutcomes([o])).toBe('0 passed, 0 failed, 1 skipped');
  });

  it('applies the per-case market overrides (general portfolio: spot 2004, perp 2017, vols, confidences)', () => {
    const c = parseDerivePmrmV20Case(
      'test_general_portfolio_pm',
      {
        bases: [],
        cash: 0,
        perps: [{ amount: 1e8, entryPrice: 2005e8, underlying: 'eth' }],
        options: [
          { amount: -1e8, expiry: '20230118', strike: 1700, type: 'call', underlying: 'eth' },
          { amount: 1e8, expiry: '20230227', strike: 2700, type: 'put', underlying: 'eth' },
        ],
        results: { im: 0, mm: 0 },
      },
      params,
    );
    const p = c.portfolio!;
    expect([p.spot, p.spotConfidence, p.perpPrice, p.perpConfidence]).toEqual([2004, 0.3, 2017, 0.3]);
    expect(p.options.map((o) => [o.vol, o.volConfidence])).toEqual([
      [0.15, 0.1],
      [0.5, 1],
    ]);
    const e57 = p.expiries.find((e) => e.secToExpiry === 57 * 86400 + 8 * 3600)!;
    expect([e57.forward, e57.forwardConfidence]).toEqual([2014.7545, 0.2]);
    expect(p.perps).toEqual([{ amount: 1, entryPrice: 2005 }]);
  });
});

describe('worked check: test_short_ITM_call_pm (README figures)', () => {
  // Short 1 call K = 1400 on 20230118 (17 days + 8 h), forward 2004.7545, vol 0.5, spot 2000.
  const sec = 17 * 86400 + 8 * 3600;
  const portfolio: DerivePmrmPortfolio = {
    spot: 2000,
    spotConfidence: 1,
    stablePrice: 1,
    cash: 0,
    perpPrice: 2001,
    perpConfidence: 1,
    perps: [],
    baseAmount: 0,
    options: [{ secToExpiry: sec, strike: 1400, isCall: true, amount: -1, vol: 0.5, volConfidence: 1 }],
    expiries: [{ secToExpiry: sec, forward: 2004.7545, rate: 0.02, forwardConfidence: 1, rateConfidence: 1 }],
  };
  const r = one(portfolio, params);
  const e = r.expiries[0]!;

  it('T, vol multipliers and static discount', () => {
    expect(e.T).toBeCloseTo(0.047489, 6);
    expect(e.volShockUp).toBeCloseTo(1.530499, 6);
    expect(e.volShockDown).toBeCloseTo(0.646334, 6);
    expect(e.staticDiscount).toBeCloseTo(0.94102, 6);
  });

  it('MtM, worst scenario, option contingency, MM and IM', () => {
    expect(r.mtm).toBeCloseTo(-604.778, 3);
    expect(r.worst).toMatchObject({ index: 0, kind: 'scenario', spotShock: 1.15, volShock: 'up' });
    expect(r.worst.pnl).toBeCloseTo(-300.807, 3);
    expect(r.contingencies.option).toBeCloseTo(20, 12);
    expect(r.contingencies.staticTotal).toBeCloseTo(20, 12);
    expect(r.mmExcess).toBeCloseTo(-925.585, 3);
    expect(r.imExcess).toBeCloseTo(-1021.83, 2);
    // Requirements are the positive counterparts of the excesses.
    expect(r.maintenanceMargin).toBeCloseTo(r.equity - r.mmExcess, 9);
    expect(r.initialMargin).toBeCloseTo(r.equity - r.imExcess, 9);
  });

  it('the worst P&L recomputed from Black-76 directly (no plan): short call, negative value, not discounted', () => {
    const T = sec / (365 * 86400);
    const v0 = black76Price(2004.7545, 1400, T, 0.5, 1, 1);
    const vUp = black76Price(2004.7545 * 1.15, 1400, T, 0.5 * e.volShockUp, 1, 1);
    expect(r.worst.pnl).toBeCloseTo(-(vUp - v0), 9);
    expect(r.mtm).toBeCloseTo(-v0, 9);
    // MM = worst − static + MtM; IM = (worst − static)·1.3 + MtM.
    expect(r.mmExcess).toBeCloseTo(-(vUp - v0) - 20 - v0, 9);
    expect(r.imExcess).toBeCloseTo((-(vUp - v0) - 20) * 1.3 - v0, 9);
  });
});
