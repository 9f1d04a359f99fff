// Derive's published PMRM_2 cases through the derive-pmrm2 profile and the TypeScript plan
// evaluator, compared field by field with each case's Result; plus cases transcribed as figures.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  derivePmrm2CaseOutputs,
  parseDerivePmrm2Case,
  readDerivePmrm2CaseFiles,
  runDerivePmrm2Conformance,
  type DerivePmrm2Case,
} from '../host/conformance/derive-pmrm2-cases.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { marginDerivePmrm2, skewVolMultiplier, validateDerivePmrm2Params, type DerivePortfolio } from '../host/profiles/derive-pmrm2/index.js';
import { derivePmrm2MethodParams } from '../host/margin/orchestrators/derive-pmrm2.js';
import testProfile from '../profiles/derive-pmrm2.test.json' with { type: 'json' };

const CASES_DIR = fileURLToPath(new URL('../../shared/reference/derive-v2-core/pmrm2', import.meta.url));
const HAVE_CASES = existsSync(CASES_DIR);
if (!HAVE_CASES) {
  if (process.env.CI === 'true') throw new Error(`Derive reference cases missing at ${CASES_DIR} (required in CI)`);
  console.warn(`[derive-pmrm2] reference cases not found at ${CASES_DIR}: conformance tests skipped`);
}

const TEST_PARAMS = validateDerivePmrm2Params(derivePmrm2MethodParams(testProfile.params));
const compute = (c: DerivePmrm2Case) => derivePmrm2CaseOutputs(marginDerivePmrm2([c.portfolio], c.params, evaluatePlanTs)[0]!, c.params);

