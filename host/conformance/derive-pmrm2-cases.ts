// Derive's PMRM_2 portfolio cases (derivexyz/v2-core test/risk-managers/unit-tests/PMRM_2/
// portfolio_cases/*.json): parse a case into (portfolio, params, expected), and compare outputs in
// the case's shape with its `Result`. The comparison does not care how outputs were computed: the
// runner takes a function case → outputs (the engine's public API, or the profile directly).
//
// Result fields compared (each one only when the file has it): every field Derive's files hold —
//   IM, MM, IMHand, MMHand (the generator's second, by-hand computation: compared with our IM/MM),
//   reg_losses, tail_losses, skew_losses (every scenario's P&L, labels included), worst_reg_loss,
//   worst_tail_loss, worst_skew_loss, worst_reg_scenario, worst_tail_scenario,
//   worst_skew_scenario, worst_all_scenarios, ForwardContingency, Cash, PortfolioMTM, OptionMTM,
//   OptionMTMPerExpiry, OptionMTMPerExpiryDiscounted, CollateralMTM, PerpMTM, UnrealisedPerpPNL,
//   UnrealisedFunding, MMLossFactor, IMLossFactor, im_loss_factor, MM/IM Perp/Base/Option
//   contingencies and their *Normal sums, OracleCont, discount_factors, VolShockUp/DownMultiplier,
//   VolShockUp/DownEvaluated.
// Not computed: none of the fields in the published files. A key we do not know is reported as
// "not compared" in the case line, never silently passed.
// Tolerance: |ours − expected| ≤ 1e-6 or ≤ 1e-8·|expected| (Derive's own test: 1e-8 relative).
import { RiskgridError } from '../errors.js';
import type { DerivePmrm2Params, DerivePmrm2Result, DerivePortfolio } from '../profiles/derive-pmrm2/types.js';
import { validateDerivePmrm2Params } from '../profiles/derive-pmrm2/params.js';

export const REL_TOL = 1e-8;
export const ABS_TOL = 1e-6;

/** Cases Derive's own suite disables, with its reason. */
export const DERIVE_DISABLED_CASES: Readonly<Record<string, string>> = {
  test_67:
    "disabled in Derive's suite (\"invalid param setup\"): its LINEAR skew scenario moves spot to 1.18 with dampening 5, which the contract's setScenarios rejects",
};

export interface DerivePmrm2Case {
  name: string;
  portfolio: DerivePortfolio;
  params: DerivePmrm2Params;
  /** The case's `Result`, as read. */
  expected: Record<string, unknown>;
}

export type CaseOutputs = Record<string, unknown>;

export interface Mismatch {
  field: string;
  expected: unknown;
  actual: unknown;
}

export interface CaseReport {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  /** Result fields compared. */
  compared: string[];
  /** Result fields present in the file that the outputs do not provide. */
  notCompared: string[];
  mismatches: Mismatch[];
  /** Skip reason or error message. */
  reason?: string;
  line: string;
}

// ---------------------------------------------------------------------------------------------
// Parsing

function bad(name: string, field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_PARSE', `${name}: ${field} ${why}`, { field, value });
}

function obj(v: unknown, name: string, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(name, field, v, 'must be an object');
  return v as Record<string, unknown>;
}

function arr(v: unknown, name: string, field: string): unknown[] {
  if (!Array.isArray(v)) bad(name, field, v, 'must be an array');
  return v;
}

/** A number, or a decimal string (the files write some values as strings). */
function num(v: unknown, name: string, field: string): number {
  const x = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof x !== 'number' || !Number.isFinite(x)) bad(name, field, v, 'must be a finite number');
  return x;
}

function bool(v: unknown, name: string, field: string): boolean {
  if (v === true || v === 1) return true;
  if (v === false || v === 0) return false;
  return bad(name, field, v, 'must be a boolean or 0/1');
}

const VOL_DIRECTIONS: Readonly<Record<string, DerivePmrm2Params['scenarios'][number]['volShock']>> = {
  Up: 'up',
  None: 'none',
  Down: 'down',
  LINEAR: 'linear',
  ABS: 'abs',
};

