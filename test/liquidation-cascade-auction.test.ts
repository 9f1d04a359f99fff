// Cascade in auction mode (issue 7, req. 3 + 5): a three-account venue on Derive's mainnet auction
// parameters worked by hand (fee, discount, max fraction, equity loss, the insolvent takeover the
// fund pays), the no-bidder path when the fund cannot pay, and determinism on a synthetic venue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auctionRound } from '../host/liquidation/cascade-auction.js';
import { DEFAULT_AUCTION } from '../host/liquidation/params.js';
import { loadCascadeBook, type CascadeBook } from '../host/liquidation/cascade-book.js';
import { runCascade, type CascadeParams, type CascadeResult } from '../host/liquidation/cascade.js';
import { moveMarket } from '../host/liquidation/impact.js';
import { createEngine } from '../host/margin/engine.js';
import type { Account } from '../host/model/account.js';
import { VenueEngine } from '../host/pool/venue-engine.js';
import { synthMultiVenue } from '../host/venue/synth-multi.js';

const PROFILE = 'derive-pmrm2.mainnet';
const market = (spot: number): Record<string, unknown> => ({
  snapshot_id: 'hand', timestamp: 1796025600000, stablecoin: { asset: 'USDC', price: 1 }, collateral: {},
  underlyings: { ETH: { index_price: spot, perp_price: spot, expiries: {} } },
});
const perp = (id: string, size: number, cash: number) => ({ account_id: id, pool: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', size, avg_price: 3000 }], balances: { USDC: cash } });
// A: liquidatable after −30 % (solvent auction). D: bankrupt (insolvent auction). E: rich, untouched.
const HAND = [perp('A', 10, 12_000), perp('D', 20, 15_000), perp('E', 1, 50_000)];
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

async function run(accounts: unknown[], m: Record<string, unknown>, pools: Record<string, string | Record<string, unknown>>, p: CascadeParams, threads = 0): Promise<{ r: CascadeResult; book: CascadeBook }> {
  const venue = await VenueEngine.open({ pools, threads });
  try {
    const book = loadCascadeBook(venue, accounts as Array<Record<string, unknown>>, m);
    await venue.remargin();
    return { r: await runCascade(venue, book, pools, m, p), book };
  } finally {
    await venue.close();
  }
}

describe('auction mode on a three-account venue, by hand (Derive mainnet auction parameters)', () => {
  // Mainnet: start 95 %, fast cut-off 70 % over 15 min, fee rate 10 %, buffer margin 15 %,
  // insolvent timer 60 min; fee_share 1 (all of the fee to the fund). ETH 3000 → 2100 (−30 %).
  // Perp MM = 0.174·|q|·S (liquidation-cascade.test.ts checks it against the engine).
  const params: CascadeParams = { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth: { ETH: 500_000 } }, rounds: 1, buffer: 0.1, fund: 5_000, detail: true, liquidation: 'auction', round_seconds: 30 };

  it('A: fee, discount at t = 30 s, max fraction, equity loss; D: the fund pays the insolvent bid', async () => {
    const { r, book } = await run(HAND, market(3000), { ETH: PROFILE }, params);
    expect(r.params).toMatchObject({ liquidation: 'auction', round_seconds: 30 });
    const r1 = r.rounds[0]!;
    const [a, d] = r1.liquidations!;
    // A at S = 2100: E = 12000 + 10·(2100 − 3000) = 3000; R = 0.174·10·2100 = 3654;
    // MM = E − R = −654; BM = −654 − 0.15·3654 = −1202.1.
    expect(a!.account_id).toBe('A');
    expect(a!.equity).toBeCloseTo(3000, 6);
    expect(a!.requirement).toBeCloseTo(3654, 6);
    // Fee = f_max(d = 1)·MtM·10 % with f_max = 1202.1 / (1202.1 + 3000) = 0.2860713 → 85.82138.
    const fee = (1202.1 / 4202.1) * 3000 * 0.1;
    expect(a!.auction!.kind).toBe('solvent');
    expect(a!.auction!.fee).toBeCloseTo(fee, 8);
    expect(fee).toBeCloseTo(85.82138, 5);
    // Bid at t = 30 s: d = 0.95 − (0.95 − 0.70)·30/900 = 0.9416667; MtM for sale 3000 − 85.82 = 2914.1786;
    // BM = 2914.1786 − 3654·1.15 = −1287.9214; f = 1287.9214 / (1287.9214 + 0.9416667·2914.1786) = 0.3194165.
    const d0 = 0.95 - (0.25 * 30) / 900;
    const mtm = 3000 - fee;
    const bm = mtm - 3654 * 1.15;
    const f = -bm / (-bm + d0 * mtm);
    expect(a!.auction!.discount).toBeCloseTo(0.9416667, 7);
    expect(a!.auction!.fraction).toBeCloseTo(f, 12);
    expect(f).toBeCloseTo(0.3194165, 7);
    expect(a!.auction!.bid_price).toBeCloseTo(d0 * mtm, 8); // 2744.1849 for the whole portfolio
    expect(a!.auction!.cash_to_account).toBeCloseTo(f * d0 * mtm, 8); // 876.538
    // Equity loss = fee + f·MtM·(1 − d) = 85.821 + 0.3194165·2914.1786·0.0583333 = 85.821 + 54.299 = 140.120.
    expect(a!.auction!.equity_loss).toBeCloseTo(fee + f * mtm * (1 - d0), 8);
    expect(a!.auction!.equity_loss).toBeCloseTo(140.1202, 3);
    // The account after the bid, margined by the engine on the round's market (2100): equity 2859.880,
    // and buffer margin back to 0: equity = 1.15 × MM requirement.
    const after = book.inputs[0] as Account;
    expect(after.positions[0]!.size).toBeCloseTo(10 * (1 - f), 12); // 6.8058347
    expect(after.balances.USDC).toBeCloseTo((1 - f) * (12_000 - fee) + f * d0 * mtm, 8); // 8985.131
    const e = createEngine({ profile: PROFILE, snapshot: { now: false } }).margin(after, moveMarket(market(3000), { ETH: 0.7 }, 's'));
    expect(e.equity).toBeCloseTo(3000 - (fee + f * mtm * (1 - d0)), 8);
    expect(rel(e.equity, 1.15 * e.maintenance_margin)).toBeLessThan(1e-12);
    // D: E = 15000 − 20·900 = −3000, R = 0.174·20·2100 = 7308; insolvent bid at 30 s of a 3600 s timer:
    // (MM − min(MtM, 0))·30/3600 + min(MtM, 0) = −7308/120 − 3000 = −3060.9 → the fund pays 3060.9.
    expect(d!.auction!.kind).toBe('insolvent');
    expect(d!.auction!.cash_to_bidder).toBeCloseTo(3060.9, 8);
    expect((book.inputs[1] as Account).positions).toHaveLength(0);
    expect((book.inputs[1] as Account).balances.USDC).toBe(0);
    expect(r1.auctions).toMatchObject({ solvent: 1, insolvent: 1, takeovers: 1 });
    expect(r1.auctions!.fees).toBeCloseTo(fee, 8);
    expect(r1.auctions!.fee_to_fund).toBeCloseTo(fee, 8);
    expect(r1.auctions!.takeover_paid).toBeCloseTo(3060.9, 8);
    expect(r1.auctions!.discount_loss).toBeCloseTo(f * mtm * (1 - d0), 8);
    // Fund: 5000 + 85.821 (A's fee, A comes first) − 3060.9 = 2024.921; D's shortfall 3000, nothing uncovered.
    expect(r1.fund_balance).toBeCloseTo(5000 + fee - 3060.9, 8);
    expect(r1.fund_used).toBeCloseTo(3060.9, 8);
    expect([r1.shortfall, r1.uncovered]).toEqual([3000, 0]);
    // Flow as the market mode counts it: f·10·2100 + 20·2100 = 48707.747 USD of ETH sold.
    expect(r1.notional_sold.ETH).toBeCloseTo(f * 21_000 + 42_000, 6);
    expect(r1.notional_sold.ETH).toBeCloseTo(48707.747, 3);
    expect(r1.by_status.bankrupt).toBe(0);
  });

  it('with no fund to pay the bid, no bidder takes D: closed at marks, the shortfall uncovered (ADL off on mainnet)', async () => {
    const { r } = await run(HAND, market(3000), { ETH: PROFILE }, { ...params, fund: 0 });
    const r1 = r.rounds[0]!;
    expect(r1.auctions).toMatchObject({ solvent: 1, insolvent: 1, takeovers: 0 });
    // A's fee (85.82) went to the fund before D: the fund pays 85.82 of D's 3000 shortfall.
    expect(r1.fund_used).toBeCloseTo(r1.auctions!.fee_to_fund, 10);
    expect(r1.uncovered).toBeCloseTo(3000 - r1.auctions!.fee_to_fund, 8);
    expect(r1.fund_balance).toBe(0);
    expect(r1.adl).toBeUndefined();
  });

  it('a round past the whole solvent auction converts it to an insolvent takeover', async () => {
    // 12 h 15 min + 1 s: d = 0, the auction is converted (convertToInsolvent) and taken whole;
    // the fee stays paid, the fund pays the bid (MtM − fee > 0 ⇒ starts at min(MtM, 0) = 0).
    const { r } = await run(HAND.slice(0, 1), market(3000), { ETH: PROFILE }, { ...params, round_seconds: 44_101, fund: 10_000 });
    const a = r.rounds[0]!.liquidations![0]!;
    expect(a.auction).toMatchObject({ kind: 'insolvent', converted: true, fraction: 1 });
    expect(a.auction!.fee).toBeGreaterThan(0);
    // bid = (MM − 0)·1 s/3600 s with MM = (3000 − fee) − 3654 (1 s into the insolvent timer).
    expect(a.auction!.cash_to_bidder).toBeCloseTo(-((3000 - a.auction!.fee - 3654) * 1) / 3600, 9);
  });

  it('rejects a bad mode and round length with codes naming the field', async () => {
    await expect(run(HAND, market(3000), { ETH: PROFILE }, { ...params, liquidation: 'lottery' as 'market' })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'liquidation' });
    await expect(run(HAND, market(3000), { ETH: PROFILE }, { ...params, round_seconds: 0 })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'round_seconds' });
    await expect(run(HAND, market(3000), { ETH: PROFILE }, { ...params, adl: 'maybe' as 'on' })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'adl' });
  });
});

