// Evaluated plan → per-portfolio derive-pmrm2 results (PMRMLib_2.addPrecomputes and
// getMarginAndMarkToMarket): mark-to-market from the unshocked instrument values, contingencies,
// the worst of (basis contingency, scenarios), then
//   MM = mmFactor·worst − MM contingencies + MtM + cash
//   IM = (imFactor + depeg)·worst − MM contingencies − IM contingencies + MtM + cash.
import { RiskgridError } from '../../errors.js';
import type { PlanResult } from '../../margin/plan.js';
import type { DerivePmrm2PlanMeta } from './plan.js';
import type {
  DerivePmrm2ExpiryDetail,
  DerivePmrm2Params,
  DerivePmrm2Result,
  DerivePmrm2ScenarioKind,
  DerivePortfolio,
} from './types.js';

/** Regular = the leading run of undampened non-skew scenarios; the other non-skew ones are tails. */
export function derivePmrm2ScenarioKinds(params: DerivePmrm2Params): DerivePmrm2ScenarioKind[] {
  let leading = true;
  return params.scenarios.map((s) => {
    if (s.volShock === 'linear' || s.volShock === 'abs') return 'skew';
    leading &&= s.dampening === 1;
    return leading ? 'regular' : 'tail';
  });
}

function confidenceContingency(conf: number, notional: number, params: DerivePmrm2Params): number {
  const o = params.otherContingency;
  return conf < o.confThreshold ? (1 - conf) * o.confMargin * notional : 0;
}

