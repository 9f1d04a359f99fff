// Small books for the risk tests: a snapshot with ETH and BTC (one expiry each, a few strikes)
// and accounts built through the public parsers.
import { parseMarketSnapshot } from '../../host/market/validate.js';
import { DERIVE_CONVENTIONS } from '../../host/model/instrument.js';
import { parseAccount } from '../../host/model/validate.js';
import type { Account } from '../../host/model/account.js';

export const NOW = Date.UTC(2026, 10, 30, 8);
export const EXPIRY = NOW + 28 * 86_400_000;

export function testMarket(eth = 2000, btc = 90000) {
  const vols = (spot: number) => Object.fromEntries([0.8, 0.9, 1, 1.1, 1.2].map((m) => [String(Math.round(spot * m)), 0.6 + 0.2 * Math.abs(m - 1)]));
  return parseMarketSnapshot({
    snapshot_id: 'risk-test', timestamp: NOW, stablecoin: { asset: 'USDC', price: 1 }, collateral: {},
    underlyings: {
      ETH: { index_price: eth, perp_price: eth, expiries: { E: { expiry: EXPIRY, forward: eth, rate: 0, vols: vols(eth) } } },
      BTC: { index_price: btc, perp_price: btc, expiries: { E: { expiry: EXPIRY, forward: btc, rate: 0, vols: vols(btc) } } },
    },
  }, { now: false });
}

export function option(u: string, strike: number, type: 'C' | 'P') {
  return { kind: 'option', underlying: u, quote: 'USDC', settlement: 'linear', strike, expiry: EXPIRY, option_type: type };
}

export function acct(id: string, positions: { instrument: unknown; size: number }[], balances: Record<string, number> = { USDC: 0 }): Account {
  return parseAccount({ account_id: id, positions, balances }, { conventions: DERIVE_CONVENTIONS });
}
