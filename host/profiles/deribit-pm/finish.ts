// deribit-pm: evaluated plan → per-unit and per-portfolio requirements (rules in types.ts).
// Coin conversion of an inverse unit is done here (standard/inverse.ts: plan.ts has no division
// by the scenario spot), with S_s = S0 · (1 + move_s).
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { coinPnl } from '../standard/inverse.js';
import { requireFiniteResult } from '../standard/position.js';
import type { DeribitPlanMeta, DeribitUnitMeta } from './plan.js';
import { DELTA_BUMP, deribitSlots, type DeribitSlot } from './scenarios.js';
import type { DeribitPmParams, DeribitPmResult, DeribitUnitResult } from './types.js';

export function finishDeribitPm(plan: ScenarioPlan, result: PlanResult, meta: DeribitPlanMeta): DeribitPmResult[] {
  const p = meta.params;
  const slots = deribitSlots(p);
  return meta.portfolios.map((pf) => {
    const units = pf.units.map((u) => unitResult(u, p, slots, plan, result, pf.id));
    let im = 0,
      mm = 0;
    for (const u of units) {
      const toUsd = u.currency === 'USD' ? 1 : u.indexPrice;
      im += u.initialMargin * toUsd;
      mm += u.maintenanceMargin * toUsd;
    }
    let value = 0,
      haircut = 0;
    if (p.mode === 'cross') {
      for (const c of pf.collateral ?? []) {
        const h = p.haircuts[c.asset] ?? 1;
        const v = c.amount * c.price;
        // Haircuts shrink positive balances only; a debt counts in full.
        value += v > 0 ? v * (1 - h) : v;
        haircut += v > 0 ? v * h : 0;
      }
    }
    return {
      id: pf.id,
      mode: p.mode,
      initialMargin: requireFiniteResult(im, `portfolio ${pf.id}: initial margin`),
      maintenanceMargin: requireFiniteResult(mm, `portfolio ${pf.id}: maintenance margin`),
      collateral: { value, haircut },
      units,
    };
  });
}

function unitResult(u: DeribitUnitMeta, p: DeribitPmParams, slots: DeribitSlot[], plan: ScenarioPlan, result: PlanResult, pfId: string): DeribitUnitResult {
  const nS = plan.scenarios.nS;
  const inverse = u.settlement === 'inverse';
  const coin = inverse && p.mode === 'segregated';
  let B = 0;
  for (const q of u.positions) if (q.position.kind === 'option') B += q.units * result.base[q.instrument]!;
  // P&L of slot s in the unit's currency (coin for S:PM inverse, else USD).
  const convert = (usd: number, s: number, S: number): number => {
    if (!inverse) return usd;
    const c = coinPnl(usd, slots[s]!.weight, B, u.S0, S);
    return coin ? c : c * S;
  };
  const pnl: number[] = [];
  let worst = 0,
    wi = -1;
  slots.forEach((sl, s) => {
    if (sl.kind !== 'grid' && sl.kind !== 'extended') return;
    const v = convert(result.pnl[u.gridRow * nS + s]!, s, u.S0 * (1 + sl.move)) + 0;
    requireFiniteResult(v, `portfolio ${pfId}: ${u.underlying} scenario ${s} P&L`);
    pnl.push(v);
    if (wi < 0 || v < worst) {
      worst = v;
      wi = s;
    }
  });
  const scenarioLoss = Math.max(-worst, 0);

  // Net delta (units of the underlying): central differences of USD values around the price now.
  const up = slots.findIndex((s) => s.kind === 'delta' && s.move > 0);
  const dn = slots.findIndex((s) => s.kind === 'delta' && s.move < 0);
  let netDelta = 0;
  for (const q of u.positions) {
    const i = q.instrument;
    const F = plan.instruments.fwdVar[i]!;
    netDelta += (q.units * (result.table[i * nS + up]! - result.table[i * nS + dn]!)) / (2 * DELTA_BUMP * F);
  }
  const valueOfUnits = coin ? 1 : u.S0; // one unit of the underlying in the unit's currency
  const deltaShock = p.deltaShock * Math.abs(netDelta) * valueOfUnits;

  let rollShock = 0;
  if (u.rollRow >= 0) {
    slots.forEach((sl, s) => {
      if (sl.kind !== 'roll') return;
      const usd = result.pnl[u.rollRow * nS + s]!;
      const v = inverse ? (coin ? usd / u.S0 : usd) : usd; // spot fixed in roll slots
      rollShock = Math.max(rollShock, -v);
    });
  }

  // Per-option minimum: net short options per (expiry, strike), calls and puts together.
  const net = new Map<string, number>();
  for (const q of u.positions) {
    if (q.position.kind !== 'option') continue;
    const k = `${q.position.T}|${q.position.strike}`;
    net.set(k, (net.get(k) ?? 0) + q.units);
  }
  let shortUnits = 0;
  for (const n of net.values()) shortUnits += Math.max(-n, 0);
  const optionMinimum = p.minPerOption * shortUnits * valueOfUnits;

  const im = requireFiniteResult(Math.max(scenarioLoss + deltaShock + rollShock, optionMinimum), `portfolio ${pfId}: ${u.underlying} initial margin`);
  return {
    underlying: u.underlying,
    settlement: u.settlement,
    currency: coin ? u.underlying : 'USD',
    indexPrice: u.S0,
    initialMargin: im,
    maintenanceMargin: p.mmFactor * im,
    breakdown: { scenarioLoss, deltaShock, rollShock, optionMinimum },
    netDelta,
    worstScenario: { index: wi, label: slots[wi]!.label, pnl: worst },
    pnl,
  };
}
