// Derive's PMRM_2 finish in array form: one aggregated row → the MarginResult the reference path
// (finishDerivePmrm2Row → outcomeOf → Engine.finish) gives, field for field and in the same key
// order, with the same operations in the same order (bit-identical). Only what the result shows is
// computed (no explain detail; the reference path serves `explain` and `instrumentScenarios`).
// A row with anything non-finite returns null: the reference path then raises its exact error.
import type { Account } from '../../model/account.js';
import type { DerivePmrm2EngineParams } from '../orchestrators/derive-pmrm2.js';
import { LazyGreeks } from '../greeks.js';
import type { MarginResult, ScenarioInfo } from '../result.js';
import { LazyBreakdown } from '../lazy-breakdown.js';
import type { DerivePmrm2Rows } from './derive-pmrm2-rows.js';

/** The engine's identity fields, echoed in every result. */
export interface ResultStamp {
  profile: string;
  profile_hash: string;
  methodology: string;
  engine_version: string;
}

export interface RowOutputs {
  /** [nRows × nS] scenario P&L; the basis contingency at slot nScenarios. */
  pnl: Float64Array;
  worst: Float64Array;
  worstIndex: Int32Array;
  /** n + 1 doubles, copied for each row's scenario_pnl. */
  pnlTemplate?: number[];
}

/** Derive's oracle-confidence contingency (finish.ts confidenceContingency). */
function cc(threshold: number, margin: number, conf: number, notional: number): number {
  return conf < threshold ? (1 - conf) * margin * notional : 0;
}

