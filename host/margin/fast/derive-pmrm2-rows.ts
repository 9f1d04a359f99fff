// The per-batch half of the derive-pmrm2 fast path: validated accounts → the CSR rows the
// aggregation kernel reads and the per-row inputs of Derive's contingencies, in typed-array scratch
// reused from call to call (no per-position objects).
//
// Every sum is formed in the order the reference forms it (orchestrators/derive-pmrm2.ts →
// arrangeDerivePortfolio → buildDerivePmrm2Plan), so the figures are bit-identical:
//   repeated options add up in input order; Σ|amount| per expiry runs in first-appearance order;
//   positions are laid out by expiry (seconds to expiry), strike, put before call; naked shorts
//   net put then call per strike; then the linear group: the perp, then risk-cancelling
//   collateral by asset name.
// An account this path is not sure of (an instrument, balance or number the reference would
// reject) is not built: build() returns false and the caller sends it down the reference path,
// which reports its error with the exact code and field.
import type { Account } from '../../model/account.js';
import { sortCanonical } from './canonical-order.js';
import { BAD, PERP, type CollateralFacts, type DerivePmrm2Snapshot } from './derive-pmrm2-snapshot.js';

const isNum = (v: number) => v - v === 0;

function grownI32(a: Int32Array<ArrayBuffer>, n: number): Int32Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Int32Array(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}
function grownF64(a: Float64Array<ArrayBuffer>, n: number): Float64Array<ArrayBuffer> {
  if (a.length >= n) return a;
  const b = new Float64Array(Math.max(n, 2 * a.length));
  b.set(a);
  return b;
}

export class DerivePmrm2Rows {
  ctx!: DerivePmrm2Snapshot;
  // CSR (row → group entries → positions), as in plan.ts PortfolioRows.
  nRows = 0;
  nEntries = 0;
  nPos = 0;
  rowStart = new Int32Array(64);
  groupStart = new Int32Array(256);
  groupId = new Int32Array(256);
  posInstrument = new Int32Array(1024);
  posSize = new Float64Array(1024);
  // Per row.
  rowAccount = new Int32Array(64);
  rowCash = new Float64Array(64);
  rowPerpAmount = new Float64Array(64);
  /** NaN when the account holds no perp (Derive's portfolio has none then). */
  rowPerpPnl = new Float64Array(64);
  rowPerpFunding = new Float64Array(64);
  /** The perp P&L's parts: Σ amount·avg_price and Σ amount over positions with an avg_price. */
  rowPerpCost = new Float64Array(64);
  rowPerpKnown = new Float64Array(64);
  rowMinConf = new Float64Array(64);
  rowColStart = new Int32Array(65);
  // Per group entry: expiry index (−1 = linear group), naked shorts, Σ|amount|.
  entExpiry = new Int32Array(256);
  entNaked = new Float64Array(256);
  entAbs = new Float64Array(256);
  // Collateral balances of all rows, flat, each row's sorted by asset name.
  colFacts: CollateralFacts[] = [];
  colName: string[] = [];
  colAmount = new Float64Array(64);
  nCol = 0;
  // Per-account work space.
  private epoch = 0;
  private slotEpoch = new Int32Array(256);
  private slotAmt = new Float64Array(256);
  private list = new Int32Array(64);
  private sorted = new Int32Array(64);
  private mark = new Uint8Array(256);

  reset(ctx: DerivePmrm2Snapshot): void {
    this.ctx = ctx;
    ctx.ranks();
    this.nRows = 0;
    this.nEntries = 0;
    this.nPos = 0;
    this.nCol = 0;
    this.colFacts.length = 0;
    this.colName.length = 0;
    this.rowStart[0] = 0;
    this.groupStart[0] = 0;
    this.rowColStart[0] = 0;
  }

