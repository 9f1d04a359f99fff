// The per-snapshot half of the derive-pmrm2 fast path: everything about the market that does not
// depend on an account, computed once per (engine, MarketSnapshot) and reused by every later call.
//   instruments  interned by Instrument.id → an option slot (one per expiry × strike × type, as
//                the reference merges them) or the perp; BAD when the reference path must decide.
//   expiries     Derive's per-expiry facts (T, df, forward split) and shocks, taken from the
//                reference functions (arrangeDerivePortfolio, expiryShocks) on a one-option portfolio.
//   table        the instrument scenario table, kept in JS memory. New instruments met by a later
//                call are valued by flush(): buildDerivePmrm2Plan on a synthetic portfolio holding
//                just them, then ScenarioTable.build. The kernel values every instrument on its
//                own, so a row is bit-identical to the one the reference plan gives it.
// A MarketSnapshot is immutable: a changed market is a new snapshot and a new context. (A surface
// attached later with setSurface is not seen by a context built before it.)
import type { Feed, MarketSnapshot } from '../../market/snapshot.js';
import type { Instrument } from '../../model/instrument.js';
import { arrangeDerivePortfolio, buildDerivePmrm2Plan, expiryShocks, skewVolMultiplier } from '../../profiles/derive-pmrm2/index.js';
import type { DeriveCollateral, DeriveExpiryFeed, DeriveOption, DerivePortfolio } from '../../profiles/derive-pmrm2/index.js';
import type { RiskgridWasm } from '../../wasm/loader.js';
import type { DerivePmrm2EngineParams } from '../orchestrators/derive-pmrm2.js';
import type { UnitGreeks } from '../greeks.js';
import { ScenarioTable } from '../scenario-table-wasm.js';
import { derivePmrm2Breakdown } from '../../collateral/breakdown.js';
import type { CollateralBreakdownLine } from '../result.js';

/** Instrument codes besides option slots (≥ 0). */
export const BAD = -1;
export const PERP = -2;

const isNum = (v: number) => v - v === 0;
const isUnit = (v: number) => v >= 0 && v <= 1;

export interface CollateralFacts {
  price: number;
  confidence: number;
  mmHaircut: number;
  imHaircut: number;
  riskCancelling: boolean;
  /** Table row of its linear instrument (risk-cancelling only), else −1. */
  row: number;
}

/**
 * A number[] that holds doubles from the start. A literal [1] holds small integers, and a context is
 * built for every snapshot: the first fraction pushed into its arrays deoptimized newSlot (and its
 * inlined expiry) on every ingest, for a 10–20 ms TurboFan recompile on each thread.
 */
function doubles(...values: number[]): number[] {
  const a = [0.5];
  a.pop();
  for (const v of values) a.push(v);
  return a;
}

export class DerivePmrm2Snapshot {
  /** False when something account-independent fails validation: every account takes the reference path. */
  readonly ok: boolean = false;
  readonly spot: number = NaN;
  readonly spotConfidence: number = NaN;
  readonly stablePrice: number = NaN;
  readonly marginAsset: string;
  readonly perp: Feed | undefined;
  /** nScenarios + 2 (the basis pair). */
  readonly nS: number;
  damp: Float64Array = new Float64Array(0);
  mode: Int32Array = new Int32Array(0);
  /** Group params: 0 = linear, 1 + expiry index. */
  readonly posDisc: number[] = doubles(1);
  readonly negDisc: number[] = doubles(1);
  readonly aux: number[] = doubles(0);
  // Expiries (index = group − 1).
  readonly exFeed: DeriveExpiryFeed[] = [];
  private readonly expiryIndex = new Map<number, number>();
  // Option slots.
  readonly slotExpiry: number[] = [];
  readonly slotSec: number[] = doubles();
  readonly slotStrike: number[] = doubles();
  readonly slotCall: number[] = [];
  readonly slotVol: number[] = doubles();
  readonly slotRow: number[] = [];
  /** Rank of each slot in (seconds to expiry, strike, put before call) order, and its inverse. */
  rank = new Int32Array(0);
  rankSlot = new Int32Array(0);
  /** Instrument id → code (read directly by the row builder's hot loop). */
  readonly byId: Record<string, number> = Object.create(null);
  private readonly byKey = new Map<string, number>();
  // Linear instruments by value, collateral facts by asset.
  private readonly linearRow = new Map<number, number>();
  private readonly collaterals = new Map<string, CollateralFacts | null>();
  perpRow = -1;
  // The table [nRows × nS] and base [nRows]; rows ≥ valued wait for flush().
  nRows = 0;
  private valued = 0;
  table = new Float64Array(0);
  base = new Float64Array(0);
  private readonly pendingSlots: number[] = [];
  private readonly pendingLinear: Array<{ row: number; perp: boolean; price: number }> = [];
  /** Per-unit Greeks by instrument id (accountGreeks' cache for this snapshot). */
  readonly greeks = new Map<string, UnitGreeks>();

