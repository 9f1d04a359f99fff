// Auto-deleveraging in the cascade (issue 7, req. 4): fund 0, one bankrupt long, two profitable
// shorts with different ADL scores plus two that are not eligible, worked by hand: the ranking, the
// bankruptcy price, the contracts and costs, the ADL'd books after the round (re-margined by the
// venue), and the flow that never reaches the market.
import { describe, expect, it } from 'vitest';
import { CascadeAdl, mergePositions } from '../host/liquidation/cascade-adl.js';
import { loadCascadeBook } from '../host/liquidation/cascade-book.js';
import { runCascade, type CascadeParams } from '../host/liquidation/cascade.js';
import type { CascadeAuditEntry } from '../host/liquidation/cascade-audit.js';
import { moveMarket } from '../host/liquidation/impact.js';
import { settleShortfall, type InsuranceFund } from '../host/liquidation/insurance.js';
import type { InsuranceParams } from '../host/liquidation/params.js';
import { createEngine, type Engine } from '../host/margin/engine.js';
import type { Account } from '../host/model/account.js';
import type { Instrument } from '../host/model/instrument.js';
import { VenueEngine } from '../host/pool/venue-engine.js';
import { synthMultiVenue } from '../host/venue/synth-multi.js';

const PROFILE = 'derive-pmrm2.mainnet';
const market = (spot: number): Record<string, unknown> => ({
  snapshot_id: 'hand', timestamp: 1796025600000, stablecoin: { asset: 'USDC', price: 1 }, collateral: {},
  underlyings: { ETH: { index_price: spot, perp_price: spot, expiries: {} } },
});
const perp = (id: string, size: number, avg: number, cash: number) => ({ account_id: id, pool: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', size, avg_price: avg }], balances: { USDC: cash } });
// After −30 % (S = 2100):
//   C2 short 30 @ 2400, cash 20000: E = 20000 + 30·300 = 29000; PnL% = 300/2400 = 0.125;
//      leverage = 30·2100/29000 = 2.172414; score 0.271552.
//   D  long 20 @ 3000, cash 15000: E = −3000 (bankrupt), shortfall 3000.
//   C1 short 4 @ 3000, cash 3000: E = 3000 + 4·900 = 6600; PnL% = 0.3; leverage = 8400/6600 = 1.272727;
//      score 0.381818 — ranked first although its index is higher.
//   L  long 1 @ 1000, cash 9000: profitable but on D's side — not eligible.
//   S  short 2 @ 2000, cash 5000: opposite but losing (PnL% = −0.05) — not eligible.
const HAND = [perp('C2', -30, 2400, 20_000), perp('D', 20, 3000, 15_000), perp('C1', -4, 3000, 3000), perp('L', 1, 1000, 9000), perp('S', -2, 2000, 5000)];

describe('ADL in a cascade round, by hand', () => {
  const params: CascadeParams = { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth: { ETH: 500_000 } }, rounds: 2, fund: 0, detail: true, adl: 'on' };

  it('ranks C1 then C2, closes D at its bankruptcy price, changes their books', async () => {
    const venue = await VenueEngine.open({ pools: { ETH: PROFILE }, threads: 0 });
    try {
      const book = loadCascadeBook(venue, HAND, market(3000));
      await venue.remargin();
      const log: CascadeAuditEntry[] = [];
      const r = await runCascade(venue, book, { ETH: PROFILE }, market(3000), params, undefined, (e) => log.push(e));
      expect(r.params.adl).toBe('on');
      const r1 = r.rounds[0]!;
      expect(r1.liquidations!.map((l) => l.account_id)).toEqual(['D']);
      // Bankruptcy price of D's 20 long: 2100 + 3000/20 = 2250.
      // C1 takes 4 contracts (all it has): cost 3000·4/20 = 600; C2 the other 16: cost 3000 − 600 = 2400.
      const adl = log.filter((e) => e.kind === 'adl').map((e) => e.data);
      expect(adl.map((a) => [a.account, a.rank, a.size_change])).toEqual([['C1', 1, 4], ['C2', 2, 16]]);
      expect(adl[0]!.score).toBeCloseTo(0.3 * (8400 / 6600), 12);
      expect(adl[1]!.score).toBeCloseTo(0.125 * (63_000 / 29_000), 12);
      for (const a of adl) expect(a.bankruptcy_price).toBeCloseTo(2250, 9);
      expect(adl[0]!.cost).toBeCloseTo(600, 9);
      expect(adl[1]!.cost).toBeCloseTo(2400, 9);
      // The fund (0) pays nothing; ADL covers the whole 3000; nothing uncovered.
      expect(log.find((e) => e.kind === 'draw')!.data).toMatchObject({ requested: 3000, paid: 0 });
      expect([r1.shortfall, r1.fund_used, r1.uncovered]).toEqual([3000, 0, 0]);
      expect(r1.adl!.accounts).toBe(2);
      expect(r1.adl!.notional).toBeCloseTo(20 * 2100, 9);
      expect(r1.adl!.socialised).toBeCloseTo(3000, 9);
      // D's 20 contracts all went to C1 and C2: nothing sold into the market, the price stays.
      expect(r1.notional_sold.ETH).toBeCloseTo(0, 9);
      expect(r1.price_after.ETH).toBeCloseTo(2100, 9);
      // Books: C1 flat, cash 3000 + 4·900 − 600 = 6000 (= 6600 − 600);
      // C2 short 14 @ 2400, cash 20000 + 16·300 − 2400 = 22400, equity 22400 + 14·300 = 26600 (= 29000 − 2400).
      const c1 = book.inputs[2] as Account, c2 = book.inputs[0] as Account;
      expect(c1.positions).toHaveLength(0);
      expect(c1.balances.USDC).toBeCloseTo(6000, 9);
      expect(c2.positions[0]!.size).toBeCloseTo(-14, 12);
      expect(c2.positions[0]!.avgPrice).toBe(2400);
      expect(c2.balances.USDC).toBeCloseTo(22_400, 9);
      // The venue re-margined them on the round's market.
      expect(venue.accountAt(0).equity).toBeCloseTo(26_600, 8);
      expect(venue.accountAt(2).equity).toBeCloseTo(6000, 8);
      // L and S untouched (read for the scan, their books as they were).
      for (const [k, size, cash] of [[3, 1, 9000], [4, -2, 5000]] as const) {
        const a = book.inputs[k] as Account;
        expect([a.positions.length, a.positions[0]!.size, a.balances.USDC]).toEqual([1, size, cash]);
      }
      expect(r.stopped).toBe('stable');
    } finally {
      await venue.close();
    }
  });

  it('a counterparty short of contracts: the rest is uncovered and sold into the market', async () => {
    // Without C2 only C1's 4 contracts are absorbed: cost 600; 16 contracts' share 2400 uncovered.
    const venue = await VenueEngine.open({ pools: { ETH: PROFILE }, threads: 0 });
    try {
      const accounts = [HAND[1]!, HAND[2]!];
      const book = loadCascadeBook(venue, accounts, market(3000));
      await venue.remargin();
      const r = await runCascade(venue, book, { ETH: PROFILE }, market(3000), { ...params, rounds: 1 });
      const r1 = r.rounds[0]!;
      expect(r1.adl!.socialised).toBeCloseTo(600, 9);
      expect(r1.uncovered).toBeCloseTo(2400, 9);
      expect(r1.notional_sold.ETH).toBeCloseTo(16 * 2100, 9);
    } finally {
      await venue.close();
    }
  });

  it("follows the profile by default (mainnet: ADL off), so market-mode results keep their shape", async () => {
    const venue = await VenueEngine.open({ pools: { ETH: PROFILE }, threads: 0 });
    try {
      const book = loadCascadeBook(venue, HAND, market(3000));
      await venue.remargin();
      const r = await runCascade(venue, book, { ETH: PROFILE }, market(3000), { ...params, adl: undefined });
      expect(r.rounds[0]!.adl).toBeUndefined();
      expect(r.params.adl).toBeUndefined();
      expect(r.rounds[0]!.uncovered).toBe(3000);
      expect(book.inputs[0]).toBe(HAND[0]);
    } finally {
      await venue.close();
    }
  });
});

describe('ADL counterparty index against the plain call (every holder handed to settleShortfall)', () => {
  const multi = synthMultiVenue({ accounts: 1500, instruments: 120, seed: 77, profile: PROFILE });
  for (const ranking of ['pnl_x_leverage', 'pnl'] as const) {
    it(`gives the same actions, bankrupt account after bankrupt account (${ranking})`, async () => {
      const venue = await VenueEngine.open({ pools: multi.pools, threads: 0 });
      try {
        const book = loadCascadeBook(venue, [...multi.accountLines()].map((l) => JSON.parse(l) as Record<string, unknown>), multi.market);
        await venue.remargin();
        await venue.tick(moveMarket(multi.market, { ETH: 0.7 }, 'shocked'));
        const engines = new Map<string, Engine>();
        const engineFor = (pool: string) => engines.get(pool) ?? engines.set(pool, createEngine({ profile: multi.pools[pool]!, snapshot: { now: false } })).get(pool)!;
        const snap = engineFor('ETH').parseMarket(moveMarket(multi.market, { ETH: 0.7 }, 'shocked'));
        const skip = new Set([...venue.withStatus('liquidatable'), ...venue.withStatus('bankrupt')]);
        const bankrupt = venue.withStatus('bankrupt').sort((a, b) => a - b);
        expect(bankrupt.length).toBeGreaterThan(20);
        const params: InsuranceParams = { initial_balance: 0, fee_share: 1, adl: { enabled: true, ranking } };
        const adl = new CascadeAdl(venue, book, engineFor, snap, 'USDC', skip);
        // The plain reference: every eligible holding of every account, sizes tracked by hand.
        const holders: Array<{ account: string; instrument: string; size: number; entry: number; equity: number; pool: string; ins: Instrument }> = [];
        for (let i = 0; i < book.inputs.length; i++) {
          const res = venue.accountAt(i);
          if (skip.has(i) || !(res.equity > 0)) continue;
          const a = engineFor(res.pool).parseAccount(book.inputs[i] as Record<string, unknown>);
          for (const [id, p] of mergePositions(a.positions)) {
            if (p.size !== 0 && p.avgPrice !== undefined && p.avgPrice > 0) holders.push({ account: res.account_id, instrument: id, size: p.size, entry: p.avgPrice * p.instrument.contractSize, equity: res.equity, pool: res.pool, ins: p.instrument });
          }
        }
        let fundA: InsuranceFund = { balance: 0 }, fundB: InsuranceFund = { balance: 0 };
        let adlActions = 0;
        for (const b of bankrupt) {
          const res = venue.accountAt(b);
          const account = engineFor(res.pool).parseAccount(book.inputs[b] as Record<string, unknown>);
          const a = adl.settle(fundA, b, account, -res.equity, params).settlement;
          const positions = [...mergePositions(account.positions).values()].flatMap((p) => {
            const m = p.size === 0 ? undefined : adl.markOf(p.instrument, account.pool);
            return m === undefined ? [] : [{ instrument: p.instrument.id, size: p.size, mark_price: m }];
          });
          const cps = holders.filter((h) => h.size !== 0 && adl.markOf(h.ins, h.pool) !== undefined).map((h) => ({ account: h.account, instrument: h.instrument, size: h.size, entry_price: h.entry, mark_price: adl.markOf(h.ins, h.pool)!, account_equity: h.equity }));
          const ref = settleShortfall(fundB, { account: account.id, shortfall: -res.equity, positions }, cps, params);
          expect(a.actions).toEqual(ref.actions);
          for (const x of ref.actions) {
            if (x.type !== 'adl') continue;
            adlActions++;
            const h = holders.find((y) => y.account === x.account && y.instrument === x.instrument)!;
            h.size += x.size_change;
            if (Math.abs(h.size) <= Math.abs(x.size_change) * 1e-12) h.size = 0;
          }
          fundA = a.fund;
          fundB = ref.fund;
        }
        expect(adlActions).toBeGreaterThan(20);
      } finally {
        await venue.close();
      }
    }, 60_000);
  }
});