/** Case `Parameters` (Derive's key names) → our parameter object, then validated. */
export function paramsFromCase(raw: unknown, name: string): DerivePmrm2Params {
  const P = obj(raw, name, 'Parameters');
  const g = (k: string) => obj(P[k], name, `Parameters.${k}`);
  const V = g('VolShock');
  const M = g('Margin');
  const B = g('BasisContingency');
  const O = g('OtherContingency');
  const K = g('SkewShock');
  const f = (o: Record<string, unknown>, group: string, k: string) => num(o[k], name, `Parameters.${group}.${k}`);
  const scenarios = arr(P.Scenarios, name, 'Parameters.Scenarios').map((s, i) => {
    const o = obj(s, name, `Parameters.Scenarios[${i}]`);
    const dir = VOL_DIRECTIONS[String(o.VolShockDirection)];
    if (dir === undefined) bad(name, `Parameters.Scenarios[${i}].VolShockDirection`, o.VolShockDirection, 'must be Up, None, Down, LINEAR or ABS');
    return {
      spotShock: num(o.SpotShock, name, `Parameters.Scenarios[${i}].SpotShock`),
      volShock: dir,
      dampening: num(o.DampeningFactor, name, `Parameters.Scenarios[${i}].DampeningFactor`),
    };
  });
  // IM_PERP_PERCENT_NORMAL and IM_OPTION_PERCENT_NORMAL are the generator's MM + IM sums (derived).
  return validateDerivePmrm2Params({
    scenarios,
    volShock: {
      volRangeUp: f(V, 'VolShock', 'VOLRANGEUP'),
      volRangeDown: f(V, 'VolShock', 'VOLRANGEDOWN'),
      shortTermPower: f(V, 'VolShock', 'SHORTTERMPOWER'),
      longTermPower: f(V, 'VolShock', 'LONGTERMPOWER'),
      dteFloorDays: f(V, 'VolShock', 'DTE_FLOOR'),
      minVolUpShock: f(V, 'VolShock', 'MIN_VOL_EVAL_SHOCKED'),
    },
    margin: {
      imFactor: f(M, 'Margin', 'IM_LOSS_FACTOR'),
      mmFactor: f(M, 'Margin', 'MM_LOSS_FACTOR'),
      longBaseStaticDiscount: f(M, 'Margin', 'BASE_STATIC_DISCOUNT'),
      longRateMultScale: f(M, 'Margin', 'LONG_RATE_MULTSCALE'),
      longRateAddScale: f(M, 'Margin', 'LONG_RATE_ADDSCALE'),
      shortBaseStaticDiscount: f(M, 'Margin', 'BASE_STATIC_DISCOUNT_NEG'),
      shortRateMultScale: f(M, 'Margin', 'SHORT_RATE_MULTSCALE'),
      shortRateAddScale: f(M, 'Margin', 'SHORT_RATE_ADDSCALE'),
    },
    basisContingency: {
      scenarioSpotUp: f(B, 'BasisContingency', 'SCENARIO_SPOT_UP'),
      scenarioSpotDown: f(B, 'BasisContingency', 'SCENARIO_SPOT_DOWN'),
      addFactor: f(B, 'BasisContingency', 'BASIS_CONT_ADD_FACTOR'),
      multFactor: f(B, 'BasisContingency', 'BASIS_CONT_MULT_FACTOR'),
    },
    otherContingency: {
      pegLossThreshold: f(O, 'OtherContingency', 'PEG_LOSS_THRESHOLD'),
      pegLossFactor: f(O, 'OtherContingency', 'PEG_LOSS_FACTOR'),
      confThreshold: f(O, 'OtherContingency', 'CONF_THRESHOLD'),
      confMargin: f(O, 'OtherContingency', 'CONF_MARGIN'),
      mmPerpPercent: f(O, 'OtherContingency', 'MM_PERP_PERCENT'),
      imPerpPercent: f(O, 'OtherContingency', 'IM_PERP_PERCENT'),
      mmOptionPercent: f(O, 'OtherContingency', 'MM_OPTION_PERCENT'),
      imOptionPercent: f(O, 'OtherContingency', 'IM_OPTION_PERCENT'),
    },
    skewShock: {
      linearBaseCap: f(K, 'SkewShock', 'LINEAR_SCALE_CAP'),
      linearCBase: f(K, 'SkewShock', 'LINEAR_CBASE'),
      absBaseCap: f(K, 'SkewShock', 'ABS_SCALE_CAP'),
      absCBase: f(K, 'SkewShock', 'ABS_CBASE'),
      minKStar: f(K, 'SkewShock', 'MIN_K_STAR'),
      widthScale: f(K, 'SkewShock', 'MIN_WIDTH_SCALE'),
      volParamStatic: f(K, 'SkewShock', 'VOL_PARAM_STATIC'),
      volParamScale: f(K, 'SkewShock', 'VOL_PARAM_SCALE'),
    },
  });
}

