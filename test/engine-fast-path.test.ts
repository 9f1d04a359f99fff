// The derive-pmrm2 fast path (host/margin/fast/) against the reference path (the orchestrator and
// Derive's math in host/profiles/derive-pmrm2/): every MarginResult must be bit-identical (each
// number Object.is-equal, which is stronger than the 1e-12 relative asked), on random accounts and
// markets, in batches with bad accounts, under permutation, in what-if, and on Derive's cases.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDerivePmrm2CaseFiles, parseDerivePmrm2Case, disabledReason } from '../host/conformance/derive-pmrm2-cases.js';
import { publicInputsOf } from '../host/conformance/derive-pmrm2-public.js';
import { createEngine } from '../host/margin/engine.js';
import { EXPIRIES, NOW, STRIKES, arbAccount, testMarket, testProfile } from './support/derive-fixtures.js';

/** Paths where a and b differ: numbers by Object.is (bit-identical, −0 ≠ 0), the rest structurally. */
function diffs(a: unknown, b: unknown, path = '$', out: string[] = []): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!Object.is(a, b)) out.push(`${path}: ${a} vs ${b}`);
  } else if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: length ${a.length} vs ${b.length}`);
    else a.forEach((x, i) => diffs(x, b[i], `${path}[${i}]`, out));
  } else if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.join() !== kb.join()) out.push(`${path}: keys ${ka.join()} vs ${kb.join()}`);
    else for (const k of ka) diffs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
  } else if (a !== b) out.push(`${path}: ${String(a)} vs ${String(b)}`);
  return out;
}

/** The fast path's results carry lazy Greeks (getters); the reference path's plain data. */
// The fast path hands every result its engine's one frozen scenario list; the reference path builds one per result.
const tookFastPath = (r: { scenarios: object }) => Object.isFrozen(r.scenarios);

const SHORT = NOW + 20 * 60_000; // inside Derive's last 30 minutes: the forward split
const pair = (profile: Record<string, unknown> = testProfile()) => ({
  fast: createEngine({ profile, snapshot: { now: false } }),
  ref: createEngine({ profile, snapshot: { now: false }, path: 'reference' }),
});

function market(v: { spot: number; stable: number; conf: number; volConf: number; short: boolean }): Record<string, unknown> {
  const m = testMarket({ spot: v.spot }) as { stablecoin: { price: number }; underlyings: { ETH: Record<string, unknown> } };
  m.stablecoin.price = v.stable;
  const u = m.underlyings.ETH as { index_confidence?: number; expiries: Record<string, Record<string, unknown>> };
  u.index_confidence = v.conf;
  u.expiries.E1!.vol_confidence = v.volConf;
  if (v.short) u.expiries.S = { expiry: SHORT, forward: v.spot * 1.0001, rate: 0.04, vols: Object.fromEntries(STRIKES.map((k) => [String(k), 0.6])) };
  return m;
}
const arbMarket = fc.record({
  spot: fc.integer({ min: 1500, max: 2500 }),
  stable: fc.constantFrom(1, 0.97),
  conf: fc.constantFrom(1, 0.9, 0.5),
  volConf: fc.constantFrom(1, 0.6),
  short: fc.boolean(),
});
const shortOption = (k: number, t: 'C' | 'P', size: number) => ({
  instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: k, expiry: SHORT, option_type: t },
  size,
});

describe('derive-pmrm2 fast path = reference path, bit for bit', () => {
  it('on random accounts and markets (one engine pair: the cached table grows as instruments appear)', () => {
    const { fast, ref } = pair();
    fc.assert(
      fc.property(arbMarket, arbAccount, fc.integer({ min: -3, max: 3 }), (mv, acct, s) => {
        const snapF = fast.parseMarket(market(mv));
        const snapR = ref.parseMarket(market(mv));
        const a = { ...acct, positions: mv.short && s !== 0 ? [...acct.positions, shortOption(2000, s > 0 ? 'C' : 'P', s)] : acct.positions };
        const f = fast.margin(a, snapF);
        expect(tookFastPath(f)).toBe(true);
        const r = ref.margin(a, snapR);
        expect(tookFastPath(r)).toBe(false);
        expect(diffs(f, r)).toEqual([]);
        // Serialised, with the per-asset collateral lines both paths build on first read.
        expect(diffs(JSON.parse(JSON.stringify(f)), JSON.parse(JSON.stringify(r)))).toEqual([]);
        expect(f.breakdown.collateral!.map((l) => l.asset)).toEqual(Object.keys(a.balances).sort());
        // The same snapshot object again: served from the cached context.
        expect(diffs(fast.margin(a, snapF), f)).toEqual([]);
        expect(JSON.parse(JSON.stringify(f)).greeks.positions.length).toBe(a.positions.length);
      }),
      { numRuns: 150 },
    );
  });

  it('on one long-lived snapshot: batches that add instruments, then single accounts against the big table', () => {
    const { fast, ref } = pair();
    const mv = { spot: 2000, stable: 1, conf: 0.9, volConf: 0.6, short: true };
    const snapF = fast.parseMarket(market(mv));
    const snapR = ref.parseMarket(market(mv));
    fc.assert(
      fc.property(fc.array(arbAccount, { minLength: 1, maxLength: 6 }), (accounts) => {
        expect(diffs(fast.marginBatch(accounts, snapF), ref.marginBatch(accounts, snapR))).toEqual([]);
        // One small account now packs only the table rows it uses (renumbered).
        const one = accounts[0]!;
        expect(diffs(fast.margin(one, snapF), ref.margin(one, snapR))).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('batches of 1 to 300 accounts (across the row columns\' growth): each account as the reference', () => {
    const { fast, ref } = pair();
    const snapF = fast.parseMarket(testMarket());
    const snapR = ref.parseMarket(testMarket());
    const accounts = fc.sample(arbAccount, { numRuns: 300, seed: 7 }).map((a, i) => ({ ...a, account_id: `b${i}` }));
    for (const n of [1, 63, 64, 65, 127, 128, 129, 300]) {
      const batch = accounts.slice(0, n);
      const f = fast.marginBatch(batch, snapF);
      const r = ref.marginBatch(batch, snapR);
      f.forEach((o, i) => {
        const q = r[i]!;
        expect(o.ok && q.ok).toBe(true);
        if (o.ok && q.ok) expect(diffs(o.result, q.result)).toEqual([]);
      });
    }
  });

  it('in batches with bad accounts: the same outcomes, errors included, and good ones as alone', () => {
    const { fast, ref } = pair();
    const bad = [
      { account_id: 'btc', positions: [{ instrument: 'BTC-PERPETUAL', size: 1 }], balances: { USDC: 1 } },
      { account_id: 'doge', positions: [], balances: { USDC: 1, DOGE: 5 } },
      { account_id: 'neg', positions: [], balances: { USDC: 1, WETH: -1 } },
      { account_id: 'nostrike', positions: [{ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: 2100, expiry: EXPIRIES[0], option_type: 'C' }, size: 1 }], balances: {} },
      { account_id: 'noexpiry', positions: [{ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: 2000, expiry: NOW + 5 * 86_400_000, option_type: 'C' }, size: 1 }], balances: {} },
      { account_id: 'future', positions: [{ instrument: 'ETH-27DEC26', size: 1 }], balances: {} },
    ];
    fc.assert(
      fc.property(arbMarket, fc.array(fc.oneof(arbAccount, fc.constantFrom(...bad)), { minLength: 1, maxLength: 12 }), (mv, accounts) => {
        const snap = fast.parseMarket(market(mv));
        const f = fast.marginBatch(accounts, snap);
        expect(diffs(f, ref.marginBatch(accounts, ref.parseMarket(market(mv))))).toEqual([]);
        f.forEach((o, i) => {
          if (o.ok) expect(diffs(o.result, fast.margin(accounts[i]!, snap))).toEqual([]);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('permuting positions and balances gives a bit-identical result', () => {
    const { fast } = pair();
    const snap = fast.parseMarket(market({ spot: 2000, stable: 1, conf: 0.9, volConf: 0.6, short: false }));
    fc.assert(
      fc.property(arbAccount, fc.integer(), (a, seed) => {
        const shuffled = [...a.positions].sort((x, y) => ((JSON.stringify(x).length * 7919 + seed) % 13) - ((JSON.stringify(y).length * 7919 + seed) % 13));
        const bal = Object.fromEntries(Object.entries(a.balances).reverse());
        const r1 = fast.margin(a, snap);
        const r2 = fast.margin({ ...a, positions: shuffled, balances: bal }, snap);
        const { greeks: _g1, ...x } = r1;
        const { greeks: _g2, ...y } = r2;
        expect(diffs(x, y)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  it('what-if: before, change and after equal the reference', () => {
    const { fast, ref } = pair();
    fc.assert(
      fc.property(arbMarket, arbAccount, arbAccount, (mv, a, t) => {
        const trades = t.positions.length > 0 ? t.positions : [{ instrument: 'ETH-PERPETUAL', size: 1 }];
        expect(diffs(fast.whatIf(a, market(mv), trades), ref.whatIf(a, market(mv), trades))).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('repeated instruments, zero sizes, a long and a short of one option in one account', () => {
    const { fast, ref } = pair();
    const o = (size: number, k = 2000) => ({ instrument: { kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike: k, expiry: EXPIRIES[1], option_type: 'P' }, size });
    const a = { account_id: 'r', positions: [o(1.5), o(0, 1800), o(-0.25), o(0.1, 2200), { instrument: 'ETH-PERPETUAL', size: 0, unrealised_funding: -3 }, o(-1.35)], balances: { USDC: 5, WETH: 0 } };
    const m = market({ spot: 2000, stable: 1, conf: 1, volConf: 1, short: false });
    expect(diffs(fast.margin(a, m), ref.margin(a, m))).toEqual([]);
  });

  it('Greeks are lazy (prototype getters, nothing listed before a read) but serialise as plain data', () => {
    const { fast, ref } = pair();
    const m = fast.parseMarket(market({ spot: 2000, stable: 1, conf: 1, volConf: 1, short: false }));
    const a = { account_id: 'g', positions: [{ instrument: 'ETH-PERPETUAL', size: 2 }, shortOption(2000, 'C', 1)].slice(0, 1), balances: { USDC: 1 } };
    const f = fast.margin(a, m);
    expect(Object.keys(f.greeks)).toEqual([]);
    expect(Object.keys(JSON.parse(JSON.stringify(f.greeks)))).toEqual(['positions', 'totals']);
    const refGreeks = ref.margin(a, ref.parseMarket(market({ spot: 2000, stable: 1, conf: 1, volConf: 1, short: false }))).greeks;
    expect(JSON.parse(JSON.stringify(f.greeks))).toEqual(JSON.parse(JSON.stringify(refGreeks)));
    expect(f.greeks.positions).toEqual(refGreeks.positions);
    expect(f.greeks.totals.ETH!.delta).toBe(2);
  });
});

const PMRM2 = fileURLToPath(new URL('../../shared/reference/derive-v2-core/pmrm2', import.meta.url));
describe.runIf(existsSync(PMRM2))('fast path = reference path on Derive PMRM_2 cases', () => {
  it('every active case (138): the whole MarginResult bit-identical', async () => {
    const cases = await readDerivePmrm2CaseFiles([PMRM2]);
    let compared = 0;
    let fastCases = 0;
    for (const { name, json } of cases) {
      if (disabledReason(name) !== undefined) continue;
      const c = parseDerivePmrm2Case(json, name);
      const inputs = publicInputsOf(c.name, c.portfolio, c.params);
      const { fast, ref } = pair(inputs.profile as Record<string, unknown>);
      const f = fast.margin(inputs.account, inputs.market);
      if (tookFastPath(f)) fastCases++;
      expect(diffs(f, ref.margin(inputs.account, inputs.market)), name).toEqual([]);
      compared++;
    }
    expect(compared).toBe(138);
    // Cases the fast path hands back (an expired expiry with no vol shock, …) are listed by the log.
    console.log(`[fast path] ${fastCases} of ${compared} Derive cases through the fast path`);
    expect(fastCases).toBeGreaterThan(120);
  });
});
