// deribit-pm → scenario plan. A risk unit is (portfolio × underlying × settlement). Each unit is a
// grid row (every position, instruments on the underlying's spot row: F_s = F·(1 + move)) and,
// when it holds dated futures, a roll row (futures only, on the roll spot row: with
// fwdFixed = F(1 − cT), fwdVar = F·cT and multipliers 2 / 0 in the roll slots, F_s = F(1 ± cT)).
// Plan sizes are units of the underlying, values USD; inverse futures and the coin conversion
// follow standard/inverse.ts (the conversion is done in finish.ts).
import { RiskgridError } from '../../errors.js';
import { KIND_LINEAR, KIND_OPTION, type ScenarioPlan } from '../../margin/plan.js';
import { PlanBuilder, groupInto, type InstrumentSpec } from '../../margin/plan-builder.js';
import { planUnits } from '../standard/inverse.js';
import { omegaOf, validatePortfolios, type ResolvedPosition } from '../standard/position.js';
import { validateDeribitPmParams } from './params.js';
import { deribitSlots, volShock } from './scenarios.js';
import type { DeribitPmParams, DeribitPortfolio } from './types.js';

export interface DeribitUnitMeta {
  underlying: string;
  settlement: 'linear' | 'inverse';
  /** Index price now. */
  S0: number;
  gridRow: number;
  /** −1 when the unit holds no dated future (or rollShock is 0). */
  rollRow: number;
  /** Per position: grid instrument and plan size (units). */
  positions: { position: ResolvedPosition; instrument: number; units: number }[];
}

export interface DeribitPlanMeta {
  params: DeribitPmParams;
  portfolios: { id: string; units: DeribitUnitMeta[]; collateral: DeribitPortfolio['collateral'] }[];
}

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why} (got ${String(value)})`, { field, value });
}

export function buildDeribitPmPlan(portfolios: readonly DeribitPortfolio[], rawParams: DeribitPmParams): { plan: ScenarioPlan; meta: DeribitPlanMeta } {
  const params = validateDeribitPmParams(rawParams);
  validatePortfolios(portfolios, (p, path) => {
    if (p.settlement === 'inverse' && p.kind === 'spot') bad(`${path}.settlement`, p.settlement, 'a spot holding cannot be inverse');
  });
  portfolios.forEach((pf, a) =>
    (pf.collateral ?? []).forEach((c, j) => {
      const path = `portfolios[${a}].collateral[${j}]`;
      if (typeof c.asset !== 'string' || c.asset === '') bad(`${path}.asset`, c.asset, 'must be an asset code');
      if (!Number.isFinite(c.amount)) bad(`${path}.amount`, c.amount, 'must be a finite number');
      if (!(Number.isFinite(c.price) && c.price >= 0)) bad(`${path}.price`, c.price, 'must be a finite number >= 0');
    }),
  );
  const slots = deribitSlots(params);
  const nS = slots.length;
  const b = new PlanBuilder(nS);
  b.damp = slots.map((s) => s.weight);
  const gridMult = slots.map((s) => (s.kind === 'roll' ? 1 : 1 + s.move));
  const rollMult = slots.map((s) => (s.kind === 'roll' ? 1 + s.roll! : 1));
  const rollRow = b.addUnderlying(rollMult);
  const spotRows = new Map<string, number>();
  const volGroups = new Map<number, number>();
  const volGroupOf = (T: number): number => {
    let g = volGroups.get(T);
    if (g === undefined) {
      const { up, down } = volShock(params, T);
      g = b.addVolGroup(
        slots.map((s) => (s.vol === 1 ? up : s.vol === -1 ? down : 1)),
        slots.map(() => 0),
        slots.map((s) => (s.vol === 1 ? params.minVolUp : 0)),
      );
      volGroups.set(T, g);
    }
    return g;
  };
  const group = b.addGroupParams();
  const add = (tag: string, spec: InstrumentSpec): number => b.addTagged(tag, spec);

  const meta: DeribitPlanMeta = { params, portfolios: [] };
  portfolios.forEach((pf, a) => {
    const units = new Map<string, ResolvedPosition[]>();
    for (const p of pf.positions) {
      if (p.size === 0) continue;
      const key = `${p.underlying}|${p.settlement ?? 'linear'}`;
      groupInto(units, key, p);
    }
    const out: DeribitUnitMeta[] = [];
    for (const key of [...units.keys()].sort()) {
      const list = units.get(key)!;
      const [underlying, settlement] = key.split('|') as [string, 'linear' | 'inverse'];
      const S0 = list[0]!.spot ?? list[0]!.forward;
      list.forEach((p) => {
        if (p.spot !== undefined && p.spot !== S0) bad(`portfolios[${a}].positions[${pf.positions.indexOf(p)}].spot`, p.spot, `differs from the ${underlying} index ${S0} of the other positions`);
      });
      let row = spotRows.get(underlying);
      if (row === undefined) spotRows.set(underlying, (row = b.addUnderlying(gridMult)));
      const positions = list.map((p) => {
        const opt = p.kind === 'option';
        const spec: InstrumentSpec = opt
          ? { kind: KIND_OPTION, underlying: row!, volGroup: volGroupOf(p.T), fwdFixed: 0, fwdVar: p.forward, strike: p.strike!, T: p.T, vol: p.vol!, df: p.df ?? 1, omega: omegaOf(p) }
          : { kind: KIND_LINEAR, underlying: row!, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: 0, T: 0, vol: 0, df: 1, omega: 1 };
        const units = planUnits(p, S0);
        return { position: p, instrument: add(`g|${p.id}`, spec), units };
      });
      b.addGroupEntry(group, positions.map((q) => [q.instrument, q.units] as const));
      const gridRow = b.endRow();
      let roll = -1;
      const dated = positions.filter((q) => q.position.kind === 'future' && q.position.T > 0);
      if (dated.length > 0 && params.rollShock > 0) {
        b.addGroupEntry(
          group,
          dated.map((q) => {
            const cT = params.rollShock * q.position.T;
            const F = q.position.forward;
            const spec: InstrumentSpec = { kind: KIND_LINEAR, underlying: rollRow, volGroup: 0, fwdFixed: F * (1 - cT), fwdVar: F * cT, strike: 0, T: 0, vol: 0, df: 1, omega: 1 };
            return [add(`r|${q.position.id}`, spec), q.units] as const;
          }),
        );
        roll = b.endRow();
      }
      out.push({ underlying, settlement, S0, gridRow, rollRow: roll, positions });
    }
    meta.portfolios.push({ id: pf.id, units: out, collateral: pf.collateral });
  });
  return { plan: b.build(), meta };
}
