// The market-data guard (issue 6, requirement 4): what stands between a price feed and a margin.
// Pure (no I/O, no clock: `now` is always passed in). An ingest is
//   1. validated source by source (parseMarketSnapshot: non-finite, non-positive, future-dated,
//      malformed → rejected, naming the field);
//   2. with several sources, combined feed by feed: the median of the values (stale sources left
//      out while a fresh one remains), the lowest confidence and the oldest timestamp used;
//   3. checked against the last ACCEPTED snapshot: a price (or vol mark) that moved beyond the band
//      is held as `suspect` — not the latest — until a different source confirms it (two sources
//      of the same ingest that both moved and agree within the band, or a later ingest from another
//      source within the band of the suspect value). Anything else is accepted and becomes the latest.
// status(now) re-evaluates staleness against `now`: data goes stale with time alone.
// assess() decides without changing anything; apply() commits (so a caller that fails to store
// the outcome leaves the guard as it was); ingest() is both.
import { RiskgridError } from '../errors.js';
import { isObject } from '../model/fields.js';
import { formatStrike } from '../model/ids.js';
import { DEFAULT_MARKET_DATA_POLICY, type FeedKind, type MarketDataPolicy } from './guard-policy.js';
import type { ExpiryMarket, Feed, MarketSnapshot } from './snapshot.js';
import { snapshotArbitrage } from './surface-providers.js';
import { parseMarketSnapshot } from './validate.js';

export { DEFAULT_MARKET_DATA_POLICY, parseMarketDataPolicy, type MarketDataPolicy } from './guard-policy.js';

/** Why the data is degraded: `stale`, `too_few_sources`, `suspect_pending` or `no_data`. */
export interface GuardReason {
  readonly code: 'stale' | 'too_few_sources' | 'suspect_pending' | 'no_data' | 'arbitrage';
  /** Snapshot field path of the feed (`underlyings.BTC.index_price`), or `market`. */
  readonly feed: string;
  readonly detail: string;
}

export type GuardStatus = { degraded: false } | { degraded: true; reasons: GuardReason[] };

/** A value that moved beyond its band against the accepted snapshot. */
export interface BandMove {
  readonly feed: string;
  readonly from: number;
  readonly to: number;
  /** |to/from − 1|. */
  readonly move: number;
  readonly band: number;
}

/** An input that could not be used: an RG_ERR code, the field path, and why. */
export interface RejectReason {
  readonly code: string;
  readonly field: string;
  readonly detail: string;
  readonly value?: unknown;
}

export type IngestOutcome =
  | {
      readonly status: 'accepted';
      readonly snapshot: MarketSnapshot;
      readonly sources: readonly string[];
      /** The held suspect this ingest confirmed, and the moves it confirmed. */
      readonly confirmed?: { readonly suspect_id: string; readonly by: readonly string[]; readonly moves: readonly BandMove[] };
      /** A held suspect this ingest contradicted (its source's jump was not seen again). */
      readonly dropped_suspect?: string;
      /** Degradation at ingest time (stale feeds, too few sources): accepted, but said. */
      readonly degraded: readonly GuardReason[];
    }
  | { readonly status: 'suspect'; readonly snapshot: MarketSnapshot; readonly sources: readonly string[]; readonly reasons: readonly BandMove[] }
  | { readonly status: 'rejected'; readonly reasons: readonly RejectReason[] };

/** One ingest: a named source's snapshot, or several sources of the same moment under one id. */
export type IngestInput = { source: string; snapshot: unknown } | { snapshot_id: string; sources: Record<string, unknown> };

export interface Held {
  readonly snapshot: MarketSnapshot;
  readonly sources: readonly string[];
  /** Contributing sources per timed feed path (min_sources). */
  readonly counts: ReadonlyMap<string, number>;
  /** Banded values by feed key, for confirming against. */
  readonly values: ReadonlyMap<string, number>;
  readonly at: number;
  readonly moves: readonly BandMove[];
}

