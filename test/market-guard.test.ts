// The market-data guard (host/market/guard.ts) on hand-built snapshots with a fixed clock: the
// median over sources (with an outlier, with a stale source), staleness per feed at the exact
// boundary millisecond, the price band (a jump held as suspect, confirmed by a second source, not
// by the same one, dropped when contradicted or expired), rejected inputs with code and field,
// policy validation, and fast-check properties of the median.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { median, MarketGuard, parseMarketDataPolicy, type IngestOutcome, type MarketDataPolicy } from '../host/market/guard.js';
import { DEFAULT_MARKET_DATA_POLICY } from '../host/market/guard-policy.js';
import { parseProfile } from '../host/profiles/registry.js';

const T = 1_796_025_600_000; // 2026-11-30 08:00 UTC
const E0 = T + 7 * 86_400_000;

interface Opts {
  id?: string;
  ts?: number;
  index?: number;
  indexTs?: number;
  indexConf?: number;
  perp?: number;
  perpTs?: number;
  forward?: number;
  vol?: number;
  volTs?: number;
  usdc?: number;
}

/** A one-underlying snapshot; every feed at the snapshot time unless told. */
function snap(o: Opts = {}): Record<string, unknown> {
  const ts = o.ts ?? T;
  return {
    snapshot_id: o.id ?? `s-${ts}-${o.index ?? 2000}`,
    timestamp: ts,
    stablecoin: { asset: 'USDC', price: o.usdc ?? 1, timestamp: ts },
    underlyings: {
      ETH: {
        index_price: o.index ?? 2000, index_timestamp: o.indexTs ?? ts, index_confidence: o.indexConf ?? 1,
        perp_price: o.perp ?? 2001, perp_timestamp: o.perpTs ?? ts,
        expiries: { E0: { expiry: E0, forward: o.forward ?? 2002, rate: 0.04, vol_timestamp: o.volTs ?? ts, vols: { '2000': o.vol ?? 0.5, '2100-C': 0.52 } } },
      },
    },
  };
}

// Limits long enough that only the feed under test can go stale.
const LONG = { index: 10_000, perp: 10_000, forward: 600_000, rate: 600_000, vol: 600_000, stablecoin: 600_000, collateral: 600_000 };
const policy = (p: Record<string, unknown> = {}): MarketDataPolicy => parseMarketDataPolicy({ max_age_ms: LONG, ...p });

type Accepted = Extract<IngestOutcome, { status: 'accepted' }>;
type Rejected = Extract<IngestOutcome, { status: 'rejected' }>;
const accepted = (o: IngestOutcome): Accepted => {
  expect(o.status, JSON.stringify(o)).toBe('accepted');
  return o as Accepted;
};
const rejected = (o: IngestOutcome): Rejected => {
  expect(o.status).toBe('rejected');
  return o as Rejected;
};

