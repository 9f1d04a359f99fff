// The one door market data comes in through: snake_case JSON to a validated MarketSnapshot.
// Every number finite and in its domain (prices > 0, confidences in [0, 1], vols ≥ 0), times in
// integer UTC ms, no feed dated after the snapshot (nor the snapshot after `now`) beyond a
// tolerance, unknown fields rejected. Errors name the path (`underlyings.BTC.expiries.27DEC26.forward`).
// Defaults, all documented in docs/FORMATS.md: a feed's confidence is 1 and its timestamp the
// snapshot's when not given; an expiry's forward is index·exp(rate·t) when only the rate is given,
// and its rate ln(forward/index)/t when only the forward is (0 at t = 0).
import { parseExpiryToken } from '../model/expiry.js';
import { at, fail, finite, instant, MAX_TIME_MS, MIN_TIME_MS, nonNegative, object, onlyKeys, positive, str, asset, unit, type JsonObject } from '../model/fields.js';
import { CODE, MS_PER_YEAR } from '../model/instrument.js';
import { parseJsonText } from '../model/validate.js';
import { MarketSnapshot, type CollateralFeed, type ExpiryMarket, type Feed, type UnderlyingMarket } from './snapshot.js';
import './surface-providers.js'; // registers the svi and grid surface kinds
import { surfaceProvider, type SurfaceContext } from './vol-provider.js';

export interface SnapshotOptions {
  /** Wall-clock now in UTC ms for the future-dating check; `false` skips it (replays). Default Date.now(). */
  now?: number | false;
  /** How far a time may lie in the future before it is rejected. Default 5,000 ms. */
  futureToleranceMs?: number;
}

const TOP_KEYS = new Set(['snapshot_id', 'timestamp', 'underlyings', 'stablecoin', 'collateral']);
const UNDERLYING_KEYS = new Set(['index_price', 'index_confidence', 'index_timestamp', 'perp_price', 'perp_confidence', 'perp_timestamp', 'expiries', 'surface']);
const EXPIRY_KEYS = new Set(['expiry', 'forward', 'forward_confidence', 'forward_timestamp', 'rate', 'rate_confidence', 'rate_timestamp', 'vol_confidence', 'vol_timestamp', 'vols']);
const COLLATERAL_KEYS = new Set(['price', 'confidence', 'timestamp', 'sources', 'adv', 'redemption_rate']);
const STABLE_KEYS = new Set(['asset', 'price', 'confidence', 'timestamp']);
const VOL_KEY = /^(\d+)(?:[d.](\d+))?(?:-([CP]))?$/;

/** Context threaded through the parse: the snapshot time and the latest time a feed may carry. */
interface Ctx {
  readonly ts: number;
  readonly latest: number;
}

export function parseMarketSnapshot(input: unknown, opts: SnapshotOptions = {}): MarketSnapshot {
  const obj = object(input, 'market');
  onlyKeys(obj, TOP_KEYS, '');
  const id = str(obj.snapshot_id, 'snapshot_id');
  const ts = instant(obj.timestamp, 'timestamp');
  const tol = opts.futureToleranceMs ?? 5_000;
  const now = opts.now === undefined ? Date.now() : opts.now;
  if (now !== false && ts > now + tol) fail('RG_ERR_INVALID_INPUT', 'timestamp', ts, `is in the future (now ${now}, tolerance ${tol} ms)`);
  const ctx: Ctx = { ts, latest: ts + tol };

  const underlyings = new Map<string, UnderlyingMarket>();
  const us = object(obj.underlyings, 'underlyings');
  for (const name in us) {
    const path = `underlyings.${name}`;
    if (!CODE.test(name)) fail('RG_ERR_INVALID_INPUT', path, name, 'an underlying is an upper-case code of letters and digits');
    underlyings.set(name, parseUnderlying(us[name], name, path, ctx));
  }

  const collateral = new Map<string, Feed>();
  if (obj.collateral !== undefined) {
    const cs = object(obj.collateral, 'collateral');
    for (const a in cs) {
      const path = `collateral.${a}`;
      asset(a, path);
      const c = object(cs[a], path);
      onlyKeys(c, COLLATERAL_KEYS, path);
      collateral.set(a, collateralFeed(c, path, ctx));
    }
  }

  let stablecoin;
  if (obj.stablecoin !== undefined) {
    const s = object(obj.stablecoin, 'stablecoin');
    onlyKeys(s, STABLE_KEYS, 'stablecoin');
    stablecoin = {
      asset: asset(s.asset, 'stablecoin.asset'),
      price: feed(pos(s.price, 'stablecoin', 'price'), s.confidence, s.timestamp, 'stablecoin', '', ctx),
    };
  }
  return new MarketSnapshot({ id, timestamp: ts, underlyings, collateral, ...(stablecoin === undefined ? {} : { stablecoin }) });
}