  constructor(
    readonly market: MarketSnapshot,
    readonly params: DerivePmrm2EngineParams,
  ) {
    this.nS = params.scenarios.length + 2;
    this.marginAsset = market.stablecoin?.asset ?? 'USDC';
    const u = market.underlyings.get(params.currency);
    this.perp = u?.perp;
    if (u === undefined) return;
    this.spot = u.index.value;
    this.spotConfidence = u.index.confidence;
    this.stablePrice = market.stablecoin?.price.value ?? 1;
    try {
      // An empty portfolio through the reference: validates spot and stable, gives damp and mode.
      const { plan } = buildDerivePmrm2Plan([this.portfolio([], [], [])], params);
      this.damp = plan.scenarios.damp;
      this.mode = plan.scenarios.mode;
    } catch {
      return;
    }
    this.ok = true;
  }

  private portfolio(options: DeriveOption[], expiries: DeriveExpiryFeed[], collaterals: DeriveCollateral[]): DerivePortfolio {
    return { spot: this.spot, spotConfidence: this.spotConfidence, stablePrice: this.stablePrice, cash: 0, options, expiries, collaterals };
  }

  /** A result's per-asset collateral lines on this snapshot (its LazyBreakdown asks on first read). */
  lines(balances: Readonly<Record<string, number>>): CollateralBreakdownLine[] {
    return derivePmrm2Breakdown(balances, this.market, this.marginAsset, this.params.collaterals, this.stablePrice);
  }

  /** Option slot (≥ 0), PERP, or BAD for an instrument. */
  code(ins: Instrument): number {
    const c = this.byId[ins.id];
    return c !== undefined ? c : this.intern(ins);
  }

  private intern(ins: Instrument): number {
    let c = BAD;
    if (ins.underlying === this.params.currency && ins.settlement === 'linear') {
      if (ins.kind === 'perpetual') c = PERP;
      else if (ins.kind === 'option') {
        const key = `${ins.expiry}|${ins.strike}|${ins.optionType}`;
        const have = this.byKey.get(key);
        c = have !== undefined ? have : this.newSlot(ins);
        this.byKey.set(key, c);
      }
    }
    this.byId[ins.id] = c;
    return c;
  }

  private newSlot(ins: Instrument): number {
    const e = this.expiry(ins.expiry!);
    if (e < 0) return BAD;
    const strike = ins.strike!;
    const isCall = ins.optionType === 'C';
    let vol: number;
    try {
      vol = this.market.volFor(this.params.currency, ins.expiry!, strike, ins.optionType);
      if (!(strike > 0 && isNum(strike) && vol >= 0 && isNum(vol))) return BAD;
      // The reference plan computes the skew multipliers for the whole batch; a failure there is its to report.
      const f = this.exFeed[e]!;
      const facts = arrangeDerivePortfolio(this.portfolio([{ secToExpiry: f.secToExpiry, strike, isCall, amount: 1, markVol: vol }], [f], [])).expiries[0]!;
      for (const s of this.params.scenarios) {
        if (s.volShock === 'linear' || s.volShock === 'abs') skewVolMultiplier(s.volShock, strike, facts.fwdFixed + facts.fwdVar, facts.T, this.params, '');
      }
    } catch {
      return BAD;
    }
    const slot = this.slotRow.length;
    this.slotExpiry.push(e);
    this.slotSec.push(this.exFeed[e]!.secToExpiry);
    this.slotStrike.push(strike);
    this.slotCall.push(isCall ? 1 : 0);
    this.slotVol.push(vol);
    this.slotRow.push(this.nRows++);
    this.pendingSlots.push(slot);
    return slot;
  }