/** What assess() decided; apply() commits it. */
export interface Decision {
  readonly outcome: IngestOutcome;
  /** @internal the state to commit. */
  readonly held?: Held;
}

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export interface GuardOptions {
  /** Future tolerance for the snapshot time (validate.ts default 5,000 ms). */
  futureToleranceMs?: number;
}

export class MarketGuard {
  private accepted: Held | undefined;
  private pending: Held | undefined;

  constructor(
    /** The ingest policy: bands, min_sources, confirmation window, and the staleness limits of status(). */
    public policy: MarketDataPolicy = DEFAULT_MARKET_DATA_POLICY,
    private readonly opts: GuardOptions = {},
  ) {}

  /** The accepted snapshot, if any. */
  get latest(): MarketSnapshot | undefined {
    return this.accepted?.snapshot;
  }

  /** The held suspect, if any (whether or not its confirmation window has passed). */
  get suspect(): MarketSnapshot | undefined {
    return this.pending?.snapshot;
  }

  /** Take a snapshot accepted elsewhere (the store's latest after a restart) as the accepted one. */
  adopt(snapshot: MarketSnapshot, now: number, sources: readonly string[] = ['store']): void {
    this.accepted = held(snapshot, sources, counts(snapshot, 1), now, []);
  }

  ingest(input: IngestInput, now: number): IngestOutcome {
    const d = this.assess(input, now);
    this.apply(d);
    return d.outcome;
  }

  /** Decide an ingest without changing the guard. */
  assess(input: IngestInput, now: number): Decision {
    const parsed = this.parse(input, now);
    if ('rejected' in parsed) return { outcome: { status: 'rejected', reasons: parsed.rejected } };
    const { snapshot, sources, perKey, counts: cnt } = parsed;
    // Static arbitrage in a surface: rejected, or (policy `flag`) accepted and said to be degraded.
    const arb = arbitrageReasons(snapshot);
    if (arb.length > 0 && this.policy.on_arbitrage === 'reject') {
      return { outcome: { status: 'rejected', reasons: arb.map((r) => ({ code: 'RG_ERR_INVALID_INPUT', field: r.feed, detail: r.detail })) } };
    }
    const acc = this.accepted;
    if (acc !== undefined && snapshot.timestamp < acc.snapshot.timestamp) {
      return { outcome: { status: 'rejected', reasons: [{ code: 'RG_ERR_INVALID_INPUT', field: 'timestamp', value: snapshot.timestamp, detail: `timestamp ${snapshot.timestamp} is older than the accepted snapshot ${acc.snapshot.id} (${acc.snapshot.timestamp})` }] } };
    }
    const candidate = held(snapshot, sources, cnt, now, []);
    if (acc === undefined) return this.accept(candidate, now);

    const p = this.policy;
    const bandOf = (key: string): number => (key.includes('|vol|') ? p.vol_band : p.price_band);
    const moves: Array<{ key: string; move: BandMove }> = [];
    for (const [key, v] of candidate.values) {
      const old = acc.values.get(key);
      if (old === undefined) continue;
      const b = bandOf(key);
      const move = relMove(v, old);
      if (move > b) {
        // Two sources of this ingest that each saw the move and agree with each other within the
        // band confirm it already.
        if (!pairAgrees((perKey.get(key) ?? []).map((x) => x.value).filter((x) => relMove(x, old) > b), b)) moves.push({ key, move: { feed: pathOf(key, snapshot), from: old, to: v, move, band: b } });
      }
    }
    if (moves.length === 0) return this.accept(candidate, now);

    const sus = this.pending;
    const fresh = sources.filter((s) => sus !== undefined && !sus.sources.includes(s));
    if (sus !== undefined && now - sus.at <= p.confirm_within_ms && fresh.length > 0) {
      // Confirmed when every move of this ingest lands within the band of the suspect's value.
      const confirms = moves.every(({ key, move }) => {
        const sv = sus.values.get(key);
        return sv !== undefined && relMove(move.to, sv) <= bandOf(key);
      });
      if (confirms) {
        const d = this.accept(candidate, now);
        const { dropped_suspect: _dropped, ...rest } = d.outcome as Extract<IngestOutcome, { status: 'accepted' }>;
        return { outcome: { ...rest, confirmed: { suspect_id: sus.snapshot.id, by: fresh, moves: moves.map((m) => m.move) } }, held: d.held! };
      }
    }
    const reasons = moves.map((m) => m.move);
    return { outcome: { status: 'suspect', snapshot, sources, reasons }, held: { ...candidate, moves: reasons } };
  }

