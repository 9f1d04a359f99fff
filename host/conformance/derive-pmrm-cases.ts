// Derive's published PMRM v2.0 portfolio cases (v2-core test/risk-managers/unit-tests/PMRM/
// test-cases-portfolio-pm.json) as riskgrid inputs, and the comparison rule.
//
// The file lists only positions and the expected IM and MM (the contract's 18-decimal values
// divided by 1e18, i.e. truncated toward zero); the market is fixed by Derive's test code and is
// restated here as data (../shared/reference/derive-v2-core/README.md, "pmrm-v20"): spot 2000,
// stable 1, rate 0.02, vol 0.5, perp 2001, confidences 1, expiries N days + 8 h, and six cases
// with market overrides. Amounts, entry prices, bases and cash are in units of 1e−8.
//
// `runDerivePmrmV20Case` takes a function case → {imExcess, mmExcess}, so the same cases can be
// routed through any path (the plan evaluator in tests, the public engine API in the CLI).
import { readFileSync } from 'node:fs';
import { RiskgridError } from '../errors.js';
import { isObject } from '../model/fields.js';
import { DERIVE_SECONDS_PER_DAY } from '../profiles/derive-common/shocks.js';
import type { DerivePmrmExpiry, DerivePmrmOption, DerivePmrmParams, DerivePmrmPerp, DerivePmrmPortfolio } from '../profiles/derive-pmrm/types.js';

/** Path of the case file below a reference root (e.g. `../shared/reference`). */
export const DERIVE_PMRM_V20_CASES = 'derive-v2-core/pmrm-v20/test-cases-portfolio-pm.json';

const UNIT = 1e8;

/** The fixed test market of Derive's v2.0 case suite. */
export const V20_TEST_MARKET = {
  spot: 2000,
  stablePrice: 1,
  rate: 0.02,
  vol: 0.5,
  perpPrice: 2001,
  /** label → [days (plus 8 h), forward]. */
  expiries: {
    '20230104': [3, 2000.91345],
    '20230111': [10, 2002.83305],
    '20230118': [17, 2004.7545],
    '20230227': [57, 2015.7696],
    '20230804': [215, 2059.87416],
    '20230811': [222, 2061.85933],
    '20230818': [229, 2063.8284],
    '20230825': [238, 2066.3744],
  } as Record<string, readonly [number, number]>,
} as const;

interface ExpiryOverride {
  forward?: number;
  forwardConfidence?: number;
  volConfidence?: number;
  /** Sets forward, rate and vol confidence at once ("the expiry's confidence"). */
  confidence?: number;
  /** strike → vol */
  vols?: Record<number, number>;
}

interface MarketOverride {
  spot?: number;
  spotConfidence?: number;
  stablePrice?: number;
  perpPrice?: number;
  perpConfidence?: number;
  expiries?: Record<string, ExpiryOverride>;
}

/** Market changes Derive's test code makes for single cases (the JSON does not carry them). */
export const V20_OVERRIDES: Record<string, MarketOverride> = {
  test_depeg_contingency_pm: { stablePrice: 0.2 },
  test_oracle_cont_long_call_pm: {
    spotConfidence: 0.1,
    expiries: { '20230118': { forward: 2004.75, volConfidence: 0.3, forwardConfidence: 0.4 } },
  },
  test_oracle_cont_short_call_pm: {
    spotConfidence: 0.1,
    expiries: { '20230118': { forward: 2004.75, volConfidence: 0.1, forwardConfidence: 0.4 } },
  },
  test_oracle_cont_base_asset_pm: { spotConfidence: 0.1, expiries: { '20230118': { forward: 2004.75, confidence: 0.01 } } },
  test_oracle_cont_long_perp_asset_pm: {
    spotConfidence: 0.3,
    perpPrice: 2001,
    perpConfidence: 0.1,
    expiries: { '20230118': { forward: 2004.75 } },
  },
  test_general_portfolio_pm: {
    spot: 2004,
    spotConfidence: 0.3,
    perpPrice: 2017,
    perpConfidence: 0.3,
    expiries: {
      '20230227': { forward: 2014.7545, forwardConfidence: 0.2 },
      '20230118': { confidence: 0.1, vols: { 1700: 0.15, 2100: 1.01, 1000: 0.33 } },
    },
  },
};

