// okx-pm → scenario plan. A risk unit (portfolio × underlying) is up to four rows: a grid row per
// settlement (linear, inverse: the coin conversion in finish.ts applies to the inverse row only)
// and a basis row per settlement for dated futures (roll spot row, as in deribit-pm). MR2 and MR5
// need no scenario: each option gets twin instruments (T − days; df shocked by ∓ rateShock·T)
// valued once without rows, and finish.ts differences their unshocked values.
import { RiskgridError } from '../../errors.js';
import { KIND_LINEAR, KIND_OPTION, type ScenarioPlan } from '../../margin/plan.js';
import { planUnits } from '../standard/inverse.js';
import { PlanBuilder, groupInto, type InstrumentSpec } from '../../margin/plan-builder.js';
import { omegaOf, validatePortfolios } from '../standard/position.js';
import { validateOkxPmParams } from './params.js';
import { okxSlots, okxVolMul } from './scenarios.js';
import type { OkxPmParams, OkxPortfolio, OkxPosition } from './types.js';

export interface OkxPositionMeta {
  position: OkxPosition;
  instrument: number;
  units: number;
  /** Options: twin instruments for MR2 (theta) and MR5 (rate up, rate down). */
  theta?: number;
  rateUp?: number;
  rateDown?: number;
}

export interface OkxUnitMeta {
  underlying: string;
  S0: number;
  /** Grid and basis rows per settlement (−1 when absent). */
  rows: { settlement: 'linear' | 'inverse'; grid: number; basis: number; positions: OkxPositionMeta[] }[];
}

export interface OkxPlanMeta {
  params: OkxPmParams;
  portfolios: { id: string; units: OkxUnitMeta[] }[];
}

export function buildOkxPmPlan(portfolios: readonly OkxPortfolio[], rawParams: OkxPmParams): { plan: ScenarioPlan; meta: OkxPlanMeta } {
  const params = validateOkxPmParams(rawParams);
  validatePortfolios(portfolios);
  const slots = okxSlots(params);
  const nS = slots.length;
  const b = new PlanBuilder(nS);
  b.damp = slots.map((s) => s.weight);
  const gridMult = slots.map((s) => 1 + s.move);
  const basisRow = b.addUnderlying(slots.map((s) => (s.kind === 'mr4' ? 1 + s.basis! : 1)));
  const neutralRow = b.addUnderlying(slots.map(() => 1));
  const spotRows = new Map<string, number>();
  const volGroups = new Map<number, number>();
  const volGroupOf = (T: number): number => {
    let g = volGroups.get(T);
    if (g === undefined) {
      g = b.addVolGroup(
        slots.map((s) => okxVolMul(params, s, T)),
        slots.map(() => 0),
        slots.map(() => 0),
      );
      volGroups.set(T, g);
    }
    return g;
  };
  const group = b.addGroupParams();
  const add = (tag: string, spec: InstrumentSpec): number => b.addTagged(tag, spec);
  const optionSpec = (p: OkxPosition, row: number, T: number, df: number): InstrumentSpec => ({
    kind: KIND_OPTION, underlying: row, volGroup: volGroupOf(p.T), fwdFixed: 0, fwdVar: p.forward, strike: p.strike!, T, vol: p.vol!, df, omega: omegaOf(p),
  });

  const meta: OkxPlanMeta = { params, portfolios: [] };
  for (const pf of portfolios) {
    const byUnderlying = new Map<string, OkxPosition[]>();
    for (const p of pf.positions) if (p.size !== 0) groupInto(byUnderlying, p.underlying, p);
    const units: OkxUnitMeta[] = [];
    for (const underlying of [...byUnderlying.keys()].sort()) {
      const list = byUnderlying.get(underlying)!;
      const S0 = list[0]!.spot ?? list[0]!.forward;
      for (const p of list) {
        if (p.spot !== undefined && p.spot !== S0) {
          const field = `portfolios[${portfolios.indexOf(pf)}].positions[${pf.positions.indexOf(p)}].spot`;
          throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: differs from the ${underlying} index ${S0} of the other positions (got ${p.spot})`, { field, value: p.spot });
        }
      }
      let row = spotRows.get(underlying);
      if (row === undefined) spotRows.set(underlying, (row = b.addUnderlying(gridMult)));
      const rows: OkxUnitMeta['rows'] = [];
      for (const settlement of ['linear', 'inverse'] as const) {
        const part = list.filter((p) => (p.settlement ?? 'linear') === settlement);
        if (part.length === 0) continue;
        const positions: OkxPositionMeta[] = part.map((p) => {
          const units = planUnits(p, S0);
          if (p.kind !== 'option') {
            return { position: p, units, instrument: add(`g|${p.id}`, { kind: KIND_LINEAR, underlying: row!, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: 0, T: 0, vol: 0, df: 1, omega: 1 }) };
          }
          const df = p.df ?? 1;
          const dr = params.mr5.rateShock * p.T;
          return {
            position: p,
            units,
            instrument: add(`g|${p.id}`, optionSpec(p, row!, p.T, df)),
            theta: add(`t|${p.id}`, optionSpec(p, neutralRow, Math.max(p.T - params.mr2.days / 365, 0), df)),
            rateUp: add(`u|${p.id}`, optionSpec(p, neutralRow, p.T, df * Math.exp(-dr))),
            rateDown: add(`d|${p.id}`, optionSpec(p, neutralRow, p.T, df * Math.exp(dr))),
          };
        });
        b.addGroupEntry(group, positions.map((q) => [q.instrument, q.units] as const));
        const grid = b.endRow();
        let basis = -1;
        const dated = positions.filter((q) => q.position.kind === 'future' && q.position.T > 0);
        if (dated.length > 0 && params.mr4.annualMove > 0) {
          b.addGroupEntry(
            group,
            dated.map((q) => {
              const cT = params.mr4.annualMove * q.position.T;
              const F = q.position.forward;
              return [add(`b|${q.position.id}`, { kind: KIND_LINEAR, underlying: basisRow, volGroup: 0, fwdFixed: F * (1 - cT), fwdVar: F * cT, strike: 0, T: 0, vol: 0, df: 1, omega: 1 }), q.units] as const;
            }),
          );
          basis = b.endRow();
        }
        rows.push({ settlement, grid, basis, positions });
      }
      units.push({ underlying, S0, rows });
    }
    meta.portfolios.push({ id: pf.id, units });
  }
  return { plan: b.build(), meta };
}