  /** Commit a decision from assess(): an accepted snapshot becomes the latest and clears any suspect; a suspect is held. */
  apply(d: Decision): void {
    if (d.held === undefined) return;
    if (d.outcome.status === 'accepted') {
      this.accepted = d.held;
      this.pending = undefined;
    } else if (d.outcome.status === 'suspect') {
      this.pending = d.held;
    }
  }

  private accept(candidate: Held, now: number): Decision {
    const degraded = reasonsFor(candidate, this.policy, now, undefined);
    for (const r of arbitrageReasons(candidate.snapshot)) degraded.push(r);
    const sus = this.pending;
    const outcome: IngestOutcome = {
      status: 'accepted', snapshot: candidate.snapshot, sources: candidate.sources, degraded,
      ...(sus === undefined ? {} : { dropped_suspect: sus.snapshot.id }),
    };
    return { outcome, held: candidate };
  }

  /**
   * Degraded or not, now: staleness of every feed against `now` under `policy` (a profile's; the
   * guard's own by default), too few sources, a suspect move still waiting for confirmation.
   * `snapshot` is what a margin is about to use; when it is not the accepted one (written to the
   * store by another path) only its staleness and the pending suspect are known.
   */
  status(now: number, policy: MarketDataPolicy = this.policy, snapshot?: MarketSnapshot): GuardStatus {
    const acc = this.accepted;
    const foreign = snapshot !== undefined && snapshot.id !== acc?.snapshot.id ? snapshot : undefined;
    // Every margin response asks this; the answer only changes when a feed turns stale, a suspect's
    // window closes, or the guard's state, the policy or the snapshot changes (see StatusCache).
    const c = this.statusCache.get(policy);
    if (c !== undefined && c.acc === acc && c.pending === this.pending && c.foreign === foreign && now >= c.from && now <= c.until) return c.status;
    const subject = foreign === undefined ? acc : c?.foreign === foreign ? c.subject : held(foreign, [], new Map(), now, []);
    if (subject === undefined) return { degraded: true, reasons: [{ code: 'no_data', feed: 'market', detail: 'no market snapshot has been accepted' }] };
    const reasons = reasonsFor(subject, policy, now, this.pending);
    for (const r of arbitrageReasons(subject.snapshot)) reasons.push(r);
    // Frozen: one object answers many requests, so a caller editing it would edit the others' answers.
    const status: GuardStatus = reasons.length === 0 ? Object.freeze({ degraded: false }) : Object.freeze({ degraded: true, reasons: Object.freeze(reasons.map((r) => Object.freeze(r))) as GuardReason[] });
    this.statusCache.set(policy, { acc, pending: this.pending, foreign, subject, from: now, until: steadyUntil(subject, policy, now, this.pending), status });
    return status;
  }

  /** status() per policy object (policies are frozen, so the object is the policy). */
  private readonly statusCache = new WeakMap<MarketDataPolicy, StatusCache>();