/** Case `Scenario` → DerivePortfolio. Derived per-option fields (k, multipliers, …) and SVI are ignored. */
export function portfolioFromCase(raw: unknown, name: string): DerivePortfolio {
  const S = obj(raw, name, 'Scenario');
  const n = (k: string) => num(S[k], name, `Scenario.${k}`);
  const options = arr(S.Options ?? [], name, 'Scenario.Options').map((v, i) => {
    const o = obj(v, name, `Scenario.Options[${i}]`);
    const p = `Scenario.Options[${i}]`;
    return {
      secToExpiry: num(o.Expiry, name, `${p}.Expiry`),
      strike: num(o.Strike, name, `${p}.Strike`),
      isCall: bool(o.IsCall, name, `${p}.IsCall`),
      amount: num(o.Amount, name, `${p}.Amount`),
      markVol: num(o.MarkVol, name, `${p}.MarkVol`),
    };
  });
  const expiries = arr(S.OptionFeeds ?? [], name, 'Scenario.OptionFeeds').map((v, i) => {
    const o = obj(v, name, `Scenario.OptionFeeds[${i}]`);
    const p = `Scenario.OptionFeeds[${i}]`;
    return {
      secToExpiry: num(o.FeedExpiry, name, `${p}.FeedExpiry`),
      forward: num(o.Forward, name, `${p}.Forward`),
      forwardConfidence: num(o.ForwardConfidence, name, `${p}.ForwardConfidence`),
      rate: num(o.Rate, name, `${p}.Rate`),
      rateConfidence: num(o.RateConfidence, name, `${p}.RateConfidence`),
      volConfidence: num(o.OptionVolConfidences, name, `${p}.OptionVolConfidences`),
    };
  });
  const collaterals = arr(S.Collaterals ?? [], name, 'Scenario.Collaterals').map((v, i) => {
    const o = obj(v, name, `Scenario.Collaterals[${i}]`);
    const p = `Scenario.Collaterals[${i}]`;
    return {
      name: String(o.Name ?? `collateral ${i}`),
      amount: num(o.Amount, name, `${p}.Amount`),
      price: num(o.Price, name, `${p}.Price`),
      confidence: num(o.Confidence, name, `${p}.Confidence`),
      riskCancelling: bool(o.IsRiskCancelling, name, `${p}.IsRiskCancelling`),
      mmHaircut: num(o.MMHaircut, name, `${p}.MMHaircut`),
      imHaircut: num(o.IMHaircut, name, `${p}.IMHaircut`),
    };
  });
  return {
    spot: n('SpotPrice'),
    spotConfidence: n('SpotConfidence'),
    stablePrice: n('StablePrice'),
    cash: n('Cash'),
    perp: {
      amount: n('NumPerps'),
      price: n('PerpPrice'),
      confidence: n('PerpConfidence'),
      unrealisedPnl: n('UnrealisedPerpPNL'),
      funding: n('UnrealisedFunding'),
    },
    options,
    expiries,
    collaterals,
  };
}

/** The disabled-case reason for a case name (`test_67_…` → Derive's reason), if any. */
export function disabledReason(name: string): string | undefined {
  const m = /^(test_\d+)(_|$)/.exec(name);
  return m === null ? undefined : DERIVE_DISABLED_CASES[m[1]!];
}

/**
 * Parse one case file's JSON. `defaultParams` stands in when the file has no `Parameters`.
 * Throws RG_ERR_PARSE (shape) or RG_ERR_PROFILE (parameters out of the contract's bounds).
 */
