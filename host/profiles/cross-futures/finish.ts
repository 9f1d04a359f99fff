// cross-futures: evaluated plan → per-portfolio requirements (see types.ts for the rule).
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { rowLosses } from '../standard/finish.js';
import { signedNotional } from '../standard/linear.js';
import { optionRequirement } from '../standard/option-rule.js';
import { requireFiniteResult } from '../standard/position.js';
import type { Rate } from '../standard/types.js';
import type { CrossFuturesPlanMeta } from './plan.js';
import type { CrossFuturesResult, CrossFuturesUnit } from './types.js';

export function finishCrossFutures(plan: ScenarioPlan, result: PlanResult, meta: CrossFuturesPlanMeta): CrossFuturesResult[] {
  const nS = plan.scenarios.nS;
  const sr = meta.params.spreadRate;
  return meta.portfolios.map((pf) => {
    const zero = (): Rate => ({ initial: 0, maintenance: 0 });
    const bd = { netDelta: zero(), spread: zero(), spot: zero(), shortOptions: zero(), longOptions: zero() };
    const add = (into: Rate, r: Rate): void => {
      into.initial += r.initial;
      into.maintenance += r.maintenance;
    };
    const units: CrossFuturesUnit[] = pf.units.map((u) => {
      const net = rowLosses(result, nS, u.row);
      const gross = u.positions.reduce((a, p) => a + Math.abs(signedNotional(p)), 0);
      const netNotional = u.positions.reduce((a, p) => a + signedNotional(p), 0);
      const offset = Math.max(gross - Math.abs(netNotional), 0) / 2;
      const spread = { initial: sr.initial * offset, maintenance: sr.maintenance * offset };
      add(bd.netDelta, net);
      add(bd.spread, spread);
      return { underlying: u.underlying, netNotional, grossNotional: gross, initial: net.initial + spread.initial, maintenance: net.maintenance + spread.maintenance };
    });
    for (const s of pf.spot) add(bd.spot, rowLosses(result, nS, s.row));
    for (const o of pf.options) add(o.position.size < 0 ? bd.shortOptions : bd.longOptions, optionRequirement(o.position, result.base[o.instrument]!, meta.params));
    const parts = Object.values(bd);
    const im = requireFiniteResult(parts.reduce((a, r) => a + r.initial, 0), `portfolio ${pf.id}: initial margin`);
    const mm = requireFiniteResult(parts.reduce((a, r) => a + r.maintenance, 0), `portfolio ${pf.id}: maintenance margin`);
    let worst: CrossFuturesResult['worstUnit'] = null;
    for (const u of units) if (worst === null || u.initial > worst.initial) worst = { underlying: u.underlying, initial: u.initial };
    return { id: pf.id, initialMargin: im, maintenanceMargin: mm, breakdown: bd, worstUnit: worst, units };
  });
}
