// span → scenario plan. One plan row per (portfolio × combined commodity) held, one group per row
// (no discounts). Instruments valued from their facts sit on their commodity's spot row with
// fwdFixed = F0 − R, fwdVar = R (R = price scan range in price points = range / multiplier), so a
// spot multiplier 1 + move gives F0 + move·R: the same absolute move for every contract month.
// Given risk arrays (a clearing house's published figures) are data too: each is a linear
// instrument on its own spot row whose multipliers are 1 + P&L/weight, so value − base = P&L.
// Look-ahead: options are shocked at T − lookaheadDays; the same option at T (the price now) is a
// twin instrument without rows, and finish.ts adds the decay V(T − L) − V(T) to every scenario.
import { RiskgridError } from '../../errors.js';
import { KIND_LINEAR, KIND_OPTION, type ScenarioPlan } from '../../margin/plan.js';
import { PlanBuilder, instrumentKey, ones, zeros, type InstrumentSpec } from '../../margin/plan-builder.js';
import { omegaOf, validatePortfolios } from '../standard/position.js';
import { validateSpanParams } from './params.js';
import { DELTA_BUMP, N_POINTS, N_RISK, N_SLOTS, deltaPoints, spanScenarios } from './scenarios.js';
import type { SpanParams, SpanPortfolio, SpanPosition } from './types.js';

export interface SpanInstrumentMeta {
  id: string;
  commodity: string;
  kind: SpanPosition['kind'];
  optionType?: 'C' | 'P';
  /** Units per contract: plan sizes are contracts × multiplier (1 for given arrays). */
  multiplier: number;
  /** Price scan range in price points (0 for given arrays). */
  range: number;
  /**
   * The same option valued today (at T) when the scenarios are at T − look-ahead; this
   * instrument's own index otherwise. Its unshocked value is the price now.
   */
  today: number;
  given?: { riskArray: number[]; compositeDelta: number; price: number };
}

export interface SpanRowMeta {
  row: number;
  commodity: string;
  /** [instrument, signed contracts, month] per position. */
  positions: { instrument: number; contracts: number; month: string }[];
}

