// One slice of a venue re-margin, the unit of work of a pool task (and of the single-thread path):
// rows [r0, r1) in chunks — aggregation and worst-loss scan on the WebAssembly kernels into a
// chunk of scratch P&L, then Derive's PMRM_2 finish per row into the output columns.
// The finish repeats finishDerivePmrm2FastRow's arithmetic in the same order on the venue's
// columns, so every figure is bit-identical to engine.margin (test/venue-engine.test.ts).
// A row it cannot vouch for (an instrument or asset the snapshot cannot value, anything
// non-finite) gets ST_FAILED; the main thread then asks the reference path for its exact error.
import type { RiskKernels } from '../margin/risk-kernels-wasm.js';
import {
  ASSET_FACTS, excessRatio, F_CONF_MARGIN, F_CONF_THRESHOLD, F_IM_FACTOR, F_IM_OPTION, F_IM_PERP, F_MM_FACTOR, F_MM_OPTION, F_MM_PERP,
  F_PEG_FACTOR, F_PEG_THRESHOLD, F_PERP_BAD, F_PERP_CONF, F_PERP_VALUE, F_SPOT, F_SPOT_CONF, F_STABLE, ST_FAILED, statusOf, venueViews, type VenueLayout, type VenueViews,
} from './venue-layout.js';

/** Rows per kernel call: their P&L stays in cache between the kernels and the finish. */
export const CHUNK_ROWS = 128;

/** Bytes of scratch one slice runner needs: a chunk of P&L and the kernel's nS doubles. */
export function sliceScratchBytes(nS: number): number {
  return (CHUNK_ROWS + 1) * nS * 8 + 32;
}

/** Derive's oracle-confidence contingency (finish.ts confidenceContingency). */
function cc(threshold: number, margin: number, conf: number, notional: number): number {
  return conf < threshold ? (1 - conf) * margin * notional : 0;
}

/**
 * Runs rows [r0, r1), or, with `list`, the rows list[r0..r1) (ascending; consecutive ones share a
 * kernel call). `scratch` is sliceScratchBytes(nS) of this caller's own. Returns the failed-row count.
 */
export function runVenueSlice(memory: WebAssembly.Memory, k: RiskKernels, l: VenueLayout, r0: number, r1: number, scratch: number, list?: Int32Array): number {
  const nS = l.nS;
  const pnlPtr = Math.ceil(scratch / 16) * 16; // not bitwise: offsets may pass 2^31
  const xPtr = pnlPtr + CHUNK_ROWS * nS * 8;
  const v = venueViews(memory.buffer, l);
  const pnl = new Float64Array(memory.buffer, pnlPtr, CHUNK_ROWS * nS);
  let failed = 0;
  const run = (a: number, b: number): void => {
    k.aggregate(a, b, nS, l.rowStart, l.groupStart, l.groupId, l.posInstrument, l.posSize, l.posDisc, l.negDisc, l.aux, l.damp, l.mode, l.table, l.base, xPtr, pnlPtr);
    k.worst(b - a, nS, pnlPtr, l.worst + a * 8, l.worstIndex + a * 4);
    // The kernel's NaN count misses ±Infinity: the finish scans every slot itself.
    failed += finishRows(v, l, pnl, a, b);
  };
  if (list === undefined) {
    for (let a = r0; a < r1; a += CHUNK_ROWS) run(a, Math.min(r1, a + CHUNK_ROWS));
    return failed;
  }
  for (let i = r0; i < r1; ) {
    const a = list[i]!;
    let b = a + 1;
    for (i++; i < r1 && list[i] === b && b - a < CHUNK_ROWS; i++) b++;
    run(a, b);
  }
  return failed;
}