  private parse(input: IngestInput, now: number): { rejected: RejectReason[] } | { snapshot: MarketSnapshot; sources: string[]; perKey: Map<string, Array<{ source: string; value: number }>>; counts: Map<string, number> } {
    const opt = { now, ...(this.opts.futureToleranceMs === undefined ? {} : { futureToleranceMs: this.opts.futureToleranceMs }) };
    if ('source' in input) {
      if (typeof input.source !== 'string' || !SOURCE.test(input.source)) return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: 'source', value: input.source, detail: 'a source name is letters, digits, ".", "_", ":" or "-" (at most 64)' }] };
      const r = tryParse(input.snapshot, opt, '');
      if ('rejected' in r) return r;
      return { snapshot: r.snap, sources: [input.source], perKey: new Map(), counts: counts(r.snap, 1) };
    }
    const names = isObject(input.sources) ? Object.keys(input.sources) : [];
    if (names.length === 0) return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: 'sources', value: input.sources, detail: 'sources must be an object of source name → snapshot, with at least one source' }] };
    const rejected: RejectReason[] = [];
    const snaps: Array<{ source: string; snap: MarketSnapshot }> = [];
    for (const name of names) {
      if (!SOURCE.test(name)) {
        rejected.push({ code: 'RG_ERR_INVALID_INPUT', field: `sources.${name}`, value: name, detail: 'a source name is letters, digits, ".", "_", ":" or "-" (at most 64)' });
        continue;
      }
      const r = tryParse(input.sources[name], opt, `sources.${name}`);
      if ('rejected' in r) rejected.push(...r.rejected);
      else snaps.push({ source: name, snap: r.snap });
    }
    if (rejected.length > 0) return { rejected };
    const combined = combine(snaps, input.snapshot_id, this.policy, now);
    if ('rejected' in combined) return combined;
    const r = tryParse(combined.json, opt, '');
    if ('rejected' in r) return r;
    return { snapshot: r.snap, sources: names, perKey: combined.perKey, counts: combined.counts };
  }
}

/** One `arbitrage` reason per surface that fails a static-arbitrage check (surface-providers.ts). */
function arbitrageReasons(snapshot: MarketSnapshot): GuardReason[] {
  return snapshotArbitrage(snapshot).map(({ underlying, report }) => {
    const v = report.violations[0]!;
    return { code: 'arbitrage', feed: `underlyings.${underlying}.surface`, detail: `${report.violations.length} static-arbitrage violation(s); first: ${v.check} at slice ${v.slice}, k = ${v.k}, value ${v.value}` };
  });
}

function tryParse(json: unknown, opt: { now: number; futureToleranceMs?: number }, prefix: string): { snap: MarketSnapshot } | { rejected: RejectReason[] } {
  try {
    return { snap: parseMarketSnapshot(json, opt) };
  } catch (e) {
    if (!(e instanceof RiskgridError)) throw e;
    const field = prefix === '' ? (e.field ?? '') : e.field === undefined || e.field === '' ? prefix : `${prefix}.${e.field}`;
    return { rejected: [{ code: e.code, field, detail: e.message, value: e.value }] };
  }
}

/** Whether two of `xs` lie within `band` of each other. */
function pairAgrees(xs: readonly number[], band: number): boolean {
  for (let i = 0; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) if (relMove(xs[i]!, xs[j]!) <= band) return true;
  return false;
}

function relMove(v: number, old: number): number {
  if (old === 0) return v === 0 ? 0 : Infinity;
  return Math.abs(v / old - 1);
}

function held(snapshot: MarketSnapshot, sources: readonly string[], cnt: ReadonlyMap<string, number>, at: number, moves: readonly BandMove[]): Held {
  return { snapshot, sources, counts: cnt, values: bandedValues(snapshot), at, moves };
}

