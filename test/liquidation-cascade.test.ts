// Liquidation cascade (issue 7, req. 5–6): a five-account venue checked by hand and against an
// independent closed-form model of perp-only accounts; the estimate's promises on a synthetic
// venue (equity kept, requirement cut); determinism (threads 0 vs 2, two runs byte for byte);
// the impact models; and `riskgrid stress cascade` end to end with --json, --chart and --replay.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCascadeBook } from '../host/liquidation/cascade-book.js';
import { runCascade, type CascadeParams, type CascadeResult } from '../host/liquidation/cascade.js';
import { familyOf, logImpact, marketContentId, moveMarket } from '../host/liquidation/impact.js';
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
// A: thin collateral, liquidatable after −30 %. B: survives the shock, tipped by A's and D's sales.
// C: short, gains. D: bankrupt after the shock. E: rich.
const HAND = [perp('A', 10, 12_000), perp('B', 5, 6_800), perp('C', -4, 3_000), perp('D', 20, 15_000), perp('E', 1, 50_000)];
// Perp-only MM on mainnet: worst scenario move 18 % × mmFactor 0.8 + mmPerpPercent 3 % = 17.4 % of |q|·S.
const MM_RATE = 0.18 * 0.8 + 0.03;

async function cascadeOf(accounts: unknown[], m: Record<string, unknown>, pools: Record<string, string | Record<string, unknown>>, p: CascadeParams, threads = 0): Promise<CascadeResult> {
  const venue = await VenueEngine.open({ pools, threads });
  try {
    const book = loadCascadeBook(venue, accounts as Array<Record<string, unknown>>, m);
    await venue.remargin();
    return await runCascade(venue, book, pools, m, p);
  } finally {
    await venue.close();
  }
}