describe('one account\'s auction round (cascade-auction.ts), properties', () => {
  it('solvent: fraction in (0, 1), the loss is fee + discount, the account lands on buffer margin 0; insolvent: the fund pays at least the shortfall', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e7, noNaN: true }), fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 1, max: 3600 }), (R, share, cash, seconds) => {
        const E = R * share;
        const t = seconds * 1000;
        const a = auctionRound(E, R, cash, 0, t, DEFAULT_AUCTION);
        expect(a.kind).toBe('solvent');
        expect(a.fraction).toBeGreaterThan(0);
        expect(a.fraction).toBeLessThan(1);
        const d = a.discount;
        expect(a.equity_loss).toBeCloseTo(a.fee + a.fraction * (E - a.fee) * (1 - d), 6);
        // Requirement scales with what is left: E' − (1 − f)·R·(1 + buffer %) = 0.
        const after = E - a.equity_loss;
        expect(Math.abs(after - (1 - a.fraction) * R * (1 + DEFAULT_AUCTION.buffer_margin_percentage))).toBeLessThan(1e-7 * R);
        expect(a.cash_after).toBeCloseTo((1 - a.fraction) * (cash - a.fee) + a.cash_to_account, 6);
        const b = auctionRound(-E, R, cash, 0, t, DEFAULT_AUCTION);
        expect(b.kind).toBe('insolvent');
        expect(b.fraction).toBe(1);
        expect(b.cash_to_bidder).toBeGreaterThanOrEqual(E);
        expect(b.cash_to_bidder).toBeLessThanOrEqual(E + R);
      }),
      { numRuns: 300 },
    );
  });
});

