// Insurance fund and auto-deleveraging (issue 7 req. 4): worked examples by hand, the ranking
// (BitMEX/Binance/Bybit: PnL% × effective leverage), and properties: the fund never goes
// negative, fund + ADL + uncovered = shortfall, ADL never over-closes a position, determinism.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adlScore, collectFee, draw, openFund, settleShortfall, topUp, type CounterpartyPosition, type InsuranceAction } from '../host/liquidation/insurance.js';
import { DEFAULT_INSURANCE, parseLiquidationParams, type InsuranceParams } from '../host/liquidation/params.js';
import { bid, startAuction } from '../host/liquidation/auction.js';

const P = DEFAULT_INSURANCE;
const cp = (account: string, size: number, entry: number, equity: number, instrument = 'ETH-PERP', mark = 2000): CounterpartyPosition => ({ account, instrument, size, entry_price: entry, mark_price: mark, account_equity: equity });
// Bankrupt: long 10 ETH-PERP at mark 2000. Shorts on the other side:
//   A −4 @ 2500, equity 5000: PnL% = (2000 − 2500)(−4) / |2500·−4| = 0.2;      lev = 8000/5000 = 1.6 → 0.32
//   B −8 @ 2200, equity 2000: PnL% = 1600 / 17600 = 0.090909;                  lev = 16000/2000 = 8 → 0.727273
//   C −5 @ 1900: losing (PnL% < 0) → not eligible
//   D +3 @ 1500: same side as the bankrupt account → not eligible
//   E −2 @ 3000, equity 500:  PnL% = 2000 / 6000 = 0.333333;                   lev = 4000/500 = 8  → 2.666667
const BOOK = [cp('A', -4, 2500, 5000), cp('B', -8, 2200, 2000), cp('C', -5, 1900, 9000), cp('D', 3, 1500, 9000), cp('E', -2, 3000, 500)];
const BANKRUPT = { account: 'X', shortfall: 600, positions: [{ instrument: 'ETH-PERP', size: 10, mark_price: 2000 }] };
const adl = (actions: readonly InsuranceAction[]) => actions.filter((a) => a.type === 'adl') as Extract<InsuranceAction, { type: 'adl' }>[];

describe('fund', () => {
  it('top-ups, fee share and draws by hand; a draw never takes more than the balance', () => {
    let f = openFund(parseLiquidationParams({ insurance: { initial_balance: 1000, fee_share: 0.5 } }).insurance);
    expect(f.balance).toBe(1000);
    const fee = collectFee(f, 275.36, parseLiquidationParams({ insurance: { fee_share: 0.5 } }).insurance, 'auction:X');
    expect(fee.action).toEqual({ type: 'top_up', source: 'auction:X', amount: 137.68, balance_after: 1137.68 });
    f = fee.fund;
    const d1 = draw(f, 137.68, 'Y');
    expect(d1).toMatchObject({ paid: 137.68, unpaid: 0 });
    expect(d1.fund.balance).toBeCloseTo(1000, 12);
    const d2 = draw(d1.fund, 2500, 'Z');
    expect(d2.paid).toBeCloseTo(1000, 12);
    expect(d2.unpaid).toBeCloseTo(1500, 12);
    expect(d2.fund.balance).toBe(0);
    expect(() => topUp(f, -1, 'x')).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'amount' }));
    expect(() => draw(f, NaN, 'x')).toThrow(expect.objectContaining({ field: 'amount' }));
  });
  it('a shortfall the fund covers: one draw, no ADL', () => {
    const s = settleShortfall({ balance: 1000 }, { ...BANKRUPT, shortfall: 300 }, BOOK, P);
    expect(s).toMatchObject({ from_fund: 300, from_adl: 0, uncovered: 0 });
    expect(s.fund.balance).toBe(700);
    expect(s.actions).toEqual([{ type: 'draw', account: 'X', requested: 300, paid: 300, balance_after: 700 }]);
  });
});

