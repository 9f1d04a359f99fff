// The per-snapshot half of a venue: a fresh fast-path context for the snapshot values every venue
// instrument once (the same DerivePmrm2Snapshot engine.margin builds, so each table row is
// bit-identical to the one a single account gets), then the table, the group parameters and the
// finish's facts are written into the venue's shared memory in venue order.
// What the snapshot cannot value (an expired or unquoted option, no perp, an unpriced collateral)
// is flagged per instrument / asset; accounts holding it fail alone, with the reference path's
// error for a one-position probe account (the exact code and field engine.margin would give).
import { asRiskgridError, RiskgridError } from '../errors.js';
import type { Engine } from '../margin/engine.js';
import { DerivePmrm2Snapshot } from '../margin/fast/derive-pmrm2-snapshot.js';
import type { DerivePmrm2EngineParams } from '../margin/orchestrators/derive-pmrm2.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Instrument } from '../model/instrument.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import {
  ASSET_FACTS, F_CONF_MARGIN, F_CONF_THRESHOLD, F_IM_FACTOR, F_IM_OPTION, F_IM_PERP, F_MM_FACTOR, F_MM_OPTION, F_MM_PERP, F_PEG_FACTOR,
  F_PEG_THRESHOLD, F_PERP_BAD, F_PERP_CONF, F_PERP_VALUE, F_SPOT, F_SPOT_CONF, F_STABLE, type VenueLayout, venueViews,
} from './venue-layout.js';
import { VI_COLLATERAL, VI_OPTION, VI_PERP, type VenueRows } from './venue-rows.js';

export interface VenueMarketErrors {
  /** Every account fails with this (the snapshot itself is unusable for the profile). */
  all?: RiskgridError;
  /** Venue instrument → why the snapshot cannot value it. */
  instruments: Map<number, RiskgridError>;
  /** Collateral asset index → why. */
  assets: Map<number, RiskgridError>;
  perp?: RiskgridError;
}