/** The same cascade for perp-only accounts in closed form: E = cash + q·(S − 3000), MM = 0.174·|q|·S. */
function closedForm(accts: Array<{ q: number; cash: number }>, S0: number, shock: number, depth: number, buffer: number, fund: number, rounds: number) {
  let S = S0 * (1 + shock);
  const out: Array<{ liquidated: string[]; sold: number; shortfall: number; fundUsed: number; price: number }> = [];
  for (let r = 1; r <= rounds; r++) {
    let sold = 0, shortfall = 0, used = 0;
    const liquidated: string[] = [];
    accts.forEach((a, i) => {
      const E = a.cash + a.q * (S - 3000);
      const MM = MM_RATE * Math.abs(a.q) * S;
      if (!(E < 0 || E - MM < 0)) return;
      const f = E <= 0 ? 1 : Math.min(1, 1 - E / (MM * (1 + buffer)));
      liquidated.push(HAND[i]!.account_id);
      sold += f * a.q * S;
      if (E < 0) {
        shortfall += -E;
        const pay = Math.min(fund, -E);
        fund -= pay;
        used += pay;
      }
      a.cash = E < 0 ? 0 : a.cash + f * (E - a.cash);
      a.q *= 1 - f;
    });
    if (liquidated.length === 0) break;
    S *= Math.exp(-sold / depth);
    out.push({ liquidated, sold, shortfall, fundUsed: used, price: S });
  }
  return out;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe('cascade on a five-account venue, by hand', () => {
  const params: CascadeParams = { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth: { ETH: 500_000 } }, rounds: 10, buffer: 0.1, fund: 2_000, detail: true };

  it('the perp MM the hand figures use is the engine\'s', () => {
    const e = createEngine({ profile: PROFILE, snapshot: { now: false } });
    for (const S of [3000, 2100, 1910.35]) {
      const r = e.margin(perp('x', 7, 1000), market(S));
      expect(rel(r.maintenance_margin, MM_RATE * 7 * S)).toBeLessThan(1e-12);
      expect(rel(r.equity, 1000 + 7 * (S - 3000))).toBeLessThan(1e-12);
    }
  });

  it('liquidates A and D after the shock, then B tipped by their sales, as computed by hand', async () => {
    const r = await cascadeOf(HAND, market(3000), { ETH: PROFILE }, params);
    // Shock: S = 2100. A: E = 12000 − 9000 = 3000 < MM 0.174·10·2100 = 3654 → liquidatable.
    // B: E = 6800 − 4500 = 2300 ≥ MM 1827 (margin call only). D: E = 15000 − 18000 = −3000 → bankrupt.
    expect(r.shock.price.ETH).toBeCloseTo(2100, 9);
    expect(r.shock.by_status).toMatchObject({ liquidatable: 1, bankrupt: 1, margin_call: 1 });
    // Round 1: A closes f = 1 − 3000/(3654·1.1) = 1019.4/4019.4 = 0.253620 of its 10 ETH: sells
    // 2.53620 ETH = 5326.02 USD, cash 12000 + f·(3000 − 12000) = 9717.42. D closes all 20 ETH
    // (42000 USD); its shortfall 3000 takes the fund's 2000, 1000 uncovered. Net sold 47326.02:
    // Δln p = −47326.02 / 500000 = −0.0946520 → S = 2100·e^−0.094652 = 1910.35.
    const r1 = r.rounds[0]!;
    expect(r1.liquidations!.map((x) => [x.account_id, x.status])).toEqual([['A', 'liquidatable'], ['D', 'bankrupt']]);
    expect(r1.liquidations![0]!.fraction).toBeCloseTo(1019.4 / 4019.4, 12);
    expect(r1.notional_sold.ETH).toBeCloseTo((1019.4 / 4019.4) * 21_000 + 42_000, 6);
    expect(r1.log_move.ETH).toBeCloseTo(-0.094652, 6);
    expect(r1.price_after.ETH).toBeCloseTo(1910.35, 2);
    expect([r1.shortfall, r1.fund_used, r1.uncovered, r1.fund_balance]).toEqual([3000, 2000, 1000, 0]);
    // After round 1 at S = 1910.35: B: E = 6800 − 5·1089.65 = 1351.75 < MM 0.174·5·1910.35 = 1662.0
    // → liquidatable; A: E = 9717.42 − 7.4638·1089.65 = 1584.5 < MM 2481.0 → liquidatable again.
    expect(r1.by_status.liquidatable).toBe(2);
    expect(r.rounds[1]!.liquidations!.map((x) => x.account_id)).toEqual(['A', 'B']);
    // Every later round against the closed form (C and E are never liquidated).
    const cf = closedForm(HAND.map((a) => ({ q: a.positions[0]!.size, cash: a.balances.USDC })), 3000, -0.3, 500_000, 0.1, 2_000, 10);
    expect(r.rounds.length).toBe(cf.length);
    r.rounds.forEach((x, k) => {
      expect(x.liquidations!.map((l) => l.account_id)).toEqual(cf[k]!.liquidated);
      expect(rel(x.notional_sold.ETH!, cf[k]!.sold)).toBeLessThan(1e-9);
      expect(rel(x.price_after.ETH!, cf[k]!.price)).toBeLessThan(1e-12);
      expect(rel(x.shortfall, cf[k]!.shortfall)).toBeLessThan(1e-9);
      expect(rel(x.fund_used, cf[k]!.fundUsed)).toBeLessThan(1e-9);
    });
    expect(r.stopped).toBe('stable');
    expect(r.totals.by_status.liquidatable + r.totals.by_status.bankrupt).toBe(0);
    expect(r.totals.accounts_liquidated).toBe(3);
    expect(r.rounds.every((x) => x.market_snapshot_id !== x.next_snapshot_id)).toBe(true);
  });

  it('a sqrt impact model moves by √: one round sells the same, the price differs', async () => {
    const r = await cascadeOf(HAND, market(3000), { ETH: PROFILE }, { ...params, rounds: 1, impact: { model: 'sqrt', k: 0.1, depth: { ETH: 500_000 } } });
    const n = (1019.4 / 4019.4) * 21_000 + 42_000;
    expect(r.rounds[0]!.log_move.ETH).toBeCloseTo(-0.1 * Math.sqrt(n / 500_000), 12);
    expect(r.stopped).toBe('max_rounds');
  });

  it('rejects bad parameters with codes naming the field', async () => {
    await expect(cascadeOf(HAND, market(3000), { ETH: PROFILE }, { ...params, shock: -1.2 })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'shock' });
    await expect(cascadeOf(HAND, market(3000), { ETH: PROFILE }, { ...params, impact: { model: 'cubic' as 'linear', k: 1, depth: { ETH: 1 } } })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'impact' });
    await expect(cascadeOf(HAND, market(3000), { ETH: PROFILE }, { ...params, impact: { model: 'linear', k: 1, depth: {} } })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'depth.ETH' });
  });
});