/** The median: the middle value, or the mean of the two middle values of an even count. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'median of no values', { field: 'values', value: xs.length });
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  // a/2 + b/2 cannot overflow and stays within [a, b].
  return s.length % 2 === 1 ? s[m]! : s[m - 1]! / 2 + s[m]! / 2;
}

// ---- feeds of a snapshot ----------------------------------------------------------------------

interface TimedFeed {
  readonly path: string;
  readonly kind: FeedKind;
  readonly timestamp: number;
}

/** Every feed with its own time (derived forwards and rates inherit their sources' and are skipped). */
export function timedFeeds(s: MarketSnapshot): TimedFeed[] {
  const out: TimedFeed[] = [];
  for (const [name, u] of s.underlyings) {
    const p = `underlyings.${name}`;
    out.push({ path: `${p}.index_price`, kind: 'index', timestamp: u.index.timestamp });
    if (u.perp !== undefined) out.push({ path: `${p}.perp_price`, kind: 'perp', timestamp: u.perp.timestamp });
    for (const e of u.expiries.values()) {
      const ep = `${p}.expiries.${e.label}`;
      if (!e.forwardDerived) out.push({ path: `${ep}.forward`, kind: 'forward', timestamp: e.forward.timestamp });
      if (!e.rateDerived) out.push({ path: `${ep}.rate`, kind: 'rate', timestamp: e.rate.timestamp });
      if (e.vols.size + e.callVols.size + e.putVols.size > 0) out.push({ path: `${ep}.vols`, kind: 'vol', timestamp: e.volTimestamp });
    }
  }
  if (s.stablecoin !== undefined) out.push({ path: 'stablecoin.price', kind: 'stablecoin', timestamp: s.stablecoin.price.timestamp });
  for (const [a, f] of s.collateral) out.push({ path: `collateral.${a}.price`, kind: 'collateral', timestamp: f.timestamp });
  return out;
}

function volKey(strike: number, type: '' | 'C' | 'P'): string {
  return type === '' ? formatStrike(strike) : `${formatStrike(strike)}-${type}`;
}

/**
 * Banded values by a key that survives relabelling (an expiry by its instant, not its label):
 * prices `BTC|index`, `BTC|perp`, `BTC|<expiry ms>|forward`, `stable|USDC`, `coll|ETH`; vol marks
 * `BTC|<expiry ms>|vol|<strike>[-C|-P]`. Rates are not banded: they cross zero.
 */
export function bandedValues(s: MarketSnapshot): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, u] of s.underlyings) {
    out.set(`${name}|index`, u.index.value);
    if (u.perp !== undefined) out.set(`${name}|perp`, u.perp.value);
    for (const e of u.expiries.values()) {
      if (!e.forwardDerived) out.set(`${name}|${e.expiry}|forward`, e.forward.value);
      for (const [k, v] of e.vols) out.set(`${name}|${e.expiry}|vol|${volKey(k, '')}`, v);
      for (const [k, v] of e.callVols) out.set(`${name}|${e.expiry}|vol|${volKey(k, 'C')}`, v);
      for (const [k, v] of e.putVols) out.set(`${name}|${e.expiry}|vol|${volKey(k, 'P')}`, v);
    }
  }
  if (s.stablecoin !== undefined) out.set(`stable|${s.stablecoin.asset}`, s.stablecoin.price.value);
  for (const [a, f] of s.collateral) out.set(`coll|${a}`, f.value);
  return out;
}

/** The snapshot field path of a banded key. */
function pathOf(key: string, s: MarketSnapshot): string {
  const parts = key.split('|');
  if (parts[0] === 'stable') return 'stablecoin.price';
  if (parts[0] === 'coll') return `collateral.${parts[1]}.price`;
  const name = parts[0]!;
  if (parts[1] === 'index') return `underlyings.${name}.index_price`;
  if (parts[1] === 'perp') return `underlyings.${name}.perp_price`;
  const label = s.underlyings.get(name)?.expiries.get(Number(parts[1]))?.label ?? parts[1];
  return parts[2] === 'forward' ? `underlyings.${name}.expiries.${label}.forward` : `underlyings.${name}.expiries.${label}.vols.${parts[3]}`;
}

/** Every timed feed counted as coming from `n` sources. */
function counts(s: MarketSnapshot, n: number): Map<string, number> {
  return new Map(timedFeeds(s).map((f) => [f.path, n]));
}

