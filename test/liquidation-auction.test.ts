// Derive-style Dutch auction (issue 7 req. 3). Worked examples: Derive's own unit tests
// (derivexyz/v2-core test/auction/unit-tests/SolventAuction.t.sol and TestInsolventAuction.sol,
// transcribed as figures), then a hand-computed example on Derive's mainnet parameters, then
// properties: bid price non-increasing in time, fractions in [0, 1], a max bid lands on the buffer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auctionMargins, bid, bidPrice, canTerminate, convertToInsolvent, discountPercentage, maxFraction, remark, startAuction, terminate } from '../host/liquidation/auction.js';
import { DEFAULT_AUCTION, parseLiquidationParams, type AuctionParams } from '../host/liquidation/params.js';

const T0 = 1_800_000_000_000;
const MIN = 60_000;
const auctionParams = (o: Record<string, unknown>): AuctionParams => parseLiquidationParams({ auction: o }).auction;

// Derive's solvent unit-test set: start 100 % of MtM, cut-off 80 %, buffer 10 %, fee left out
// (their mock manager charges it outside MtM).
const DERIVE_SOLVENT = auctionParams({ starting_mtm_percentage: 1, fast_auction_cutoff_percentage: 0.8, fast_auction_length_ms: 10 * MIN, slow_auction_length_ms: 120 * MIN, buffer_margin_percentage: 0.1, liquidator_fee_rate: 0 });
// Derive's insolvent unit-test set: insolventAuctionLength 10 minutes.
const DERIVE_INSOLVENT = auctionParams({ insolvent_auction_length_ms: 10 * MIN });