describe('impact models and market moves', () => {
  it('linear and sqrt log moves; buying lifts the price', () => {
    expect(logImpact('linear', 2, 1e6, 1e8)).toBeCloseTo(-0.02, 15);
    expect(logImpact('sqrt', 0.5, 1e6, 1e8)).toBeCloseTo(-0.05, 15);
    expect(logImpact('sqrt', 0.5, -1e6, 1e8)).toBeCloseTo(0.05, 15);
    expect(logImpact('linear', 1, 0, 1e8)).toBe(0);
  });

  it('moves index, perp, forwards and the family collateral; nothing else', () => {
    const m = synthMultiVenue({ accounts: 10, instruments: 20, seed: 3 }).market;
    const next = moveMarket(m, { ETH: 0.7 }, 'x') as typeof m & { underlyings: Record<string, { index_price: number; perp_price: number; expiries: Record<string, { forward: number; vols: unknown }> }>; collateral: Record<string, { price: number }> };
    const before = m as typeof next;
    expect(next.underlyings.ETH!.index_price).toBeCloseTo(before.underlyings.ETH!.index_price * 0.7, 9);
    expect(next.underlyings.ETH!.perp_price).toBeCloseTo(before.underlyings.ETH!.perp_price * 0.7, 9);
    for (const [e, x] of Object.entries(next.underlyings.ETH!.expiries)) {
      expect(x.forward).toBeCloseTo(before.underlyings.ETH!.expiries[e]!.forward * 0.7, 9);
      expect(x.vols).toEqual(before.underlyings.ETH!.expiries[e]!.vols);
    }
    for (const a of ['ETH', 'WEETH', 'RSWETH']) expect(next.collateral[a]!.price).toBeCloseTo(before.collateral[a]!.price * 0.7, 9);
    for (const a of ['BTC', 'USDT', 'SOL']) expect(next.collateral[a]!.price).toBe(before.collateral[a]!.price);
    expect(next.underlyings.BTC).toEqual(before.underlyings.BTC);
    expect(familyOf('LBTC', ['ETH', 'BTC'])).toBe('BTC');
    expect(familyOf('USDT', ['ETH', 'BTC'])).toBeUndefined();
    expect(marketContentId(next)).toBe(marketContentId({ ...next, snapshot_id: 'other' }));
    expect(marketContentId(next)).not.toBe(marketContentId(m));
    expect(() => moveMarket(m, { DOGE: 0.5 }, 'x')).toThrow(/DOGE/);
  });
});

describe('cascade on a synthetic venue', () => {
  const multi = synthMultiVenue({ accounts: 1500, instruments: 120, seed: 77, profile: PROFILE });
  const accounts = () => [...multi.accountLines()].map((l) => JSON.parse(l) as Record<string, unknown>);
  const depth = { ETH: 2e7, BTC: 5e8, SOL: 2e6 };
  const params: CascadeParams = { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth }, rounds: 10, buffer: 0.1, fund: 1e5, detail: true };

  it('is deterministic: a pooled run (2 threads) and a single-thread run give the same bytes', async () => {
    const a = await cascadeOf(accounts(), multi.market, multi.pools, params, 2);
    const b = await cascadeOf(accounts(), multi.market, multi.pools, params, 0);
    expect(a.rounds[0]!.liquidated).toBeGreaterThan(64); // the batch reload path
    expect(a.rounds.some((x) => x.liquidated > 0 && x.liquidated <= 64)).toBe(true); // the setAccount path
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = await cascadeOf(accounts(), multi.market, multi.pools, { ...params, buffer: 0.2 }, 0);
    expect(c.inputs_hash).not.toBe(a.inputs_hash);
  });

  it('a close-out keeps equity and cuts the requirement; most accounts land above MM + buffer', async () => {
    const venue = await VenueEngine.open({ pools: multi.pools, threads: 0 });
    try {
      const book = loadCascadeBook(venue, accounts(), multi.market);
      await venue.remargin();
      const r = await runCascade(venue, book, multi.pools, multi.market, { ...params, rounds: 1 });
      const shocked = moveMarket(multi.market, { ETH: 0.7 }, 'shocked');
      const engines = Object.fromEntries(Object.entries(multi.pools).map(([p, prof]) => [p, createEngine({ profile: prof, snapshot: { now: false } })]));
      const liq = r.rounds[0]!.liquidations!;
      expect(liq.length).toBeGreaterThan(50);
      let restored = 0;
      for (const l of liq) {
        const reduced = book.inputs[book.index.get(l.account_id)!] as Account;
        const after = engines[reduced.pool]!.margin(reduced, shocked);
        if (l.status === 'bankrupt') {
          expect(after.equity).toBe(0);
          expect(reduced.positions).toHaveLength(0);
          continue;
        }
        expect(rel(after.equity, l.equity)).toBeLessThan(1e-9);
        const req = after.equity - after.mm_excess;
        expect(req).toBeLessThanOrEqual(l.requirement * (1 + 1e-9));
        if (after.mm_excess >= 0) restored++;
      }
      expect(restored / liq.filter((l) => l.status !== 'bankrupt').length).toBeGreaterThan(0.8);
    } finally {
      await venue.close();
    }
  });
});

