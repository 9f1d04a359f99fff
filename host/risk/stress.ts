// User-defined stress scenarios as JSON:
//   { "scenarios": [ { "name": "crash", "spot": { "ETH": -0.3 }, "vol": { "ETH": 0.5 },
//                       "vol_add": { "ETH": 0.1 } }, ... ] }
// spot: relative move of the index (−0.3 = −30 %); vol: relative change of every implied vol of
// the underlying (+0.5 = ×1.5); vol_add: absolute vol points added (0.1 = +10 vol). Underlyings a
// scenario does not name do not move. Unknown keys and names are errors (a typo must not pass
// silently as "no move").
import { RiskgridError } from '../errors.js';
import type { ScenarioSet } from '../margin/plan.js';
import { plainScenarioSet, type VolGroupSpec } from './mc-scenarios.js';

export interface StressScenarios {
  scenarios: ScenarioSet;
  names: string[];
}

const KEYS = new Set(['name', 'spot', 'vol', 'vol_add']);

export function stressScenarios(json: unknown, underlyings: readonly string[], volGroups: readonly VolGroupSpec[]): StressScenarios {
  const list = (json as { scenarios?: unknown } | null)?.scenarios;
  if (!Array.isArray(list) || list.length === 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'stress file must hold a non-empty "scenarios" array', { field: 'scenarios', value: list });
  const nS = list.length;
  const nU = underlyings.length;
  const uIndex = new Map(underlyings.map((u, i) => [u, i]));
  const spotMult = new Float64Array(nU * nS).fill(1);
  const volMul = new Float64Array(volGroups.length * nS).fill(1);
  const volAdd = new Float64Array(volGroups.length * nS);
  const names: string[] = [];
  list.forEach((sc: unknown, s) => {
    const at = `scenarios[${s}]`;
    if (typeof sc !== 'object' || sc === null || Array.isArray(sc)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${at} must be an object`, { field: at, value: sc });
    for (const k of Object.keys(sc)) if (!KEYS.has(k)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${at}: unknown key "${k}"`, { field: `${at}.${k}`, value: k });
    const o = sc as Record<string, unknown>;
    names.push(typeof o.name === 'string' ? o.name : `scenario ${s}`);
    const each = (key: string, min: number, f: (u: number, v: number) => void): void => {
      const m = o[key];
      if (m === undefined) return;
      if (typeof m !== 'object' || m === null) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${at}.${key} must be an object of underlying → number`, { field: `${at}.${key}`, value: m });
      for (const [name, v] of Object.entries(m)) {
        const u = uIndex.get(name);
        if (u === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${at}.${key}: ${name} is not an underlying of the book (${underlyings.join(', ')})`, { field: `${at}.${key}.${name}`, value: name });
        if (typeof v !== 'number' || !Number.isFinite(v) || v <= min) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${at}.${key}.${name} must be a finite number > ${min}, got ${String(v)}`, { field: `${at}.${key}.${name}`, value: v });
        f(u, v);
      }
    };
    each('spot', -1, (u, v) => {
      spotMult[u * nS + s] = 1 + v;
    });
    each('vol', -1, (u, v) => {
      volGroups.forEach((g, gi) => {
        if (g.underlying === u) volMul[gi * nS + s] = 1 + v;
      });
    });
    each('vol_add', -Infinity, (u, v) => {
      volGroups.forEach((g, gi) => {
        if (g.underlying === u) volAdd[gi * nS + s] = v;
      });
    });
  });
  return { scenarios: plainScenarioSet(nS, spotMult, volMul, volAdd), names };
}
