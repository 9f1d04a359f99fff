// One pool of a venue (one derive-pmrm2 profile, so one underlying): its accounts' rows, their
// mirror in the venue's shared memory, the snapshot columns, and what a tick must recompute.
// The rows' master copy stays in JS memory (VenueRows); layout() copies it into the arena with
// headroom, so a changed account is appended in place and only a full arena is laid out again.
import type { Account } from '../model/account.js';
import type { Engine } from '../margin/engine.js';
import { DerivePmrm2Snapshot } from '../margin/fast/derive-pmrm2-snapshot.js';
import type { DerivePmrm2EngineParams } from '../margin/orchestrators/derive-pmrm2.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { RiskgridError } from '../errors.js';
import type { Arena } from '../wasm/arena.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import { ASSET_FACTS, FACTS, type VenueLayout } from './venue-layout.js';
import { writeVenueMarket, type VenueMarketErrors } from './venue-market.js';
import { VenueRows } from './venue-rows.js';

export class VenueBook {
  readonly params: DerivePmrm2EngineParams;
  readonly rows: VenueRows;
  layout: VenueLayout | undefined;
  errors: VenueMarketErrors = { instruments: new Map(), assets: new Map() };
  /** Capacities of the shared mirror (rows, entries, positions, collateral balances, instruments, expiries, assets). */
  private cap = { rows: 0, ent: 0, pos: 0, col: 0, ins: 0, exp: 0, assets: 0 };
  /** Rows already copied into the mirror. */
  private mirrored = 0;
  /** Collateral asset index → rows holding it (built on the first tick that needs it). */
  private rowsByAsset: Int32Array[] | undefined;

  constructor(
    readonly pool: string,
    readonly engine: Engine,
    loadMarket: MarketSnapshot,
  ) {
    this.params = engine.profile.params as DerivePmrm2EngineParams;
    this.rows = new VenueRows(new DerivePmrm2Snapshot(loadMarket, this.params));
  }

  get underlying(): string {
    return this.params.currency;
  }

  /** Adds an account as the next row; false when the fast path does not vouch for it. */
  add(a: Account, index: number): boolean {
    if (!this.rows.add(a, index)) return false;
    this.rowsByAsset = undefined;
    return true;
  }

  /** Does the mirror have room for the master's rows without a new layout? */
  fits(): boolean {
    const r = this.rows;
    const c = this.cap;
    return r.nRows <= c.rows && r.groupId.n <= c.ent && r.posInstrument.n <= c.pos && r.colAsset.n <= c.col &&
      r.nInstruments <= c.ins && r.ctx.exFeed.length <= c.exp && r.assets.length <= c.assets;
  }

  /** Allocates the mirror in `arena` (with headroom) and copies every row. */
  allocate(arena: Arena, nS: number, nScen: number): void {
    const r = this.rows;
    const room = (n: number) => n + Math.max(4096, Math.ceil(n / 16));
    this.cap = { rows: room(r.nRows), ent: room(r.groupId.n), pos: room(r.posInstrument.n), col: room(r.colAsset.n), ins: room(r.nInstruments), exp: r.ctx.exFeed.length + 16, assets: r.assets.length + 16 };
    const c = this.cap;
    const col = (kind: 'f64' | 'i32', cap: number): number => (kind === 'f64' ? arena.f64(cap) : arena.i32(cap)).ptr;
    const nRowsOut = c.rows;
    this.layout = {
      nRows: 0, nEntries: 0, nPos: 0, nCol: 0, nInstruments: 0, nExpiries: 0, nAssets: 0, nS, nScen,
      rowStart: col('i32', c.rows + 1), groupStart: col('i32', c.ent + 1), groupId: col('i32', c.ent), posInstrument: col('i32', c.pos), posSize: col('f64', c.pos),
      rowAccount: col('i32', c.rows), cash: col('f64', c.rows), perpAmount: col('f64', c.rows), perpCost: col('f64', c.rows), perpKnown: col('f64', c.rows),
      perpFunding: col('f64', c.rows), hasPerp: col('i32', c.rows), colStart: col('i32', c.rows + 1),
      entExpiry: col('i32', c.ent), entNaked: col('f64', c.ent), entAbs: col('f64', c.ent), colAsset: col('i32', c.col), colAmount: col('f64', c.col),
      table: col('f64', c.ins * nS), base: col('f64', c.ins), posDisc: col('f64', c.exp + 1), negDisc: col('f64', c.exp + 1), aux: col('f64', c.exp + 1),
      damp: col('f64', nS), mode: col('i32', nS), instrumentBad: col('i32', c.ins), facts: col('f64', FACTS), expiryConf: col('f64', c.exp),
      assetFacts: col('f64', c.assets * ASSET_FACTS),
      im: col('f64', nRowsOut), mm: col('f64', nRowsOut), equity: col('f64', nRowsOut), imExcess: col('f64', nRowsOut), mmExcess: col('f64', nRowsOut),
      worst: col('f64', nRowsOut), worstIndex: col('i32', nRowsOut), status: col('i32', nRowsOut), ratio: col('f64', nRowsOut),
    };
    this.mirrored = 0;
    this.mirror(arena.memory);
  }

