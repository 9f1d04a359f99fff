// cross-futures → scenario plan. Slots as in standard (± initial rate, ± maintenance rate). One row
// per (portfolio × underlying) holding all its futures and perpetuals, so the kernel nets them:
// loss = netRate × |Σ signed notional|. Spot positions: a row each at spotRate. Options valued only.
import type { ScenarioPlan } from '../../margin/plan.js';
import { linearSpec, linearUnits } from '../standard/linear.js';
import { PlanBuilder, groupInto, ones, zeros } from '../../margin/plan-builder.js';
import { addOptionInstrument, N_STANDARD_SLOTS, rateMoves } from '../standard/plan.js';
import { validatePortfolios, type Portfolio, type ResolvedPosition } from '../standard/position.js';
import { validateCrossFuturesParams } from './params.js';
import type { CrossFuturesParams } from './types.js';

export interface CrossFuturesPlanMeta {
  params: CrossFuturesParams;
  portfolios: {
    id: string;
    units: { row: number; underlying: string; positions: ResolvedPosition[] }[];
    spot: { row: number; position: ResolvedPosition }[];
    options: { instrument: number; position: ResolvedPosition }[];
  }[];
}

export function buildCrossFuturesPlan(portfolios: readonly Portfolio[], rawParams: CrossFuturesParams): { plan: ScenarioPlan; meta: CrossFuturesPlanMeta } {
  const params = validateCrossFuturesParams(rawParams);
  validatePortfolios(portfolios);
  const b = new PlanBuilder(N_STANDARD_SLOTS);
  b.addVolGroup(ones(4), zeros(4), zeros(4));
  const neutral = b.addUnderlying(ones(4));
  const netRow = b.addUnderlying(rateMoves(params.netRate));
  const spotRow = b.addUnderlying(rateMoves(params.spotRate));
  const group = b.addGroupParams();
  const meta: CrossFuturesPlanMeta = { params, portfolios: [] };
  const linear = (p: ResolvedPosition, row: number): [number, number] => {
    const spec = linearSpec(p, row);
    return [b.addTagged(`${row}|${p.id}`, spec), linearUnits(p)];
  };
  for (const pf of portfolios) {
    const entry: CrossFuturesPlanMeta['portfolios'][number] = { id: pf.id, units: [], spot: [], options: [] };
    const byUnderlying = new Map<string, ResolvedPosition[]>();
    for (const p of pf.positions) {
      if (p.size === 0) continue;
      if (p.kind === 'option') entry.options.push({ instrument: addOptionInstrument(b, p, neutral), position: p });
      else if (p.kind === 'spot') {
        b.addGroupEntry(group, [linear(p, spotRow)]);
        entry.spot.push({ row: b.endRow(), position: p });
      } else groupInto(byUnderlying, p.underlying, p);
    }
    for (const u of [...byUnderlying.keys()].sort()) {
      const positions = byUnderlying.get(u)!;
      b.addGroupEntry(group, positions.map((p) => linear(p, netRow)));
      entry.units.push({ row: b.endRow(), underlying: u, positions });
    }
    meta.portfolios.push(entry);
  }
  return { plan: b.build(), meta };
}