describe('the fund behind the auctions (Derive mainnet parameters)', () => {
  it('a solvent auction\'s fee tops the fund up; an insolvent payout draws it; the rest is unpaid (socialised)', () => {
    const params = parseLiquidationParams({ auction: { insolvent_auction_length_ms: 600_000 } });
    let fund = openFund(params.insurance);
    // Equity 10,000 under MM 12,000: fee 3800/13800 × 10,000 × 0.1 = 275.362 (auction test by hand).
    const solvent = startAuction({ equity: 10_000, maintenance_margin: 12_000 }, 0, params.auction);
    fund = collectFee(fund, solvent.fee, params.insurance, 'auction:A').fund;
    expect(fund.balance).toBeCloseTo(275.36231884058, 8);
    // Derive's insolvent example (MtM −100, MM −300): half-way the venue owes the bidder 200.
    const ins = startAuction({ equity: -100, maintenance_margin: 200 }, 0, params.auction).auction;
    const owed = bid(ins, 1, 300_000).cash_to_bidder;
    expect(owed).toBeCloseTo(200, 10);
    const d = draw(fund, owed, 'B');
    expect(d.paid).toBeCloseTo(200, 10); // the fund holds 275.36, enough
    expect(d.fund.balance).toBeCloseTo(75.36231884058, 8);
    expect(d.unpaid).toBe(0);
    const again = draw(d.fund, owed, 'C');
    expect(again.paid).toBeCloseTo(75.36231884058, 8);
    expect(again.unpaid).toBeCloseTo(124.63768115942, 8);
    expect(again.fund.balance).toBe(0);
  });
});