export interface DerivePmrmV20Case {
  name: string;
  /** Absent when the case is skipped. */
  portfolio?: DerivePmrmPortfolio;
  params: DerivePmrmParams;
  /** Expected IM and MM (Derive's excess figures), integers. */
  expected: { im: number; mm: number };
  skip?: string;
}

export type CaseStatus = 'pass' | 'fail' | 'skip';

export interface DerivePmrmV20Outcome {
  name: string;
  status: CaseStatus;
  line: string;
  im?: number;
  mm?: number;
  reason?: string;
}

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_PARSE', `${field}: ${why}`, { field, value });
}

function num(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, v, 'must be a finite number');
  return v;
}

function list(v: unknown, field: string): Record<string, unknown>[] {
  if (!Array.isArray(v) || !v.every(isObject)) bad(field, v, 'must be an array of objects');
  return v as Record<string, unknown>[];
}

export function secondsToExpiry(label: string): number | undefined {
  const e = V20_TEST_MARKET.expiries[label];
  return e === undefined ? undefined : e[0] * DERIVE_SECONDS_PER_DAY + 8 * 3600;
}

/** Turn one case of the file into a portfolio on the fixed market (or a skip with its reason). */
export function parseDerivePmrmV20Case(name: string, raw: unknown, params: DerivePmrmParams): DerivePmrmV20Case {
  if (!isObject(raw)) bad(name, raw, 'must be an object');
  const res = raw.results ?? raw.result;
  if (!isObject(res)) bad(`${name}.results`, res, 'must be an object with im and mm');
  const expected = { im: num(res.im, `${name}.results.im`), mm: num(res.mm, `${name}.results.mm`) };
  const skip = (reason: string): DerivePmrmV20Case => ({ name, params, expected, skip: reason });

  const ov = V20_OVERRIDES[name] ?? {};
  const m = V20_TEST_MARKET;
  const expiries: DerivePmrmExpiry[] = [];
  for (const [label, [, forward]] of Object.entries(m.expiries)) {
    const eo = ov.expiries?.[label] ?? {};
    const conf = eo.confidence ?? 1;
    expiries.push({
      secToExpiry: secondsToExpiry(label)!,
      forward: eo.forward ?? forward,
      rate: m.rate,
      forwardConfidence: eo.forwardConfidence ?? conf,
      rateConfidence: conf,
    });
  }

  const options: DerivePmrmOption[] = [];
  for (const [i, o] of list(raw.options, `${name}.options`).entries()) {
    const f = `${name}.options[${i}]`;
    if (o.underlying !== 'eth') return skip(`${f}: underlying ${String(o.underlying)} is not in the fixed test market`);
    const label = String(o.expiry);
    const sec = secondsToExpiry(label);
    if (sec === undefined) return skip(`${f}: expiry label ${label} is not in the fixed test market`);
    if (o.type !== 'call' && o.type !== 'put') bad(`${f}.type`, o.type, 'must be "call" or "put"');
    const strike = num(o.strike, `${f}.strike`);
    const eo = ov.expiries?.[label] ?? {};
    options.push({
      secToExpiry: sec,
      strike,
      isCall: o.type === 'call',
      amount: num(o.amount, `${f}.amount`) / UNIT,
      vol: eo.vols?.[strike] ?? m.vol,
      volConfidence: eo.volConfidence ?? eo.confidence ?? 1,
    });
  }
  const perps: DerivePmrmPerp[] = [];
  for (const [i, q] of list(raw.perps, `${name}.perps`).entries()) {
    const f = `${name}.perps[${i}]`;
    if (q.underlying !== 'eth') return skip(`${f}: underlying ${String(q.underlying)} is not in the fixed test market`);
    perps.push({ amount: num(q.amount, `${f}.amount`) / UNIT, entryPrice: num(q.entryPrice, `${f}.entryPrice`) / UNIT });
  }
  let baseAmount = 0;
  for (const [i, b] of list(raw.bases, `${name}.bases`).entries()) {
    const f = `${name}.bases[${i}]`;
    if (b.underlying !== 'eth') return skip(`${f}: underlying ${String(b.underlying)} is not in the fixed test market`);
    baseAmount += num(b.amount, `${f}.amount`) / UNIT;
  }

  const portfolio: DerivePmrmPortfolio = {
    spot: ov.spot ?? m.spot,
    spotConfidence: ov.spotConfidence ?? 1,
    stablePrice: ov.stablePrice ?? m.stablePrice,
    cash: num(raw.cash, `${name}.cash`) / UNIT,
    perpPrice: ov.perpPrice ?? m.perpPrice,
    perpConfidence: ov.perpConfidence ?? 1,
    perps,
    baseAmount,
    options,
    expiries,
  };
  return { name, portfolio, params, expected };
}