  /** Adds account `a` (index `ai` in the batch) as the next row; false = reference path. */
  build(a: Account, ai: number): boolean {
    const ctx = this.ctx;
    const positions = a.positions;
    const nP = positions.length;
    if (this.epoch === 0x3fffffff) {
      // Epochs mark "seen in this account" in Int32Arrays: start over long before they overflow.
      this.slotEpoch.fill(0);
      this.epoch = 0;
    }
    const epoch = ++this.epoch;
    if (this.list.length < nP) {
      this.list = new Int32Array(2 * nP);
      this.sorted = new Int32Array(2 * nP);
    }
    const list = this.list;
    const byId = ctx.byId;
    let slotEpoch = this.slotEpoch;
    let slotAmt = this.slotAmt;
    let nList = 0;
    let perpAmount = 0;
    let perpCost = 0;
    let perpKnown = 0;
    let perpFunding = 0;
    for (let k = 0; k < nP; k++) {
      const pos = positions[k]!;
      const ins = pos.instrument;
      let c = byId[ins.id];
      if (c === undefined) c = ctx.code(ins);
      const amount = pos.size * ins.contractSize;
      if (c >= 0) {
        if (c >= slotEpoch.length) {
          slotEpoch = this.slotEpoch = grownI32(slotEpoch, c + 1);
          slotAmt = this.slotAmt = grownF64(slotAmt, c + 1);
        }
        if (slotEpoch[c] !== epoch) {
          slotEpoch[c] = epoch;
          slotAmt[c] = amount;
          list[nList++] = c;
        } else slotAmt[c] += amount;
      } else if (c === PERP) {
        perpAmount += amount;
        perpFunding += pos.unrealisedFunding ?? 0;
        if (pos.avgPrice !== undefined) {
          perpCost += amount * pos.avgPrice;
          perpKnown += amount;
        }
      } else if (c === BAD) return false;
    }
    const amt = slotAmt;
    const r = this.nRows;
    this.ensureRows(r + 1);

    // The perp: present when anything about it is non-zero (as derivePortfolioOf).
    let perpPnl = NaN;
    let perpRow = -1;
    if (perpAmount !== 0 || perpFunding !== 0 || perpCost !== 0) {
      perpRow = ctx.perpTableRow();
      if (perpRow < 0) return false;
      perpPnl = perpKnown * ctx.perp!.value - perpCost;
      if (!(isNum(perpAmount) && isNum(perpPnl) && isNum(perpFunding))) return false;
    }
    const minConf = perpAmount !== 0 ? Math.min(ctx.spotConfidence, ctx.perp!.confidence) : ctx.spotConfidence;

    // Amounts must be finite.
    const sx = ctx.slotExpiry;
    for (let i = 0; i < nList; i++) if (!isNum(amt[list[i]!]!)) return false;

    // Balances: the margin asset is cash; the rest collateral, sorted by name.
    const col0 = this.nCol;
    let cash = 0;
    const balances = a.balances;
    const assets = Object.keys(balances);
    for (let q = 0; q < assets.length; q++) {
      const asset = assets[q]!;
      const amount = balances[asset]!;
      if (asset === ctx.marginAsset) {
        cash += amount;
        continue;
      }
      const f = ctx.collateral(asset);
      if (f === null || !(amount >= 0 && isNum(amount))) return this.undoCollateral(col0);
      this.addCollateral(f, asset, amount);
    }
    if (!isNum(cash)) return this.undoCollateral(col0);

    const sorted = this.sorted;
    if (this.mark.length < ctx.rank.length) this.mark = new Uint8Array(2 * ctx.rank.length);
    sortCanonical(ctx, list, nList, sorted, this.mark);
    const strike = ctx.slotStrike;

    this.ensurePositions(this.nPos + nList + 1 + (this.nCol - col0), this.nEntries + nList + 1);
    let nPos = this.nPos;
    let nEnt = this.nEntries;
    const pi = this.posInstrument;
    const ps = this.posSize;
    const row = ctx.slotRow;
    let i = 0;
    while (i < nList) {
      const e = sx[sorted[i]!]!;
      let naked = 0;
      let abs = 0; // Σ|amount| in the canonical order, as arrange.ts: bit-identical under permutation
      while (i < nList && sx[sorted[i]!] === e) {
        // One strike: its put then its call.
        const k = strike[sorted[i]!]!;
        let sum = 0;
        while (i < nList && sx[sorted[i]!] === e && strike[sorted[i]!] === k) {
          const s = sorted[i++]!;
          sum += amt[s]!;
          abs += Math.abs(amt[s]!);
          pi[nPos] = row[s]!;
          ps[nPos++] = amt[s]!;
        }
        naked += Math.max(0, -sum);
      }
      this.groupId[nEnt] = 1 + e;
      this.entExpiry[nEnt] = e;
      this.entNaked[nEnt] = naked;
      this.entAbs[nEnt] = abs;
      this.groupStart[++nEnt] = nPos;
    }
    let linear = 0;
    if (perpAmount !== 0) {
      pi[nPos] = perpRow;
      ps[nPos++] = perpAmount;
      linear++;
    }
    for (let c = col0; c < this.nCol; c++) {
      const f = this.colFacts[c]!;
      if (!f.riskCancelling) continue;
      pi[nPos] = f.row;
      ps[nPos++] = this.colAmount[c]!;
      linear++;
    }
    if (linear > 0) {
      this.groupId[nEnt] = 0;
      this.entExpiry[nEnt] = -1;
      this.groupStart[++nEnt] = nPos;
    }
    this.nPos = nPos;
    this.nEntries = nEnt;
    this.rowStart[r + 1] = nEnt;
    this.rowAccount[r] = ai;
    this.rowCash[r] = cash;
    this.rowPerpAmount[r] = perpAmount;
    this.rowPerpPnl[r] = perpPnl;
    this.rowPerpFunding[r] = perpFunding;
    this.rowPerpCost[r] = perpCost;
    this.rowPerpKnown[r] = perpKnown;
    this.rowMinConf[r] = minConf;
    this.rowColStart[r + 1] = this.nCol;
    this.nRows = r + 1;
    return true;
  }