describe("Derive's solvent auction tests: MM −100, MtM 300 (requirement 400), buffer margin −140", () => {
  // Derive nets margins: MM = MtM − requirement = −100 ⇒ requirement 400; BM = −100 − 0.1·400 = −140.
  const { auction, fee } = startAuction({ equity: 300, maintenance_margin: 400 }, T0, DERIVE_SOLVENT);
  it('starts solvent, bids 300 (100 % of MtM), max 31.8 % (140 / 440)', () => {
    expect(auction.kind).toBe('solvent');
    expect(fee).toBe(0);
    expect(auctionMargins(auction)).toEqual({ mtm: 300, mm: -100, bm: -140 });
    expect(bidPrice(auction, T0)).toBe(300);
    expect(Math.floor(maxFraction(auction, T0) * 1000)).toBe(318);
    expect(maxFraction(auction, T0)).toBeCloseTo(140 / 440, 14);
  });
  it('half-way through the fast auction: bid 270 (90 %), max 34.1 % (140 / 410); bidding 100 % takes the max, pays 92.19, ends', () => {
    const now = T0 + 5 * MIN;
    expect(bidPrice(auction, now)).toBeCloseTo(270, 10);
    expect(Math.floor(maxFraction(auction, now) * 1000)).toBe(341);
    const r = bid(auction, 1, now);
    expect(r.fraction).toBeCloseTo(140 / 410, 14);
    expect(Math.floor(r.cash_to_account)).toBe(92); // Derive: cashFromBidder / 1e18 == 92
    expect(r.cash_to_account).toBeCloseTo((270 * 140) / 410, 10);
    expect(r.cash_to_bidder).toBe(0);
    expect(r.terminated).toBe(true);
    expect(r.auction.ongoing).toBe(false);
    // The account is left exactly at its buffer: MtM 300(1 − f) + 92.19 against 1.1 × 400(1 − f).
    expect(auctionMargins(r.auction).bm).toBeCloseTo(0, 9);
  });
  it('a 10 % bid at the same time pays 27 and the auction goes on', () => {
    const r = bid(auction, 0.1, T0 + 5 * MIN);
    expect(r.cash_to_account).toBeCloseTo(27, 10);
    expect(r.fraction).toBe(0.1);
    expect(r.terminated).toBe(false);
    expect(r.auction.reserved_cash).toBeCloseTo(27, 10);
    expect(r.auction.portfolio_mtm).toBeCloseTo(270, 10); // 90 % of the portfolio left
    expect(r.auction.portfolio_mm).toBeCloseTo(360, 10);
  });
  it('after the fast + slow length the bid is 0, bidding fails, and the auction converts to insolvent on its own timer', () => {
    const end = T0 + 130 * MIN;
    expect(bidPrice(auction, end - 1)).toBeGreaterThan(0);
    expect(bidPrice(auction, end)).toBe(0);
    expect(() => bid(auction, 1, end)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT' }));
    expect(() => convertToInsolvent(auction, end - 1)).toThrow(expect.objectContaining({ field: 'now' }));
    const ins = convertToInsolvent(auction, end);
    expect(ins).toMatchObject({ kind: 'insolvent', start_ms: end, reserved_cash: 0 });
    // MtM 300 > 0 caps at 0: the payout starts at 0 and grows to −MM = 100.
    expect(bidPrice(ins, end)).toBeCloseTo(0, 12);
  });
  it('terminates once the account is back above its buffer (new figures: MM requirement 250)', () => {
    expect(canTerminate(auction, T0)).toBe(false);
    expect(() => terminate(auction, T0)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT' }));
    const better = remark(auction, { equity: 300, maintenance_margin: 250 }); // BM = 50 − 25 = 25 ≥ 0
    expect(canTerminate(better, T0)).toBe(true);
    expect(() => bid(better, 0.1, T0)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT' }));
    expect(terminate(better, T0).ongoing).toBe(false);
  });
  it('a fresh mark changes what the bidder pays: MtM 1000 at 90 % → 10 % costs 90 (Derive testBidMarkToMarketChange)', () => {
    const moved = remark(auction, { equity: 1000, maintenance_margin: 1100 });
    expect(bid(moved, 0.1, T0 + 5 * MIN).cash_to_account).toBeCloseTo(90, 10);
  });
});

describe("Derive's insolvent auction tests: MM −300, MtM −100 (requirement 200), 10-minute timer", () => {
  const { auction, fee } = startAuction({ equity: -100, maintenance_margin: 200 }, T0, DERIVE_INSOLVENT);
  it('starts insolvent at −100 (the venue pays the negative MtM); no fee', () => {
    expect(auction.kind).toBe('insolvent');
    expect(fee).toBe(0);
    expect(bidPrice(auction, T0)).toBe(-100);
    expect(maxFraction(auction, T0)).toBe(1);
    const r = bid(auction, 1, T0);
    expect(r).toMatchObject({ fraction: 1, cash_to_account: 0, cash_to_bidder: 100, terminated: true });
  });
  it('12 s in (2 %): −100 − 0.02·200 = −104; half the account pays 52', () => {
    expect(bidPrice(auction, T0 + 12_000)).toBeCloseTo(-104, 10);
    const r = bid(auction, 0.5, T0 + 12_000);
    expect(r.cash_to_bidder).toBeCloseTo(52, 10);
    expect(r.terminated).toBe(false);
    expect(r.auction.fraction_left).toBe(0.5);
  });
  it('5 minutes (50 %): −200, the whole account pays 200; at and after 10 minutes: −300 (= MM)', () => {
    expect(bid(auction, 1, T0 + 5 * MIN).cash_to_bidder).toBeCloseTo(200, 10);
    expect(bidPrice(auction, T0 + 10 * MIN)).toBe(-300);
    expect(bidPrice(auction, T0 + 600 * MIN)).toBe(-300);
  });
  it('back above MM (new figures) → price 0 and the auction may end', () => {
    const ok = remark(auction, { equity: 300, maintenance_margin: 200 });
    expect(bidPrice(ok, T0)).toBe(0);
    expect(canTerminate(ok, T0)).toBe(true);
  });
});

describe("Derive mainnet parameters (config-mainnet.sol): 95 % → 70 % over 15 min, → 0 over 12 h; fee 10 %, buffer 15 %", () => {
  const P = DEFAULT_AUCTION;
  it('discount schedule by hand: 0.95, 0.825 at 7.5 min, 0.70 at 15 min, 0.35 at 15 min + 6 h, 0 at 12 h 15 min', () => {
    expect(discountPercentage(P, 0)).toBe(0.95);
    expect(discountPercentage(P, 7.5 * MIN)).toBeCloseTo(0.825, 14);
    expect(discountPercentage(P, 15 * MIN)).toBeCloseTo(0.7, 14);
    expect(discountPercentage(P, 15 * MIN + 360 * MIN)).toBeCloseTo(0.35, 14);
    expect(discountPercentage(P, 735 * MIN)).toBe(0);
  });
  it('equity 10,000, MM 12,000: fee, first bid and max fraction by hand', () => {
    // MM = −2000; BM = −2000 − 0.15·12000 = −3800; fee = 3800/13800 · 10000 · 0.1 = 275.3623…
    const { auction, fee } = startAuction({ equity: 10_000, maintenance_margin: 12_000 }, T0, P);
    expect(fee).toBeCloseTo(275.36231884058, 8);
    expect(auction.portfolio_mtm).toBeCloseTo(9724.63768115942, 8);
    // After the fee: BM = 9724.638 − 12000 − 1800 = −4075.362; bid 0.95 × 9724.638 = 9238.406;
    // f = 4075.362 / (4075.362 + 9238.406) = 0.306101; the bidder pays 2827.888.
    expect(bidPrice(auction, T0)).toBeCloseTo(9238.40579710145, 8);
    expect(maxFraction(auction, T0)).toBeCloseTo(0.306101344364, 10);
    const r = bid(auction, 0.5, T0);
    expect(r.fraction).toBeCloseTo(0.306101344364, 10);
    expect(r.cash_to_account).toBeCloseTo(2827.88843427304, 7);
    expect(r.transferred.maintenance_margin).toBeCloseTo(12_000 * 0.306101344364, 6);
    expect(auctionMargins(r.auction).bm).toBeCloseTo(0, 8);
  });
  it('two partial bids: the second is priced on the unreserved portfolio and its cap uses R (f = BM / (BM − d·MtM − R(1 − d)))', () => {
    const { auction } = startAuction({ equity: 10_000, maintenance_margin: 12_000 }, T0, P);
    const first = bid(auction, 0.1, T0 + 5 * MIN);
    const a = first.auction;
    const now = T0 + 10 * MIN;
    const d = discountPercentage(P, 10 * MIN);
    const { mtm, bm } = auctionMargins(a);
    expect(bidPrice(a, now)).toBeCloseTo(a.portfolio_mtm * d, 9);
    expect(maxFraction(a, now)).toBeCloseTo(bm / (bm - mtm * d - a.reserved_cash * (1 - d)), 14);
    const second = bid(a, 1, now);
    expect(second.terminated).toBe(true);
    expect(auctionMargins(second.auction).bm).toBeCloseTo(0, 8);
    expect(first.fraction_of_start + second.fraction_of_start).toBeCloseTo(1 - second.auction.fraction_left, 14);
  });
  it('mtm_cutoff: below it one bid may take the whole account', () => {
    const p = auctionParams({ mtm_cutoff: 1000 });
    const { auction } = startAuction({ equity: 500, maintenance_margin: 600 }, T0, p);
    expect(maxFraction(auction, T0)).toBe(1);
    expect(bid(auction, 1, T0).terminated).toBe(true);
  });
});

describe('arguments', () => {
  it('no auction at or above maintenance margin; bad figures and fractions name the field', () => {
    expect(() => startAuction({ equity: 100, maintenance_margin: 100 }, T0, DEFAULT_AUCTION)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'equity' }));
    expect(() => startAuction({ equity: NaN, maintenance_margin: 100 }, T0, DEFAULT_AUCTION)).toThrow(expect.objectContaining({ field: 'equity' }));
    expect(() => startAuction({ equity: 1, maintenance_margin: -1 }, T0, DEFAULT_AUCTION)).toThrow(expect.objectContaining({ field: 'maintenance_margin' }));
    const { auction } = startAuction({ equity: 50, maintenance_margin: 100 }, T0, DEFAULT_AUCTION);
    for (const f of [0, -0.1, 1.01, NaN]) expect(() => bid(auction, f, T0)).toThrow(expect.objectContaining({ field: 'fraction' }));
    expect(() => bidPrice(auction, T0 - 1)).toThrow(expect.objectContaining({ field: 'now' }));
    const done = bid(auction, 1, T0).auction;
    expect(() => bid(done, 0.1, T0)).toThrow(expect.objectContaining({ field: 'auction' }));
  });
});

describe('properties', () => {
  const params = fc
    .record({
      start: fc.double({ min: 0.05, max: 1, noNaN: true }),
      cut: fc.double({ min: 0, max: 1, noNaN: true }),
      fast: fc.integer({ min: 0, max: 3_600_000 }),
      slow: fc.integer({ min: 1, max: 86_400_000 }),
      ins: fc.integer({ min: 0, max: 7_200_000 }),
      fee: fc.double({ min: 0, max: 0.1, noNaN: true }),
      buf: fc.double({ min: 0, max: 4, noNaN: true }),
    })
    .map((r) => auctionParams({ starting_mtm_percentage: r.start, fast_auction_cutoff_percentage: r.cut * r.start, fast_auction_length_ms: r.fast, slow_auction_length_ms: r.slow, insolvent_auction_length_ms: r.ins, liquidator_fee_rate: r.fee, buffer_margin_percentage: r.buf }));
  // An account below MM: requirement > equity; equity of either sign.
  const account = fc.record({ equity: fc.double({ min: -1e6, max: 1e6, noNaN: true }), gap: fc.double({ min: 1e-3, max: 1e6, noNaN: true }) }).map((r) => ({ equity: r.equity, maintenance_margin: Math.max(r.equity, 0) + r.gap }));
  const times = fc.array(fc.integer({ min: 0, max: 100_000_000 }), { minLength: 2, maxLength: 12 }).map((a) => a.sort((x, y) => x - y));

  it('bid price is non-increasing in time (solvent and insolvent); discount stays in [0, start]', () => {
    fc.assert(fc.property(params, account, times, (p, acc, ts) => {
      const { auction } = startAuction(acc, T0, p);
      let last = Infinity;
      for (const t of ts) {
        const price = bidPrice(auction, T0 + t);
        expect(Number.isFinite(price)).toBe(true);
        expect(price).toBeLessThanOrEqual(last + 1e-9 * Math.max(1, Math.abs(last)));
        last = price;
        const d = discountPercentage(p, t);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(p.starting_mtm_percentage);
      }
    }), { numRuns: 1000 });
  });
  it('max fraction in [0, 1]; a bid never worsens the buffer margin; a max bid lands on it (BM = 0)', () => {
    fc.assert(fc.property(params, account, fc.integer({ min: 0, max: 100_000_000 }), fc.double({ min: 1e-6, max: 1, noNaN: true }), (p, acc, t, want) => {
      const { auction, fee } = startAuction(acc, T0, p);
      expect(fee).toBeGreaterThanOrEqual(0);
      if (acc.equity > 0) expect(fee).toBeLessThanOrEqual(p.liquidator_fee_rate * acc.equity + 1e-9);
      const now = T0 + t;
      const cap = maxFraction(auction, now);
      expect(cap).toBeGreaterThanOrEqual(0);
      expect(cap).toBeLessThanOrEqual(1);
      if (canTerminate(auction, now) || bidPrice(auction, now) <= 0 && auction.kind === 'solvent') return;
      const before = auctionMargins(auction);
      const r = bid(auction, want, now);
      expect(r.fraction).toBeGreaterThan(0);
      expect(r.fraction).toBeLessThanOrEqual(Math.min(want, cap === 0 ? 1 : cap) + 1e-15);
      expect(r.cash_to_account).toBeGreaterThanOrEqual(0);
      expect(r.cash_to_bidder).toBeGreaterThanOrEqual(0);
      const after = auctionMargins(r.auction);
      const scale = Math.max(1, Math.abs(acc.equity), acc.maintenance_margin);
      if (auction.kind === 'solvent') {
        expect(after.bm).toBeGreaterThanOrEqual(before.bm - 1e-9 * scale);
        if (r.terminated) expect(Math.abs(after.bm)).toBeLessThanOrEqual(1e-9 * scale);
        else expect(after.bm).toBeLessThan(1e-9 * scale);
        // A later bid, with the first bid's cash now reserved, still lands exactly on the buffer.
        const later = now + Math.floor(t / 3);
        if (!r.terminated && !canTerminate(r.auction, later) && bidPrice(r.auction, later) > 0) {
          const r2 = bid(r.auction, 1, later);
          expect(r2.terminated).toBe(true);
          expect(Math.abs(auctionMargins(r2.auction).bm)).toBeLessThanOrEqual(1e-9 * scale);
        }
      }
    }), { numRuns: 2000 });
  });
});
