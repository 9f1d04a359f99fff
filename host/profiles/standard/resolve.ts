// Account + market snapshot → resolved positions, the plain input of the issue-4 methodologies
// (span, standard, cross-futures, deribit-pm, okx-pm, tims). The engine's orchestrators call this
// and then the method's compute; missing market data is the snapshot's RG_ERR_MISSING_MARKET_DATA.
// Cash positions carry no price risk and are skipped (balances are collateral, not positions).
// Contract sizes: units of the underlying per contract, except inverse futures and perpetuals,
// whose size is the quote-currency notional (Deribit: 10 USD); an inverse option's size is in
// coins (Deribit: 1 BTC).
import type { MarketSnapshot } from '../../market/snapshot.js';
import type { Account } from '../../model/account.js';
import type { ResolvedPosition } from './position.js';

export interface ResolvedPositionEx extends ResolvedPosition {
  /** Expiry instant (ms, UTC) of options and futures: SPAN months, Deribit strikes per expiry. */
  expiry?: number;
  /** Quote currency (okx-pm MR9 groups cash deltas by it). */
  quote: string;
  /** Average entry price (futures and perps: unrealised P&L in equity). */
  avgPrice?: number;
}

export function resolveAccount(account: Account, market: MarketSnapshot): ResolvedPositionEx[] {
  const out: ResolvedPositionEx[] = [];
  for (const pos of account.positions) {
    const ins = pos.instrument;
    if (ins.kind === 'cash') continue;
    const u = ins.underlying;
    const spot = market.index(u).value;
    const base = { id: ins.id, underlying: u, size: pos.size, multiplier: ins.contractSize, settlement: ins.settlement, spot, quote: ins.quote, avgPrice: pos.avgPrice };
    if (ins.kind === 'option') {
      const e = market.expiry(u, ins.expiry!);
      const T = Math.max(market.yearFraction(ins.expiry!), 0);
      out.push({
        ...base,
        kind: 'option',
        forward: e.forward.value,
        strike: ins.strike!,
        optionType: ins.optionType!,
        T,
        vol: market.volFor(u, ins.expiry!, ins.strike!, ins.optionType),
        df: Math.exp(-e.rate.value * T),
        expiry: ins.expiry,
      });
    } else if (ins.kind === 'future') {
      const e = market.expiry(u, ins.expiry!);
      out.push({ ...base, kind: 'future', forward: e.forward.value, T: Math.max(market.yearFraction(ins.expiry!), 0), expiry: ins.expiry });
    } else if (ins.kind === 'perpetual') {
      out.push({ ...base, kind: 'perpetual', forward: market.perp(u).value, T: 0 });
    } else {
      out.push({ ...base, kind: 'spot', forward: spot, T: 0 });
    }
  }
  return out;
}