describe('auction mode on a synthetic venue', () => {
  const multi = synthMultiVenue({ accounts: 1500, instruments: 120, seed: 77, profile: PROFILE });
  const accounts = () => [...multi.accountLines()].map((l) => JSON.parse(l) as Record<string, unknown>);
  const params: CascadeParams = { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth: { ETH: 2e7, BTC: 5e8, SOL: 2e6 } }, rounds: 6, fund: 1e5, detail: true, liquidation: 'auction' };

  it('is deterministic (2 threads vs this thread, byte for byte) and its hash differs from market mode', async () => {
    const a = (await run(accounts(), multi.market, multi.pools, params, 2)).r;
    const b = (await run(accounts(), multi.market, multi.pools, params, 0)).r;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.rounds[0]!.auctions!.solvent).toBeGreaterThan(10);
    const m = (await run(accounts(), multi.market, multi.pools, { ...params, liquidation: 'market' }, 0)).r;
    expect(m.params.liquidation).toBeUndefined();
    expect(m.inputs_hash).not.toBe(a.inputs_hash);
    // Every solvent bid lands at buffer margin 0 or below the requirement it started from; the
    // account keeps positive equity and loses no more than fee + discount of what it held.
    for (const l of a.rounds.flatMap((x) => x.liquidations!)) {
      const au = l.auction!;
      expect(au.fraction).toBeGreaterThan(0);
      expect(au.fraction).toBeLessThanOrEqual(1);
      if (au.kind === 'solvent') {
        expect(au.equity_loss).toBeGreaterThanOrEqual(au.fee);
        expect(au.equity_loss).toBeLessThan(l.equity);
      }
    }
  }, 60_000);
});
