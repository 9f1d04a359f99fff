// Validation of a derive-pmrm2 parameter set (the `params` of profiles/derive-pmrm2.*.json).
// Every field is required, unknown fields are errors, and the bounds are those the contract's
// setters enforce (PMRMLib_2.set*Params, PMRM_2.setScenarios), so a set accepted here is one
// Derive could deploy. Errors are RG_ERR_PROFILE naming the field.
import { RiskgridError } from '../../errors.js';
import type { DerivePmrm2Params, DerivePmrm2Scenario, DerivePmrm2VolShock } from './types.js';

type Bounds = readonly [min: number, max: number, minExclusive?: boolean, maxExclusive?: boolean];

const GROUPS = {
  volShock: {
    volRangeUp: [0, 10],
    volRangeDown: [0, 10],
    shortTermPower: [0, 10],
    longTermPower: [0, 10],
    dteFloorDays: [0, 400],
    minVolUpShock: [0, 20],
  },
  margin: {
    imFactor: [0.5, 10],
    mmFactor: [0.5, 10],
    longBaseStaticDiscount: [0, 4],
    longRateMultScale: [0, 10],
    longRateAddScale: [0, 10],
    shortBaseStaticDiscount: [0, 4],
    shortRateMultScale: [0, 10],
    shortRateAddScale: [0, 10],
  },
  basisContingency: {
    scenarioSpotUp: [1, 3, true, true],
    scenarioSpotDown: [0, 1, true, true],
    addFactor: [0, 20],
    multFactor: [0, 20],
  },
  otherContingency: {
    pegLossThreshold: [0, 100],
    pegLossFactor: [0, 10],
    confThreshold: [0, 1],
    confMargin: [0, 20],
    mmPerpPercent: [0, 3],
    imPerpPercent: [0, 3],
    mmOptionPercent: [0, 2],
    imOptionPercent: [0, 2],
  },
  skewShock: {
    linearBaseCap: [0, 10],
    linearCBase: [-10, 10],
    absBaseCap: [0, 10],
    absCBase: [-10, 10],
    minKStar: [0, 10],
    widthScale: [0, 10],
    volParamStatic: [0, 10],
    volParamScale: [-20, 20],
  },
} as const satisfies Record<string, Record<string, Bounds>>;

const VOL_SHOCKS: ReadonlySet<string> = new Set<DerivePmrm2VolShock>(['up', 'none', 'down', 'linear', 'abs']);
const MAX_SCENARIOS = 40;

function bad(field: string, value: unknown, why: string): never {
  const shown = typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : String(value);
  throw new RiskgridError('RG_ERR_PROFILE', `derive-pmrm2 params: ${field} ${why} (got ${shown})`, { field, value });
}

function objectAt(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(field, v, 'must be an object');
  return v as Record<string, unknown>;
}

function onlyKnown(obj: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const k of Object.keys(obj)) if (!known.includes(k)) bad(path === '' ? k : `${path}.${k}`, obj[k], 'is not a known field');
  for (const k of known) if (!(k in obj)) bad(path === '' ? k : `${path}.${k}`, undefined, 'is missing');
}

function bounded(v: unknown, field: string, [min, max, minEx = false, maxEx = false]: Bounds): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, v, 'must be a finite number');
  if (v < min || v > max || (minEx && v === min) || (maxEx && v === max)) {
    bad(field, v, `must be in ${minEx ? '(' : '['}${min}, ${max}${maxEx ? ')' : ']'}`);
  }
  return v;
}

function scenario(v: unknown, field: string): DerivePmrm2Scenario {
  const o = objectAt(v, field);
  onlyKnown(o, ['spotShock', 'volShock', 'dampening'], field);
  if (typeof o.volShock !== 'string' || !VOL_SHOCKS.has(o.volShock)) bad(`${field}.volShock`, o.volShock, 'must be up, none, down, linear or abs');
  const volShock = o.volShock as DerivePmrm2VolShock;
  const spotShock = bounded(o.spotShock, `${field}.spotShock`, [0, 100, true]);
  // The contract rejects skew scenarios that also move spot (Derive's test_67 is disabled for it).
  if ((volShock === 'linear' || volShock === 'abs') && spotShock !== 1) bad(`${field}.spotShock`, spotShock, `must be 1 in a ${volShock} skew scenario`);
  return { spotShock, volShock, dampening: bounded(o.dampening, `${field}.dampening`, [0, 100]) };
}

/** Checks a raw parameter object and returns it typed (a fresh copy). */
export function validateDerivePmrm2Params(raw: unknown): DerivePmrm2Params {
  const root = objectAt(raw, 'params');
  onlyKnown(root, ['scenarios', ...Object.keys(GROUPS)], '');
  if (!Array.isArray(root.scenarios) || root.scenarios.length === 0 || root.scenarios.length > MAX_SCENARIOS) {
    bad('scenarios', root.scenarios, `must be an array of 1 to ${MAX_SCENARIOS} scenarios`);
  }
  const scenarios = root.scenarios.map((s, i) => scenario(s, `scenarios[${i}]`));
  for (const skew of ['linear', 'abs'] as const) {
    const at = scenarios.findIndex((s, i) => s.volShock === skew && i !== scenarios.findIndex((t) => t.volShock === skew));
    if (at >= 0) bad(`scenarios[${at}].volShock`, skew, `repeats a ${skew} skew scenario (at most one)`);
  }
  const out: Record<string, unknown> = { scenarios };
  for (const [group, fields] of Object.entries(GROUPS)) {
    const src = objectAt(root[group], group);
    onlyKnown(src, Object.keys(fields), group);
    const dst: Record<string, number> = {};
    for (const [k, b] of Object.entries(fields)) dst[k] = bounded(src[k], `${group}.${k}`, b as Bounds);
    out[group] = dst;
  }
  return out as unknown as DerivePmrm2Params;
}