/** Values the venue's instruments on `market` into the layout's snapshot columns. */
export function writeVenueMarket(
  market: MarketSnapshot, rows: VenueRows, params: DerivePmrm2EngineParams, l: VenueLayout, memory: WebAssembly.Memory, tableWasm: RiskgridWasm, engine: Engine,
): VenueMarketErrors {
  const errors: VenueMarketErrors = { instruments: new Map(), assets: new Map() };
  const ctx = new DerivePmrm2Snapshot(market, params);
  const v = venueViews(memory.buffer, l);
  const nS = l.nS;
  if (!ctx.ok) {
    errors.all = probe(engine, market, [], {}) ?? new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `the snapshot has no usable ${params.currency} market`, { field: 'market', value: params.currency });
    return errors;
  }
  // Instruments → context rows (valued by flush below).
  const ctxRow = new Int32Array(l.nInstruments).fill(-1);
  const expiryOf = new Int32Array(l.nExpiries).fill(-1);
  for (let i = 0; i < l.nInstruments; i++) {
    const ref = rows.viRef[i]!;
    switch (rows.viKind[i]) {
      case VI_OPTION: {
        const ins = rows.slotInstrument[ref]!;
        const c = ctx.code(ins);
        if (c >= 0) {
          ctxRow[i] = ctx.slotRow[c]!;
          expiryOf[rows.ctx.slotExpiry[ref]!] = ctx.slotExpiry[c]!;
        } else errors.instruments.set(i, probe(engine, market, [{ instrument: ins, size: 1 }], {}) ?? unpriced(ins.id));
        break;
      }
      case VI_PERP:
        ctxRow[i] = ctx.perpTableRow();
        break;
      case VI_COLLATERAL: {
        const f = ctx.collateral(rows.assets[ref]!);
        if (f !== null) ctxRow[i] = f.row;
        break;
      }
    }
  }
  const perpBad = ctx.perpTableRow() < 0;
  if (perpBad) errors.perp = unpriced(`${params.currency} perp`);
  v.assetFacts.fill(0);
  rows.assets.forEach((asset, k) => {
    const f = ctx.collateral(asset);
    const at = k * ASSET_FACTS;
    if (f === null) {
      v.assetFacts[at + 4] = 1;
      errors.assets.set(k, probe(engine, market, [], { [asset]: 1 }) ?? unpriced(asset));
      return;
    }
    v.assetFacts[at] = f.price;
    v.assetFacts[at + 1] = f.confidence;
    v.assetFacts[at + 2] = f.mmHaircut;
    v.assetFacts[at + 3] = f.imHaircut;
  });
  ctx.flush(tableWasm);

  const table = new Float64Array(memory.buffer, l.table, l.nInstruments * nS);
  for (let i = 0; i < l.nInstruments; i++) {
    const row = ctxRow[i]!;
    const ok = row >= 0;
    v.instrumentBad[i] = ok ? 0 : 1;
    if (!ok && rows.viKind[i] === VI_PERP && errors.perp !== undefined) errors.instruments.set(i, errors.perp);
    if (!ok && rows.viKind[i] === VI_COLLATERAL && !errors.instruments.has(i)) errors.instruments.set(i, errors.assets.get(rows.viRef[i]!) ?? unpriced(rows.assets[rows.viRef[i]!]!));
    if (ok) table.set(ctx.table.subarray(row * nS, (row + 1) * nS), i * nS);
    else table.fill(0, i * nS, (i + 1) * nS);
    v.base[i] = ok ? ctx.base[row]! : 0;
  }
  // Groups: 0 linear, 1 + e the load snapshot's expiry e (its params from this snapshot).
  const f64 = (p: number, n: number) => new Float64Array(memory.buffer, p, n);
  const posDisc = f64(l.posDisc, 1 + l.nExpiries), negDisc = f64(l.negDisc, 1 + l.nExpiries), aux = f64(l.aux, 1 + l.nExpiries);
  posDisc[0] = ctx.posDisc[0]!;
  negDisc[0] = ctx.negDisc[0]!;
  aux[0] = ctx.aux[0]!;
  for (let e = 0; e < l.nExpiries; e++) {
    const e2 = expiryOf[e]!;
    posDisc[1 + e] = e2 >= 0 ? ctx.posDisc[1 + e2]! : 1;
    negDisc[1 + e] = e2 >= 0 ? ctx.negDisc[1 + e2]! : 1;
    aux[1 + e] = e2 >= 0 ? ctx.aux[1 + e2]! : 0;
    const f = e2 >= 0 ? ctx.exFeed[e2]! : undefined;
    v.expiryConf[e] = f === undefined ? 0 : Math.min(f.forwardConfidence, f.rateConfidence, f.volConfidence);
  }
  f64(l.damp, nS).set(ctx.damp);
  new Int32Array(memory.buffer, l.mode, nS).set(ctx.mode);

  const oc = params.otherContingency;
  const fx = v.facts;
  fx[F_SPOT] = ctx.spot;
  fx[F_SPOT_CONF] = ctx.spotConfidence;
  fx[F_STABLE] = ctx.stablePrice;
  fx[F_PERP_VALUE] = perpBad ? 0 : ctx.perp!.value;
  fx[F_PERP_CONF] = perpBad ? 0 : ctx.perp!.confidence;
  fx[F_PERP_BAD] = perpBad ? 1 : 0;
  fx[F_CONF_THRESHOLD] = oc.confThreshold;
  fx[F_CONF_MARGIN] = oc.confMargin;
  fx[F_MM_PERP] = oc.mmPerpPercent;
  fx[F_IM_PERP] = oc.imPerpPercent;
  fx[F_MM_OPTION] = oc.mmOptionPercent;
  fx[F_IM_OPTION] = oc.imOptionPercent;
  fx[F_PEG_THRESHOLD] = oc.pegLossThreshold;
  fx[F_PEG_FACTOR] = oc.pegLossFactor;
  fx[F_MM_FACTOR] = params.margin.mmFactor;
  fx[F_IM_FACTOR] = params.margin.imFactor;
  return errors;
}

/** The reference path's error for a probe account, or undefined when it computes fine. */
function probe(engine: Engine, market: MarketSnapshot, positions: Array<{ instrument: Instrument; size: number }>, balances: Record<string, number>): RiskgridError | undefined {
  try {
    // A validated account object (instruments already parsed), so the probe needs no id conventions.
    engine.margin(Object.freeze({ id: 'probe', pool: 'probe', positions, balances: Object.assign(Object.create(null), balances) as Record<string, number> }), market);
    return undefined;
  } catch (e) {
    return asRiskgridError(e);
  }
}

function unpriced(what: string): RiskgridError {
  return new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `the snapshot cannot value ${what}`, { field: 'market', value: what });
}