  /** Copies rows not yet in the mirror (all after allocate, the appended ones after a change). */
  mirror(memory: WebAssembly.Memory): void {
    const l = this.layout!;
    const r = this.rows;
    const buf = memory.buffer;
    const from = this.mirrored;
    const e0 = r.rowStart.a[from]!;
    const p0 = r.groupStart.a[e0]!;
    const c0 = r.colStart.a[from]!;
    const copy = (ptr: number, src: Float64Array | Int32Array, a: number, b: number) => {
      const T = src instanceof Float64Array ? Float64Array : Int32Array;
      new T(buf, ptr + a * T.BYTES_PER_ELEMENT, b - a).set(src.subarray(a, b) as never);
    };
    const n = r.nRows;
    copy(l.rowStart, r.rowStart.a, from, n + 1);
    copy(l.colStart, r.colStart.a, from, n + 1);
    for (const k of ['rowAccount', 'cash', 'perpAmount', 'perpCost', 'perpKnown', 'perpFunding', 'hasPerp'] as const) copy(l[k], r[k].a, from, n);
    const nEnt = r.groupId.n;
    copy(l.groupStart, r.groupStart.a, e0, nEnt + 1);
    for (const k of ['groupId', 'entExpiry', 'entNaked', 'entAbs'] as const) copy(l[k], r[k].a, e0, nEnt);
    copy(l.posInstrument, r.posInstrument.a, p0, r.posInstrument.n);
    copy(l.posSize, r.posSize.a, p0, r.posSize.n);
    copy(l.colAsset, r.colAsset.a, c0, r.colAsset.n);
    copy(l.colAmount, r.colAmount.a, c0, r.colAmount.n);
    l.nRows = n;
    l.nEntries = nEnt;
    l.nPos = r.posInstrument.n;
    l.nCol = r.colAsset.n;
    l.nInstruments = r.nInstruments;
    l.nExpiries = r.ctx.exFeed.length;
    l.nAssets = r.assets.length;
    this.mirrored = n;
  }

  /** Marks a row dead (its account moved to a newer row) in both copies. */
  retire(row: number, memory: WebAssembly.Memory): void {
    this.rows.rowAccount.a[row] = -1;
    if (row < this.mirrored) new Int32Array(memory.buffer, this.layout!.rowAccount, this.mirrored)[row] = -1;
  }

  /** Values this snapshot into the mirror's snapshot columns. */
  writeMarket(market: MarketSnapshot, memory: WebAssembly.Memory, tableWasm: RiskgridWasm): void {
    this.errors = writeVenueMarket(market, this.rows, this.params, this.layout!, memory, tableWasm, this.engine);
  }

  /** The error of a row the slice could not vouch for: what it holds that the snapshot cannot value. */
  rowError(row: number): RiskgridError {
    const e = this.errors;
    if (e.all !== undefined) return e.all;
    const r = this.rows;
    if (r.hasPerp.a[row] === 1 && e.perp !== undefined) return e.perp;
    for (let ent = r.rowStart.a[row]!; ent < r.rowStart.a[row + 1]!; ent++) {
      for (let p = r.groupStart.a[ent]!; p < r.groupStart.a[ent + 1]!; p++) {
        const err = e.instruments.get(r.posInstrument.a[p]!);
        if (err !== undefined) return err;
      }
    }
    for (let c = r.colStart.a[row]!; c < r.colStart.a[row + 1]!; c++) {
      const err = e.assets.get(r.colAsset.a[c]!);
      if (err !== undefined) return err;
    }
    return new RiskgridError('RG_ERR_NOT_FINITE_RESULT', 'a margin figure came out non-finite on this snapshot', { field: 'account', value: r.rowAccount.a[row] });
  }

  /** Rows holding any of these collateral assets, ascending. */
  rowsHolding(assets: readonly string[]): Int32Array {
    const r = this.rows;
    if (this.rowsByAsset === undefined) {
      const lists: number[][] = r.assets.map(() => []);
      for (let row = 0; row < r.nRows; row++) {
        for (let c = r.colStart.a[row]!; c < r.colStart.a[row + 1]!; c++) lists[r.colAsset.a[c]!]!.push(row);
      }
      this.rowsByAsset = lists.map((l) => Int32Array.from(l));
    }
    const idx = assets.map((a) => r.assetOf(a)).filter((k) => k >= 0);
    if (idx.length === 1) return this.rowsByAsset[idx[0]!]!;
    const set = new Set<number>();
    for (const k of idx) for (const row of this.rowsByAsset[k]!) set.add(row);
    return Int32Array.from([...set].sort((a, b) => a - b));
  }
}
