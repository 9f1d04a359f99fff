// A venue's accounts as CSR rows in the venue's own instrument space, built once at load and
// reused for every snapshot. Each account goes through the fast path's row builder
// (DerivePmrm2Rows, against the load snapshot's context), so positions are merged, ordered and
// grouped exactly as engine.margin orders them; the rows are then renamed from that context's
// table rows to venue instrument indices, which do not depend on any later snapshot: one per
// option slot (expiry × strike × type), one for the perp, one per risk-cancelling collateral asset,
// in first-use order (a later account may bring new ones; existing indices never move), and group
// ids stay the context's: 1 + expiry index (the load context's expiries are the venue's), 0 = linear.
// Everything per account that Derive's finish needs and that no snapshot changes is kept with it
// (cash, perp amount / cost / funding, naked shorts and Σ|amount| per expiry, collateral amounts).
import type { Instrument } from '../model/instrument.js';
import type { Account } from '../model/account.js';
import type { DerivePmrm2Snapshot } from '../margin/fast/derive-pmrm2-snapshot.js';
import { DerivePmrm2Rows } from '../margin/fast/derive-pmrm2-rows.js';


/** What a venue instrument is: an option slot, the perp, or a collateral asset's linear instrument. */
export const VI_OPTION = 0;
export const VI_PERP = 1;
export const VI_COLLATERAL = 2;

/** A growable typed column (JS memory until the venue is laid out in shared memory). */
class Grow<T extends Float64Array | Int32Array> {
  n = 0;
  constructor(public a: T) {}
  push(v: number): void {
    if (this.n === this.a.length) this.grow(this.n + 1);
    this.a[this.n++] = v;
  }
  grow(min: number): void {
    const b = new (this.a.constructor as new (n: number) => T)(Math.max(min, 2 * this.a.length));
    b.set(this.a);
    this.a = b;
  }
  get view(): T {
    return this.a.subarray(0, this.n) as T;
  }
}
const f64 = () => new Grow(new Float64Array(1024));
const i32 = () => new Grow(new Int32Array(1024));

export class VenueRows {
  // CSR: row → entries (groups) → positions.
  readonly rowStart = i32();
  readonly groupStart = i32();
  readonly groupId = i32();
  readonly posInstrument = i32();
  readonly posSize = f64();
  // Per row.
  readonly rowAccount = i32();
  readonly cash = f64();
  readonly perpAmount = f64();
  readonly perpCost = f64();
  readonly perpKnown = f64();
  readonly perpFunding = f64();
  /** 1 when Derive's portfolio has a perp (anything about it non-zero). */
  readonly hasPerp = i32();
  readonly colStart = i32();
  // Per entry: venue expiry (−1 = linear), naked shorts, Σ|amount| of its expiry.
  readonly entExpiry = i32();
  readonly entNaked = f64();
  readonly entAbs = f64();
  // Per collateral balance (each row's sorted by asset name): asset index, amount.
  readonly colAsset = i32();
  readonly colAmount = f64();

  /** Option slots (= load-context slots): one representative instrument each. */
  readonly slotInstrument: Instrument[] = [];
  /** Venue instruments: kind (VI_*) and ref (slot or asset index), in first-use order. */
  readonly viKind: number[] = [];
  readonly viRef: number[] = [];
  private viOfSlot: number[] = [];
  private viOfPerp = -1;
  private viOfAsset: number[] = [];
  /** Collateral assets by index, and back. */
  readonly assets: string[] = [];
  private readonly assetIndex = new Map<string, number>();
  private readonly rows = new DerivePmrm2Rows();
  private pending = 0;

  constructor(readonly ctx: DerivePmrm2Snapshot) {
    this.rowStart.push(0);
    this.groupStart.push(0);
    this.colStart.push(0);
    this.rows.reset(ctx);
  }

  get nRows(): number {
    return this.rowAccount.n;
  }

  /** Adds account `index` as the next row; false = the fast path does not vouch for it (see VenueEngine). */
  add(a: Account, index: number): boolean {
    const rows = this.rows;
    // The builder's scratch grows with its batch: start a new batch every few thousand accounts.
    if (this.pending === 4096) {
      rows.reset(this.ctx);
      this.pending = 0;
    }
    const r = rows.nRows;
    if (!rows.build(a, index)) return false;
    this.pending++;
    this.copyRow(rows, r, a);
    return true;
  }