/** Parse the whole file (an object: case name → case). */
export function parseDerivePmrmV20Cases(raw: unknown, params: DerivePmrmParams): DerivePmrmV20Case[] {
  if (!isObject(raw)) bad('cases', raw, 'the v2.0 case file must be an object of named cases');
  return Object.entries(raw).map(([name, c]) => parseDerivePmrmV20Case(name, c, params));
}

export function readDerivePmrmV20Cases(path: string, params: DerivePmrmParams): DerivePmrmV20Case[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new RiskgridError('RG_ERR_PARSE', `cannot read the v2.0 case file ${path}`, { field: 'path', value: path, cause });
  }
  return parseDerivePmrmV20Cases(raw, params);
}

/** Derive's rule: the contract value divided by 1e18 truncates toward zero; we allow ±1 on that integer. */
export function matchesTruncated(value: number, expected: number): boolean {
  return Number.isFinite(value) && Math.abs(Math.trunc(value) - expected) <= 1;
}

export function compareDerivePmrmV20(c: DerivePmrmV20Case, got: { imExcess: number; mmExcess: number }): DerivePmrmV20Outcome {
  const okIm = matchesTruncated(got.imExcess, c.expected.im);
  const okMm = matchesTruncated(got.mmExcess, c.expected.mm);
  const status: CaseStatus = okIm && okMm ? 'pass' : 'fail';
  const fmt = (v: number): string => v.toFixed(3);
  const line =
    `${status === 'pass' ? 'PASS' : 'FAIL'} ${c.name}  IM ${fmt(got.imExcess)} (expected ${c.expected.im})` +
    `  MM ${fmt(got.mmExcess)} (expected ${c.expected.mm})`;
  return { name: c.name, status, line, im: got.imExcess, mm: got.mmExcess };
}

/** Run one case through `compute`; a thrown error is a failure with its message, never a crash. */
export function runDerivePmrmV20Case(
  c: DerivePmrmV20Case,
  compute: (portfolio: DerivePmrmPortfolio, params: DerivePmrmParams) => { imExcess: number; mmExcess: number },
): DerivePmrmV20Outcome {
  if (c.portfolio === undefined) {
    const reason = c.skip ?? 'no portfolio';
    return { name: c.name, status: 'skip', line: `SKIP ${c.name}  ${reason}`, reason };
  }
  try {
    return compareDerivePmrmV20(c, compute(c.portfolio, c.params));
  } catch (e) {
    const reason = e instanceof RiskgridError ? `${e.code}: ${e.message}` : String(e);
    return { name: c.name, status: 'fail', line: `FAIL ${c.name}  ${reason}`, reason };
  }
}

/** The final line: `N passed, M failed` plus `, K skipped` when some were. */
export function summarizeOutcomes(outcomes: readonly DerivePmrmV20Outcome[]): string {
  const n = (s: CaseStatus): number => outcomes.filter((o) => o.status === s).length;
  const skipped = n('skip');
  return `${n('pass')} passed, ${n('fail')} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}