/** Result of plan row r alone (a batch can keep the other rows when one throws). */
export function finishDerivePmrm2Row(
  p: DerivePortfolio,
  params: DerivePmrm2Params,
  meta: DerivePmrm2PlanMeta,
  res: PlanResult,
  r: number,
  kinds: DerivePmrm2ScenarioKind[] = derivePmrm2ScenarioKinds(params),
): DerivePmrm2Result {
  const { arranged, expiries: em } = meta.portfolios[r]!;
  const n = meta.nScenarios;
  const nS = n + 2;
  const oc = params.otherContingency;
  const spot = p.spot;

  const perpNotional = Math.abs(arranged.perpAmount) * spot;
  const c = {
    mmPerp: perpNotional * oc.mmPerpPercent,
    imPerp: perpNotional * oc.imPerpPercent,
    mmOption: 0,
    imOption: 0,
    mmCollateral: 0,
    imCollateral: 0,
    oracle: confidenceContingency(arranged.minConfidence, perpNotional, params),
    mm: 0,
    im: 0,
  };

  let optionMtm = 0;
  let basis = 0;
  const expiries: DerivePmrm2ExpiryDetail[] = new Array(arranged.expiries.length);
  const nOpt = p.options.length;
  const options = { volShockUp: new Float64Array(nOpt), volShockDown: new Float64Array(nOpt), volUp: new Float64Array(nOpt), volDown: new Float64Array(nOpt) };
  const minVolUp = params.volShock.minVolUpShock;
  // Sums run in the canonical order (bit-identical under permutation); details keep input order.
  for (const j of arranged.expiryOrder) {
    const e = arranged.expiries[j]!;
    const { shocks, instruments } = em[j]!;
    let mtm = 0;
    let up = 0;
    let down = 0;
    for (let k = 0; k < e.options.length; k++) {
      const oi = e.options[k]!;
      const o = p.options[oi]!;
      const i = instruments[k]!;
      mtm += o.amount * res.base[i]!;
      up += o.amount * res.table[i * nS + n]!;
      down += o.amount * res.table[i * nS + n + 1]!;
      options.volShockUp[oi] = shocks.volUp;
      options.volShockDown[oi] = shocks.volDown;
      options.volUp[oi] = Math.max(minVolUp, o.markVol * shocks.volUp);
      options.volDown[oi] = o.markVol * shocks.volDown;
    }
    const basisShare = Math.min(up - mtm, down - mtm, 0) * shocks.basisFactor;
    optionMtm += mtm;
    basis += basisShare;
    const naked = e.nakedShorts * spot;
    c.mmOption += naked * oc.mmOptionPercent;
    c.imOption += naked * oc.imOptionPercent;
    c.oracle += confidenceContingency(e.minConfidence, e.absAmount * spot, params);
    expiries[j] = {
      secToExpiry: e.secToExpiry,
      T: e.T,
      df: e.df,
      staticDiscountPos: shocks.discPos,
      staticDiscountNeg: shocks.discNeg,
      volShockUp: shocks.volUp,
      volShockDown: shocks.volDown,
      mtm,
      mtmDiscounted: mtm * (mtm >= 0 ? shocks.discPos : shocks.discNeg),
      basisContingency: basisShare,
      nakedShorts: e.nakedShorts,
      minConfidence: e.minConfidence,
    };
  }

  let collateralMtm = 0;
  for (const ci of arranged.collateralOrder) {
    const col = p.collaterals[ci]!;
    const value = (col.amount * col.price) / p.stablePrice;
    collateralMtm += value;
    c.mmCollateral += value * col.mmHaircut;
    c.imCollateral += value * col.imHaircut;
    // Collateral sees its own and the spot feed's confidence, not the perp's.
    c.oracle += confidenceContingency(Math.min(col.confidence, p.spotConfidence), value, params);
  }
  c.mm = c.mmPerp + c.mmOption + c.mmCollateral;
  c.im = c.imPerp + c.imOption + c.imCollateral + c.oracle;

  const worstPnl = res.worst[r]!;
  const wi = res.worstIndex[r]!;
  if (Number.isNaN(worstPnl) || wi < 0) {
    throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `portfolios[${r}]: a scenario P&L is not a number`, { field: `portfolios[${r}]`, value: worstPnl });
  }
  const isBasis = wi >= n;
  const sc = isBasis ? undefined : params.scenarios[wi]!;
  const worst = {
    index: isBasis ? n : wi,
    kind: isBasis ? ('basis' as const) : kinds[wi]!,
    spotShock: sc?.spotShock ?? 1,
    volShock: sc?.volShock ?? ('none' as const),
    dampening: sc?.dampening ?? 1,
    pnl: worstPnl,
  };

  const perpUnrealisedPnl = p.perp?.unrealisedPnl ?? 0;
  const perpFunding = p.perp?.funding ?? 0;
  const equity = optionMtm + collateralMtm + perpUnrealisedPnl + perpFunding + p.cash;
  const depegAddOn = p.stablePrice < oc.pegLossThreshold ? (oc.pegLossThreshold - p.stablePrice) * oc.pegLossFactor : 0;
  const mmLossFactor = params.margin.mmFactor;
  const imLossFactor = params.margin.imFactor + depegAddOn;
  const mmExcess = worstPnl * mmLossFactor - c.mm + equity;
  const imExcess = worstPnl * imLossFactor - c.mm - c.im + equity;

  const result: DerivePmrm2Result = {
    imExcess,
    mmExcess,
    // Requirements straight from their parts, so they do not depend on cash even in the last bit.
    initialMargin: -worstPnl * imLossFactor + c.mm + c.im,
    maintenanceMargin: -worstPnl * mmLossFactor + c.mm,
    equity,
    cash: p.cash,
    optionMtm,
    collateralMtm,
    perpUnrealisedPnl,
    perpFunding,
    mmLossFactor,
    imLossFactor,
    depegAddOn,
    contingencies: c,
    basisContingency: res.pnl[r * nS + n]!,
    worst,
    scenarioPnl: res.pnl.slice(r * nS, r * nS + n),
    scenarioKinds: kinds,
    expiries,
    options,
  };
  for (const [field, v] of [['imExcess', imExcess], ['mmExcess', mmExcess], ['equity', equity], ['basisContingency', result.basisContingency]] as const) {
    if (!Number.isFinite(v)) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `portfolios[${r}]: ${field} is ${v}`, { field: `portfolios[${r}].${field}`, value: v });
  }
  return result;
}

/** One result per portfolio, in order. Throws RG_ERR_NOT_FINITE_RESULT rather than return a NaN margin. */
export function finishDerivePmrm2(portfolios: DerivePortfolio[], params: DerivePmrm2Params, meta: DerivePmrm2PlanMeta, planResult: PlanResult): DerivePmrm2Result[] {
  const kinds = derivePmrm2ScenarioKinds(params);
  return portfolios.map((p, r) => finishDerivePmrm2Row(p, params, meta, planResult, r, kinds));
}
