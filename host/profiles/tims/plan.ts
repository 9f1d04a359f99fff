// tims → scenario plan: one spot row per class (its own up / down range), one row per
// (portfolio × class); vol unchanged in every slot, weights 1.
import { RiskgridError } from '../../errors.js';
import { KIND_LINEAR, KIND_OPTION, type ScenarioPlan } from '../../margin/plan.js';
import { PlanBuilder, groupInto, ones, zeros, type InstrumentSpec } from '../../margin/plan-builder.js';
import { omegaOf, validatePortfolios, type ResolvedPosition } from '../standard/position.js';
import { validateTimsParams } from './params.js';
import type { TimsClass, TimsParams, TimsPortfolio } from './types.js';

export interface TimsPlanMeta {
  params: TimsParams;
  portfolios: {
    id: string;
    classes: { underlying: string; cls: TimsClass; group: string; offset: number; row: number; positions: { position: ResolvedPosition; instrument: number }[] }[];
  }[];
}

/** Price moves of the valuation points: −down … −down/n, +up/n … +up (n = points / 2). */
export function timsMoves(points: number, c: TimsClass): number[] {
  const n = points / 2;
  const down = Array.from({ length: n }, (_, k) => (-c.down * (n - k)) / n);
  const up = Array.from({ length: n }, (_, k) => (c.up * (k + 1)) / n);
  return [...down, ...up];
}

export function timsClassOf(params: TimsParams, underlying: string): TimsClass {
  const c = params.classes[underlying] ?? params.classes['*'];
  if (c === undefined) throw new RiskgridError('RG_ERR_PROFILE', `no product class for ${underlying} and no "*" default in params.classes`, { field: 'params.classes', value: underlying });
  return c;
}

export function buildTimsPlan(portfolios: readonly TimsPortfolio[], rawParams: TimsParams): { plan: ScenarioPlan; meta: TimsPlanMeta } {
  const params = validateTimsParams(rawParams);
  validatePortfolios(portfolios);
  const nS = params.valuationPoints;
  const b = new PlanBuilder(nS);
  b.addVolGroup(ones(nS), zeros(nS), zeros(nS));
  const rows = new Map<string, number>();
  const group = b.addGroupParams();
  const meta: TimsPlanMeta = { params, portfolios: [] };
  for (const pf of portfolios) {
    const byClass = new Map<string, ResolvedPosition[]>();
    for (const p of pf.positions) if (p.size !== 0) groupInto(byClass, p.underlying, p);
    const classes: TimsPlanMeta['portfolios'][number]['classes'] = [];
    for (const underlying of [...byClass.keys()].sort()) {
      const cls = timsClassOf(params, underlying);
      let u = rows.get(underlying);
      if (u === undefined) rows.set(underlying, (u = b.addUnderlying(timsMoves(nS, cls).map((m) => 1 + m))));
      const positions = byClass.get(underlying)!.map((p) => {
        const opt = p.kind === 'option';
        const spec: InstrumentSpec = opt
          ? { kind: KIND_OPTION, underlying: u!, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: p.strike!, T: p.T, vol: p.vol!, df: p.df ?? 1, omega: omegaOf(p) }
          : { kind: KIND_LINEAR, underlying: u!, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: 0, T: 0, vol: 0, df: 1, omega: 1 };
        return { position: p, instrument: b.addTagged(`${underlying}|${p.id}`, spec) };
      });
      b.addGroupEntry(group, positions.map((q) => [q.instrument, q.position.size * q.position.multiplier] as const));
      const own = params.classes[underlying] === undefined;
      classes.push({ underlying, cls, group: own ? underlying : cls.group, offset: own ? 0 : params.groups[cls.group]!.offset, row: b.endRow(), positions });
    }
    meta.portfolios.push({ id: pf.id, classes });
  }
  return { plan: b.build(), meta };
}