describe('median over several sources', () => {
  it('three sources with an outlier: the middle value per feed, lowest confidence, oldest time', () => {
    const g = new MarketGuard(policy());
    const o = accepted(
      g.ingest({
        snapshot_id: 'm1',
        sources: {
          a: snap({ index: 2000, indexConf: 0.9, indexTs: T - 100, forward: 2002, vol: 0.5 }),
          b: snap({ index: 2010, indexConf: 0.95, forward: 2004, vol: 0.55 }),
          c: snap({ index: 9999, forward: 9000, vol: 3 }), // the outlier
        },
      }, T),
    );
    const s = o.snapshot;
    expect(s.id).toBe('m1');
    expect(s.index('ETH')).toEqual({ value: 2010, confidence: 0.9, timestamp: T - 100 });
    expect(s.expiry('ETH', E0).forward.value).toBe(2004);
    expect(s.volFor('ETH', E0, 2000)).toBe(0.55);
    expect(s.volFor('ETH', E0, 2100, 'C')).toBe(0.52);
    expect(o.sources).toEqual(['a', 'b', 'c']);
    expect(g.latest?.id).toBe('m1');
  });

  it('an even count averages the two middle values; a feed quoted by one source only is that value', () => {
    const g = new MarketGuard(policy());
    const a = snap({ index: 2000 });
    const b = snap({ index: 2010 }) as any;
    delete b.underlyings.ETH.perp_price;
    delete b.underlyings.ETH.perp_timestamp;
    const s = accepted(g.ingest({ snapshot_id: 'm2', sources: { a, b } }, T)).snapshot;
    expect(s.index('ETH').value).toBe(2005);
    expect(s.perp('ETH').value).toBe(2001);
  });

  it('a stale source is left out of the median while a fresh one remains; min_sources then degrades', () => {
    const g = new MarketGuard(policy({ min_sources: 3 }));
    const now = T + 20_000;
    const fresh = { ts: now - 1_000 };
    const o = accepted(g.ingest({ snapshot_id: 'm3', sources: { a: snap({ ...fresh, index: 2000 }), b: snap({ ...fresh, index: 2004 }), c: snap({ ts: now - 1_000, indexTs: T, index: 9999 }) } }, now));
    expect(o.snapshot.index('ETH').value).toBe(2002); // c's index is 20 s old (limit 10 s): not used
    const st = g.status(now);
    expect(st.degraded).toBe(true);
    const reasons = st.degraded ? st.reasons : [];
    expect(reasons).toContainEqual(expect.objectContaining({ code: 'too_few_sources', feed: 'underlyings.ETH.index_price' }));
    // The forward is fresh in all three sources (limit 600 s): three sources, enough.
    expect(reasons.some((r) => r.feed === 'underlyings.ETH.expiries.E0.forward')).toBe(false);
  });
});

describe('staleness per feed, re-evaluated against now', () => {
  it('a feed exactly max_age old is fresh; one millisecond more is stale, naming the feed', () => {
    const g = new MarketGuard(policy());
    accepted(g.ingest({ source: 'a', snapshot: snap({ perpTs: T - 5_000 }) }, T));
    expect(g.status(T + 5_000)).toEqual({ degraded: false }); // perp exactly 10,000 ms old
    const st = g.status(T + 5_001);
    expect(st).toEqual({ degraded: true, reasons: [{ code: 'stale', feed: 'underlyings.ETH.perp_price', detail: expect.stringContaining('10001 ms old (limit 10000 ms') }] });
    const later = g.status(T + 10_001);
    expect(later.degraded && later.reasons.map((r) => r.feed)).toEqual(['underlyings.ETH.index_price', 'underlyings.ETH.perp_price']);
  });

  it('a profile policy judges the same data by its own limits', () => {
    const g = new MarketGuard(policy());
    g.ingest({ source: 'a', snapshot: snap() }, T);
    const strict = parseMarketDataPolicy({ max_age_ms: { default: 1 } });
    const st = g.status(T + 2, strict);
    expect(st.degraded && st.reasons.map((r) => r.feed).sort()).toEqual(
      ['stablecoin.price', 'underlyings.ETH.expiries.E0.forward', 'underlyings.ETH.expiries.E0.rate', 'underlyings.ETH.expiries.E0.vols', 'underlyings.ETH.index_price', 'underlyings.ETH.perp_price'].sort(),
    );
    expect(new MarketGuard().status(T)).toMatchObject({ degraded: true, reasons: [{ code: 'no_data' }] });
  });
});

