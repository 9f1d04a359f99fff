// Validation of the derive-pmrm parameter set: the one choke point between a profile file's
// `params` and the margin math. Unknown, missing, non-finite or out-of-range fields are RG_ERR_PROFILE
// errors that name the field. Ranges are the bounds Derive's contract enforces in its setters
// (PMRMLib.set*Params, PMRM.setScenarios), plus positivity where a zero would be meaningless.
import { at, fail, isObject } from '../../model/fields.js';
import type { DerivePmrmOpenInterestCaps, DerivePmrmParams, DerivePmrmScenario, VolShockDirection } from './types.js';

interface Range {
  min: number;
  max: number;
  /** Exclusive lower bound. */
  above?: boolean;
  /** Exclusive upper bound. */
  below?: boolean;
}

const SECTIONS = {
  basisContingency: {
    scenarioSpotUp: { min: 1, above: true, max: 3 },
    scenarioSpotDown: { min: 0, above: true, max: 1, below: true },
    addFactor: { min: 0, max: 5 },
    multFactor: { min: 0, max: 5 },
  },
  otherContingency: {
    pegLossThreshold: { min: 0, max: 1 },
    pegLossFactor: { min: 0, max: 20 },
    confThreshold: { min: 0, max: 1 },
    confMargin: { min: 0, max: 1.5 },
    basePercent: { min: 0, max: 1 },
    perpPercent: { min: 0, max: 1 },
    optionPercent: { min: 0, max: 1 },
  },
  margin: {
    imFactor: { min: 1, max: 4 },
    baseStaticDiscount: { min: 0, above: true, max: 1 },
    rateMultScale: { min: 0, max: 5 },
    rateAddScale: { min: 0, max: 5 },
  },
  volShock: {
    volRangeUp: { min: 0, max: 2 },
    volRangeDown: { min: 0, max: 2 },
    shortTermPower: { min: 0, max: 0.5 },
    longTermPower: { min: 0, max: 0.5 },
    dteFloorDays: { min: 0.01, max: 100 },
  },
} as const satisfies Record<string, Record<string, Range>>;

const CAP_FIELDS = ['perp', 'option', 'base'] as const;
const VOL_DIRECTIONS: ReadonlySet<string> = new Set(['up', 'none', 'down']);

function err(field: string, value: unknown, why: string): never {
  fail('RG_ERR_PROFILE', field, value, why);
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) err(field, v, 'must be an object');
  return v;
}

function only(o: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) err(at(path, k), o[k], `unknown field "${k}"`);
  for (const k of allowed) if (!(k in o)) err(at(path, k), undefined, 'missing field');
}

function num(v: unknown, field: string, r: Range): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) err(field, v, 'must be a finite number');
  const lowOk = r.above === true ? v > r.min : v >= r.min;
  const highOk = r.below === true ? v < r.max : v <= r.max;
  if (!lowOk || !highOk) err(field, v, `must be in ${r.above === true ? '(' : '['}${r.min}, ${r.max}${r.below === true ? ')' : ']'}`);
  return v;
}

function section<K extends keyof typeof SECTIONS>(raw: unknown, key: K, path: string): Record<keyof (typeof SECTIONS)[K], number> {
  const p = at(path, key);
  const o = obj(raw, p);
  const spec = SECTIONS[key] as Record<string, Range>;
  only(o, Object.keys(spec), p);
  const out: Record<string, number> = {};
  for (const [f, r] of Object.entries(spec)) out[f] = num(o[f], at(p, f), r);
  return out as Record<keyof (typeof SECTIONS)[K], number>;
}

function scenarios(raw: unknown, path: string): DerivePmrmScenario[] {
  const p = at(path, 'scenarios');
  if (!Array.isArray(raw) || raw.length === 0) err(p, raw, 'must be a non-empty array');
  return raw.map((s, i) => {
    const sp = `${p}[${i}]`;
    const o = obj(s, sp);
    only(o, ['spotShock', 'volShock'], sp);
    const spotShock = num(o.spotShock, at(sp, 'spotShock'), { min: 0, above: true, max: 3 });
    const v = o.volShock;
    if (typeof v !== 'string' || !VOL_DIRECTIONS.has(v)) err(at(sp, 'volShock'), v, 'must be "up", "none" or "down"');
    return { spotShock, volShock: v as VolShockDirection };
  });
}

function caps(raw: unknown, path: string): Record<string, DerivePmrmOpenInterestCaps> {
  const p = at(path, 'openInterestCaps');
  const o = obj(raw, p);
  const out: Record<string, DerivePmrmOpenInterestCaps> = {};
  for (const [market, c] of Object.entries(o)) {
    const mp = at(p, market);
    const co = obj(c, mp);
    only(co, CAP_FIELDS, mp);
    const r: Range = { min: 0, max: Number.MAX_VALUE };
    out[market] = { perp: num(co.perp, at(mp, 'perp'), r), option: num(co.option, at(mp, 'option'), r), base: num(co.base, at(mp, 'base'), r) };
  }
  return out;
}

const PARAM_KEYS = ['scenarios', 'basisContingency', 'otherContingency', 'margin', 'volShock', 'openInterestCaps'];

/** Check a raw parameter object and return a typed copy (the input is not kept or modified). */
export function validateDerivePmrmParams(raw: unknown, path = 'params'): DerivePmrmParams {
  const o = obj(raw, path);
  for (const k of Object.keys(o)) if (!PARAM_KEYS.includes(k)) err(at(path, k), o[k], `unknown field "${k}"`);
  for (const k of PARAM_KEYS) if (k !== 'openInterestCaps' && !(k in o)) err(at(path, k), undefined, 'missing field');
  const params: DerivePmrmParams = {
    scenarios: scenarios(o.scenarios, path),
    basisContingency: section(o.basisContingency, 'basisContingency', path),
    otherContingency: section(o.otherContingency, 'otherContingency', path),
    margin: section(o.margin, 'margin', path),
    volShock: section(o.volShock, 'volShock', path),
  };
  if (o.openInterestCaps !== undefined) params.openInterestCaps = caps(o.openInterestCaps, path);
  return params;
}
