// A small ETH market and account generator for engine tests under the derive-pmrm2 test profile.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';

export const NOW = Date.UTC(2026, 10, 30, 8);
const DAY = 86_400_000;
export const EXPIRIES = [NOW + 7 * DAY, NOW + 30 * DAY, NOW + 90 * DAY];
export const STRIKES = [1600, 1800, 2000, 2200, 2400];

export function testProfile(): Record<string, unknown> {
  const file = JSON.parse(readFileSync(new URL('../../profiles/derive-pmrm2.test.json', import.meta.url), 'utf8'));
  return {
    ...file,
    name: 'derive-pmrm2.test-eth',
    params: {
      ...file.params,
      currency: 'ETH',
      collaterals: {
        WETH: { mmHaircut: 0.02, imHaircut: 0.03, riskCancelling: true },
        USDT: { mmHaircut: 0.01, imHaircut: 0.01, riskCancelling: false },
      },
    },
  };
}

export function testMarket(overrides: { spot?: number } = {}): Record<string, unknown> {
  const spot = overrides.spot ?? 2000;
  const expiries: Record<string, unknown> = {};
  EXPIRIES.forEach((expiry, i) => {
    const t = (expiry - NOW) / (365 * DAY);
    const vols: Record<string, number> = {};
    STRIKES.forEach((k) => (vols[String(k)] = 0.55 + 0.1 * Math.abs(Math.log(k / spot)) + 0.02 * i));
    expiries[`E${i}`] = { expiry, forward: spot * Math.exp(0.04 * t), rate: 0.04, vols };
  });
  return {
    snapshot_id: 'test-eth',
    timestamp: NOW,
    stablecoin: { asset: 'USDC', price: 1 },
    collateral: { WETH: { price: spot }, USDT: { price: 1 } },
    underlyings: { ETH: { index_price: spot, perp_price: spot * 1.0005, expiries } },
  };
}

export function option(expiryIndex: number, strike: number, type: 'C' | 'P', size: number): Record<string, unknown> {
  return {
    instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike, expiry: EXPIRIES[expiryIndex], option_type: type },
    size,
  };
}

export const arbOption = fc
  .record({
    e: fc.integer({ min: 0, max: EXPIRIES.length - 1 }),
    k: fc.constantFrom(...STRIKES),
    t: fc.constantFrom('C' as const, 'P' as const),
    size: fc.integer({ min: -50, max: 50 }).filter((x) => x !== 0),
  })
  .map((o) => option(o.e, o.k, o.t, o.size / 2));

export const arbAccount = fc
  .record({
    options: fc.array(arbOption, { minLength: 0, maxLength: 12 }),
    perp: fc.integer({ min: -20, max: 20 }),
    cash: fc.integer({ min: 0, max: 200_000 }),
    weth: fc.integer({ min: 0, max: 20 }),
    usdt: fc.integer({ min: 0, max: 50_000 }),
  })
  .map(({ options, perp, cash, weth, usdt }) => {
    const positions = [...options];
    if (perp !== 0) positions.push({ instrument: 'ETH-PERPETUAL', size: perp, avg_price: 1990 });
    const balances: Record<string, number> = { USDC: cash };
    if (weth > 0) balances.WETH = weth;
    if (usdt > 0) balances.USDT = usdt;
    return { account_id: 'acct', positions, balances };
  });
