// standard: evaluated plan → per-portfolio requirements, summed position by position.
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { optionRequirement } from './option-rule.js';
import type { StandardPlanMeta } from './plan.js';
import { requireFiniteResult } from './position.js';
import { signedNotional } from './linear.js';
import type { PositionRequirement, StandardResult } from './types.js';

/** Loss at the initial (slots 0, 1) and maintenance (slots 2, 3) moves of a row. */
export function rowLosses(result: PlanResult, nS: number, row: number): { initial: number; maintenance: number } {
  const pnl = (s: number): number => result.pnl[row * nS + s]!;
  return { initial: Math.max(-pnl(0), -pnl(1), 0), maintenance: Math.max(-pnl(2), -pnl(3), 0) };
}

export function finishStandard(plan: ScenarioPlan, result: PlanResult, meta: StandardPlanMeta): StandardResult[] {
  const nS = plan.scenarios.nS;
  return meta.portfolios.map((pf) => {
    const positions: PositionRequirement[] = [];
    const linear = { initial: 0, maintenance: 0 };
    const shortOptions = { initial: 0, maintenance: 0 };
    const longOptions = { initial: 0, maintenance: 0 };
    for (const { row, position } of pf.linear) {
      const l = rowLosses(result, nS, row);
      positions.push({ id: position.id, ...l, basis: { notional: Math.abs(signedNotional(position)) } });
      linear.initial += l.initial;
      linear.maintenance += l.maintenance;
    }
    for (const { instrument, position } of pf.options) {
      const r = optionRequirement(position, result.base[instrument]!, meta.params);
      positions.push(r);
      const into = position.size < 0 ? shortOptions : longOptions;
      into.initial += r.initial;
      into.maintenance += r.maintenance;
    }
    const im = requireFiniteResult(linear.initial + shortOptions.initial + longOptions.initial, `portfolio ${pf.id}: initial margin`);
    const mm = requireFiniteResult(linear.maintenance + shortOptions.maintenance + longOptions.maintenance, `portfolio ${pf.id}: maintenance margin`);
    let worst: StandardResult['worstPosition'] = null;
    for (const p of positions) if (worst === null || p.initial > worst.initial) worst = { id: p.id, initial: p.initial };
    return { id: pf.id, initialMargin: im, maintenanceMargin: mm, breakdown: { linear, shortOptions, longOptions }, worstPosition: worst, positions };
  });
}