describe('price band against the last accepted snapshot', () => {
  const start = (p: Record<string, unknown> = {}): MarketGuard => {
    const g = new MarketGuard(policy({ max_age_ms: { default: 3_600_000 }, ...p }));
    accepted(g.ingest({ source: 'a', snapshot: snap({ id: 'base', index: 2000 }) }, T));
    return g;
  };

  it('a jump beyond the band is held as suspect (not the latest) and the status says so', () => {
    const g = start();
    const o = g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    expect(o.status).toBe('suspect');
    if (o.status !== 'suspect') return;
    expect(o.reasons).toEqual([{ feed: 'underlyings.ETH.index_price', from: 2000, to: 2300, move: expect.closeTo(0.15, 12), band: 0.1 }]);
    expect(g.latest?.id).toBe('base');
    expect(g.status(T + 1_000)).toMatchObject({ degraded: true, reasons: [{ code: 'suspect_pending', feed: 'underlyings.ETH.index_price' }] });
  });

  it('exactly at the band is accepted; just beyond is not', () => {
    const g = start({ price_band: 0.25 });
    expect(g.ingest({ source: 'a', snapshot: snap({ id: 'edge', ts: T + 1, index: 2500 }) }, T + 1).status).toBe('accepted'); // 2500/2000 − 1 = 0.25 exactly
    expect(g.ingest({ source: 'a', snapshot: snap({ id: 'over', ts: T + 2, index: 3126 }) }, T + 2).status).toBe('suspect');
  });

  it('a second source within the band of the suspect value confirms it; the confirming snapshot becomes the latest', () => {
    const g = start();
    g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    const o = accepted(g.ingest({ source: 'b', snapshot: snap({ id: 'confirm', ts: T + 2_000, index: 2310 }) }, T + 2_000));
    expect(o.confirmed).toMatchObject({ suspect_id: 'jump', by: ['b'], moves: [{ feed: 'underlyings.ETH.index_price', to: 2310 }] });
    expect(g.latest?.id).toBe('confirm');
    expect(g.suspect).toBeUndefined();
    expect(g.status(T + 2_000)).toEqual({ degraded: false });
  });

  it('the same source repeating its jump does not confirm it', () => {
    const g = start();
    g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    const o = g.ingest({ source: 'a', snapshot: snap({ id: 'again', ts: T + 2_000, index: 2305 }) }, T + 2_000);
    expect(o.status).toBe('suspect');
    expect(g.latest?.id).toBe('base');
    expect(g.suspect?.id).toBe('again');
  });

  it('a second source that disagrees with the suspect does not confirm it', () => {
    const g = start();
    g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    expect(g.ingest({ source: 'b', snapshot: snap({ id: 'other', ts: T + 2_000, index: 2700 }) }, T + 2_000).status).toBe('suspect');
    expect(g.latest?.id).toBe('base');
  });

  it('a confirmation after confirm_within_ms is too late: the move is suspect again', () => {
    const g = start({ confirm_within_ms: 5_000 });
    g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    expect(g.status(T + 6_000).degraded).toBe(true); // still waiting, exactly at the window
    expect(g.status(T + 6_001)).toEqual({ degraded: false }); // expired: no longer a reason
    expect(g.ingest({ source: 'b', snapshot: snap({ id: 'late', ts: T + 6_001, index: 2300 }) }, T + 6_001).status).toBe('suspect');
  });

  it('an in-band snapshot from another source drops the suspect', () => {
    const g = start();
    g.ingest({ source: 'a', snapshot: snap({ id: 'jump', ts: T + 1_000, index: 2300 }) }, T + 1_000);
    const o = accepted(g.ingest({ source: 'b', snapshot: snap({ id: 'calm', ts: T + 2_000, index: 2001 }) }, T + 2_000));
    expect(o.dropped_suspect).toBe('jump');
    expect(g.suspect).toBeUndefined();
  });

  it('two sources of one ingest that agree on the move confirm it at once; one outlier source does not', () => {
    const g = start();
    const both = g.ingest({ snapshot_id: 'two', sources: { a: snap({ ts: T + 1_000, index: 2300 }), b: snap({ ts: T + 1_000, index: 2302 }) } }, T + 1_000);
    expect(both.status).toBe('accepted');
    const g2 = start();
    const split = g2.ingest({ snapshot_id: 'split', sources: { a: snap({ ts: T + 1_000, index: 2300 }), b: snap({ ts: T + 1_000, index: 2700 }) } }, T + 1_000);
    // Median 2500 (25 % up); both sources moved, but 17 % apart they confirm nothing.
    expect(split.status).toBe('suspect');
  });

  it('vol marks have their own band, strike by strike', () => {
    const g = start();
    const o = g.ingest({ source: 'a', snapshot: snap({ id: 'voljump', ts: T + 1_000, vol: 0.9 }) }, T + 1_000);
    expect(o.status === 'suspect' && o.reasons).toEqual([{ feed: 'underlyings.ETH.expiries.E0.vols.2000', from: 0.5, to: 0.9, move: expect.closeTo(0.8, 12), band: 0.5 }]);
  });
});