  private copyRow(rows: DerivePmrm2Rows, r: number, a: Account): void {
    const slotOfRow = this.slotOfRow();
    let perpLeft = rows.rowPerpAmount[r] !== 0 ? 1 : 0;
    let col = rows.rowColStart[r]!;
    const colEnd = rows.rowColStart[r + 1]!;
    for (let e = rows.rowStart[r]!; e < rows.rowStart[r + 1]!; e++) {
      const ex = rows.entExpiry[e]!;
      for (let p = rows.groupStart[e]!; p < rows.groupStart[e + 1]!; p++) {
        let code: number;
        if (ex >= 0) {
          const s = slotOfRow[rows.posInstrument[p]!]!;
          if (this.slotInstrument[s] === undefined) this.noteSlots(a);
          code = this.viOfSlot[s] ??= this.newVi(VI_OPTION, s);
        } else if (perpLeft === 1) {
          perpLeft = 0;
          code = this.viOfPerp >= 0 ? this.viOfPerp : (this.viOfPerp = this.newVi(VI_PERP, 0));
        } else {
          // The linear group after the perp: risk-cancelling collateral in the row's name order.
          while (!rows.colFacts[col]!.riskCancelling) col++;
          const k = this.asset(rows.colName[col++]!);
          code = this.viOfAsset[k] ??= this.newVi(VI_COLLATERAL, k);
        }
        this.posInstrument.push(code);
        this.posSize.push(rows.posSize[p]!);
      }
      this.groupId.push(ex >= 0 ? 1 + ex : 0);
      this.entExpiry.push(ex);
      this.entNaked.push(rows.entNaked[e]!);
      this.entAbs.push(rows.entAbs[e]!);
      this.groupStart.push(this.posInstrument.n);
    }
    this.rowStart.push(this.groupId.n);
    for (let c = rows.rowColStart[r]!; c < colEnd; c++) {
      this.colAsset.push(this.asset(rows.colName[c]!));
      this.colAmount.push(rows.colAmount[c]!);
    }
    this.colStart.push(this.colAsset.n);
    this.rowAccount.push(rows.rowAccount[r]!);
    this.cash.push(rows.rowCash[r]!);
    const perpPnl = rows.rowPerpPnl[r]!;
    const has = !Number.isNaN(perpPnl);
    this.hasPerp.push(has ? 1 : 0);
    this.perpAmount.push(rows.rowPerpAmount[r]!);
    this.perpFunding.push(has ? rows.rowPerpFunding[r]! : 0);
    // perpPnl = perpKnown·mark − perpCost: the two parts, for every later snapshot's mark.
    this.perpCost.push(has ? rows.rowPerpCost[r]! : 0);
    this.perpKnown.push(has ? rows.rowPerpKnown[r]! : 0);
  }

  private slotRowCache = new Int32Array(0);
  private cachedSlots = 0;
  /** Context table row → slot (rebuilt when new slots appeared). */
  private slotOfRow(): Int32Array {
    const ctx = this.ctx;
    if (this.cachedSlots !== ctx.slotRow.length) {
      const m = new Int32Array(ctx.nRows).fill(-1);
      ctx.slotRow.forEach((row, s) => (m[row] = s));
      this.slotRowCache = m;
      this.cachedSlots = ctx.slotRow.length;
    }
    return this.slotRowCache;
  }

  private newVi(kind: number, ref: number): number {
    this.viKind.push(kind);
    return this.viRef.push(ref) - 1;
  }

  /** Number of venue instruments. */
  get nInstruments(): number {
    return this.viKind.length;
  }

  /** Records the instrument of every slot this account brought (slots are interned on first use). */
  private noteSlots(a: Account): void {
    for (const pos of a.positions) {
      const c = this.ctx.code(pos.instrument);
      if (c >= 0 && this.slotInstrument[c] === undefined) this.slotInstrument[c] = pos.instrument;
    }
  }

  private asset(name: string): number {
    let k = this.assetIndex.get(name);
    if (k === undefined) {
      k = this.assets.push(name) - 1;
      this.assetIndex.set(name, k);
    }
    return k;
  }

  /** Index of an asset, or −1. */
  assetOf(name: string): number {
    return this.assetIndex.get(name) ?? -1;
  }
}
