// Auto-deleveraging inside a cascade round (cascade.ts): when the insurance fund cannot cover a
// bankrupt account's shortfall, insurance.ts settleShortfall closes its positions at their
// bankruptcy prices against profitable opposite positions of other accounts of the venue, ranked
// by the bankrupt account's pool profile (`liquidation.insurance.adl.ranking`; insurance.ts
// documents the scores), and the ADL'd accounts' books change here so the next round re-margins
// them:
//   position   size + size_change (the instrument's entries merged into one, avg price by size)
//   cash       + value at mark of the contracts closed − cost
// so equity falls by exactly `cost`, the share of the shortfall that account absorbed.
// Counterparties: every account of the venue that is not being liquidated this round, holding an
// instrument with a known entry price (avg_price) and positive equity; ranked on the round's
// marks and on their equity at the start of the round. The index of holders per instrument is
// built once per round, on the first bankrupt account that needs it (one pass over the venue), and
// the sizes left are tracked so two bankrupt accounts of one round cannot take the same contracts.
// Each instrument's eligible holders are ranked once per round (the round's mark, the equities at
// its start, the sizes left) and kept in rank order as ADL shrinks them; a bankrupt position is
// offered only the best-ranked holders enough to absorb it — the ones settleShortfall would take
// first from the whole list — so a perp held by 50,000 accounts is not handed over every time.
// Prices are per contract: mark = perp / forward / index × contract size (linear), the engine's
// MtM of one contract (options). Inverse-settled positions are not deleveraged (their shortfall
// share is reported uncovered).
import type { Engine } from '../margin/engine.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account, Position } from '../model/account.js';
import type { Instrument } from '../model/instrument.js';
import { FailedInput, type VenueEngine } from '../pool/venue-engine.js';
import type { CascadeBook } from './cascade-book.js';
import { adlScore, settleShortfall, type BankruptPosition, type CounterpartyPosition, type InsuranceFund, type Settlement } from './insurance.js';
import type { InsuranceParams } from './params.js';

interface Holder {
  i: number;
  account_id: string;
  ins: Instrument;
  /** Contracts still held (merged over repeats), after this round's earlier ADL. */
  size: number;
  /** Per contract (avg_price × contract size). */
  entry: number;
  equity: number;
}

interface Pending {
  account: Account;
  cash: number;
  sizes: Map<string, number>;
}

export interface AdlOutcome {
  settlement: Settlement;
  /** Contracts the counterparties took per instrument (their size_change summed). */
  taken: Map<string, { ins: Instrument; contracts: number }>;
}

/** One position per instrument: sizes add, avg price by size (when every entry has one), funding adds. */
export function mergePositions(positions: readonly Position[]): Map<string, Position> {
  const out = new Map<string, Position>();
  for (const p of positions) {
    const prev = out.get(p.instrument.id);
    if (prev === undefined) {
      out.set(p.instrument.id, p);
      continue;
    }
    const size = prev.size + p.size;
    const m: { -readonly [K in keyof Position]: Position[K] } = { instrument: p.instrument, size };
    if (prev.avgPrice !== undefined && p.avgPrice !== undefined && size !== 0) m.avgPrice = (prev.size * prev.avgPrice + p.size * p.avgPrice) / size;
    if (prev.unrealisedFunding !== undefined || p.unrealisedFunding !== undefined) m.unrealisedFunding = (prev.unrealisedFunding ?? 0) + (p.unrealisedFunding ?? 0);
    out.set(p.instrument.id, m);
  }
  return out;
}

export class CascadeAdl {
  private index: Map<string, Holder[]> | undefined;
  private byKey = new Map<string, Holder>();
  private marks = new Map<string, number>();
  private pending = new Map<number, Pending>();
  private ranked = new Map<string, { items: Array<{ h: Holder; score: number }> }>();

  constructor(
    private readonly venue: VenueEngine,
    private readonly book: CascadeBook,
    private readonly engineFor: (pool: string) => Engine,
    private readonly snap: MarketSnapshot,
    private readonly marginAsset: string,
    /** Accounts liquidated this round: not counterparties. */
    private readonly skip: ReadonlySet<number>,
  ) {}

