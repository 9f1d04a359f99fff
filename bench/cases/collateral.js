// collateral.value.20: one account holding 20 assets (plain coins with liquidity haircuts, pegged
// stablecoins with 5 index sources, staked assets against a redemption rate, a borrowing, cash)
// valued into the margin currency. One account per call; target p50 ≤ 5 µs.
import { CollateralValuer } from '../../dist/collateral/value.js';

export default async function cases() {
  const now = Date.UTC(2026, 10, 30, 12);
  const assets = {};
  const prices = {};
  const balances = [{ asset: 'USD', amount: 25_000 }];
  const plain = ['BTC', 'ETH', 'SOL', 'XRP', 'ADA', 'AVAX', 'DOT', 'LINK', 'LTC', 'BCH', 'ATOM', 'NEAR', 'UNI', 'AAVE'];
  plain.forEach((name, i) => {
    assets[name] = { haircut_im: 0.1 + 0.01 * i, haircut_mm: 0.05 + 0.005 * i, liquidity: { base: 0.005, k: 0.4, cap: 0.5, adv: 1e5 * (i + 1) }, borrow_add_on_im: 0.2, borrow_add_on_mm: 0.1 };
    prices[name] = { price: 10 + 1000 * i, confidence: 0.95, timestamp_ms: now - 500 };
    balances.push({ asset: name, amount: i === 3 ? -1500 : 10 * (i + 1) });
  });
  for (const name of ['USDC', 'USDT', 'DAI']) {
    assets[name] = { haircut_im: 0.01, haircut_mm: 0.005, liquidity: { base: 0, k: 0.05, cap: 0.2, adv: 1e9 }, borrow_add_on_im: 0.02, borrow_add_on_mm: 0.01, reference: { kind: 'peg', peg: 1 } };
    prices[name] = { price: 0.9995, confidence: 0.99, timestamp_ms: now - 200, sources: [1.0001, 0.9995, 0.9998, 1.0003, 0.999] };
    balances.push({ asset: name, amount: 10_000 });
  }
  for (const [name, rate] of [['stETH', 1], ['wstETH', 1.17]]) {
    assets[name] = { haircut_im: 0.15, haircut_mm: 0.1, liquidity: { base: 0.01, k: 0.3, cap: 0.4, adv: 2e4 }, borrow_add_on_im: 0.3, borrow_add_on_mm: 0.2, reference: { kind: 'redemption', underlying: 'ETH', rate } };
    prices[name] = { price: 1000 * rate, confidence: 0.9, timestamp_ms: now - 800, sources: [1000 * rate, 1001 * rate, 999 * rate], redemption_rate: rate };
    balances.push({ asset: name, amount: 5 });
  }
  const valuer = new CollateralValuer({
    margin_currency: 'USD',
    max_price_age_ms: 5_000,
    min_price_confidence: 0.6,
    degraded: { policy: 'haircut', extra_haircut_im: 0.05, extra_haircut_mm: 0.02 },
    unrealised_pnl: { haircut_im: 0.5, haircut_mm: 0.25 },
    min_index_sources: 3,
    depeg_flag_threshold: 0.005,
    thin_assets: [],
    assets,
  });
  const account = { balances };
  const market = { now_ms: now, prices };
  if (balances.length !== 20) throw new Error(`collateral.value.20 holds ${balances.length} assets`);
  let sink = 0;
  return [
    {
      name: 'collateral.value.20',
      batch: 1,
      fn: () => {
        sink += valuer.value(account, market).totals.value_im;
      },
      extra: () => ({ assets: balances.length, finite: Number.isFinite(sink) }),
    },
  ];
}