describe.skipIf(!HAVE_CASES)("Derive's PMRM_2 portfolio cases", () => {
  it('all 138 active cases match every Result field; test_67 is skipped with its reason', async () => {
    const raw = await readDerivePmrm2CaseFiles([CASES_DIR]);
    expect(raw.length).toBe(139);
    const run = runDerivePmrm2Conformance(raw, compute);
    const failures = run.reports.filter((r) => r.status === 'fail').map((r) => r.line);
    expect(failures).toEqual([]);
    expect(run.summary).toBe('138 passed, 0 failed, 1 skipped');
    const skip = run.reports.find((r) => r.status === 'skip')!;
    expect(skip.name).toBe('test_67_misc_skew_scenario_with_spot_move');
    expect(skip.reason).toMatch(/invalid param setup/);
    // Every field the files hold is compared (no key passes unread).
    for (const r of run.reports.filter((x) => x.status === 'pass')) {
      expect(r.notCompared).toEqual([]);
      expect(r.compared.length).toBe(42);
    }
  });

  it('a file whose Result holds only IM and MM works; a wrong figure fails; bad files fail with a reason', async () => {
    const [one] = await readDerivePmrm2CaseFiles([`${CASES_DIR}/test_21_structures_long_fly.json`]);
    const json = one!.json as { Result: Record<string, unknown> };
    const slim = { ...json, Result: { IM: json.Result.IM, MM: json.Result.MM } };
    const off = { ...json, Result: { IM: (json.Result.IM as number) * (1 + 1e-6), MM: json.Result.MM } };
    const noParams = { Scenario: (json as unknown as { Scenario: unknown }).Scenario, Result: slim.Result };
    const run = runDerivePmrm2Conformance(
      [
        { name: 'slim', json: slim },
        { name: 'off', json: off },
        { name: 'broken', json: { Scenario: {}, Result: {} } },
        { name: 'test_67_x', json: {} },
      ],
      compute,
    );
    expect(run.reports.map((r) => r.status)).toEqual(['pass', 'fail', 'fail', 'skip']);
    expect(run.reports[0]!.compared).toEqual(['IM', 'MM']);
    expect(run.reports[1]!.line).toMatch(/^FAIL off .*IM expected/);
    expect(run.reports[2]!.line).toMatch(/^FAIL broken: RG_ERR_PARSE/);
    expect(run.summary).toBe('1 passed, 2 failed, 1 skipped');
    // Without Parameters the default set stands in (the case uses the test set).
    const dflt = runDerivePmrm2Conformance([{ name: 'no-params', json: noParams }], compute, { defaultParams: TEST_PARAMS });
    expect(dflt.summary).toBe('1 passed, 0 failed');
  });

  it('a batch of all cases that share a parameter set gives each case its own result', async () => {
    const raw = await readDerivePmrm2CaseFiles([CASES_DIR]);
    const cases = raw.filter((r) => !r.name.startsWith('test_67_')).map((r) => parseDerivePmrm2Case(r.json, r.name));
    const key = JSON.stringify(cases[0]!.params);
    const same = cases.filter((c) => JSON.stringify(c.params) === key);
    expect(same.length).toBeGreaterThan(40);
    const batch = marginDerivePmrm2(same.map((c) => c.portfolio), same[0]!.params);
    same.forEach((c, i) => {
      const alone = marginDerivePmrm2([c.portfolio], c.params)[0]!;
      expect(batch[i]!.imExcess).toBe(alone.imExcess);
      expect(batch[i]!.mmExcess).toBe(alone.mmExcess);
      expect(Array.from(batch[i]!.scenarioPnl)).toEqual(Array.from(alone.scenarioPnl));
    });
  });

  it("each option's skew multipliers match the case's derived k / multiplier fields", async () => {
    const raw = await readDerivePmrm2CaseFiles([CASES_DIR]);
    let checked = 0;
    for (const r of raw) {
      if (r.name.startsWith('test_67_')) continue;
      const c = parseDerivePmrm2Case(r.json, r.name);
      const opts = (r.json as { Scenario: { Options: Record<string, number>[] } }).Scenario.Options;
      opts.forEach((o, i) => {
        const e = c.portfolio.expiries.find((x) => x.secToExpiry === c.portfolio.options[i]!.secToExpiry)!;
        // The generator writes zeros for an expired option, where vol no longer matters.
        if (e.secToExpiry === 0) return;
        const T = e.secToExpiry / (365 * 86400);
        for (const [kind, field] of [['linear', 'linear_multiplier'], ['abs', 'abs_multiplier']] as const) {
          const ours = skewVolMultiplier(kind, o.Strike!, e.forward, T, c.params, 'test');
          // The files keep a negative multiplier as is; the contract floors the vol at 0.
          const theirs = Math.max(0, o[field]!);
          expect(Math.abs(ours - theirs), `${r.name} option ${i} ${field}`).toBeLessThanOrEqual(1e-12 + 1e-10 * Math.abs(theirs));
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(4000);
  });
});

// ---------------------------------------------------------------------------------------------
// Cases transcribed as figures (independent of the reference folder). Each: test set parameters
// (profiles/derive-pmrm2.test.json); expected IM / MM from the case's Result.

const close = (a: number, e: number) => expect(Math.abs(a - e)).toBeLessThanOrEqual(Math.max(1e-6, 1e-8 * Math.abs(e)));
const empty = { cash: 0, perp: undefined, options: [], expiries: [], collaterals: [] };

describe('derive-pmrm2 transcribed cases (test parameter set)', () => {
  it('test_20_structures_basic_put: one short put', () => {
    const p: DerivePortfolio = {
      ...empty,
      spot: 95663.50604855,
      spotConfidence: 1,
      stablePrice: 1.00019088635,
      options: [{ secToExpiry: 1399652, strike: 100000, isCall: false, amount: -1, markVol: 0.4547630768795904 }],
      expiries: [{ secToExpiry: 1399652, forward: 95923.63240250274, forwardConfidence: 1, rate: 0.16999999999999998, rateConfidence: 1, volConfidence: 0.95 }],
    };
    const r = marginDerivePmrm2([p], TEST_PARAMS)[0]!;
    close(r.imExcess, -22163.82044010292);
    close(r.mmExcess, -18851.840811908318);
    close(r.optionMtm, -6082.239829372652);
    close(r.basisContingency, -1846.4472670152672);
    close(r.contingencies.mmOption, 286.99051814565);
    close(r.worst.pnl, -15603.263080487519);
    expect(r.worst).toMatchObject({ index: 22, kind: 'regular', spotShock: 0.8200000000000001, volShock: 'up' });
    expect(r.initialMargin).toBeCloseTo(22163.82044010292 - 6082.239829372652, 6);
  });

  it('test_1_collateral_cash_only: cash is all equity', () => {
    const r = marginDerivePmrm2([{ ...empty, cash: 1000, spot: 2681.6029850999994, spotConfidence: 1, stablePrice: 1.00019088635 }], TEST_PARAMS)[0]!;
    expect(r.imExcess).toBe(1000);
    expect(r.mmExcess).toBe(1000);
    expect(r.initialMargin).toBe(0);
  });

  it('test_19_structures_ITM_call_spread', () => {
    const sec = 794852;
    const p: DerivePortfolio = {
      ...empty,
      spot: 2681.6029850999994,
      spotConfidence: 1,
      stablePrice: 1.00019088635,
      options: [
        { secToExpiry: sec, strike: 2000, isCall: true, amount: -1, markVol: 1.05566815917837 },
        { secToExpiry: sec, strike: 2200, isCall: true, amount: 1, markVol: 0.8887739594928362 },
      ],
      expiries: [{ secToExpiry: sec, forward: 2682.9997436016715, forwardConfidence: 1, rate: 0.15000000000000002, rateConfidence: 1, volConfidence: 0.95 }],
    };
    const r = marginDerivePmrm2([p], TEST_PARAMS)[0]!;
    close(r.imExcess, -213.40509129365722);
    close(r.mmExcess, -206.6664205061025);
    close(r.basisContingency, -1.7869438296394384);
    // The short 2000 call nets against nothing at its strike: one naked short.
    expect(r.expiries[0]!.nakedShorts).toBe(1);
  });

  it('test_29_perps_basic_perp: figures also derived by hand', () => {
    const p: DerivePortfolio = {
      ...empty,
      spot: 3000,
      spotConfidence: 1,
      stablePrice: 1.00019088635,
      perp: { amount: 1, price: 3100, confidence: 1, unrealisedPnl: 0, funding: 10 },
    };
    const r = marginDerivePmrm2([p], TEST_PARAMS)[0]!;
    // Worst: spot 0.82 → 1·(0.82 − 1)·3100 = −558; perp contingencies 3000·0.015 = 45 (MM) and
    // 3000·0.005 = 15 (IM); MM = 0.8·(−558) − 45 + 10 = −481.4; IM = −558 − 45 − 15 + 10 = −608.
    close(r.mmExcess, -481.39999999999964);
    close(r.imExcess, -607.9999999999995);
    close(r.mmExcess, 0.8 * -558 - 45 + 10);
    close(r.imExcess, -558 - 45 - 15 + 10);
    expect(r.worst).toMatchObject({ index: 22, spotShock: 0.8200000000000001, kind: 'regular' });
  });

  it('test_13_risk_cancelling_btc_covered_call: risk-cancelling collateral covers the call', () => {
    const sec = 794852;
    const p: DerivePortfolio = {
      ...empty,
      spot: 95663.50604855,
      spotConfidence: 1,
      stablePrice: 1.00019088635,
      options: [{ secToExpiry: sec, strike: 100000, isCall: true, amount: -2, markVol: 0.453803924321583 }],
      expiries: [{ secToExpiry: sec, forward: 95776.67392708939, forwardConfidence: 1, rate: 0.15000000000000002, rateConfidence: 1, volConfidence: 0.95 }],
      collaterals: [{ name: 'BTC', amount: 1, price: 95663.50604855, confidence: 1, riskCancelling: true, mmHaircut: 0.02, imHaircut: 0.009999999999999998 }],
    };
    const r = marginDerivePmrm2([p], TEST_PARAMS)[0]!;
    close(r.imExcess, 74395.66964312586);
    close(r.mmExcess, 78744.92602874589);
    close(r.basisContingency, -1894.419609860217);
    close(r.collateralMtm, 95663.50604855 / 1.00019088635);
    // Without the risk-cancelling flag the BTC no longer offsets the short calls' spot-up loss.
    const plain = marginDerivePmrm2([{ ...p, collaterals: [{ ...p.collaterals[0]!, riskCancelling: false }] }], TEST_PARAMS)[0]!;
    expect(plain.imExcess).toBeLessThan(r.imExcess);
  });
});