/** A status() answer and what it was computed from; it holds for every `now` in [from, until]. */
interface StatusCache {
  readonly acc: Held | undefined;
  readonly pending: Held | undefined;
  readonly foreign: MarketSnapshot | undefined;
  readonly subject: Held;
  readonly from: number;
  readonly until: number;
  readonly status: GuardStatus;
}

/**
 * The last `now` (inclusive) up to which reasonsFor(h, policy, ·, pending) answers as it does at
 * `now`, for later times. Each test there is monotone in time: a fresh feed (now − t ≤ limit) turns
 * stale after t + limit, an open suspect window closes after at + confirm_within_ms, and neither
 * turns back. A stale feed's detail names its age, so then the answer holds for `now` alone. Only
 * safe integers (ms, as Date.now() gives) are extended: there `now − t > limit ⇔ now > t + limit`
 * exactly; anything else is not reused beyond `now`.
 */
function steadyUntil(h: Held, policy: MarketDataPolicy, now: number, pending: Held | undefined): number {
  if (!Number.isSafeInteger(now)) return now;
  let until = Number.MAX_SAFE_INTEGER;
  for (const f of timedFeeds(h.snapshot)) {
    const edge = f.timestamp + policy.max_age_ms[f.kind];
    if (!Number.isSafeInteger(f.timestamp) || !Number.isSafeInteger(edge) || now > edge) return now;
    if (edge < until) until = edge;
  }
  if (pending !== undefined) {
    const close = pending.at + policy.confirm_within_ms;
    if (!Number.isSafeInteger(pending.at) || !Number.isSafeInteger(close)) return now;
    if (now <= close && close < until) until = close;
  }
  return until;
}

function reasonsFor(h: Held, policy: MarketDataPolicy, now: number, pending: Held | undefined): GuardReason[] {
  const reasons: GuardReason[] = [];
  for (const f of timedFeeds(h.snapshot)) {
    const age = now - f.timestamp;
    const limit = policy.max_age_ms[f.kind];
    if (age > limit) reasons.push({ code: 'stale', feed: f.path, detail: `${f.kind} feed is ${age} ms old (limit ${limit} ms, max_age_ms.${f.kind})` });
    const n = h.counts.get(f.path);
    if (n !== undefined && n < policy.min_sources) reasons.push({ code: 'too_few_sources', feed: f.path, detail: `${n} source${n === 1 ? '' : 's'} (min_sources ${policy.min_sources})` });
  }
  if (pending !== undefined && now - pending.at <= policy.confirm_within_ms) {
    for (const m of pending.moves) {
      reasons.push({ code: 'suspect_pending', feed: m.feed, detail: `suspect snapshot ${pending.snapshot.id} from ${pending.sources.join(', ')} moves it ${m.from} → ${m.to} (${(m.move * 100).toPrecision(3)} %, band ${m.band * 100} %); awaiting a second source` });
    }
  }
  return reasons;
}

// ---- several sources of one moment -------------------------------------------------------------

interface Contribution {
  readonly source: string;
  readonly feed: Feed;
}

interface Combined {
  readonly json: Record<string, unknown>;
  /** Per banded key, each contributing source's value (in-ingest confirmation of a move). */
  readonly perKey: Map<string, Array<{ source: string; value: number }>>;
  /** Contributing sources per timed feed path. */
  readonly counts: Map<string, number>;
}

/**
 * Median per feed over the sources that quote it. A source whose feed is already stale at `now`
 * is left out while a fresh one remains (a lagging vendor must not drag a live price); the result
 * carries the lowest confidence and the oldest timestamp among the values used, so the combined
 * feed is never fresher or surer than what it was made of. The snapshot time is the latest
 * source's. A surface reference cannot be averaged: the first source's that has one is used.
 */
