// okx-pm: evaluated plan → MR1…MR9 per risk unit, MMR and IMR (rules in types.ts). All in USD;
// an inverse row's P&L is converted to coin (standard/inverse.ts) and back to USD at S_s.
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { coinPnl } from '../standard/inverse.js';
import { signedNotional } from '../standard/linear.js';
import { requireFiniteResult } from '../standard/position.js';
import type { OkxPlanMeta, OkxUnitMeta } from './plan.js';
import { DELTA_BUMP, okxSlots, tiered, type OkxSlot } from './scenarios.js';
import type { OkxPmParams, OkxPmResult, OkxUnitResult } from './types.js';

const PAIRS: [string, string][] = [
  ['USDT', 'USD'],
  ['USDT', 'USDC'],
  ['USDC', 'USD'],
];

export function finishOkxPm(plan: ScenarioPlan, result: PlanResult, meta: OkxPlanMeta): OkxPmResult[] {
  const slots = okxSlots(meta.params);
  return meta.portfolios.map((pf) => {
    const units = pf.units.map((u) => unitResult(u, meta.params, slots, plan, result, pf.id));
    const mmr = requireFiniteResult(units.reduce((a, u) => a + u.mmr, 0), `portfolio ${pf.id}: maintenance margin`);
    return { id: pf.id, initialMargin: meta.params.imrFactor * mmr, maintenanceMargin: mmr, units };
  });
}

function unitResult(u: OkxUnitMeta, p: OkxPmParams, slots: OkxSlot[], plan: ScenarioPlan, result: PlanResult, pfId: string): OkxUnitResult {
  const nS = plan.scenarios.nS;
  const total = new Array<number>(nS).fill(0);
  const basis = [0, 0];
  let theta = 0,
    rateUp = 0,
    rateDown = 0,
    rawFut = 0,
    rawOpt = 0;
  const cashDelta: Record<string, number> = {};
  const up = slots.findIndex((s) => s.kind === 'delta' && s.move > 0);
  const dn = slots.findIndex((s) => s.kind === 'delta' && s.move < 0);
  for (const r of u.rows) {
    let B = 0;
    for (const q of r.positions) {
      const i = q.instrument;
      const base = result.base[i]!;
      if (q.position.kind === 'option') {
        B += q.units * base;
        theta += q.units * (result.base[q.theta!]! - base);
        rateUp += q.units * (result.base[q.rateUp!]! - base);
        rateDown += q.units * (result.base[q.rateDown!]! - base);
        rawOpt += Math.abs(q.units) * u.S0;
      } else rawFut += Math.abs(signedNotional(q.position));
      const delta = (q.units * (result.table[i * nS + up]! - result.table[i * nS + dn]!)) / (2 * DELTA_BUMP * plan.instruments.fwdVar[i]!);
      const ccy = r.settlement === 'inverse' ? 'USD' : (q.position.quote ?? 'USD');
      cashDelta[ccy] = (cashDelta[ccy] ?? 0) + delta * u.S0;
    }
    slots.forEach((sl, s) => {
      const usd = result.pnl[r.grid * nS + s]!;
      const Ss = u.S0 * (1 + sl.move);
      total[s]! += r.settlement === 'inverse' ? coinPnl(usd, sl.weight, B, u.S0, Ss) * Ss : usd;
      if (r.basis >= 0 && sl.kind === 'mr4') basis[sl.basis === 1 ? 0 : 1]! += result.pnl[r.basis * nS + s]!;
    });
  }
  const lossOver = (kind: OkxSlot['kind']): { loss: number; index: number } => {
    let w = Infinity,
      wi = -1;
    slots.forEach((sl, s) => {
      if (sl.kind !== kind) return;
      requireFiniteResult(total[s]!, `portfolio ${pfId}: ${u.underlying} ${sl.label}`);
      if (total[s]! < w) {
        w = total[s]!;
        wi = s;
      }
    });
    return { loss: Math.max(-w, 0), index: wi };
  };
  const m1 = lossOver('mr1');
  const m6 = lossOver('mr6');
  const mr1 = m1.loss;
  const mr6 = m6.loss;
  const mr3 = lossOver('mr3').loss;
  const mr2 = Math.max(-theta, 0);
  const mr4 = Math.max(-basis[0]!, -basis[1]!, 0);
  const mr5 = Math.max(-rateUp, -rateDown, 0);
  const raw = p.mr7.futureRate * rawFut + p.mr7.optionRate * rawOpt;
  const tier = p.mr7.tiers.find((t) => t.upTo === undefined || raw <= t.upTo)!;
  const mr7 = raw * tier.multiplier;
  let mr9 = 0;
  const cd = { ...cashDelta };
  for (const [a, c] of PAIRS) {
    const x = cd[a] ?? 0,
      y = cd[c] ?? 0;
    if (x * y >= 0) continue;
    const h = Math.min(Math.abs(x), Math.abs(y));
    mr9 += tiered(h, p.mr9.tiers);
    cd[a] = x - Math.sign(x) * h;
    cd[c] = y - Math.sign(y) * h;
  }
  const mmr = requireFiniteResult(Math.max(Math.max(mr1, mr2, mr6) + mr4 + mr3 + mr5 + mr9, mr7), `portfolio ${pfId}: ${u.underlying} MMR`);
  const worst = total[m1.index]! <= total[m6.index]! ? m1.index : m6.index;
  const pnl = slots.flatMap((sl, s) => (sl.kind === 'mr1' || sl.kind === 'mr6' ? [total[s]! + 0] : []));
  return {
    underlying: u.underlying,
    mmr,
    imr: p.imrFactor * mmr,
    mr: { mr1, mr2, mr3, mr4, mr5, mr6, mr7, mr9 },
    worstScenario: { index: worst, label: slots[worst]!.label, pnl: total[worst]! },
    pnl,
    cashDelta,
  };
}