export function parseDerivePmrm2Case(raw: unknown, name: string, defaultParams?: DerivePmrm2Params): DerivePmrm2Case {
  const root = obj(raw, name, 'case');
  const expected = obj(root.Result, name, 'Result');
  let params: DerivePmrm2Params;
  if (root.Parameters !== undefined) params = paramsFromCase(root.Parameters, name);
  else if (defaultParams !== undefined) params = defaultParams;
  else bad(name, 'Parameters', undefined, 'is missing and no default parameter set was given');
  return { name, portfolio: portfolioFromCase(root.Scenario, name), params, expected };
}

// ---------------------------------------------------------------------------------------------
// Our result in the case's shape

const DIRECTION: Readonly<Record<string, number>> = { up: 1, none: 0, down: -1 };
const SKEW_NAME: Readonly<Record<string, string>> = { linear: 'LINEAR', abs: 'ABS' };
const WORST_KIND: Readonly<Record<string, string>> = { regular: 'regular', tail: 'tail', skew: 'skew', basis: 'fwd_contingency' };

function argmin(values: number[]): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (best < 0 || values[i]! < values[best]!) best = i;
  return best;
}

/** A derive-pmrm2 result as the fields of a case's `Result` (same keys, signs and shapes). */
export function derivePmrm2CaseOutputs(result: DerivePmrm2Result, params: DerivePmrm2Params): CaseOutputs {
  const reg: [number, number, number][] = [];
  const regDamp: number[] = [];
  const tail: [number, number, number][] = [];
  const tailDamp: number[] = [];
  const skew: [string, number][] = [];
  params.scenarios.forEach((s, i) => {
    const pnl = result.scenarioPnl[i]!;
    const kind = result.scenarioKinds[i];
    if (kind === 'skew') skew.push([SKEW_NAME[s.volShock]!, pnl]);
    else if (kind === 'regular') {
      reg.push([s.spotShock - 1, DIRECTION[s.volShock]!, pnl]);
      regDamp.push(s.dampening);
    } else {
      tail.push([s.spotShock - 1, DIRECTION[s.volShock]!, pnl]);
      tailDamp.push(s.dampening);
    }
  });
  const wr = argmin(reg.map((x) => x[2]));
  const wt = argmin(tail.map((x) => x[2]));
  const ws = argmin(skew.map((x) => x[1]));
  const c = result.contingencies;
  const out: CaseOutputs = {
    IM: result.imExcess,
    MM: result.mmExcess,
    IMHand: result.imExcess,
    MMHand: result.mmExcess,
    reg_losses: reg,
    tail_losses: tail,
    skew_losses: skew,
    worst_all_scenarios: WORST_KIND[result.worst.kind],
    ForwardContingency: result.basisContingency,
    Cash: result.cash,
    PortfolioMTM: result.equity,
    OptionMTM: result.optionMtm,
    OptionMTMPerExpiry: result.expiries.map((e) => e.mtm),
    OptionMTMPerExpiryDiscounted: result.expiries.map((e) => e.mtmDiscounted),
    CollateralMTM: result.collateralMtm,
    PerpMTM: result.perpUnrealisedPnl,
    UnrealisedPerpPNL: result.perpUnrealisedPnl,
    UnrealisedFunding: result.perpFunding,
    MMLossFactor: result.mmLossFactor,
    IMLossFactor: result.imLossFactor,
    im_loss_factor: result.imLossFactor,
    // The files report contingencies as negative amounts; *Normal = MM + IM.
    MMPerpCont: -c.mmPerp,
    IMPerpCont: -c.imPerp,
    IMPerpContNormal: -(c.mmPerp + c.imPerp),
    MMBaseCont: -c.mmCollateral,
    IMBaseCont: -c.imCollateral,
    IMBaseContNormal: -(c.mmCollateral + c.imCollateral),
    MMOptionCont: -c.mmOption,
    IMOptionCont: -c.imOption,
    IMOptionContNormal: -(c.mmOption + c.imOption),
    OracleCont: -c.oracle,
    discount_factors: result.expiries.map((e) => [e.staticDiscountPos, e.staticDiscountNeg]),
    VolShockUpMultiplier: Array.from(result.options.volShockUp),
    VolShockDownMultiplier: Array.from(result.options.volShockDown),
    VolShockUpEvaluated: Array.from(result.options.volUp),
    VolShockDownEvaluated: Array.from(result.options.volDown),
  };
  if (wr >= 0) {
    out.worst_reg_loss = reg[wr]![2];
    out.worst_reg_scenario = [reg[wr]![0], reg[wr]![1]];
  }
  if (wt >= 0) {
    out.worst_tail_loss = tail[wt]![2];
    out.worst_tail_scenario = [tail[wt]![0], tail[wt]![1], tailDamp[wt]!];
  }
  if (ws >= 0) {
    out.worst_skew_loss = skew[ws]![1];
    out.worst_skew_scenario = skew[ws]![0];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparison

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const x = Number(v);
    if (!Number.isNaN(x)) return x;
  }
  return undefined;
}