function combine(snaps: ReadonlyArray<{ source: string; snap: MarketSnapshot }>, snapshotId: unknown, policy: MarketDataPolicy, now: number): Combined | { rejected: RejectReason[] } {
  if (typeof snapshotId !== 'string' || snapshotId.length === 0 || snapshotId.length > 128) {
    return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: 'snapshot_id', value: snapshotId, detail: 'several sources are combined under one snapshot_id: a non-empty string of at most 128 characters' }] };
  }
  const perKey = new Map<string, Array<{ source: string; value: number }>>();
  const cnt = new Map<string, number>();
  const pick = (cs: Contribution[], kind: FeedKind, path: string, key?: string): Feed => {
    const fresh = cs.filter((c) => now - c.feed.timestamp <= policy.max_age_ms[kind]);
    const used = fresh.length > 0 ? fresh : cs;
    cnt.set(path, fresh.length > 0 ? fresh.length : cs.length);
    if (key !== undefined) perKey.set(key, used.map((c) => ({ source: c.source, value: c.feed.value })));
    return {
      value: median(used.map((c) => c.feed.value)),
      confidence: Math.min(...used.map((c) => c.feed.confidence)),
      timestamp: Math.min(...used.map((c) => c.feed.timestamp)),
    };
  };

  const timestamp = Math.max(...snaps.map((s) => s.snap.timestamp));
  const underlyings: Record<string, unknown> = {};
  const names = [...new Set(snaps.flatMap((s) => [...s.snap.underlyings.keys()]))];
  for (const name of names) {
    const us = snaps.flatMap((s) => {
      const u = s.snap.underlyings.get(name);
      return u === undefined ? [] : [{ source: s.source, u }];
    });
    const p = `underlyings.${name}`;
    const out: Record<string, unknown> = {};
    put(out, 'index_price', 'index_', pick(us.map((x) => ({ source: x.source, feed: x.u.index })), 'index', `${p}.index_price`, `${name}|index`));
    const perps = us.flatMap((x) => (x.u.perp === undefined ? [] : [{ source: x.source, feed: x.u.perp }]));
    if (perps.length > 0) put(out, 'perp_price', 'perp_', pick(perps, 'perp', `${p}.perp_price`, `${name}|perp`));
    const surface = us.find((x) => x.u.surface !== undefined)?.u.surface;
    if (surface !== undefined) out.surface = surface;

    const byExpiry = new Map<number, Array<{ source: string; e: ExpiryMarket }>>();
    for (const x of us) for (const e of x.u.expiries.values()) byExpiry.set(e.expiry, [...(byExpiry.get(e.expiry) ?? []), { source: x.source, e }]);
    const expiries: Record<string, unknown> = {};
    for (const [instant, es] of byExpiry) {
      const label = es[0]!.e.label;
      const ep = `${p}.expiries.${label}`;
      const eo: Record<string, unknown> = { expiry: instant };
      const fs = es.filter((x) => !x.e.forwardDerived).map((x) => ({ source: x.source, feed: x.e.forward }));
      if (fs.length > 0) put(eo, 'forward', 'forward_', pick(fs, 'forward', `${ep}.forward`, `${name}|${instant}|forward`));
      const rs = es.filter((x) => !x.e.rateDerived).map((x) => ({ source: x.source, feed: x.e.rate }));
      if (rs.length > 0) put(eo, 'rate', 'rate_', pick(rs, 'rate', `${ep}.rate`));
      const withVols = es.filter((x) => x.e.vols.size + x.e.callVols.size + x.e.putVols.size > 0);
      if (withVols.length > 0) {
        // The expiry's vol feed decides which sources' marks are used; each strike is the median of those.
        const vf = pick(withVols.map((x) => ({ source: x.source, feed: { value: 0, confidence: x.e.volConfidence, timestamp: x.e.volTimestamp } })), 'vol', `${ep}.vols`);
        const used = new Set(withVols.filter((x) => now - x.e.volTimestamp <= policy.max_age_ms.vol).map((x) => x.source));
        const fromVol = used.size > 0 ? withVols.filter((x) => used.has(x.source)) : withVols;
        eo.vol_confidence = vf.confidence;
        eo.vol_timestamp = vf.timestamp;
        const marks = new Map<string, Array<{ source: string; value: number }>>();
        for (const x of fromVol) {
          const add = (m: ReadonlyMap<number, number>, t: '' | 'C' | 'P'): void => {
            for (const [k, v] of m) {
              const vk = volKey(k, t);
              marks.set(vk, [...(marks.get(vk) ?? []), { source: x.source, value: v }]);
            }
          };
          add(x.e.vols, '');
          add(x.e.callVols, 'C');
          add(x.e.putVols, 'P');
        }
        const vols: Record<string, number> = {};
        for (const [vk, vs] of marks) {
          vols[vk] = median(vs.map((v) => v.value));
          perKey.set(`${name}|${instant}|vol|${vk}`, vs);
        }
        eo.vols = vols;
      }
      expiries[label] = eo;
    }
    out.expiries = expiries;
    underlyings[name] = out;
  }
  const json: Record<string, unknown> = { snapshot_id: snapshotId, timestamp, underlyings };

  const stables = snaps.flatMap((s) => (s.snap.stablecoin === undefined ? [] : [{ source: s.source, st: s.snap.stablecoin }]));
  if (stables.length > 0) {
    const asset = stables[0]!.st.asset;
    const other = stables.find((x) => x.st.asset !== asset);
    if (other !== undefined) return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: `sources.${other.source}.stablecoin.asset`, value: other.st.asset, detail: `sources disagree on the stablecoin: ${other.st.asset} here, ${asset} from ${stables[0]!.source}` }] };
    const f = pick(stables.map((x) => ({ source: x.source, feed: x.st.price })), 'stablecoin', 'stablecoin.price', `stable|${asset}`);
    json.stablecoin = { asset, price: f.value, confidence: f.confidence, timestamp: f.timestamp };
  }
  const assets = [...new Set(snaps.flatMap((s) => [...s.snap.collateral.keys()]))];
  if (assets.length > 0) {
    const collateral: Record<string, unknown> = {};
    for (const a of assets) {
      const cs = snaps.flatMap((s) => {
        const f = s.snap.collateral.get(a);
        return f === undefined ? [] : [{ source: s.source, feed: f }];
      });
      const f = pick(cs, 'collateral', `collateral.${a}.price`, `coll|${a}`);
      collateral[a] = { price: f.value, confidence: f.confidence, timestamp: f.timestamp };
    }
    json.collateral = collateral;
  }
  return { json, perKey, counts: cnt };
}