describe('auto-deleveraging, worked example (fund 100, shortfall 600 → 500 to deleverage)', () => {
  it('scores by hand', () => {
    expect(adlScore(BOOK[0]!, 'pnl_x_leverage')).toBeCloseTo(0.32, 14);
    expect(adlScore(BOOK[1]!, 'pnl_x_leverage')).toBeCloseTo(8 / 11, 14);
    expect(adlScore(BOOK[2]!, 'pnl_x_leverage')).toBeUndefined();
    expect(adlScore(BOOK[4]!, 'pnl_x_leverage')).toBeCloseTo(8 / 3, 14);
    expect(adlScore(BOOK[4]!, 'pnl')).toBeCloseTo(1 / 3, 14);
    expect(adlScore(cp('F', -1, 2500, 0), 'pnl')).toBeUndefined(); // no equity: leverage undefined
  });
  it('bankruptcy price 2000 + 500/10 = 2050; E (2 × 50 = 100) then B (8 × 50 = 400); A untouched', () => {
    const s = settleShortfall({ balance: 100 }, BANKRUPT, BOOK, P);
    expect(s).toMatchObject({ from_fund: 100, from_adl: 500, uncovered: 0 });
    expect(s.fund.balance).toBe(0);
    const a = adl(s.actions);
    expect(a.map((x) => [x.account, x.rank, x.size_change, x.cost])).toEqual([['E', 1, 2, 100], ['B', 2, 8, 400]]);
    expect(a[0]!.bankruptcy_price).toBe(2050);
    expect(a[0]!.mark_price).toBe(2000);
  });
  it("ranking 'pnl' (PnL% alone): E (2 → 100), A (4 → 200), B (4 of 8 → 200)", () => {
    const s = settleShortfall({ balance: 100 }, BANKRUPT, BOOK, parseLiquidationParams({ insurance: { adl: { ranking: 'pnl' } } }).insurance);
    expect(adl(s.actions).map((x) => [x.account, x.size_change, x.cost])).toEqual([['E', 2, 100], ['A', 4, 200], ['B', 4, 200]]);
    expect(s.uncovered).toBe(0);
  });
  it('not enough opposite size: E and A absorb 6 of 10 contracts, 4 × 50 = 200 is reported uncovered', () => {
    const s = settleShortfall({ balance: 100 }, BANKRUPT, [BOOK[0]!, BOOK[2]!, BOOK[3]!, BOOK[4]!], P);
    expect(s.from_adl).toBe(300);
    expect(s.uncovered).toBe(200);
    expect(s.actions.at(-1)).toEqual({ type: 'uncovered', account: 'X', instrument: 'ETH-PERP', amount: 200 });
  });
  it('ADL disabled: everything past the fund is uncovered', () => {
    const s = settleShortfall({ balance: 100 }, BANKRUPT, BOOK, parseLiquidationParams({ insurance: { adl: { enabled: false } } }).insurance);
    expect(s).toMatchObject({ from_fund: 100, from_adl: 0, uncovered: 500 });
  });
  it('two positions share the shortfall by notional: ETH 20,000 and BTC 60,000 → 200 and 600', () => {
    const bankrupt = { account: 'X', shortfall: 800, positions: [{ instrument: 'ETH-PERP', size: 10, mark_price: 2000 }, { instrument: 'BTC-PERP', size: -1, mark_price: 60_000 }] };
    const book = [cp('A', -20, 2500, 50_000), cp('L', 2, 50_000, 100_000, 'BTC-PERP', 60_000)];
    const s = settleShortfall({ balance: 0 }, bankrupt, book, P);
    const a = adl(s.actions);
    expect(a.map((x) => [x.account, x.instrument, x.size_change, x.bankruptcy_price, x.cost])).toEqual([
      ['A', 'ETH-PERP', 10, 2020, 200], // 2000 + 200/10; the short buys back 10 at 2020
      ['L', 'BTC-PERP', -1, 59_400, 600], // 60000 + 600/(−1); the long sells 1 at 59,400
    ]);
    expect(s.uncovered).toBe(0);
  });
  it('ties by account id: the same score goes to "a" before "b", whatever the input order', () => {
    const book = [cp('b', -5, 2500, 5000), cp('a', -5, 2500, 5000)];
    const s = settleShortfall({ balance: 0 }, { ...BANKRUPT, shortfall: 100 }, book, P);
    expect(adl(s.actions).map((x) => x.account)).toEqual(['a', 'b']);
  });
  it('an account with no positions: nothing to deleverage, the rest is uncovered', () => {
    const s = settleShortfall({ balance: 10 }, { account: 'X', shortfall: 50, positions: [] }, BOOK, P);
    expect(s).toMatchObject({ from_fund: 10, from_adl: 0, uncovered: 40 });
  });
  it('bad counterparties name the field', () => {
    expect(() => settleShortfall({ balance: 0 }, BANKRUPT, [cp('A', -1, 0, 1)], P)).toThrow(expect.objectContaining({ field: 'counterparties[0].entry_price' }));
    expect(() => settleShortfall({ balance: 0 }, { ...BANKRUPT, shortfall: -1 }, BOOK, P)).toThrow(expect.objectContaining({ field: 'shortfall' }));
  });
});