describe('rejected inputs, with code and field', () => {
  const one = (s: Record<string, unknown>, now = T): Rejected['reasons'][number] => rejected(new MarketGuard().ingest({ source: 'a', snapshot: s }, now)).reasons[0]!;
  const withIndex = (v: unknown): Record<string, unknown> => {
    const s = snap() as any;
    s.underlyings.ETH.index_price = v;
    return s;
  };

  it('non-finite, negative, zero, a string', () => {
    for (const v of [Number.NaN, Infinity, -Infinity, -5, 0, '2000']) {
      expect(one(withIndex(v)), String(v)).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'underlyings.ETH.index_price' });
    }
  });

  it('future-dated snapshot or feed', () => {
    expect(one(snap({ ts: T + 3_600_000 }))).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'timestamp', value: T + 3_600_000 });
    expect(one(snap({ indexTs: T + 60_000 }))).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'underlyings.ETH.index_timestamp' });
  });

  it('malformed: unknown field, missing index, bad source name', () => {
    expect(one({ ...snap(), extra: 1 })).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'extra' });
    const s = snap() as any;
    delete s.underlyings.ETH.index_price;
    expect(one(s)).toMatchObject({ field: 'underlyings.ETH.index_price' });
    expect(rejected(new MarketGuard().ingest({ source: 'bad name!', snapshot: snap() }, T)).reasons[0]).toMatchObject({ field: 'source' });
  });

  it('one bad source rejects a multi-source ingest, naming the source; every bad source is listed', () => {
    const o = rejected(new MarketGuard().ingest({ snapshot_id: 'm', sources: { a: snap(), b: withIndex(-1), c: withIndex(Number.NaN) } }, T));
    expect(o.reasons.map((r) => r.field)).toEqual(['sources.b.underlyings.ETH.index_price', 'sources.c.underlyings.ETH.index_price']);
    expect(rejected(new MarketGuard().ingest({ snapshot_id: '', sources: { a: snap() } }, T)).reasons[0]).toMatchObject({ field: 'snapshot_id' });
    expect(rejected(new MarketGuard().ingest({ snapshot_id: 'x', sources: {} }, T)).reasons[0]).toMatchObject({ field: 'sources' });
  });

  it('a snapshot older than the accepted one is rejected, and a rejection changes nothing', () => {
    const g = new MarketGuard();
    g.ingest({ source: 'a', snapshot: snap({ id: 'new', ts: T }) }, T);
    expect(rejected(g.ingest({ source: 'a', snapshot: snap({ id: 'old', ts: T - 1 }) }, T)).reasons[0]).toMatchObject({ field: 'timestamp' });
    expect(g.latest?.id).toBe('new');
  });

  it('assess() decides without committing; apply() commits', () => {
    const g = new MarketGuard();
    const d = g.assess({ source: 'a', snapshot: snap({ id: 'x' }) }, T);
    expect(d.outcome.status).toBe('accepted');
    expect(g.latest).toBeUndefined();
    g.apply(d);
    expect(g.latest?.id).toBe('x');
  });
});

