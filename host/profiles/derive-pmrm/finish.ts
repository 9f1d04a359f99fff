// derive-pmrm (v2.0): evaluated plan → margin per portfolio. The scenario P&L comes from the plan
// evaluator; here only what is not a scenario: mark-to-market, static contingencies (base, perp,
// naked option shorts), the oracle-confidence contingency, the IM factor with its depeg add-on.
//
//   worst = min(basis contingency, scenario P&Ls)            (≤ 0)
//   maintenance requirement = static − worst
//   initial requirement     = (static − worst)·(imFactor + depeg) + confidence
//   MM = MtM + cash − maintenance,  IM = MtM + cash − initial  (Derive's figures: excess)
import { RiskgridError } from '../../errors.js';
import type { PlanResult, ScenarioPlan } from '../../margin/plan.js';
import type { DerivePmrmPlanMeta } from './plan.js';
import { confidenceContingency, imLossFactor, nakedShorts, netOptionContracts } from './shocks.js';
import type { DerivePmrmExpiryDetail, DerivePmrmOutput, DerivePmrmPortfolio, DerivePmrmWorst } from './types.js';

export function finishDerivePmrm(
  portfolios: readonly DerivePmrmPortfolio[],
  plan: ScenarioPlan,
  meta: DerivePmrmPlanMeta,
  result: PlanResult,
): DerivePmrmOutput[] {
  if (portfolios.length !== meta.rows.length || plan.rows.nRows !== meta.rows.length) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'portfolios, plan and meta do not belong together', {
      field: 'portfolios.length',
      value: portfolios.length,
    });
  }
  return portfolios.map((p, r) => finishOne(p, r, plan, meta, result));
}

function finishOne(p: DerivePmrmPortfolio, r: number, plan: ScenarioPlan, meta: DerivePmrmPlanMeta, res: PlanResult): DerivePmrmOutput {
  const { params, nScenarios, basisSlot } = meta;
  const nS = plan.scenarios.nS;
  const o = params.otherContingency;
  const row = meta.rows[r]!;
  const pnl = res.pnl.subarray(r * nS, (r + 1) * nS);
  const basis = pnl[basisSlot]!;

  // Derive starts from the basis contingency and takes a scenario only when strictly lower.
  let worstIndex = nScenarios;
  let worstPnl = basis;
  for (let s = 0; s < nScenarios; s++) {
    if (pnl[s]! < worstPnl) {
      worstPnl = pnl[s]!;
      worstIndex = s;
    }
  }
  if (Number.isNaN(res.worst[r]!) || !Number.isFinite(worstPnl)) notFinite(r, 'worst scenario P&L', res.worst[r]);

  const perpAmount = p.perps.reduce((s, q) => s + q.amount, 0);
  let minConfidence = p.spotConfidence;
  if (perpAmount !== 0) minConfidence = Math.min(minConfidence, p.perpConfidence);

  const { rows } = plan;
  const expiries: DerivePmrmExpiryDetail[] = [];
  let optionMtm = 0;
  let optionCont = 0;
  let confidence = confidenceContingency(minConfidence, Math.abs(perpAmount) + p.baseAmount, p.spot, o);
  for (const e of row.expiries) {
    // Unshocked and basis-shocked values of this expiry's options, from the instrument table.
    let mtm = 0;
    let up = 0;
    let down = 0;
    for (let k = rows.groupStart[e.entry]!; k < rows.groupStart[e.entry + 1]!; k++) {
      const i = rows.posInstrument[k]!;
      const size = rows.posSize[k]!;
      mtm += size * res.base[i]!;
      up += size * res.table[i * nS + basisSlot]!;
      down += size * res.table[i * nS + basisSlot + 1]!;
    }
    optionMtm += mtm;
    const naked = nakedShorts(e.options);
    optionCont += naked * o.optionPercent * p.spot;
    let conf = Math.min(minConfidence, e.expiry.forwardConfidence, e.expiry.rateConfidence);
    for (const opt of e.options) conf = Math.min(conf, opt.volConfidence);
    confidence += confidenceContingency(conf, netOptionContracts(e.options), p.spot, o);
    expiries.push({
      secToExpiry: e.expiry.secToExpiry,
      T: e.T,
      volShockUp: e.volShockUp,
      volShockDown: e.volShockDown,
      staticDiscount: e.staticDiscount,
      mtm,
      basisContingency: Math.min(up - mtm, down - mtm, 0) * e.basisFactor,
      nakedShorts: naked,
      minConfidence: conf,
    });
  }

  const perpMtm = p.perps.reduce((s, q) => s + (p.perpPrice - q.entryPrice) * q.amount, 0) + (p.perpFunding ?? 0);
  const baseMtm = (p.baseAmount * p.spot) / p.stablePrice;
  const mtm = optionMtm + perpMtm + baseMtm;
  const baseCont = p.baseAmount * o.basePercent * p.spot;
  const perpCont = Math.abs(perpAmount) * o.perpPercent * p.spot;
  const staticTotal = baseCont + perpCont + optionCont;
  const { factor, depegAddOn } = imLossFactor(p.stablePrice, params);

  // Requirements first, then excess = equity − requirement: cash then moves only the excess.
  const equity = mtm + p.cash;
  const maintenanceMargin = staticTotal - worstPnl;
  const initialMargin = maintenanceMargin * factor + confidence;
  const mmExcess = equity - maintenanceMargin;
  const imExcess = equity - initialMargin;
  for (const [name, v] of [['maintenance margin', mmExcess], ['initial margin', imExcess]] as const) {
    if (!Number.isFinite(v)) notFinite(r, name, v);
  }

  const sc = worstIndex < nScenarios ? params.scenarios[worstIndex]! : undefined;
  const worst: DerivePmrmWorst = {
    index: worstIndex,
    kind: sc === undefined ? 'basis' : 'scenario',
    spotShock: sc === undefined ? 1 : sc.spotShock,
    volShock: sc === undefined ? 'none' : sc.volShock,
    pnl: worstPnl,
  };
  return {
    imExcess,
    mmExcess,
    initialMargin,
    maintenanceMargin,
    mtm,
    equity,
    optionMtm,
    perpMtm,
    baseMtm,
    contingencies: { base: baseCont, perp: perpCont, option: optionCont, staticTotal, confidence, imFactor: factor, depegAddOn, basis },
    worst,
    scenarioPnl: Float64Array.from(pnl.subarray(0, nScenarios)),
    expiries,
  };
}

function notFinite(row: number, what: string, value: unknown): never {
  throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `portfolio ${row}: ${what} is not finite`, { field: `portfolios[${row}]`, value });
}
