// tims: evaluated plan → per-portfolio requirement (rules in types.ts).
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { signedNotional } from '../standard/linear.js';
import { requireFiniteResult } from '../standard/position.js';
import type { TimsPlanMeta } from './plan.js';
import type { TimsClassResult, TimsResult } from './types.js';

export function finishTims(plan: ScenarioPlan, result: PlanResult, meta: TimsPlanMeta): TimsResult[] {
  const nS = plan.scenarios.nS;
  const p = meta.params;
  return meta.portfolios.map((pf) => {
    const classes: TimsClassResult[] = pf.classes.map((c) => {
      const pnl = Array.from({ length: nS }, (_, s) => requireFiniteResult(result.pnl[c.row * nS + s]!, `portfolio ${pf.id}: ${c.underlying} point ${s}`) + 0);
      let wi = 0;
      for (let s = 1; s < nS; s++) if (pnl[s]! < pnl[wi]!) wi = s;
      let minimum = 0,
        gross = 0;
      for (const q of c.positions) {
        const perContract = p.minimumPerContract * q.position.multiplier;
        const value = result.base[q.instrument]! * q.position.multiplier;
        const longOption = q.position.kind === 'option' && q.position.size > 0;
        minimum += Math.abs(q.position.size) * (longOption ? Math.min(perContract, value) : perContract);
        gross += q.position.kind === 'option' ? Math.abs(q.position.size) * q.position.multiplier * (q.position.spot ?? q.position.forward) : Math.abs(signedNotional(q.position));
      }
      const concentrationAddOn = p.concentration.rate * Math.max(gross - p.concentration.threshold, 0);
      return { underlying: c.underlying, group: c.group, offset: c.offset, theoreticalLoss: Math.max(-pnl[wi]!, 0), worstPoint: wi, minimum, concentrationAddOn, pnl };
    });
    const groupNames = [...new Set(classes.map((c) => c.group))].sort();
    let mm = 0,
      classLosses = 0,
      groupLoss = 0,
      minimumUplift = 0,
      addOn = 0;
    const groups = groupNames.map((g) => {
      const members = classes.filter((c) => c.group === g);
      const offset = members[0]!.offset;
      let loss = 0,
        worst = 0;
      for (let s = 0; s < nS; s++) {
        let losses = 0,
          gains = 0;
        for (const c of members) {
          const v = c.pnl[s]!;
          if (v < 0) losses -= v;
          else gains += v;
        }
        const l = Math.max(losses - offset * gains, 0);
        if (l > loss) {
          loss = l;
          worst = s;
        }
      }
      const sumLoss = members.reduce((a, c) => a + c.theoreticalLoss, 0);
      const minimum = members.reduce((a, c) => a + c.minimum, 0);
      const add = members.reduce((a, c) => a + c.concentrationAddOn, 0);
      classLosses += sumLoss;
      groupLoss += loss;
      minimumUplift += Math.max(minimum - loss, 0);
      addOn += add;
      mm += Math.max(loss, minimum) + add;
      return { group: g, loss, worstPoint: worst, minimum };
    });
    mm = requireFiniteResult(mm, `portfolio ${pf.id}: maintenance margin`);
    return {
      id: pf.id,
      initialMargin: mm * p.initialToMaintenance,
      maintenanceMargin: mm,
      // classLosses − groupOffsets = the groups' offset losses.
      breakdown: { classLosses, groupOffsets: classLosses - groupLoss, minimumUplift, concentrationAddOn: addOn },
      groups,
      classes,
    };
  });
}