describe('policy (profile market_data)', () => {
  it('defaults, and `default` filling the kinds not given', () => {
    expect(parseMarketDataPolicy(undefined)).toBe(DEFAULT_MARKET_DATA_POLICY);
    const p = parseMarketDataPolicy({ max_age_ms: { index: 5_000, default: 30_000 }, on_degraded: 'reject', min_sources: 2 });
    expect(p.max_age_ms).toEqual({ index: 5_000, perp: 30_000, forward: 30_000, rate: 30_000, vol: 30_000, stablecoin: 30_000, collateral: 30_000 });
    expect(p).toMatchObject({ on_degraded: 'reject', min_sources: 2, price_band: 0.1, vol_band: 0.5 });
  });

  it.each([
    [{ price_band: 0 }, 'market_data.price_band'],
    [{ price_band: 50 }, 'market_data.price_band'],
    [{ vol_band: Number.NaN }, 'market_data.vol_band'],
    [{ min_sources: 0 }, 'market_data.min_sources'],
    [{ min_sources: 1.5 }, 'market_data.min_sources'],
    [{ on_degraded: 'warn' }, 'market_data.on_degraded'],
    [{ max_age_ms: { spot: 1000 } }, 'market_data.max_age_ms.spot'],
    [{ max_age_ms: { index: -1 } }, 'market_data.max_age_ms.index'],
    [{ max_age_ms: { perp: 1.5 } }, 'market_data.max_age_ms.perp'],
    [{ max_age_ms: 1000 }, 'market_data.max_age_ms'],
    [{ confirm_within_ms: 0 }, 'market_data.confirm_within_ms'],
    [{ band: 0.1 }, 'market_data.band'],
    ['flag', 'market_data'],
  ])('%j → RG_ERR_PROFILE at %s', (input, field) => {
    try {
      parseMarketDataPolicy(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RiskgridError);
      expect((e as RiskgridError).code).toBe('RG_ERR_PROFILE');
      expect((e as RiskgridError).field).toBe(field);
    }
  });

  it('a profile carries market_data (validated, and part of its content hash)', () => {
    const base = { name: 'p', methodology: 'any', version: '1', params: {} };
    const opts = { allowUnknownMethodology: true };
    const plain = parseProfile(base, 'object', opts);
    const guarded = parseProfile({ ...base, market_data: { on_degraded: 'reject' } }, 'object', opts);
    expect(plain.market_data).toBeUndefined();
    expect(guarded.market_data?.on_degraded).toBe('reject');
    expect(guarded.hash).not.toBe(plain.hash);
    expect(() => parseProfile({ ...base, market_data: { on_degraded: 'no' } }, 'object', opts)).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'market_data.on_degraded' }));
  });
});

describe('properties of the median', () => {
  const price = fc.double({ min: 1e-6, max: 1e9, noNaN: true });

  it('is invariant to the order of its values and lies between their min and max', () => {
    fc.assert(
      fc.property(fc.array(price, { minLength: 1, maxLength: 9 }), fc.nat(), (xs, seed) => {
        const shuffled = [...xs];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seed + i * 7919) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const m = median(xs);
        expect(median(shuffled)).toBe(m);
        expect(m).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(m).toBeLessThanOrEqual(Math.max(...xs));
      }),
      { numRuns: 500 },
    );
  });

  it('through the guard: the combined index does not depend on the order the sources are listed in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 5 }), (xs) => {
        const sources = Object.fromEntries(xs.map((x, i) => [`s${i}`, snap({ index: x })]));
        const reversed = Object.fromEntries(Object.entries(sources).reverse());
        const a = accepted(new MarketGuard().ingest({ snapshot_id: 'p', sources }, T)).snapshot.index('ETH').value;
        const b = accepted(new MarketGuard().ingest({ snapshot_id: 'p', sources: reversed }, T)).snapshot.index('ETH').value;
        expect(a).toBe(b);
        expect(a).toBe(median(xs));
      }),
      { numRuns: 100 },
    );
  });
});