export interface SpanPlanMeta {
  params: SpanParams;
  instruments: SpanInstrumentMeta[];
  /** Per portfolio: id and its commodity rows (sorted by commodity). */
  portfolios: { id: string; rows: SpanRowMeta[] }[];
}

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why} (got ${String(value)})`, { field, value });
}

function checkSpanPosition(params: SpanParams) {
  return (p: SpanPosition, path: string): void => {
    if (!(p.commodity in params.commodities)) bad(`${path}.commodity`, p.commodity, 'is not a combined commodity of the profile');
    if (typeof p.month !== 'string' || p.month.length === 0) bad(`${path}.month`, p.month, 'must be a contract month such as 202612');
    if (p.settlement === 'inverse') bad(`${path}.settlement`, p.settlement, 'span margins linear contracts only');
    const c = params.commodities[p.commodity]!;
    if (!c.tiers.some((t) => t.fromMonth <= p.month && p.month <= t.toMonth)) bad(`${path}.month`, p.month, `is in no tier of ${p.commodity}`);
    if (p.riskArray !== undefined) {
      if (!Array.isArray(p.riskArray) || p.riskArray.length !== N_RISK || !p.riskArray.every(Number.isFinite)) {
        bad(`${path}.riskArray`, p.riskArray, 'must be 16 finite numbers (loss positive, per contract)');
      }
      if (typeof p.compositeDelta !== 'number' || !Number.isFinite(p.compositeDelta)) bad(`${path}.compositeDelta`, p.compositeDelta, 'must come with a given risk array');
      if (p.kind === 'option' && c.premiumStyle && (typeof p.price !== 'number' || !Number.isFinite(p.price))) {
        bad(`${path}.price`, p.price, 'a given-array premium-style option needs its price per contract');
      }
      if (params.extremeCoverFraction === 0 && (p.riskArray[14] !== 0 || p.riskArray[15] !== 0)) {
        bad(`${path}.riskArray`, p.riskArray, 'extreme values must be 0 when extremeCoverFraction is 0');
      }
    } else if (p.kind === 'option') {
      const R = c.priceScanRange / p.multiplier;
      const low = p.forward - params.extremeMultiple * R;
      if (!(low > 0)) bad(`${path}.forward`, p.forward, `the down extreme (${params.extremeMultiple} × ${R} points) leaves no positive price for an option`);
    }
  };
}

export function buildSpanPlan(portfolios: readonly SpanPortfolio[], rawParams: SpanParams): { plan: ScenarioPlan; meta: SpanPlanMeta } {
  const params = validateSpanParams(rawParams);
  validatePortfolios(portfolios, checkSpanPosition(params));
  const scen = spanScenarios(params);
  const points = deltaPoints(params);
  const b = new PlanBuilder(N_SLOTS);
  // Risk slots count at their weight; delta slots not at all.
  b.damp = [...scen.map((s) => s.weight), ...zeros(2 * N_POINTS)];
  const moves = [...scen.map((s) => s.move), ...points.flatMap((m) => [m + DELTA_BUMP, m - DELTA_BUMP])];
  const volDir = [...scen.map((s) => s.vol), ...zeros(2 * N_POINTS)];

  const commodityNames = Object.keys(params.commodities).sort();
  const spotRow = new Map<string, number>();
  const volGroup = new Map<string, number>();
  for (const name of commodityNames) {
    const c = params.commodities[name]!;
    spotRow.set(name, b.addUnderlying(moves.map((m) => 1 + m)));
    const abs = params.volScanMode === 'absolute';
    volGroup.set(
      name,
      b.addVolGroup(
        volDir.map((d) => (abs ? 1 : 1 + d * c.volScanRange)),
        volDir.map((d) => (abs ? d * c.volScanRange : 0)),
        volDir.map((d) => (d === 0 ? 0 : c.volFloor)),
      ),
    );
  }
  const group = b.addGroupParams();
  const instruments: SpanInstrumentMeta[] = [];

  const instrumentOf = (p: SpanPosition): number => {
    const c = params.commodities[p.commodity]!;
    let spec: InstrumentSpec;
    let key: string;
    let given: SpanInstrumentMeta['given'];
    if (p.riskArray !== undefined) {
      // P&L per contract = −loss; extreme values are already at the cover fraction.
      const mult = [
        ...p.riskArray.map((loss, s) => (b.damp[s] === 0 ? 1 : 1 - loss / b.damp[s]!)),
        ...ones(2 * N_POINTS),
      ];
      key = `given|${p.commodity}|${p.id}|${p.riskArray.join(',')}|${p.compositeDelta}|${p.price ?? 0}`;
      const found = b.findInstrument(key);
      if (found !== undefined) return found;
      const u = b.addUnderlying(mult);
      spec = { kind: KIND_LINEAR, underlying: u, volGroup: 0, fwdFixed: 0, fwdVar: 1, strike: 0, T: 0, vol: 0, df: 1, omega: 1 };
      given = { riskArray: [...p.riskArray], compositeDelta: p.compositeDelta!, price: p.price ?? 0 };
    } else {
      const R = c.priceScanRange / p.multiplier;
      const opt = p.kind === 'option';
      spec = {
        kind: opt ? KIND_OPTION : KIND_LINEAR,
        underlying: spotRow.get(p.commodity)!,
        volGroup: volGroup.get(p.commodity)!,
        fwdFixed: p.forward - R,
        fwdVar: R,
        strike: opt ? p.strike! : 0,
        T: opt ? Math.max(p.T - params.lookaheadDays / 365, 0) : 0,
        vol: opt ? p.vol! : 0,
        df: opt ? (p.df ?? 1) : 1,
        omega: opt ? omegaOf(p) : 1,
      };
      key = '';
    }
    const before = b.nInstruments;
    // Valued instruments: a cheap id tag first, the full key (every value-setting field) only for new ones.
    const i = given ? b.addInstrument(key, spec) : b.addTagged(`${p.commodity}|${p.multiplier}|${p.id}`, spec, `${p.commodity}|${p.multiplier}|${p.kind}|${p.T}`);
    if (i < before) return i;
    const meta: SpanInstrumentMeta = {
      id: p.id,
      commodity: p.commodity,
      kind: p.kind,
      optionType: p.optionType,
      multiplier: given ? 1 : p.multiplier,
      range: given ? 0 : spec.fwdVar,
      today: i,
      given,
    };
    instruments.push(meta); // instruments are appended: meta index = plan index
    if (spec.kind === KIND_OPTION && spec.T !== p.T) {
      // The option now, valued without rows: only its unshocked value (the price now) is read.
      const now = { ...spec, T: p.T };
      const nowKey = instrumentKey(now, `${p.commodity}|${p.multiplier}|today`);
      const known = b.findInstrument(nowKey);
      meta.today = known ?? b.addInstrument(nowKey, now);
      if (known === undefined) instruments.push({ ...meta });
    }
    return i;
  };

  const metaPortfolios: SpanPlanMeta['portfolios'] = [];
  for (const pf of portfolios) {
    const byCommodity = new Map<string, SpanPosition[]>();
    for (const p of pf.positions) {
      if (p.size === 0) continue;
      const list = byCommodity.get(p.commodity) ?? [];
      list.push(p);
      byCommodity.set(p.commodity, list);
    }
    const rows: SpanRowMeta[] = [];
    for (const name of [...byCommodity.keys()].sort()) {
      const positions = byCommodity.get(name)!.map((p) => ({ instrument: instrumentOf(p), contracts: p.size, month: p.month }));
      b.addGroupEntry(
        group,
        positions.map((q) => [q.instrument, q.contracts * instruments[q.instrument]!.multiplier] as const),
      );
      rows.push({ row: b.endRow(), commodity: name, positions });
    }
    metaPortfolios.push({ id: pf.id, rows });
  }
  return { plan: b.build(), meta: { params, instruments, portfolios: metaPortfolios } };
}