  private addCollateral(f: CollateralFacts, name: string, amount: number): void {
    let c = this.nCol++;
    this.colAmount = grownF64(this.colAmount, c + 1);
    const start = this.rowColStart[this.nRows]!;
    // Names are distinct within one account's balances: sort by name alone.
    while (c > start && this.colName[c - 1]! > name) {
      this.colFacts[c] = this.colFacts[c - 1]!;
      this.colName[c] = this.colName[c - 1]!;
      this.colAmount[c] = this.colAmount[c - 1]!;
      c--;
    }
    this.colFacts[c] = f;
    this.colName[c] = name;
    this.colAmount[c] = amount;
  }

  private undoCollateral(col0: number): false {
    this.nCol = col0;
    this.colFacts.length = col0;
    this.colName.length = col0;
    return false;
  }

  private ensureRows(n: number): void {
    // Each grow is a no-op when the column is long enough; rowStart and rowColStart need n + 1.
    this.rowStart = grownI32(this.rowStart, n + 1);
    this.rowColStart = grownI32(this.rowColStart, n + 1);
    this.rowAccount = grownI32(this.rowAccount, n);
    this.rowCash = grownF64(this.rowCash, n);
    this.rowPerpAmount = grownF64(this.rowPerpAmount, n);
    this.rowPerpPnl = grownF64(this.rowPerpPnl, n);
    this.rowPerpFunding = grownF64(this.rowPerpFunding, n);
    this.rowPerpCost = grownF64(this.rowPerpCost, n);
    this.rowPerpKnown = grownF64(this.rowPerpKnown, n);
    this.rowMinConf = grownF64(this.rowMinConf, n);
  }

  private ensurePositions(nPos: number, nEnt: number): void {
    this.posInstrument = grownI32(this.posInstrument, nPos);
    this.posSize = grownF64(this.posSize, nPos);
    this.groupStart = grownI32(this.groupStart, nEnt + 1);
    this.groupId = grownI32(this.groupId, nEnt);
    this.entExpiry = grownI32(this.entExpiry, nEnt);
    this.entNaked = grownF64(this.entNaked, nEnt);
    this.entAbs = grownF64(this.entAbs, nEnt);
  }
}