export function finishDerivePmrm2FastRow(
  rows: DerivePmrm2Rows,
  r: number,
  out: RowOutputs,
  account: Account,
  scenarios: ScenarioInfo[],
  stamp: ResultStamp,
  lines = false,
): MarginResult | null {
  const ctx = rows.ctx;
  const params: DerivePmrm2EngineParams = ctx.params;
  const oc = params.otherContingency;
  const n = params.scenarios.length;
  const nS = ctx.nS;
  const spot = ctx.spot;
  const confThreshold = oc.confThreshold;
  const confMargin = oc.confMargin;

  const perpAmount = rows.rowPerpAmount[r]!;
  const minConf = rows.rowMinConf[r]!;
  const perpNotional = Math.abs(perpAmount) * spot;
  const mmPerp = perpNotional * oc.mmPerpPercent;
  const imPerp = perpNotional * oc.imPerpPercent;
  let mmOption = 0;
  let imOption = 0;
  let mmCollateral = 0;
  let imCollateral = 0;
  let oracle = cc(confThreshold, confMargin, minConf, perpNotional);

  let optionMtm = 0;
  const base = ctx.base;
  const gs = rows.groupStart;
  const pi = rows.posInstrument;
  const ps = rows.posSize;
  for (let ent = rows.rowStart[r]!, end = rows.rowStart[r + 1]!; ent < end; ent++) {
    const e = rows.entExpiry[ent]!;
    if (e < 0) continue;
    let mtm = 0;
    for (let p = gs[ent]!, pe = gs[ent + 1]!; p < pe; p++) mtm += ps[p]! * base[pi[p]!]!;
    optionMtm += mtm;
    const naked = rows.entNaked[ent]! * spot;
    mmOption += naked * oc.mmOptionPercent;
    imOption += naked * oc.imOptionPercent;
    const f = ctx.exFeed[e]!;
    oracle += cc(confThreshold, confMargin, Math.min(minConf, f.forwardConfidence, f.rateConfidence, f.volConfidence), rows.entAbs[ent]! * spot);
  }

  let collateralMtm = 0;
  const stable = ctx.stablePrice;
  for (let c = rows.rowColStart[r]!, end = rows.rowColStart[r + 1]!; c < end; c++) {
    const col = rows.colFacts[c]!;
    const value = (rows.colAmount[c]! * col.price) / stable;
    collateralMtm += value;
    mmCollateral += value * col.mmHaircut;
    imCollateral += value * col.imHaircut;
    oracle += cc(confThreshold, confMargin, Math.min(col.confidence, ctx.spotConfidence), value);
  }
  const mm = mmPerp + mmOption + mmCollateral;
  const im = imPerp + imOption + imCollateral + oracle;

  const worstPnl = out.worst[r]!;
  const wi = out.worstIndex[r]!;
  if (Number.isNaN(worstPnl) || wi < 0) return null;
  const perpPnlRaw = rows.rowPerpPnl[r]!;
  const hasPerp = !Number.isNaN(perpPnlRaw);
  const perpUnrealisedPnl = hasPerp ? perpPnlRaw : 0;
  const perpFunding = hasPerp ? rows.rowPerpFunding[r]! : 0;
  const cash = rows.rowCash[r]!;
  const equity = optionMtm + collateralMtm + perpUnrealisedPnl + perpFunding + cash;
  const depegAddOn = stable < oc.pegLossThreshold ? (oc.pegLossThreshold - stable) * oc.pegLossFactor : 0;
  const mmLossFactor = params.margin.mmFactor;
  const imLossFactor = params.margin.imFactor + depegAddOn;
  const mmExcess = worstPnl * mmLossFactor - mm + equity;
  const imExcess = worstPnl * imLossFactor - mm - im + equity;
  const initialMargin = -worstPnl * imLossFactor + mm + im;
  const maintenanceMargin = -worstPnl * mmLossFactor + mm;

  const p0 = r * nS;
  // A copy of a packed double array is one allocation of the final kind (new Array(n) would be
  // re-allocated on the first double stored).
  const scenario_pnl = (out.pnlTemplate ??= new Array<number>(n + 1).fill(0.5)).slice();
  // x·0 is 0 for every finite x and NaN otherwise: one test for all the figures of the result.
  let nonFinite = 0;
  for (let s = 0; s <= n; s++) {
    const v = out.pnl[p0 + s]!;
    scenario_pnl[s] = v;
    nonFinite += v * 0;
  }
  const scenarioLoss = Math.max(0, -worstPnl);
  const depeg = depegAddOn * scenarioLoss;
  nonFinite += worstPnl * 0 + (mmPerp * 0 + mmOption * 0 + mmCollateral * 0 + imPerp * 0 + imOption * 0 + imCollateral * 0 + oracle * 0 + depeg * 0);
  nonFinite += (initialMargin * 0 + maintenanceMargin * 0 + equity * 0 + imExcess * 0 + mmExcess * 0);
  if (nonFinite !== 0) return null;

  const isBasis = wi >= n;
  const worstInfo = scenarios[isBasis ? n : wi]!;
  const contingencies = {
    'mm.perp': mmPerp,
    'mm.option': mmOption,
    'mm.collateral_haircut': mmCollateral,
    'im.perp': imPerp,
    'im.option': imOption,
    'im.collateral_haircut': imCollateral,
    'im.oracle_confidence': oracle,
    'im.depeg': depeg,
  };
  const equity_parts = { cash, options: optionMtm, collateral: collateralMtm, perp_unrealised_pnl: perpUnrealisedPnl, perp_funding: perpFunding };
  return {
    account_id: account.id,
    profile: stamp.profile,
    profile_hash: stamp.profile_hash,
    methodology: stamp.methodology,
    market_snapshot_id: ctx.market.id,
    engine_version: stamp.engine_version,
    initial_margin: initialMargin,
    maintenance_margin: maintenanceMargin,
    equity,
    im_excess: imExcess,
    mm_excess: mmExcess,
    margin_currency: ctx.marginAsset,
    breakdown: lines ? new LazyBreakdown(scenarioLoss, mmLossFactor, imLossFactor, contingencies, equity_parts, ctx, account.balances) : { scenario_loss: scenarioLoss, mm_loss_factor: mmLossFactor, im_loss_factor: imLossFactor, contingencies, equity_parts },
    worst_scenario: { index: worstInfo.index, label: worstInfo.label, spot_shock: worstInfo.spot_shock, vol_move: worstInfo.vol_move, kind: worstInfo.kind, pnl: worstPnl },
    scenario_pnl,
    scenarios,
    greeks: new LazyGreeks(account, ctx.market, ctx.greeks),
  };
}