describe('properties', () => {
  const instruments = ['ETH-PERP', 'BTC-PERP', 'SOL-PERP'];
  const position = fc.record({
    instrument: fc.constantFrom(...instruments),
    size: fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -50, max: 50, noNaN: true })),
    mark_price: fc.double({ min: 1, max: 1e5, noNaN: true }),
  });
  const bankrupt = fc.record({
    account: fc.constant('X'),
    shortfall: fc.double({ min: 0, max: 1e6, noNaN: true }),
    positions: fc.uniqueArray(position, { maxLength: 3, selector: (p) => p.instrument }),
  });
  // Unique (account, instrument) pairs, so the ranking alone fixes the order.
  const book = fc.uniqueArray(
    fc.record({
      account: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
      instrument: fc.constantFrom(...instruments),
      size: fc.double({ min: -30, max: 30, noNaN: true }),
      entry_price: fc.double({ min: 1, max: 1e5, noNaN: true }),
      mark_price: fc.double({ min: 1, max: 1e5, noNaN: true }),
      account_equity: fc.double({ min: -1e5, max: 1e6, noNaN: true }),
    }),
    { maxLength: 20, selector: (c) => `${c.account}/${c.instrument}` },
  );
  const params = fc.record({ ranking: fc.constantFrom('pnl_x_leverage' as const, 'pnl' as const), enabled: fc.boolean() }).map((a): InsuranceParams => ({ ...P, adl: a }));

  it('fund + ADL + uncovered = shortfall; fund never negative; ADL costs add up; no position over-closed', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), bankrupt, book, params, (balance, b, cps, p) => {
      const s = settleShortfall({ balance }, b, cps, p);
      expect(s.fund.balance).toBeGreaterThanOrEqual(0);
      expect(s.fund.balance).toBeCloseTo(balance - s.from_fund, 6);
      expect(s.from_fund + s.from_adl + s.uncovered).toBeCloseTo(b.shortfall, 6);
      expect(Math.abs(s.from_fund + s.from_adl + s.uncovered - b.shortfall)).toBeLessThanOrEqual(1e-9 * Math.max(1, b.shortfall));
      const a = adl(s.actions);
      expect(a.reduce((x, y) => x + y.cost, 0)).toBeCloseTo(s.from_adl, 6);
      for (const x of a) {
        const c = cps.find((q) => q.account === x.account && q.instrument === x.instrument)!;
        expect(Math.sign(x.size_change)).toBe(-Math.sign(c.size)); // closes towards 0
        expect(Math.abs(x.size_change)).toBeLessThanOrEqual(Math.abs(c.size));
        expect(adlScore(c, p.adl.ranking)).toBeGreaterThan(0); // only profitable positions
        expect(x.cost).toBeGreaterThanOrEqual(0);
      }
      if (!p.adl.enabled) expect(a).toHaveLength(0);
      // Enough profitable opposite size for every position → nothing uncovered.
      const enough = b.positions.every((q) => q.size === 0 || cps.filter((c) => c.instrument === q.instrument && Math.sign(c.size) === -Math.sign(q.size) && adlScore(c, p.adl.ranking) !== undefined).reduce((x, c) => x + Math.abs(c.size), 0) >= Math.abs(q.size));
      if (p.adl.enabled && enough && b.positions.some((q) => q.size !== 0)) expect(s.uncovered).toBe(0);
    }), { numRuns: 2000 });
  });
  it('deterministic: the same inputs in any order give the same actions', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), bankrupt, book, params, fc.integer(), (balance, b, cps, p, seed) => {
      const shuffled = [...cps].sort((x, y) => ((x.account.charCodeAt(0) * 31 + x.instrument.length + seed) % 7) - ((y.account.charCodeAt(0) * 31 + y.instrument.length + seed) % 7));
      expect(settleShortfall({ balance }, b, shuffled, p)).toEqual(settleShortfall({ balance }, b, cps, p));
    }), { numRuns: 1000 });
  });
  it('a random sequence of fees, draws and settlements never takes the fund below 0', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('fee' as const), x: fc.double({ min: 0, max: 1e4, noNaN: true }) }),
      fc.record({ kind: fc.constant('draw' as const), x: fc.double({ min: 0, max: 1e5, noNaN: true }) }),
      fc.record({ kind: fc.constant('settle' as const), x: fc.double({ min: 0, max: 1e5, noNaN: true }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
      let f = openFund(P);
      for (const s of steps) {
        f = s.kind === 'fee' ? collectFee(f, s.x, P, 'fee').fund : s.kind === 'draw' ? draw(f, s.x, 'x').fund : settleShortfall(f, { ...BANKRUPT, shortfall: s.x }, BOOK, P).fund;
        expect(f.balance).toBeGreaterThanOrEqual(0);
      }
    }));
  });
});