describe('riskgrid stress cascade', () => {
  const bin = fileURLToPath(new URL('../bin/riskgrid.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'rg-cascade-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

  it('runs on a synth venue: the same JSON twice, a chart, a replay that matches and one that does not', () => {
    const venue = join(dir, 'v');
    const s = cli('synth', '--accounts', '1200', '--instruments', '90', '--seed', '5', '--underlyings', 'ETH,BTC,SOL', '--profile', PROFILE, '--out', venue);
    expect(s.status, s.stderr).toBe(0);
    const args = ['stress', 'cascade', '--venue', venue, '--market', join(venue, 'market.json'), '--shock', '-30%', '--underlying', 'ETH', '--impact', 'sqrt', '--k', '0.2', '--rounds', '6', '--threads', '2'];
    const a = cli(...args, '--json', '--chart', join(dir, 'c.svg'));
    expect(a.status, a.stderr).toBe(0);
    const b = cli(...args, '--json');
    expect(b.stdout).toBe(a.stdout);
    const res = JSON.parse(a.stdout) as CascadeResult;
    expect(res.params).toMatchObject({ shock: -0.3, underlyings: ['ETH'], rounds: 6 });
    expect(res.shock.by_status.liquidatable + res.shock.by_status.bankrupt).toBeGreaterThan(0);
    expect(res.rounds[0]!.price_after.ETH).toBeLessThan(res.shock.price.ETH!);
    const svg = readFileSync(join(dir, 'c.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg.match(/<rect /g)!.length).toBe(1 + res.rounds.length);
    const saved = join(dir, 'run.json');
    writeFileSync(saved, a.stdout);
    const ok = cli('stress', 'cascade', '--venue', venue, '--market', join(venue, 'market.json'), '--threads', '1', '--replay', saved);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/inputs identical; result identical/);
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, a.stdout.replace(/"shortfall": ([0-9.]+)/, '"shortfall": 1$1'));
    const bad = cli('stress', 'cascade', '--venue', venue, '--replay', tampered);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/result differs \(line \d+: "shortfall"/);
    const both = cli('stress', 'cascade', '--venue', venue, '--replay', saved, '--shock', '-10%');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--shock cannot be given with --replay/);
    const text = cli(...args);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^cascade -30% on ETH, sqrt impact/);
    expect(text.stdout).toMatch(/\n {4}1 +\d+ +\d+ /);
  }, 60_000);

  it('bad options fail with their code; plain `stress` still requires its options', () => {
    const venue = join(dir, 'v');
    const r = cli('stress', 'cascade', '--venue', venue, '--shock', 'down');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/RG_ERR_INVALID_ARGUMENT: --shock must be a move/);
    const m = cli('stress', 'cascade', '--venue', venue, '--shock', '-10%', '--impact', 'cubic');
    expect(m.stderr).toMatch(/--impact must be one of linear, sqrt/);
    const u = cli('stress', 'cascade', '--venue', venue, '--shock', '-10%', '--underlying', 'DOGE');
    expect(u.stderr).toMatch(/--underlying must name underlyings/);
    const s = cli('stress', '--market', 'x.json');
    expect(s.status).not.toBe(0);
    expect(s.stderr).toMatch(/required option '--portfolio <file>' not specified/);
  });
});
