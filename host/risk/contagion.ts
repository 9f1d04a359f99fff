// Contagion view over a revalued book.
//   Links: accounts that share an owner or a collateral pledge (given per account; pools and
//   venues may differ) form clusters (union–find).
//   Shock: in scenario s an account's equity is collateral + P&L_s (collateral = Σ balances ×
//   price, coin balances included; their move is already in the P&L). An account with equity < 0
//   breaks; its shortfall is charged to the other accounts of its cluster that are still solvent,
//   pro rata to their equity, which can break them in turn. Iterated until nothing changes.
//   Concentration: the venue's gross and net exposure (Σ size·V_0) by underlying, and the
//   accounts whose worst-scenario loss is the largest share of the venue's.
import { RiskgridError } from '../errors.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import type { RiskBook } from './book.js';

export interface AccountLinks {
  owner?: string;
  /** Collateral pledge ids shared with other accounts (e.g. a vault, a cross-venue collateral account). */
  collateral?: string[];
}

export function clusters(accountIds: readonly string[], links: Readonly<Record<string, AccountLinks>>): Int32Array {
  const parent = Int32Array.from(accountIds.keys());
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const first = new Map<string, number>();
  const index = new Map(accountIds.map((id, i) => [id, i]));
  for (const [id, l] of Object.entries(links)) {
    const i = index.get(id);
    if (i === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `links name an unknown account ${id}`, { field: `links.${id}`, value: id });
    const keys = [...(l.owner !== undefined ? [`owner:${l.owner}`] : []), ...(l.collateral ?? []).map((c) => `collateral:${c}`)];
    for (const k of keys) {
      const j = first.get(k);
      if (j === undefined) first.set(k, i);
      else parent[find(i)] = find(j);
    }
  }
  return Int32Array.from(accountIds.keys(), find);
}

export function collateralValue(accounts: readonly Account[], market: MarketSnapshot): Float64Array {
  return Float64Array.from(accounts, (a) => {
    let v = 0;
    for (const [asset, amount] of Object.entries(a.balances)) v += amount * market.assetPrice(asset).value;
    return v;
  });
}

export interface ShockOutcome {
  /** Accounts broken by their own loss. */
  direct: string[];
  /** Accounts broken only by a linked account's shortfall. */
  contagion: string[];
  /** Shortfall left after the clusters absorbed what they could. */
  uncovered: number;
}

/** `pnl[r]`: account r's P&L in the shock scenario. */
export function propagateShock(accountIds: readonly string[], cluster: Int32Array, collateral: Float64Array, pnl: Float64Array): ShockOutcome {
  const n = accountIds.length;
  const equity = Float64Array.from(collateral, (c, r) => c + pnl[r]!);
  const broken = new Uint8Array(n);
  const direct: string[] = [];
  const contagion: string[] = [];
  const members = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    const c = cluster[r]!;
    (members.get(c) ?? members.set(c, []).get(c)!).push(r);
  }
  let uncovered = 0;
  let changed = true;
  for (let r = 0; r < n; r++) {
    if (equity[r]! < 0) {
      broken[r] = 1;
      direct.push(accountIds[r]!);
    }
  }
  while (changed) {
    changed = false;
    for (const rows of members.values()) {
      let shortfall = 0;
      for (const r of rows) if (broken[r] === 1 && equity[r]! < 0) shortfall -= equity[r]!;
      if (shortfall === 0) continue;
      for (const r of rows) if (broken[r] === 1) equity[r] = 0; // the shortfall moves to the cluster
      let capacity = 0;
      for (const r of rows) if (broken[r] === 0) capacity += equity[r]!;
      if (capacity <= 0) {
        uncovered += shortfall;
        continue;
      }
      const share = Math.min(1, shortfall / capacity);
      for (const r of rows) {
        if (broken[r] === 1) continue;
        equity[r] = equity[r]! * (1 - share);
        if (share === 1) {
          broken[r] = 1;
          contagion.push(accountIds[r]!);
          changed = true;
        }
      }
      if (shortfall > capacity) uncovered += shortfall - capacity;
    }
  }
  return { direct, contagion, uncovered };
}

export interface Concentration {
  byUnderlying: { underlying: string; gross: number; net: number }[];
  /** Accounts by worst-scenario loss, largest first, with their share of the sum of those losses. */
  largestAccounts: { account: string; worstLoss: number; share: number }[];
}

export function concentration(book: RiskBook, baseValue: Float64Array, worstPnl: Float64Array, top = 10): Concentration {
  const nU = book.underlyings.length;
  const gross = new Float64Array(nU);
  const net = new Float64Array(nU);
  const r = book.rows;
  for (let p = 0; p < r.posInstrument.length; p++) {
    const i = r.posInstrument[p]!;
    const v = r.posSize[p]! * baseValue[i]!;
    const u = book.instruments.underlying[i]!;
    gross[u]! += Math.abs(v);
    net[u]! += v;
  }
  let total = 0;
  for (const w of worstPnl) if (w < 0) total -= w;
  const order = Array.from(worstPnl.keys()).sort((a, b) => worstPnl[a]! - worstPnl[b]! || a - b);
  return {
    byUnderlying: book.underlyings.map((u, i) => ({ underlying: u, gross: gross[i]!, net: net[i]! })),
    largestAccounts: order.slice(0, top).map((i) => ({ account: book.accountIds[i]!, worstLoss: Math.max(0, -worstPnl[i]!), share: total > 0 ? Math.max(0, -worstPnl[i]!) / total : 0 })),
  };
}
