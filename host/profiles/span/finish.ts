// span: evaluated plan → per-portfolio requirements. Per combined commodity: scan risk (largest
// loss over the 16 scenarios, floored at 0), its split into time / price / volatility risk, the
// intra-commodity (calendar) spread charge from composite deltas by tier, the short option minimum
// and the net option value. Across commodities: inter-commodity spread credits in priority order.
//   commodity risk = max(scan + intra − inter credit, short option minimum)
//   maintenance = Σ commodity risks; initial = maintenance × initialToMaintenance.
// Requirements are positive; the net option value is reported (SPAN subtracts it when equity is
// cash only; riskgrid's equity already holds option values, so it is not subtracted from IM/MM).
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import { requireFiniteResult } from '../standard/position.js';
import type { SpanInstrumentMeta, SpanPlanMeta } from './plan.js';
import { interCredits, intraCharge } from './spreads.js';
import { spanRiskArrays, type SpanRiskArray } from './risk-arrays.js';
import { N_RISK, spanScenarios } from './scenarios.js';
import type { SpanParams } from './types.js';

export interface SpanCommodityResult {
  commodity: string;
  scanRisk: number;
  /** Scenario (0-based) of the scan risk. */
  activeScenario: number;
  timeRisk: number;
  priceRisk: number;
  volatilityRisk: number;
  /** Net composite delta (contracts of the underlying future). */
  netDelta: number;
  intraSpreadCharge: number;
  intraSpreads: number;
  interSpreadCredit: number;
  shortOptionMinimum: number;
  netOptionValue: number;
  /** max(scan + intra − credit, short option minimum). */
  risk: number;
  /** Loss per scenario (16 values, positive = loss). */
  losses: number[];
}

export interface SpanResult {
  id: string;
  initialMargin: number;
  maintenanceMargin: number;
  breakdown: {
    scanRisk: number;
    intraCommoditySpreadCharge: number;
    interCommoditySpreadCredit: number;
    /** What the short option minimum adds over scan + intra − inter (≥ 0). */
    shortOptionMinimumUplift: number;
    /** Σ premium-style option value (long positive): SPAN's net option value. */
    netOptionValue: number;
    /** maintenance − net option value: the SPAN requirement against cash-only equity. */
    maintenanceNetOfOptionValue: number;
  };
  /** Scenario with the largest summed loss across the portfolio's commodities. */
  worstScenario: { index: number; label: string; loss: number };
  commodities: SpanCommodityResult[];
  interSpreads: { name: string; spreads: number; credit: number }[];
  /** The 16-value risk array (loss positive, as SPAN prints it) of each instrument held. */
  riskArrays: SpanRiskArray[];
}

