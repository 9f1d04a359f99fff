// The what-if hot path's caches answer exactly what the uncached code answers:
//  - MarketGuard.status() reuses an answer until a feed can turn stale, a suspect window closes, or
//    the guard's state / policy / snapshot changes. A property test drives one guard through random
//    ingests and query times (forwards, repeated, and backwards) and compares every answer with a
//    guard rebuilt from scratch for that query (empty cache), at the staleness boundaries too.
//  - tokenHash() (auth.ts): sha256 of a bearer token from a bounded LRU; equal to node:crypto's,
//    bounded under a spray of tokens, and what both the rate limiter and the key lookup use.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketGuard, parseMarketDataPolicy, type IngestInput, type MarketDataPolicy } from '../host/market/guard.js';
import { parseMarketSnapshot } from '../host/market/validate.js';
import { tokenHash, tokenHashCacheSize } from '../host/service/auth.js';
import { rateLimitKey } from '../host/service/rate-limit.js';

const T = 1_796_025_600_000; // 2026-11-30 08:00 UTC
const E0 = T + 7 * 86_400_000;

/** A one-underlying snapshot; feed times as offsets (ms) before `ts`. */
function snap(id: string, ts: number, index: number, ages: { index: number; perp: number; vol: number }): Record<string, unknown> {
  return {
    snapshot_id: id,
    timestamp: ts,
    stablecoin: { asset: 'USDC', price: 1, timestamp: ts },
    underlyings: {
      ETH: {
        index_price: index, index_timestamp: ts - ages.index, perp_price: index + 1, perp_timestamp: ts - ages.perp,
        expiries: { E0: { expiry: E0, forward: index + 2, rate: 0.04, vol_timestamp: ts - ages.vol, vols: { '2000': 0.5, '2100-C': 0.52 } } },
      },
    },
  };
}

interface Step {
  input: IngestInput;
  at: number;
}

// Times on a 100 ms grid (and grid + 1 ms), so queries land on staleness edges and one past them often.
const grid = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((k) => k * 100);
const ages = fc.record({ index: grid(0, 30), perp: grid(0, 30), vol: grid(0, 30) });

/** A base ingest, optionally a jump held as suspect (same or another source), optionally one from a second source. */
const scenario = fc.record({
  base: ages,
  jump: fc.option(fc.record({ dt: grid(1, 20), source: fc.constantFrom('a', 'b'), ages })),
  second: fc.option(fc.record({ dt: grid(21, 40), index: fc.constantFrom(2010, 2300, 2310), ages })),
  limits: fc.record({ index: grid(1, 50), perp: grid(1, 50), vol: grid(1, 80) }),
  confirm: grid(1, 60),
  minSources: fc.constantFrom(1, 2),
  // Query times as steps from the last: mostly forwards (often onto an exact boundary), sometimes 0 or back.
  queries: fc.array(fc.record({ edge: fc.option(fc.record({ k: fc.nat(), plus: fc.constantFrom(0, 1) }), { freq: 2 }), dt: fc.oneof(grid(-5, 30), grid(0, 30).map((d) => d + 1), fc.constant(0), fc.constant(1), fc.constant(-1)), policy: fc.constantFrom(0, 1, 2), foreign: fc.boolean() }), { minLength: 1, maxLength: 30 }),
});