/** Parse JSON text first; malformed text is RG_ERR_PARSE. */
export function parseMarketSnapshotJson(text: string, opts: SnapshotOptions = {}): MarketSnapshot {
  return parseMarketSnapshot(parseJsonText(text, 'market'), opts);
}

// Lazy-path checks: the field path string is only built when the value is wrong.
function pos(v: unknown, path: string, key: string): number {
  return typeof v === 'number' && v > 0 && v < Infinity ? v : positive(v, at(path, key));
}

function time(v: unknown, path: string, key: string, ctx: Ctx): number {
  const t = typeof v === 'number' && Number.isInteger(v) && v >= MIN_TIME_MS && v <= MAX_TIME_MS ? v : instant(v, at(path, key));
  if (t > ctx.latest) fail('RG_ERR_INVALID_INPUT', at(path, key), t, `is after the snapshot time ${ctx.ts} by more than the tolerance`);
  return t;
}

/** A feed's value with `<prefix>confidence` and `<prefix>timestamp` read from the same object. */
function feed(value: number, conf: unknown, ts: unknown, path: string, prefix: string, ctx: Ctx): Feed {
  const confidence = conf === undefined ? 1 : typeof conf === 'number' && conf >= 0 && conf <= 1 ? conf : unit(conf, at(path, `${prefix}confidence`));
  const timestamp = ts === undefined ? ctx.ts : time(ts, path, `${prefix}timestamp`, ctx);
  // + 0 turns −0 into 0: JSON writes both as 0, and a stored snapshot must read back identical.
  return { value: value + 0, confidence: confidence + 0, timestamp };
}

/** A collateral price with the optional index sources, ADV and redemption rate (docs/FORMATS.md). */
function collateralFeed(c: JsonObject, path: string, ctx: Ctx): CollateralFeed {
  const f: { -readonly [K in keyof CollateralFeed]: CollateralFeed[K] } = feed(pos(c.price, path, 'price'), c.confidence, c.timestamp, path, '', ctx);
  if (c.sources !== undefined) {
    const src = c.sources;
    if (!Array.isArray(src) || src.length === 0 || src.length > 64) fail('RG_ERR_INVALID_INPUT', at(path, 'sources'), src, 'must be an array of 1 to 64 positive prices');
    f.sources = Object.freeze(src.map((v: unknown, i: number) => pos(v, path, `sources[${i}]`) + 0));
  }
  if (c.adv !== undefined) f.adv = pos(c.adv, path, 'adv') + 0;
  if (c.redemption_rate !== undefined) f.redemption_rate = pos(c.redemption_rate, path, 'redemption_rate') + 0;
  return f;
}

function parseUnderlying(v: unknown, name: string, path: string, ctx: Ctx): UnderlyingMarket {
  const u = object(v, path);
  onlyKeys(u, UNDERLYING_KEYS, path);
  const index = feed(pos(u.index_price, path, 'index_price'), u.index_confidence, u.index_timestamp, path, 'index_', ctx);
  let perp: Feed | undefined;
  if (u.perp_price !== undefined) {
    perp = feed(pos(u.perp_price, path, 'perp_price'), u.perp_confidence, u.perp_timestamp, path, 'perp_', ctx);
  } else if (u.perp_confidence !== undefined || u.perp_timestamp !== undefined) {
    fail('RG_ERR_INVALID_INPUT', at(path, 'perp_price'), undefined, 'perp_confidence/perp_timestamp given without perp_price');
  }
  const expiries = new Map<number, ExpiryMarket>();
  if (u.expiries !== undefined) {
    const es = object(u.expiries, at(path, 'expiries'));
    for (const key in es) {
      const e = parseExpiry(es[key], key, `${path}.expiries.${key}`, index, ctx);
      const dup = expiries.get(e.expiry);
      if (dup !== undefined) fail('RG_ERR_INVALID_INPUT', `${path}.expiries.${key}`, key, `names the same expiry instant as "${dup.label}"`);
      expiries.set(e.expiry, e);
    }
  }
  const out: { name: string; index: Feed; expiries: Map<number, ExpiryMarket>; perp?: Feed; surface?: JsonObject } = { name, index, expiries };
  if (perp !== undefined) out.perp = perp;
  if (u.surface !== undefined) out.surface = parseSurfaceRef(u.surface, at(path, 'surface'), { asOfMs: ctx.ts, forward: (e) => expiries.get(e)?.forward.value });
  return out;
}