  /** Mark per contract in the margin currency, or undefined when the position cannot be deleveraged. */
  markOf(ins: Instrument, pool: string): number | undefined {
    let m = this.marks.get(ins.id);
    if (m !== undefined) return m > 0 ? m : undefined;
    if (ins.settlement !== 'linear') m = 0;
    else if (ins.kind === 'option') {
      // The engine's own MtM of one contract, so the cash moved matches the equity it margins.
      const one = Object.freeze({ id: '', pool, positions: [{ instrument: ins, size: 1 }], balances: Object.create(null) as Record<string, number> });
      m = this.engineFor(pool).margin(one, this.snap).equity;
    } else {
      const u = this.snap.underlying(ins.underlying);
      const price = ins.kind === 'perpetual' ? (u.perp?.value ?? u.index.value) : ins.kind === 'future' ? this.snap.expiry(ins.underlying, ins.expiry!).forward.value : u.index.value;
      m = price * ins.contractSize;
    }
    if (!Number.isFinite(m)) m = 0;
    this.marks.set(ins.id, m);
    return m > 0 ? m : undefined;
  }

  /** Eligible holders of `id` on side `sign`, by ADL score (best first; ties by account id) — once per round. */
  private rankedFor(id: string, mark: number, sign: number, params: InsuranceParams): { items: Array<{ h: Holder; score: number }> } {
    const key = `${params.adl.ranking}|${sign}|${id}`;
    let list = this.ranked.get(key);
    if (list === undefined) {
      const items: Array<{ h: Holder; score: number }> = [];
      for (const h of this.index!.get(id) ?? []) {
        if (Math.sign(h.size) !== sign) continue;
        const score = scoreOf(h, mark, params);
        if (score !== undefined) items.push({ h, score });
      }
      items.sort(byRank);
      this.ranked.set(key, (list = { items }));
    }
    return list;
  }

  /** A holder's place after its size changed: out when empty, else where its new score ranks. */
  private rerank(list: { items: Array<{ h: Holder; score: number }> }, h: Holder, mark: number, params: InsuranceParams): void {
    const at = list.items.findIndex((x) => x.h === h); // near the front: it was just taken
    if (at >= 0) list.items.splice(at, 1);
    if (h.size === 0) return;
    const score = scoreOf(h, mark, params);
    if (score === undefined) return;
    const placed = { h, score };
    let lo = 0, hi = list.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byRank(list.items[mid]!, placed) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.items.splice(lo, 0, placed);
  }

  private build(): Map<string, Holder[]> {
    const index = new Map<string, Holder[]>();
    for (let i = 0; i < this.book.inputs.length; i++) {
      const input = this.book.inputs[i]!;
      if (this.skip.has(i) || input instanceof FailedInput) continue;
      const res = this.venue.accountAt(i);
      if (res.status === 'failed' || !(res.equity > 0)) continue;
      const account = this.engineFor(res.pool).parseAccount(input);
      // Kept validated: the next round's scan (and liquidation) need not parse the JSON again.
      this.book.inputs[i] = account;
      for (const [id, p] of mergePositions(account.positions)) {
        if (p.size === 0 || p.avgPrice === undefined || !(p.avgPrice > 0) || p.instrument.settlement !== 'linear') continue;
        const h: Holder = { i, account_id: res.account_id, ins: p.instrument, size: p.size, entry: p.avgPrice * p.instrument.contractSize, equity: res.equity };
        let list = index.get(id);
        if (list === undefined) index.set(id, (list = []));
        list.push(h);
        this.byKey.set(`${res.account_id}\u0000${id}`, h);
      }
    }
    return index;
  }