export function closeEnough(actual: number, expected: number): boolean {
  const d = Math.abs(actual - expected);
  return d <= ABS_TOL || d <= REL_TOL * Math.abs(expected);
}

/** Structural comparison: numbers (or numeric strings) within tolerance, other strings exactly. */
function compareValue(field: string, expected: unknown, actual: unknown, out: Mismatch[]): void {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push({ field, expected: `${expected.length} entries`, actual: Array.isArray(actual) ? `${actual.length} entries` : actual });
      return;
    }
    expected.forEach((e, i) => compareValue(`${field}[${i}]`, e, actual[i], out));
    return;
  }
  const e = asNumber(expected);
  if (e !== undefined) {
    const a = asNumber(actual);
    if (a === undefined || !Number.isFinite(a) || !closeEnough(a, e)) out.push({ field, expected, actual });
    return;
  }
  if (expected !== actual) out.push({ field, expected, actual });
}

function show(v: unknown): string {
  return typeof v === 'number' ? String(v) : JSON.stringify(v);
}

// Where two scenarios lose the same within tolerance (a box loses the same everywhere), which one is
// "worst" is float noise: a worst label passes when the scenario it names lost, per the file's own
// loss list, the file's worst loss within tolerance.
const WORST_LABELS: Readonly<Record<string, { list: string; worst: string }>> = {
  worst_reg_scenario: { list: 'reg_losses', worst: 'worst_reg_loss' },
  worst_tail_scenario: { list: 'tail_losses', worst: 'worst_tail_loss' },
  worst_skew_scenario: { list: 'skew_losses', worst: 'worst_skew_loss' },
};
const CATEGORY_WORST: Readonly<Record<string, string>> = {
  regular: 'worst_reg_loss',
  tail: 'worst_tail_loss',
  skew: 'worst_skew_loss',
  fwd_contingency: 'ForwardContingency',
};

function tieAccepted(key: string, expected: Record<string, unknown>, actual: unknown): boolean {
  if (key === 'worst_all_scenarios') {
    const mine = asNumber(expected[CATEGORY_WORST[String(actual)] ?? '']);
    const theirs = asNumber(expected[CATEGORY_WORST[String(expected[key])] ?? '']);
    return mine !== undefined && theirs !== undefined && closeEnough(mine, theirs);
  }
  const spec = WORST_LABELS[key];
  const worst = asNumber(expected[spec?.worst ?? '']);
  const list = expected[spec?.list ?? ''];
  if (spec === undefined || worst === undefined || !Array.isArray(list)) return false;
  // Entries: [shock − 1, direction, loss] (reg, tail) or [name, loss] (skew); labels: the entry
  // without its loss (tail labels add the dampening, which the list does not carry).
  const label = Array.isArray(actual) ? actual : [actual];
  const entry = list.find((e) => {
    if (!Array.isArray(e) || e.length < 2) return false;
    const head = e.slice(0, e.length - 1);
    return head.every((h, i) => {
      const a = asNumber(h);
      const b = asNumber(label[i]);
      return a !== undefined && b !== undefined ? closeEnough(b, a) : h === label[i];
    });
  }) as unknown[] | undefined;
  const loss = entry === undefined ? undefined : asNumber(entry[entry.length - 1]);
  return loss !== undefined && closeEnough(loss, worst);
}