export function finishSpan(plan: ScenarioPlan, result: PlanResult, meta: SpanPlanMeta): SpanResult[] {
  const params = meta.params;
  const nS = plan.scenarios.nS;
  const arrays = spanRiskArrays(plan, result, meta);
  const labels = spanScenarios(params).map((s) => s.label);
  return meta.portfolios.map((pf) => {
    const total = new Array<number>(N_RISK).fill(0);
    const comms: SpanCommodityResult[] = pf.rows.map((r) => {
      // Look-ahead decay: Σ plan size × (value at T − L − value now), counted at each weight.
      let decay = 0;
      for (const q of r.positions) {
        const m = meta.instruments[q.instrument]!;
        if (m.today !== q.instrument) decay += q.contracts * m.multiplier * (result.base[q.instrument]! - result.base[m.today]!);
      }
      const losses: number[] = [];
      for (let s = 0; s < N_RISK; s++) {
        const loss = -(result.pnl[r.row * nS + s]! + plan.scenarios.damp[s]! * decay);
        requireFiniteResult(loss, `portfolio ${pf.id}: ${r.commodity} scenario ${s + 1} loss`);
        losses.push(loss + 0); // +0 turns −0 into 0
        total[s]! += loss;
      }
      return commodityRisk(r.commodity, params, losses, r.positions, arrays, meta.instruments);
    });
    const inter = interCredits(params, comms);
    let scan = 0,
      intra = 0,
      credit = 0,
      uplift = 0,
      nov = 0,
      mm = 0;
    for (const c of comms) {
      c.risk = Math.max(c.scanRisk + c.intraSpreadCharge - c.interSpreadCredit, c.shortOptionMinimum);
      scan += c.scanRisk;
      intra += c.intraSpreadCharge;
      credit += c.interSpreadCredit;
      uplift += c.risk - (c.scanRisk + c.intraSpreadCharge - c.interSpreadCredit);
      nov += c.netOptionValue;
      mm += c.risk;
    }
    let wi = 0;
    for (let s = 1; s < N_RISK; s++) if (total[s]! > total[wi]!) wi = s;
    mm = requireFiniteResult(mm, `portfolio ${pf.id}: maintenance margin`);
    return {
      id: pf.id,
      initialMargin: mm * params.initialToMaintenance,
      maintenanceMargin: mm,
      breakdown: {
        scanRisk: scan,
        intraCommoditySpreadCharge: intra,
        interCommoditySpreadCredit: credit,
        shortOptionMinimumUplift: uplift,
        netOptionValue: nov,
        maintenanceNetOfOptionValue: mm - nov,
      },
      worstScenario: { index: wi, label: labels[wi]!, loss: comms.length === 0 ? 0 : total[wi]! },
      commodities: comms,
      interSpreads: inter,
      riskArrays: [...new Set(pf.rows.flatMap((r) => r.positions.map((q) => q.instrument)))].map((i) => arrays[i]!),
    };
  });
}

function commodityRisk(
  name: string,
  params: SpanParams,
  losses: number[],
  positions: { instrument: number; contracts: number; month: string }[],
  arrays: SpanRiskArray[],
  instruments: SpanInstrumentMeta[],
): SpanCommodityResult {
  const c = params.commodities[name]!;
  let active = 0;
  for (let s = 1; s < N_RISK; s++) if (losses[s]! > losses[active]!) active = s;
  const scanRisk = Math.max(losses[active]!, 0);
  // CME split: time risk = mean of the two price-unchanged scenarios; price risk = mean of the
  // active scenario and its vol-pair less time risk; volatility risk = the rest.
  const timeRisk = scanRisk === 0 ? 0 : (losses[0]! + losses[1]!) / 2;
  let priceRisk = 0;
  if (scanRisk > 0) {
    const pairMean = active < 14 ? (losses[active]! + losses[active ^ 1]!) / 2 : losses[active]!;
    priceRisk = Math.max(pairMean - timeRisk, 0);
  }
  const volatilityRisk = scanRisk - timeRisk - priceRisk;

  const monthDelta = new Map<string, number>();
  let shortCalls = 0,
    shortPuts = 0,
    nov = 0;
  for (const p of positions) {
    const a = arrays[p.instrument]!;
    monthDelta.set(p.month, (monthDelta.get(p.month) ?? 0) + p.contracts * a.compositeDelta);
    const ins = instruments[p.instrument]!;
    if (ins.kind === 'option') {
      if (p.contracts < 0 && ins.optionType === 'C') shortCalls -= p.contracts;
      if (p.contracts < 0 && ins.optionType === 'P') shortPuts -= p.contracts;
      if (c.premiumStyle) nov += p.contracts * a.price;
    }
  }
  const { charge, spreads, netDelta } = intraCharge(c, monthDelta);
  const som = c.shortOptionMinimum * (params.somMethod === 'max' ? Math.max(shortCalls, shortPuts) : shortCalls + shortPuts);
  return {
    commodity: name,
    scanRisk,
    activeScenario: active,
    timeRisk,
    priceRisk,
    volatilityRisk,
    netDelta,
    intraSpreadCharge: charge,
    intraSpreads: spreads,
    interSpreadCredit: 0,
    shortOptionMinimum: som,
    netOptionValue: nov,
    risk: 0,
    losses,
  };
}