  /** Settle the shortfall of bankrupt account `i` (fund first, then ADL as insurance.ts does). */
  settle(fund: InsuranceFund, i: number, account: Account, shortfall: number, params: InsuranceParams): AdlOutcome {
    const merged = [...mergePositions(account.positions).values()];
    const positions: BankruptPosition[] = [];
    for (const p of merged) {
      const m = p.size === 0 ? undefined : this.markOf(p.instrument, account.pool);
      if (m !== undefined) positions.push({ instrument: p.instrument.id, size: p.size, mark_price: m });
    }
    const cps: CounterpartyPosition[] = [];
    // Only when the fund falls short is the venue scanned.
    if (shortfall > fund.balance && params.adl.enabled && positions.length > 0) {
      this.index ??= this.build();
      for (const bp of positions) {
        // The best-ranked opposite holders with contracts left, just enough to absorb the position
        // (and one more, should rounding leave a few ulps): settleShortfall would rank and take
        // exactly these, and passing 50,000 perp holders per bankrupt account would be quadratic.
        const list = this.rankedFor(bp.instrument, bp.mark_price, -Math.sign(bp.size), params);
        let need = Math.abs(bp.size);
        let extra = 1;
        for (const { h } of list.items) {
          if (h.size === 0 || h.i === i) continue;
          if (need <= 0 && extra-- <= 0) break;
          need -= Math.abs(h.size);
          cps.push({ account: h.account_id, instrument: bp.instrument, size: h.size, entry_price: h.entry, mark_price: bp.mark_price, account_equity: h.equity });
        }
      }
    }
    const settlement = settleShortfall(fund, { account: account.id, shortfall, positions }, cps, params);
    const taken = new Map<string, { ins: Instrument; contracts: number }>();
    for (const a of settlement.actions) {
      if (a.type !== 'adl') continue;
      const h = this.byKey.get(`${a.account}\u0000${a.instrument}`)!;
      const list = this.ranked.get(`${params.adl.ranking}|${Math.sign(h.size)}|${a.instrument}`)!;
      h.size += a.size_change;
      if (Math.abs(h.size) <= Math.abs(a.size_change) * 1e-12) h.size = 0;
      this.rerank(list, h, a.mark_price, params);
      const t = taken.get(a.instrument) ?? { ins: h.ins, contracts: 0 };
      t.contracts += a.size_change;
      taken.set(a.instrument, t);
      this.apply(h, a.size_change, a.mark_price, a.cost);
    }
    return { settlement, taken };
  }

  private apply(h: Holder, change: number, mark: number, cost: number): void {
    let p = this.pending.get(h.i);
    if (p === undefined) {
      const account = this.engineFor(this.venue.accountAt(h.i).pool).parseAccount(this.book.inputs[h.i] as Exclude<CascadeBook['inputs'][number], FailedInput>);
      p = { account, cash: 0, sizes: new Map() };
      this.pending.set(h.i, p);
    }
    // Closing −change contracts at mark keeps equity (their value moves to cash); the price gap costs `cost`.
    const value = h.ins.kind === 'option' ? mark : mark - h.entry;
    p.cash += -change * value - cost;
    p.sizes.set(h.ins.id, h.size);
  }

  /** The ADL'd accounts of the round, rebuilt (engine index order), also written into the book. */
  changed(): Account[] {
    const out: Account[] = [];
    for (const i of [...this.pending.keys()].sort((a, b) => a - b)) {
      const p = this.pending.get(i)!;
      const merged = mergePositions(p.account.positions);
      const positions: Position[] = [];
      let cash = p.cash;
      const done = new Set<string>();
      for (const pos of p.account.positions) {
        const id = pos.instrument.id;
        const size = p.sizes.get(id);
        if (size === undefined) {
          positions.push(pos);
          continue;
        }
        if (done.has(id)) continue;
        done.add(id);
        const m = merged.get(id)!;
        const keep = m.size === 0 ? 0 : size / m.size;
        // Funding accrued on the closed part is settled into cash (equity unchanged by it).
        if (m.unrealisedFunding !== undefined) cash += m.unrealisedFunding * (1 - keep);
        if (size === 0) continue;
        const q: { -readonly [K in keyof Position]: Position[K] } = { ...m, size };
        if (m.unrealisedFunding !== undefined) q.unrealisedFunding = m.unrealisedFunding * keep;
        positions.push(q);
      }
      const balances = Object.create(null) as Record<string, number>;
      for (const [asset, amount] of Object.entries(p.account.balances)) balances[asset] = amount;
      balances[this.marginAsset] = (balances[this.marginAsset] ?? 0) + cash;
      const next = Object.freeze({ id: p.account.id, pool: p.account.pool, positions, balances });
      this.book.inputs[i] = next;
      out.push(next);
    }
    return out;
  }
}

/** The holder's ADL score at `mark` under the profile's ranking (undefined: not eligible). */
function scoreOf(h: Holder, mark: number, params: InsuranceParams): number | undefined {
  return adlScore({ account: h.account_id, instrument: h.ins.id, size: h.size, entry_price: h.entry, mark_price: mark, account_equity: h.equity }, params.adl.ranking);
}

/** ADL order: best score first, ties by account id (code-unit order). */
function byRank(a: { h: Holder; score: number }, b: { h: Holder; score: number }): number {
  return b.score - a.score || (a.h.account_id < b.h.account_id ? -1 : a.h.account_id > b.h.account_id ? 1 : 0);
}