function put(out: Record<string, unknown>, key: string, prefix: string, f: Feed): void {
  out[key] = f.value;
  out[`${prefix}confidence`] = f.confidence;
  out[`${prefix}timestamp`] = f.timestamp;
}

/**
 * The body of POST /v1/market as an ingest: `{ snapshot_id, sources: { name: snapshot, … } }`
 * (several sources of one moment), `{ source, snapshot }` (one named source), or a bare snapshot
 * (its source is `defaultSource`, the service passes the API key's id).
 */
export function ingestInputOf(body: unknown, defaultSource: string): IngestInput | { rejected: RejectReason[] } {
  if (isObject(body) && 'sources' in body) {
    for (const k in body) if (k !== 'sources' && k !== 'snapshot_id') return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: k, value: body[k], detail: `unknown field "${k}"; a multi-source ingest has snapshot_id and sources` }] };
    return { snapshot_id: body.snapshot_id as string, sources: body.sources as Record<string, unknown> };
  }
  if (isObject(body) && 'snapshot' in body) {
    for (const k in body) if (k !== 'snapshot' && k !== 'source') return { rejected: [{ code: 'RG_ERR_INVALID_INPUT', field: k, value: body[k], detail: `unknown field "${k}"; a named ingest has source and snapshot` }] };
    return { source: (body.source ?? defaultSource) as string, snapshot: body.snapshot };
  }
  return { source: defaultSource, snapshot: body };
}