export function compareDerivePmrm2Case(name: string, expected: Record<string, unknown>, outputs: CaseOutputs): CaseReport {
  const compared: string[] = [];
  const notCompared: string[] = [];
  const mismatches: Mismatch[] = [];
  for (const key of ['IM', 'MM']) {
    if (!(key in expected)) mismatches.push({ field: key, expected: 'a value in Result', actual: 'none: the file has no ' + key });
  }
  for (const [key, exp] of Object.entries(expected)) {
    if (!(key in outputs)) {
      notCompared.push(key);
      continue;
    }
    compared.push(key);
    const found: Mismatch[] = [];
    compareValue(key, exp, outputs[key], found);
    if (found.length > 0 && !tieAccepted(key, expected, outputs[key])) mismatches.push(...found);
  }
  const status = mismatches.length === 0 ? 'pass' : 'fail';
  let line = `${status === 'pass' ? 'PASS' : 'FAIL'} ${name} (${compared.length} fields`;
  line += notCompared.length > 0 ? `; not compared: ${notCompared.join(', ')})` : ')';
  if (mismatches.length > 0) {
    const m = mismatches[0]!;
    line += `: ${m.field} expected ${show(m.expected)} got ${show(m.actual)}`;
    if (mismatches.length > 1) line += ` (+${mismatches.length - 1} more)`;
  }
  return { name, status, compared, notCompared, mismatches, line };
}

export interface ConformanceSummary {
  reports: CaseReport[];
  passed: number;
  failed: number;
  skipped: number;
  /** `N passed, M failed` (+ `, K skipped`). */
  summary: string;
}

export interface RawCase {
  name: string;
  json: unknown;
}

/**
 * Run cases: skip Derive-disabled ones, parse the rest, compute outputs with `compute` and compare.
 * A case that fails to parse or to compute is a failure carrying the error message.
 */
export function runDerivePmrm2Conformance(
  cases: RawCase[],
  compute: (c: DerivePmrm2Case) => CaseOutputs,
  opts: { defaultParams?: DerivePmrm2Params } = {},
): ConformanceSummary {
  const reports = cases.map(({ name, json }): CaseReport => {
    const skip = disabledReason(name);
    if (skip !== undefined) return { name, status: 'skip', compared: [], notCompared: [], mismatches: [], reason: skip, line: `SKIP ${name}: ${skip}` };
    try {
      const c = parseDerivePmrm2Case(json, name, opts.defaultParams);
      return compareDerivePmrm2Case(name, c.expected, compute(c));
    } catch (e) {
      const msg = e instanceof Error ? `${e instanceof RiskgridError ? `${e.code} ` : ''}${e.message}` : String(e);
      return { name, status: 'fail', compared: [], notCompared: [], mismatches: [], reason: msg, line: `FAIL ${name}: ${msg}` };
    }
  });
  const passed = reports.filter((r) => r.status === 'pass').length;
  const failed = reports.filter((r) => r.status === 'fail').length;
  const skipped = reports.filter((r) => r.status === 'skip').length;
  let summary = `${passed} passed, ${failed} failed`;
  if (skipped > 0) summary += `, ${skipped} skipped`;
  return { reports, passed, failed, skipped, summary };
}

/** Case number for ordering (`test_12_…` → 12); files without one sort after, by name. */
function caseNumber(name: string): number {
  const m = /^test_(\d+)/.exec(name);
  return m === null ? Number.MAX_SAFE_INTEGER : Number(m[1]);
}

/** Read case files and directories of `*.json` cases (Node only; loaded lazily for browsers). */
export async function readDerivePmrm2CaseFiles(paths: string[]): Promise<RawCase[]> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const files: string[] = [];
  for (const p of paths) {
    const st = await fs.stat(p);
    if (st.isDirectory()) {
      for (const f of await fs.readdir(p)) if (f.endsWith('.json')) files.push(path.join(p, f));
    } else files.push(p);
  }
  const out: RawCase[] = [];
  for (const f of files) {
    const name = path.basename(f, '.json');
    const text = await fs.readFile(f, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new RiskgridError('RG_ERR_PARSE', `${f}: not valid JSON (${(e as Error).message})`, { field: f, cause: e });
    }
    out.push({ name, json });
  }
  return out.sort((a, b) => caseNumber(a.name) - caseNumber(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
