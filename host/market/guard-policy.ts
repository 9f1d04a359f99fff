// The market-data guard's policy: the `market_data` section of a profile (docs/PROFILES.md).
// Staleness limits per kind of feed, the price and vol bands against the last accepted snapshot,
// how many independent sources a feed needs, how long a suspect move waits for confirmation, and
// what a margin on degraded data does (`flag` it, or `reject` the request). Every field is
// optional; what is not given takes the documented default below. Errors are RG_ERR_PROFILE
// naming the field (`market_data.max_age_ms.index`).
import { RiskgridError } from '../errors.js';
import { isObject, type JsonObject } from '../model/fields.js';

/** The kinds of feed a snapshot carries (snapshot field in brackets). */
export const FEED_KINDS = ['index', 'perp', 'forward', 'rate', 'vol', 'stablecoin', 'collateral'] as const;
export type FeedKind = (typeof FEED_KINDS)[number];

export interface MarketDataPolicy {
  /** A feed older than this (now − feed timestamp > limit) is stale; equal to the limit is not. */
  readonly max_age_ms: Readonly<Record<FeedKind, number>>;
  /** Largest relative move |new/old − 1| of a price (index, perp, forward, stablecoin, collateral) accepted without confirmation. */
  readonly price_band: number;
  /** The same for a mark vol, strike by strike. */
  readonly vol_band: number;
  /** Independent sources a feed needs; fewer is degraded (`too_few_sources`). */
  readonly min_sources: number;
  /** How long a suspect snapshot waits for a second source; after that it is dropped. */
  readonly confirm_within_ms: number;
  /** `flag`: margin on degraded data carries `degraded`; `reject`: the margin request fails (503). */
  readonly on_degraded: 'flag' | 'reject';
  /** A surface failing the static-arbitrage checks (host/market/arbitrage.ts): `reject` the ingest, or accept it degraded (`arbitrage`). */
  readonly on_arbitrage: 'flag' | 'reject';
}

// Defaults for a venue with streaming prices: spot and perp marks tick every second, forwards and
// vol marks are refitted every minute or so, rates move daily. A feed that misses several updates
// is stale; a static demo snapshot goes stale within seconds, and margins on it say so.
export const DEFAULT_MAX_AGE_MS: Readonly<Record<FeedKind, number>> = Object.freeze({
  index: 15_000,
  perp: 15_000,
  forward: 60_000,
  rate: 86_400_000,
  vol: 300_000,
  stablecoin: 60_000,
  collateral: 60_000,
});

export const DEFAULT_MARKET_DATA_POLICY: MarketDataPolicy = Object.freeze({
  max_age_ms: DEFAULT_MAX_AGE_MS,
  price_band: 0.1,
  vol_band: 0.5,
  min_sources: 1,
  confirm_within_ms: 60_000,
  on_degraded: 'flag',
  // A surface with a negative density or calendar inversion prices options off arbitrage: refuse it.
  on_arbitrage: 'reject',
});

const KEYS = new Set(['max_age_ms', 'price_band', 'vol_band', 'min_sources', 'confirm_within_ms', 'on_degraded', 'on_arbitrage']);
const AGE_KEYS = new Set<string>([...FEED_KINDS, 'default']);
// One week: a longer limit is almost certainly seconds or minutes typed as ms the other way round.
const MAX_AGE_LIMIT = 7 * 86_400_000;

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_PROFILE', `${field}: ${why} (got ${JSON.stringify(value) ?? String(value)})`, { field, value });
}

function ms(v: unknown, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_AGE_LIMIT) bad(field, v, `must be an integer number of milliseconds in [${min}, ${MAX_AGE_LIMIT}]`);
  return v;
}

function band(v: unknown, field: string): number {
  // A band is a fraction: 0.1 = 10 %. Above 10 (1000 %) it is a percentage typed as a fraction.
  if (typeof v !== 'number' || !(v > 0 && v <= 10)) bad(field, v, 'must be a relative move in (0, 10], e.g. 0.1 for 10 %');
  return v;
}

/** Parse the `market_data` section (path `market_data`); undefined gives the defaults. */
export function parseMarketDataPolicy(input: unknown, path = 'market_data'): MarketDataPolicy {
  if (input === undefined) return DEFAULT_MARKET_DATA_POLICY;
  if (!isObject(input)) bad(path, input, 'must be an object');
  const o: JsonObject = input;
  for (const k in o) if (!KEYS.has(k)) bad(`${path}.${k}`, o[k], `unknown field "${k}"; market_data has ${[...KEYS].join(', ')}`);

  let maxAge = DEFAULT_MAX_AGE_MS;
  if (o.max_age_ms !== undefined) {
    const a = o.max_age_ms;
    if (!isObject(a)) bad(`${path}.max_age_ms`, a, 'must be an object of limits per feed kind');
    for (const k in a) if (!AGE_KEYS.has(k)) bad(`${path}.max_age_ms.${k}`, a[k], `unknown feed kind "${k}"; kinds: ${[...AGE_KEYS].join(', ')}`);
    const dflt = a.default === undefined ? undefined : ms(a.default, `${path}.max_age_ms.default`, 0);
    const out = {} as Record<FeedKind, number>;
    for (const kind of FEED_KINDS) {
      out[kind] = a[kind] !== undefined ? ms(a[kind], `${path}.max_age_ms.${kind}`, 0) : (dflt ?? DEFAULT_MAX_AGE_MS[kind]);
    }
    maxAge = Object.freeze(out);
  }
  const d = DEFAULT_MARKET_DATA_POLICY;
  const minSources = o.min_sources;
  if (minSources !== undefined && !(typeof minSources === 'number' && Number.isInteger(minSources) && minSources >= 1 && minSources <= 16)) {
    bad(`${path}.min_sources`, minSources, 'must be an integer in [1, 16]');
  }
  const onDegraded = o.on_degraded;
  if (onDegraded !== undefined && onDegraded !== 'flag' && onDegraded !== 'reject') bad(`${path}.on_degraded`, onDegraded, 'must be "flag" or "reject"');
  const onArbitrage = o.on_arbitrage;
  if (onArbitrage !== undefined && onArbitrage !== 'flag' && onArbitrage !== 'reject') bad(`${path}.on_arbitrage`, onArbitrage, 'must be "flag" or "reject"');
  return Object.freeze({
    max_age_ms: maxAge,
    price_band: o.price_band === undefined ? d.price_band : band(o.price_band, `${path}.price_band`),
    vol_band: o.vol_band === undefined ? d.vol_band : band(o.vol_band, `${path}.vol_band`),
    min_sources: (minSources as number | undefined) ?? d.min_sources,
    confirm_within_ms: o.confirm_within_ms === undefined ? d.confirm_within_ms : ms(o.confirm_within_ms, `${path}.confirm_within_ms`, 1),
    on_degraded: (onDegraded as 'flag' | 'reject' | undefined) ?? d.on_degraded,
    on_arbitrage: (onArbitrage as 'flag' | 'reject' | undefined) ?? d.on_arbitrage,
  });
}