function finishRows(v: VenueViews, l: VenueLayout, pnl: Float64Array, a: number, b: number): number {
  const fx = v.facts;
  const spot = fx[F_SPOT]!;
  const spotConf = fx[F_SPOT_CONF]!;
  const stable = fx[F_STABLE]!;
  const perpValue = fx[F_PERP_VALUE]!;
  const perpConf = fx[F_PERP_CONF]!;
  const perpBad = fx[F_PERP_BAD]! !== 0;
  const confThreshold = fx[F_CONF_THRESHOLD]!;
  const confMargin = fx[F_CONF_MARGIN]!;
  const mmPerpPct = fx[F_MM_PERP]!, imPerpPct = fx[F_IM_PERP]!, mmOptPct = fx[F_MM_OPTION]!, imOptPct = fx[F_IM_OPTION]!;
  const pegThreshold = fx[F_PEG_THRESHOLD]!, pegFactor = fx[F_PEG_FACTOR]!;
  const depegAddOn = stable < pegThreshold ? (pegThreshold - stable) * pegFactor : 0;
  const mmLossFactor = fx[F_MM_FACTOR]!;
  const imLossFactor = fx[F_IM_FACTOR]! + depegAddOn;
  const { rowStart, groupStart, posInstrument: pi, posSize: ps, entExpiry, entNaked, entAbs, colStart, colAsset, colAmount, base, instrumentBad, expiryConf, assetFacts: af } = v;
  const nS = l.nS;
  const n = l.nScen;
  let failed = 0;
  for (let r = a; r < b; r++) {
    if (v.rowAccount[r]! < 0) {
      v.status[r] = -1; // a row replaced by a later version of its account
      continue;
    }
    let bad = v.hasPerp[r] === 1 && perpBad;
    const perpAmount = v.perpAmount[r]!;
    const minConf = perpAmount !== 0 ? Math.min(spotConf, perpConf) : spotConf;
    const perpNotional = Math.abs(perpAmount) * spot;
    const mmPerp = perpNotional * mmPerpPct;
    const imPerp = perpNotional * imPerpPct;
    let mmOption = 0;
    let imOption = 0;
    let mmCollateral = 0;
    let imCollateral = 0;
    let oracle = cc(confThreshold, confMargin, minConf, perpNotional);
    let optionMtm = 0;
    for (let ent = rowStart[r]!, end = rowStart[r + 1]!; ent < end; ent++) {
      const e = entExpiry[ent]!;
      if (e < 0) {
        for (let p = groupStart[ent]!, pe = groupStart[ent + 1]!; p < pe; p++) bad ||= instrumentBad[pi[p]!] !== 0;
        continue;
      }
      let mtm = 0;
      for (let p = groupStart[ent]!, pe = groupStart[ent + 1]!; p < pe; p++) {
        const i = pi[p]!;
        bad ||= instrumentBad[i] !== 0;
        mtm += ps[p]! * base[i]!;
      }
      optionMtm += mtm;
      const naked = entNaked[ent]! * spot;
      mmOption += naked * mmOptPct;
      imOption += naked * imOptPct;
      oracle += cc(confThreshold, confMargin, Math.min(minConf, expiryConf[e]!), entAbs[ent]! * spot);
    }
    let collateralMtm = 0;
    for (let c = colStart[r]!, end = colStart[r + 1]!; c < end; c++) {
      const f = colAsset[c]! * ASSET_FACTS;
      bad ||= af[f + 4] !== 0;
      const value = (colAmount[c]! * af[f]!) / stable;
      collateralMtm += value;
      mmCollateral += value * af[f + 2]!;
      imCollateral += value * af[f + 3]!;
      oracle += cc(confThreshold, confMargin, Math.min(af[f + 1]!, spotConf), value);
    }
    const mm = mmPerp + mmOption + mmCollateral;
    const im = imPerp + imOption + imCollateral + oracle;
    const worstPnl = v.worst[r]!;
    const hasPerp = v.hasPerp[r] === 1;
    const perpPnl = hasPerp ? v.perpKnown[r]! * perpValue - v.perpCost[r]! : 0;
    const perpFunding = v.perpFunding[r]!;
    const equity = optionMtm + collateralMtm + perpPnl + perpFunding + v.cash[r]!;
    const mmExcess = worstPnl * mmLossFactor - mm + equity;
    const imExcess = worstPnl * imLossFactor - mm - im + equity;
    const initialMargin = -worstPnl * imLossFactor + mm + im;
    const maintenanceMargin = -worstPnl * mmLossFactor + mm;
    // x·0 is 0 for every finite x: one test for the scenario P&L and every figure.
    let nonFinite = perpAmount * 0 + perpPnl * 0 + perpFunding * 0;
    const p0 = (r - a) * nS;
    for (let s = 0; s <= n; s++) nonFinite += pnl[p0 + s]! * 0;
    nonFinite += worstPnl * 0 + (mmPerp * 0 + mmOption * 0 + mmCollateral * 0 + imPerp * 0 + imOption * 0 + imCollateral * 0 + oracle * 0 + depegAddOn * 0);
    nonFinite += initialMargin * 0 + maintenanceMargin * 0 + equity * 0 + imExcess * 0 + mmExcess * 0;
    if (bad || nonFinite !== 0 || v.worstIndex[r]! < 0) {
      v.status[r] = ST_FAILED;
      failed++;
      continue;
    }
    v.im[r] = initialMargin;
    v.mm[r] = maintenanceMargin;
    v.equity[r] = equity;
    v.imExcess[r] = imExcess;
    v.mmExcess[r] = mmExcess;
    v.status[r] = statusOf(equity, imExcess, mmExcess);
    v.ratio[r] = excessRatio(mmExcess, maintenanceMargin);
  }
  return failed;
}
