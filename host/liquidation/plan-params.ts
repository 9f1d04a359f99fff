// The parameters of a liquidation plan: one definition, one parser and one set of defaults for
// the planner (plan.ts) and the profile's `liquidation.plan` section (params.ts). No engine import,
// so loading a profile does not pull in the planner.
import { RiskgridError, requireFinite } from '../errors.js';
import { DEFAULT_CLOSE_OUT_COST, parseCloseOutCostParams, type CloseOutCostParams } from './close-out-cost.js';

/** Parameters of a liquidation plan (the profile's `liquidation` section feeds it). Name is stable. */
export interface PlanParams {
  /** Target mm_excess ≥ mm_buffer × maintenance_margin (+ mm_buffer_abs); a fraction ≥ 0. */
  mm_buffer: number;
  /** Absolute part of the buffer, margin currency (default 0). */
  mm_buffer_abs?: number;
  /** Fractions of a position's remaining |size| tried each round, each in (0, 1]. */
  fractions: number[];
  /** Trading increment in contracts; step quantities are rounded up to it (default 0.01). */
  lot?: number;
  /** Close-out cost model (half-spread + square-root impact). */
  cost: CloseOutCostParams;
  /** Most steps a plan may take (default 200). */
  max_steps?: number;
  /**
   * A step on the best-ranked position grows to its next fraction while that increment buys
   * relief per cost at least extend_ratio × the runner-up position's rate (default 0.1). 1 is the
   * pure greedy: 3–8× more steps on 50-position books for about the same total cost.
   */
  extend_ratio?: number;
  /** Enforce the hedge rule (default true; off only to compare). */
  hedge_rule?: boolean;
}

export const DEFAULT_PLAN_PARAMS: Readonly<PlanParams> = Object.freeze({
  mm_buffer: 0.1,
  mm_buffer_abs: 0,
  fractions: [0.1, 0.25, 0.5, 1],
  lot: 0.01,
  cost: DEFAULT_CLOSE_OUT_COST,
  max_steps: 200,
  extend_ratio: 0.1,
  hedge_rule: true,
});

/** Plan parameters from a (partial) JSON object over the defaults; bad values name their field. */
export function parsePlanParams(input: unknown = {}, path = 'liquidation'): PlanParams {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path} must be an object`, { field: path, value: input });
  }
  const src = input as Record<string, unknown>;
  const known = new Set(Object.keys(DEFAULT_PLAN_PARAMS));
  for (const k of Object.keys(src)) {
    if (!known.has(k)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.${k} is not a plan parameter`, { field: `${path}.${k}`, value: src[k] });
  }
  const d = DEFAULT_PLAN_PARAMS;
  const num = (k: 'mm_buffer' | 'mm_buffer_abs' | 'lot' | 'max_steps' | 'extend_ratio', min: number, exclusive = false): number =>
    src[k] === undefined ? (d[k] as number) : requireFinite(`${path}.${k}`, src[k], { min, minExclusive: exclusive });
  let fractions = d.fractions;
  if (src.fractions !== undefined) {
    const f = src.fractions;
    if (!Array.isArray(f) || f.length === 0 || f.length > 64) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.fractions must be a list of 1 to 64 fractions in (0, 1]`, { field: `${path}.fractions`, value: f });
    fractions = f.map((x, i) => {
      const v = requireFinite(`${path}.fractions[${i}]`, x, { min: 0, minExclusive: true });
      if (v > 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.fractions[${i}] must be ≤ 1, got ${v}`, { field: `${path}.fractions[${i}]`, value: v });
      if (i > 0 && !(v > (f[i - 1] as number))) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.fractions[${i}]: fractions must be strictly increasing`, { field: `${path}.fractions[${i}]`, value: v });
      return v;
    });
  }
  const maxSteps = num('max_steps', 1);
  if (!Number.isInteger(maxSteps) || maxSteps > 100_000) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.max_steps must be an integer in [1, 100000]`, { field: `${path}.max_steps`, value: maxSteps });
  if (src.extend_ratio !== undefined && num('extend_ratio', 0) > 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.extend_ratio must be ≤ 1`, { field: `${path}.extend_ratio`, value: src.extend_ratio });
  if (src.mm_buffer !== undefined && num('mm_buffer', 0) > 10) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.mm_buffer must be ≤ 10`, { field: `${path}.mm_buffer`, value: src.mm_buffer });
  if (src.hedge_rule !== undefined && typeof src.hedge_rule !== 'boolean') {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.hedge_rule must be a boolean`, { field: `${path}.hedge_rule`, value: src.hedge_rule });
  }
  return {
    mm_buffer: num('mm_buffer', 0),
    mm_buffer_abs: num('mm_buffer_abs', 0),
    fractions,
    lot: num('lot', 0, true),
    cost: src.cost === undefined ? { ...d.cost } : parseCloseOutCostParams(src.cost, `${path}.cost`),
    max_steps: maxSteps,
    extend_ratio: num('extend_ratio', 0),
    hedge_rule: src.hedge_rule === undefined ? true : src.hedge_rule,
  };
}