describe('MarketGuard.status() cache', () => {
  it('answers as a fresh guard does, for every query time, policy and snapshot', () => {
    fc.assert(
      fc.property(scenario, (sc) => {
        const own = parseMarketDataPolicy({ max_age_ms: { ...sc.limits, default: 600_000 }, min_sources: sc.minSources, confirm_within_ms: sc.confirm });
        const strict = parseMarketDataPolicy({ max_age_ms: { default: 1_500 }, confirm_within_ms: Math.max(1, sc.confirm >> 1) });
        const policies: Array<MarketDataPolicy | undefined> = [undefined, own, strict];
        const steps: Step[] = [{ input: { source: 'a', snapshot: snap('base', T, 2000, sc.base) }, at: T }];
        if (sc.jump !== null) steps.push({ input: { source: sc.jump.source, snapshot: snap('jump', T + sc.jump.dt, 2300, sc.jump.ages) }, at: T + sc.jump.dt });
        if (sc.second !== null) steps.push({ input: { source: 'b', snapshot: snap('second', T + sc.second.dt, sc.second.index, sc.second.ages) }, at: T + sc.second.dt });
        // A snapshot the guard never saw (as the store's latest can be): judged on its own.
        const foreign = parseMarketSnapshot(snap('foreign', T, 2000, { index: 100, perp: 2_000, vol: 50 }), { now: false });

        const cached = new MarketGuard(own);
        const fresh = (upTo: number): MarketGuard => {
          const g = new MarketGuard(own);
          for (const s of steps) if (s.at <= upTo) g.ingest(s.input, s.at);
          return g;
        };
        // Every moment an answer can change: a feed's last fresh ms (and the next, via plus), a suspect window's end.
        const edges: number[] = [];
        for (const st of steps) {
          const s = (st.input as { snapshot: Record<string, any> }).snapshot;
          const ts = s.timestamp as number;
          const eth = s.underlyings.ETH;
          for (const pol of [own, strict]) {
            edges.push(eth.index_timestamp + pol.max_age_ms.index, eth.perp_timestamp + pol.max_age_ms.perp, eth.expiries.E0.vol_timestamp + pol.max_age_ms.vol);
            edges.push(ts + pol.max_age_ms.forward, ts + pol.max_age_ms.stablecoin, st.at + pol.confirm_within_ms);
          }
        }
        let now = T;
        let applied = 0;
        for (const q of sc.queries) {
          now = q.edge === null ? now + q.dt : edges[q.edge.k % edges.length]! + q.edge.plus;
          // Ingest whatever is due by now (the guard's state changes between queries).
          while (applied < steps.length && steps[applied]!.at <= now) {
            cached.ingest(steps[applied]!.input, steps[applied]!.at);
            applied++;
          }
          const upTo = applied === 0 ? -Infinity : steps[applied - 1]!.at;
          const pol = policies[q.policy];
          const subject = q.foreign ? foreign : undefined;
          const want = fresh(upTo).status(now, pol, subject);
          expect(cached.status(now, pol, subject)).toEqual(want);
          // Again at the same time: from the cache.
          expect(cached.status(now, pol, subject)).toEqual(want);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('turns stale at exactly max_age + 1 ms after a cached fresh answer, and names the age each ms', () => {
    const p = parseMarketDataPolicy({ max_age_ms: { index: 1_000, default: 600_000 } });
    const g = new MarketGuard(p);
    g.ingest({ source: 'a', snapshot: snap('s', T, 2000, { index: 0, perp: 0, vol: 0 }) }, T);
    expect(g.status(T)).toEqual({ degraded: false });
    expect(g.status(T + 1_000)).toEqual({ degraded: false }); // from the cache: 1,000 ms old is not stale
    const a = g.status(T + 1_001);
    const b = g.status(T + 1_002);
    expect(a.degraded && a.reasons[0]!.detail).toContain('1001 ms old');
    expect(b.degraded && b.reasons[0]!.detail).toContain('1002 ms old');
    expect(g.status(T + 1_001)).toEqual(a); // back in time: recomputed, not the later answer
  });

  it('a suspect window cached as open closes exactly confirm_within_ms + 1 ms after the ingest', () => {
    const p = parseMarketDataPolicy({ max_age_ms: { default: 600_000 }, confirm_within_ms: 2_000 });
    const g = new MarketGuard(p);
    g.ingest({ source: 'a', snapshot: snap('base', T, 2000, { index: 0, perp: 0, vol: 0 }) }, T);
    expect(g.ingest({ source: 'a', snapshot: snap('jump', T + 100, 2300, { index: 0, perp: 0, vol: 0 }) }, T + 100).status).toBe('suspect');
    const codes = (st: ReturnType<MarketGuard['status']>): string[] => (st.degraded ? st.reasons.map((r) => r.code) : []);
    expect(codes(g.status(T + 100))).toEqual(['suspect_pending', 'suspect_pending', 'suspect_pending']); // index, perp, forward moved
    expect(codes(g.status(T + 2_100))).toEqual(['suspect_pending', 'suspect_pending', 'suspect_pending']); // from the cache
    expect(g.status(T + 2_101)).toEqual({ degraded: false });
  });

  it('a new accepted snapshot replaces the cached answer at once', () => {
    const p = parseMarketDataPolicy({ max_age_ms: { index: 1_000, default: 600_000 } });
    const g = new MarketGuard(p);
    g.ingest({ source: 'a', snapshot: snap('old', T, 2000, { index: 900, perp: 0, vol: 0 }) }, T);
    expect(g.status(T + 50)).toEqual({ degraded: false });
    g.ingest({ source: 'a', snapshot: snap('new', T + 60, 2000, { index: 1_500, perp: 0, vol: 0 }) }, T + 60);
    expect(g.status(T + 60)).toMatchObject({ degraded: true, reasons: [{ code: 'stale', feed: 'underlyings.ETH.index_price' }] });
  });

  it('a cached answer is frozen: a caller cannot change what the next request is told', () => {
    const g = new MarketGuard(parseMarketDataPolicy({ max_age_ms: { default: 1 } }));
    g.ingest({ source: 'a', snapshot: snap('s', T, 2000, { index: 0, perp: 0, vol: 0 }) }, T);
    const st = g.status(T + 10);
    expect(st.degraded).toBe(true);
    if (!st.degraded) return;
    expect(() => st.reasons.push({ code: 'no_data', feed: 'x', detail: 'x' })).toThrow(TypeError);
    expect(Object.isFrozen(st.reasons[0])).toBe(true);
  });
});

describe('tokenHash (bearer token → sha256, once per distinct token)', () => {
  const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

  it('equals sha256 of the token, first time and from the cache, for any token', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (t) => {
        expect(tokenHash(t)).toBe(sha(t));
        expect(tokenHash(t)).toBe(sha(t));
      }),
    );
  });

  it('stays bounded under a spray of made-up tokens, and a recent token stays correct', () => {
    const mine = 'rg_my_real_token_0123456789';
    tokenHash(mine);
    for (let i = 0; i < 10_000; i++) {
      tokenHash(`spray-${i}`);
      if (i % 100 === 0) expect(tokenHash(mine)).toBe(sha(mine)); // used often: never evicted
    }
    expect(tokenHashCacheSize()).toBeLessThanOrEqual(4096);
    expect(tokenHashCacheSize()).toBeGreaterThan(1000);
    expect(tokenHash('spray-0')).toBe(sha('spray-0')); // evicted long ago: hashed again
  });

  it('the rate limiter buckets by the same hash (never by the token itself)', () => {
    const t = 'rg_abcdefghijklmnop';
    const req = { headers: { authorization: `Bearer ${t}` }, ip: '10.0.0.1' } as unknown as Parameters<typeof rateLimitKey>[0];
    expect(rateLimitKey(req)).toBe(`key:${sha(t)}`);
    expect(rateLimitKey(req)).not.toContain(t);
  });
});