function parseSurfaceRef(v: unknown, path: string, sctx: SurfaceContext): JsonObject {
  const ref = object(v, path);
  const kind = str(ref.kind, at(path, 'kind'), 64);
  // A provider registered now checks its reference up front; one registered later checks on use.
  surfaceProvider(kind)?.validate?.(ref, path, sctx);
  return ref;
}

function parseExpiry(v: unknown, key: string, path: string, index: Feed, ctx: Ctx): ExpiryMarket {
  const e = object(v, path);
  onlyKeys(e, EXPIRY_KEYS, path);
  let expiry: number;
  if (e.expiry !== undefined) {
    expiry = instant(e.expiry, at(path, 'expiry'));
    if (key.length > 64) fail('RG_ERR_INVALID_INPUT', path, key, 'an expiry label is at most 64 characters');
  } else {
    const parsed = parseExpiryToken(key);
    if (parsed === undefined) fail('RG_ERR_INVALID_INPUT', path, key, 'key is not an expiry token such as 27DEC26 (or give "expiry" in UTC ms)');
    expiry = parsed;
  }
  if (expiry < ctx.ts) fail('RG_ERR_INVALID_INPUT', at(path, 'expiry'), expiry, `has expired before the snapshot time ${ctx.ts}`);
  const t = (expiry - ctx.ts) / MS_PER_YEAR;

  const hasF = e.forward !== undefined;
  const hasR = e.rate !== undefined;
  if (!hasF && !hasR) fail('RG_ERR_MISSING_MARKET_DATA', at(path, 'forward'), undefined, 'an expiry needs a forward or a rate (or both)');
  if (!hasF && (e.forward_confidence !== undefined || e.forward_timestamp !== undefined)) fail('RG_ERR_INVALID_INPUT', at(path, 'forward'), undefined, 'forward_confidence/forward_timestamp given without forward');
  if (!hasR && (e.rate_confidence !== undefined || e.rate_timestamp !== undefined)) fail('RG_ERR_INVALID_INPUT', at(path, 'rate'), undefined, 'rate_confidence/rate_timestamp given without rate');
  let forward: Feed | undefined;
  let rate: Feed | undefined;
  if (hasF) forward = feed(pos(e.forward, path, 'forward'), e.forward_confidence, e.forward_timestamp, path, 'forward_', ctx);
  if (hasR) {
    const r = e.rate;
    rate = feed(typeof r === 'number' && r - r === 0 ? r : finite(r, at(path, 'rate')), e.rate_confidence, e.rate_timestamp, path, 'rate_', ctx);
  }
  if (forward === undefined) {
    // Derived from the rate and the index: carries the weaker and older of the two sources.
    const value = index.value * Math.exp(rate!.value * t);
    if (!(value > 0 && value < Infinity)) fail('RG_ERR_INVALID_INPUT', at(path, 'rate'), rate!.value, 'gives no finite positive forward');
    forward = { value, confidence: Math.min(rate!.confidence, index.confidence), timestamp: Math.min(rate!.timestamp, index.timestamp) };
  }
  if (rate === undefined) {
    const value = t > 0 ? Math.log(forward.value / index.value) / t : 0;
    rate = { value, confidence: Math.min(forward.confidence, index.confidence), timestamp: Math.min(forward.timestamp, index.timestamp) };
  }
  const volFeed = feed(0, e.vol_confidence, e.vol_timestamp, path, 'vol_', ctx);

  const vols = new Map<number, number>();
  const callVols = new Map<number, number>();
  const putVols = new Map<number, number>();
  if (e.vols !== undefined) {
    const vs = object(e.vols, at(path, 'vols'));
    for (const k in vs) {
      const m = VOL_KEY.exec(k);
      const strike = m === null ? NaN : Number(m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`);
      if (!(strike > 0 && strike < Infinity)) fail('RG_ERR_INVALID_INPUT', `${path}.vols.${k}`, k, 'key must be a strike (60000, 0d625) optionally with -C or -P');
      const target = m![3] === 'C' ? callVols : m![3] === 'P' ? putVols : vols;
      if (target.has(strike)) fail('RG_ERR_INVALID_INPUT', `${path}.vols.${k}`, k, 'names the same strike as another key');
      const x = vs[k];
      target.set(strike, (typeof x === 'number' && x >= 0 && x < Infinity ? x : nonNegative(x, `${path}.vols.${k}`)) + 0);
    }
  }
  return { label: key, expiry, t, forward, forwardDerived: !hasF, rate, rateDerived: !hasR, volConfidence: volFeed.confidence, volTimestamp: volFeed.timestamp, vols, callVols, putVols };
}
