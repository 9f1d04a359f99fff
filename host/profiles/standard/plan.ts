// standard → scenario plan. Four slots: linear moves up / down by the initial rate, then up / down
// by the maintenance rate. Each linear position is its own row (position by position: no
// offsets), on the spot row of its kind. Options are valued (base = premium) but form no rows:
// their rule is not a scenario loss (option-rule.ts).
import { KIND_OPTION, type ScenarioPlan } from '../../margin/plan.js';
import { linearSpec, linearUnits } from './linear.js';
import { validateStandardParams } from './params.js';
import { PlanBuilder, ones, zeros } from '../../margin/plan-builder.js';
import { omegaOf, validatePortfolios, type Portfolio, type ResolvedPosition } from './position.js';
import type { Rate, StandardParams } from './types.js';

export const N_STANDARD_SLOTS = 4;

export interface StandardPlanMeta {
  params: StandardParams;
  portfolios: { id: string; linear: { row: number; position: ResolvedPosition }[]; options: { instrument: number; position: ResolvedPosition }[] }[];
}

export function rateOf(p: ResolvedPosition, params: StandardParams): Rate {
  return p.kind === 'future' ? params.futureRate : p.kind === 'perpetual' ? params.perpetualRate : params.spotRate;
}

export const rateMoves = (r: Rate): number[] => [1 + r.initial, 1 - r.initial, 1 + r.maintenance, 1 - r.maintenance];

/** Adds an option instrument (unshocked slots) and returns its index. */
export function addOptionInstrument(b: PlanBuilder, p: ResolvedPosition, neutralRow: number): number {
  const spec = { kind: KIND_OPTION, underlying: neutralRow, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: p.strike!, T: p.T, vol: p.vol!, df: p.df ?? 1, omega: omegaOf(p) } as const;
  return b.addTagged(`o|${p.id}`, spec);
}

export function buildStandardPlan(portfolios: readonly Portfolio[], rawParams: StandardParams): { plan: ScenarioPlan; meta: StandardPlanMeta } {
  const params = validateStandardParams(rawParams);
  validatePortfolios(portfolios);
  const b = new PlanBuilder(N_STANDARD_SLOTS);
  b.addVolGroup(ones(4), zeros(4), zeros(4));
  const neutral = b.addUnderlying(ones(4));
  const rows = new Map<string, number>();
  const group = b.addGroupParams();
  const meta: StandardPlanMeta = { params, portfolios: [] };
  for (const pf of portfolios) {
    const entry: StandardPlanMeta['portfolios'][number] = { id: pf.id, linear: [], options: [] };
    for (const p of pf.positions) {
      if (p.size === 0) continue;
      if (p.kind === 'option') {
        entry.options.push({ instrument: addOptionInstrument(b, p, neutral), position: p });
        continue;
      }
      let u = rows.get(p.kind);
      if (u === undefined) rows.set(p.kind, (u = b.addUnderlying(rateMoves(rateOf(p, params)))));
      const spec = linearSpec(p, u);
      const i = b.addTagged(`l|${p.id}`, spec);
      b.addGroupEntry(group, [[i, linearUnits(p)]]);
      entry.linear.push({ row: b.endRow(), position: p });
    }
    meta.portfolios.push(entry);
  }
  return { plan: b.build(), meta };
}