  /** Slot ranks, re-sorted after new slots (once per batch at most; none once a snapshot is warm). */
  ranks(): Int32Array {
    const n = this.slotRow.length;
    if (this.rank.length === n) return this.rank;
    const sec = this.slotSec;
    const strike = this.slotStrike;
    const call = this.slotCall;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => sec[a]! - sec[b]! || strike[a]! - strike[b]! || call[a]! - call[b]!);
    this.rank = new Int32Array(n);
    this.rankSlot = Int32Array.from(order);
    order.forEach((slot, r) => (this.rank[slot] = r));
    return this.rank;
  }

  /** Expiry index, or −1 when the reference path must decide (missing feed, invalid, expired). */
  private expiry(expiry: number): number {
    const have = this.expiryIndex.get(expiry);
    if (have !== undefined) return have;
    let idx = -1;
    try {
      const e = this.market.expiry(this.params.currency, expiry);
      const sec = (expiry - this.market.timestamp) / 1000;
      const feed: DeriveExpiryFeed = { secToExpiry: sec, forward: e.forward.value, forwardConfidence: e.forward.confidence, rate: e.rate.value, rateConfidence: e.rate.confidence, volConfidence: e.volConfidence };
      const facts = arrangeDerivePortfolio(this.portfolio([{ secToExpiry: sec, strike: 1, isCall: true, amount: 1, markVol: 0 }], [feed], [])).expiries[0]!;
      const shocks = expiryShocks(facts, this.params, '');
      idx = this.exFeed.length;
      this.exFeed.push(feed);
      this.posDisc.push(shocks.discPos);
      this.negDisc.push(shocks.discNeg);
      this.aux.push(shocks.basisFactor);
    } catch {
      idx = -1;
    }
    this.expiryIndex.set(expiry, idx);
    return idx;
  }

  /** Table row of the perp (value = perp mark); −1 when the snapshot has no valid perp. */
  perpTableRow(): number {
    if (this.perpRow < 0 && this.perp !== undefined && this.perp.value >= 0 && isNum(this.perp.value) && isUnit(this.perp.confidence)) {
      this.perpRow = this.linear(this.perp.value, true, this.perp.value);
    }
    return this.perpRow;
  }

  /** Facts of a collateral asset, or null when the reference path must report it. */
  collateral(asset: string): CollateralFacts | null {
    const have = this.collaterals.get(asset);
    if (have !== undefined) return have;
    const terms = this.params.collaterals[asset];
    const feed = this.market.collateral.get(asset);
    let f: CollateralFacts | null = null;
    if (terms !== undefined && feed !== undefined && feed.value >= 0 && isNum(feed.value) && isUnit(feed.confidence)) {
      f = { price: feed.value, confidence: feed.confidence, mmHaircut: terms.mmHaircut, imHaircut: terms.imHaircut, riskCancelling: terms.riskCancelling, row: -1 };
      if (terms.riskCancelling) f.row = this.linear(feed.value / this.stablePrice, false, feed.value);
    }
    this.collaterals.set(asset, f);
    return f;
  }

  private linear(value: number, perp: boolean, price: number): number {
    let row = this.linearRow.get(value);
    if (row === undefined) {
      row = this.nRows++;
      this.linearRow.set(value, row);
      this.pendingLinear.push({ row, perp, price });
    }
    return row;
  }

  /** Values the instruments interned since the last flush (one synthetic reference plan). */
  flush(wasm: RiskgridWasm): void {
    if (this.valued === this.nRows) return;
    const nS = this.nS;
    const options: DeriveOption[] = [];
    const feeds = new Map<number, DeriveExpiryFeed>();
    for (const s of this.pendingSlots) {
      const f = this.exFeed[this.slotExpiry[s]!]!;
      feeds.set(f.secToExpiry, f);
      options.push({ secToExpiry: f.secToExpiry, strike: this.slotStrike[s]!, isCall: this.slotCall[s] === 1, amount: 1, markVol: this.slotVol[s]! });
    }
    const p = this.portfolio(options, [...feeds.values()], []);
    const perpEntry = this.pendingLinear.find((l) => l.perp);
    const colEntries = this.pendingLinear.filter((l) => l !== perpEntry);
    if (perpEntry !== undefined) p.perp = { amount: 1, price: perpEntry.price, confidence: 1, unrealisedPnl: 0, funding: 0 };
    colEntries.forEach((l, k) => p.collaterals.push({ name: `c${k}`, amount: 1, price: l.price, confidence: 1, riskCancelling: true, mmHaircut: 0, imHaircut: 0 }));
    const { plan, meta } = buildDerivePmrm2Plan([p], this.params);
    // Synthetic instrument index → our table row.
    const dst: number[] = new Array(plan.instruments.n).fill(-1);
    const m = meta.portfolios[0]!;
    m.arranged.expiries.forEach((e, j) => e.options.forEach((oi, k) => (dst[m.expiries[j]!.instruments[k]!] = this.slotRow[this.pendingSlots[oi]!]!)));
    // The linear group's positions: the perp, then the collaterals in the reference's order.
    const rows = plan.rows;
    let at = rows.groupStart[rows.rowStart[1]! - 1]!;
    if (perpEntry !== undefined) dst[rows.posInstrument[at++]!] = perpEntry.row;
    for (const ci of m.arranged.collateralOrder) dst[rows.posInstrument[at++]!] = colEntries[ci]!.row;

    if (this.table.length < this.nRows * nS) {
      const cap = Math.max(this.nRows, 2 * this.table.length / nS);
      const t = new Float64Array(cap * nS);
      t.set(this.table);
      this.table = t;
      const b = new Float64Array(cap);
      b.set(this.base);
      this.base = b;
    }
    const st = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
    try {
      const src = st.table;
      const base = st.base;
      for (let i = 0; i < dst.length; i++) {
        const r = dst[i]!;
        if (r < 0) continue;
        this.table.set(src.subarray(i * nS, (i + 1) * nS), r * nS);
        this.base[r] = base[i]!;
      }
    } finally {
      st.dispose();
    }
    this.pendingSlots.length = 0;
    this.pendingLinear.length = 0;
    this.valued = this.nRows;
  }
}
