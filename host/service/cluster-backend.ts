// The service on the cluster (issue 10 req. 3): margins come from engine nodes on NATS JetStream
// (host/cluster) instead of this process. ServiceState keeps what it always does — the store first
// (a write is durable before anything else), the live book (every account validated under its
// pool's engine), authorization, the market-data guard, and the status → audit → push path — and
// hands this backend the four moments it would otherwise margin itself:
//   - a write:     putAccount(account, version); the HTTP answer waits for JetStream's ack;
//   - a snapshot:  publishSnapshot (broadcast to every node);
//   - a read:      the owning node margins the stored account on its latest snapshot;
//   - a what-if:   the owning node runs engine.whatIf.
// Results stream back (ClusterClient.streamResults): a complete snapshot, or a node's update after a
// position change, is settled by ServiceState.applyMargins exactly as a local re-margin is —
// statuses and audit rows durable first, then the WebSocket pushes, then the margin runs.
//
// The nodes run the pools of their --pools; the service's pools must name the same profiles. Every
// answer a node gives carries its profile hash, and a mismatch is refused (502 RG_ERR_PROFILE),
// never served. Streamed results carry six figures an account (results-codec.ts); their provenance
// (profile, hash, methodology, margin currency) is the service's own engine's for that pool.
import type { Subscription } from 'nats';
import { RiskgridError } from '../errors.js';
import { ClusterClient, type TickResults } from '../cluster/client.js';
import type { SeqResult } from '../cluster/results-codec.js';
import { MARKET, MARKET_SUBJECT } from '../cluster/streams.js';
import type { Engine } from '../margin/engine.js';
import type { MarginResult, WhatIfResult } from '../margin/result.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { ENGINE_VERSION } from '../version.js';
import { accountVersion } from './cluster-seq.js';
import { HttpError } from './http-errors.js';
import type { BookEntry, LatestMargin, MarginErrorJson } from './live-book.js';
import { policyOf } from './market.js';
import { statusOf } from './margin-status.js';
import { loaded, type MarginBackend, type MarginCause, type ServiceState } from './state.js';

interface Log {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

export interface ClusterBackendOptions {
  /**
   * How long a read or what-if waits for the owning node to hold the account's latest stored
   * version and the service's latest snapshot (a write is acknowledged when JetStream stored it;
   * the node applies it a moment later). Default 2,000 ms.
   */
  freshMs?: number;
  /** Per request to a node, retries included (ClusterClient). Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Accounts re-sent at once at start (every stored account: a write stored but never acknowledged is sent again). */
  catchUpInFlight?: number;
  log?: Log;
}

/** A node's what-if answer as the client decodes it. */
type NodeWhatIf = WhatIfResult & { snapshot_id: string; seq: number; node: string };

/** The fields of a streamed result that the nodes do not send: the service's engine's, per snapshot. */
type Provenance = Pick<MarginResult, 'profile' | 'profile_hash' | 'methodology' | 'engine_version' | 'margin_currency'>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class ClusterBackend implements MarginBackend {
  private state: ServiceState | undefined;
  private sub: Subscription | undefined;
  /** Results are settled one batch at a time, in arrival order. */
  private chain: Promise<void> = Promise.resolve();
  /** Snapshots this service accepted, by id (a tick on any other snapshot is not this service's to push). */
  private readonly snaps = new Map<string, MarketSnapshot>();
  private readonly provenance = new WeakMap<Engine, { snap: MarketSnapshot; p: Provenance }>();
  /** Stored but not acknowledged by the cluster: re-sent until they are. */
  private readonly pending = new Map<string, BookEntry>();
  private pendingSnap: MarketSnapshot | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** Acknowledged writes whose result has not streamed back yet: id → { version, acknowledged at }. */
  private readonly awaiting = new Map<string, { seq: number; at: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** The last complete snapshot's results (a re-published chunk lands in them). */
  private lastTick: TickResults | undefined;
  /** Per account, the result last settled: the same result delivered twice is pushed once. */
  private readonly settled = new Map<string, { snap: string; seq: number }>();
  private closed = false;
  readonly stats = { ticks: 0, updates: 0, skipped_stale: 0, skipped_unknown_snapshot: 0, fetched: 0 };

  private constructor(
    readonly client: ClusterClient,
    private readonly opts: ClusterBackendOptions,
  ) {}

  static async connect(url: string, opts: ClusterBackendOptions = {}): Promise<ClusterBackend> {
    return new ClusterBackend(await ClusterClient.connect(url), opts);
  }

  private get freshMs(): number {
    return this.opts.freshMs ?? 2000;
  }

  /** After the book is loaded: listen for results, then send every stored account and the latest snapshot (idempotent by seq). */
  async start(state: ServiceState, latest: MarketSnapshot | undefined): Promise<void> {
    this.state = state;
    this.sub = this.client.streamResults({
      onTick: (t) => {
        this.lastTick = t;
        this.queue(() => this.settleTick(t));
      },
      onUpdate: (id, rs) => this.queue(() => this.settle(id, rs, 'account')),
      // A snapshot's partition published again (its accounts bulk-reloaded after a burst of updates,
      // or a new owner after a failover) completes no tick: look for the awaited versions in it.
      onChunk: (h) => {
        if (h.kind === 'tick' && h.snapshot_id === this.lastTick?.snapshot_id && this.awaiting.size > 0) this.sweepSoon(100, true);
      },
      onError: (err) => this.opts.log?.error({ err }, 'cluster result chunk could not be decoded'),
    });
    // A write stored just before a crash may never have reached the cluster: send every version
    // again. Nodes drop a seq they hold; JetStream drops a msg id it saw in the last 2 minutes.
    const all = state.book.all();
    const n = this.opts.catchUpInFlight ?? 256;
    for (let i = 0; i < all.length; i += n) await Promise.all(all.slice(i, i + n).map((e) => this.client.putAccount(accountJson(e), accountVersion(e.rec))));
    if (latest !== undefined) {
      this.remember(latest);
      // Accepted but perhaps never published (a crash in between): publish it unless the cluster
      // already has it or a later one — nodes take the last snapshot published, so an older one
      // would move them back.
      if (!(await this.clusterHasSince(latest))) await this.client.publishSnapshot(snapshotToJson(latest));
    }
  }

  private async clusterHasSince(snap: MarketSnapshot): Promise<boolean> {
    try {
      const jsm = await this.client.nc.jetstreamManager();
      const m = await jsm.streams.getMessage(MARKET, { last_by_subj: MARKET_SUBJECT });
      const last = m.json<{ snapshot_id?: unknown; timestamp?: unknown }>();
      return last.snapshot_id === snap.id || (typeof last.timestamp === 'number' && last.timestamp >= snap.timestamp);
    } catch {
      return false; // none yet
    }
  }

  /** After a write is durable in the store and in the book: the answer waits for JetStream's ack. */
  async accountWritten(entry: BookEntry): Promise<void> {
    const id = entry.rec.id;
    try {
      const seq = accountVersion(entry.rec);
      await this.client.putAccount(accountJson(entry), seq);
      if (this.pending.get(id) === entry) this.pending.delete(id);
      this.expect(id, seq);
    } catch (err) {
      this.pending.set(id, entry);
      this.retrySoon();
      throw new HttpError(503, 'RG_HTTP_UNAVAILABLE', `account ${id} is stored, but the cluster did not acknowledge it (${(err as Error).message}); it is re-sent until it does`, 'account_id', id);
    }
  }

  /** After an accepted snapshot is stored: broadcast to every node. A failed publish is retried, not lost. */
  async marketIngested(snap: MarketSnapshot): Promise<void> {
    this.remember(snap);
    try {
      await this.client.publishSnapshot(snapshotToJson(snap));
      if (this.pendingSnap === snap) this.pendingSnap = undefined;
    } catch (err) {
      // The snapshot is stored and the latest (what-ifs name it); the nodes get it on a retry.
      this.pendingSnap = snap;
      this.retrySoon();
      this.opts.log?.error({ err, snapshot_id: snap.id }, 'snapshot stored but not yet published to the cluster; retrying');
    }
  }

  /** GET an account: the owning node margins the stored account (a what-if without trades: the full result). */
  async marginOf(entry: BookEntry, market: MarketSnapshot): Promise<MarginResult & { node: string }> {
    const a = await this.ask(entry, market, (ms) => this.nodeWhatIf(entry.rec.id, [], ms));
    this.checkProfile(entry, loaded(entry).engine, a.before, a.node);
    return { ...a.before, node: a.node };
  }

  /** POST /v1/margin/whatif's margins, from the owning node (whatif.ts writes the answer). */
  async whatIf(entry: BookEntry, market: MarketSnapshot, trades: unknown): Promise<WhatIfResult & { node: string }> {
    const w = await this.ask(entry, market, (ms) => this.nodeWhatIf(entry.rec.id, trades, ms));
    this.checkProfile(entry, loaded(entry).engine, w.after, w.node);
    return w;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    clearTimeout(this.sweepTimer);
    this.sub?.unsubscribe();
    await this.chain;
    await this.client.close().catch(() => undefined);
  }

  // ---- requests ---------------------------------------------------------------------------------

  /**
   * A request to the account's owner, repeated (within freshMs) until the node holds the version
   * the store has and the snapshot the service last accepted: read-your-writes across the stream.
   * After freshMs an answer on another snapshot is served (it names its snapshot); one on an
   * older version of the account never is.
   */
  private async ask<T extends { seq: number; snapshot_id: string; node: string }>(entry: BookEntry, market: MarketSnapshot, f: (timeoutMs: number) => Promise<T>): Promise<T> {
    const id = entry.rec.id;
    const want = accountVersion(entry.rec);
    const until = performance.now() + this.freshMs;
    let last: T | undefined;
    for (;;) {
      try {
        last = await f(this.opts.requestTimeoutMs ?? 5000);
      } catch (err) {
        // The owner has not read the account's first version yet; anything else is the answer.
        if (!(notYetKnown(err) && performance.now() < until)) throw unavailable(err);
      }
      if (last !== undefined && last.seq >= want && last.snapshot_id === market.id) return last;
      if (performance.now() >= until) break;
      await sleep(5);
    }
    if (last !== undefined && last.seq >= want) return last;
    throw new HttpError(503, 'RG_HTTP_UNAVAILABLE', `the cluster has not applied version ${want} of account ${id} within ${this.freshMs} ms (its owner ${last === undefined ? 'does not know it yet' : `${last.node} holds version ${last.seq}`})`, 'account_id', id);
  }

  /** The node answers engine.whatIf's { before, change, after } (node.ts), decoded from JSON. */
  private nodeWhatIf(id: string, trades: unknown, timeoutMs: number): Promise<NodeWhatIf> {
    return this.client.whatIf(id, trades, timeoutMs) as unknown as Promise<NodeWhatIf>;
  }

  private checkProfile(entry: BookEntry, engine: Engine, r: MarginResult, node: string): void {
    if (r.profile_hash === engine.profile.hash) return;
    throw new HttpError(
      502, 'RG_ERR_PROFILE',
      `node ${node} margins pool "${entry.rec.pool}" under profile ${r.profile} (${r.profile_hash}), but the service's pool names ${engine.profile.name} (${engine.profile.hash}): start the nodes with the pools the service runs`,
      'pool', entry.rec.pool,
    );
  }

  // ---- results ----------------------------------------------------------------------------------

  private queue(f: () => Promise<void>): void {
    this.chain = this.chain.then(f).catch((err: unknown) => this.opts.log?.error({ err }, 'cluster results could not be settled'));
  }

  private settleTick(t: TickResults): Promise<void> {
    this.stats.ticks++;
    return this.settle(t.snapshot_id, t.results.values(), 'market');
  }

  /**
   * Results of the accounts this service holds, at the version it holds, made durable and pushed.
   * A result on an older version is dropped: the node's update result for the newer one follows.
   */
  private async settle(snapshotId: string, results: Iterable<SeqResult>, cause: MarginCause): Promise<void> {
    if (this.closed) return;
    const state = this.state!;
    if (cause === 'account') this.stats.updates++;
    const snap = await this.snapshot(snapshotId);
    if (snap === undefined) {
      // Not a snapshot this service accepted through its guard: not margins it may push.
      this.stats.skipped_unknown_snapshot++;
      this.opts.log?.warn({ snapshot_id: snapshotId }, 'cluster results on a snapshot this service did not accept; ignored');
      return;
    }
    const computed_at = new Date().toISOString();
    const entries: BookEntry[] = [];
    const margins: LatestMargin[] = [];
    const degraded = new Map<Engine, { degraded?: { reasons: unknown[] } }>();
    for (const r of results) {
      const e = state.book.get(r.account_id);
      if (e === undefined) continue;
      if (r.seq !== accountVersion(e.rec)) {
        this.stats.skipped_stale++;
        continue;
      }
      const last = this.settled.get(r.account_id);
      if (last !== undefined && last.snap === snap.id && last.seq === r.seq) continue;
      this.settled.set(r.account_id, { snap: snap.id, seq: r.seq });
      const w = this.awaiting.get(r.account_id);
      if (w !== undefined && w.seq <= r.seq) this.awaiting.delete(r.account_id);
      entries.push(e);
      margins.push(this.toMargin(e, r, snap, computed_at, degraded));
    }
    if (entries.length > 0) await state.applyMargins(entries, margins, cause, snap.id, computed_at);
  }

  // ---- acknowledged writes without a streamed result ------------------------------------------

  /**
   * Results travel on core NATS (at most once), and a node that bulk-reloads a burst of updates or
   * takes over a partition re-publishes it as a tick of a snapshot already complete, which
   * streamResults does not deliver again. So every acknowledged write is awaited: a version with
   * no streamed result after a second is looked up in the last snapshot's results, then asked of
   * its owner (ClusterClient.account) — every write still gets its push and its status.
   */
  private expect(id: string, seq: number): void {
    this.awaiting.set(id, { seq, at: performance.now() });
    this.sweepSoon(1000, false);
  }

  private sweepSoon(ms: number, force: boolean): void {
    if (this.closed) return;
    if (this.sweepTimer !== undefined) {
      if (!force) return;
      clearTimeout(this.sweepTimer);
    }
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep(force).catch((err: unknown) => this.opts.log?.error({ err }, 'cluster result sweep failed'));
    }, ms);
    this.sweepTimer.unref();
  }

  /** Outside the settle queue (requests take time); what it finds is queued like any result. */
  private async sweep(force: boolean): Promise<void> {
    const state = this.state!;
    // No snapshot yet: nothing can be margined; the first one margins every account.
    if (!(await state.latestMarket().then(() => true, () => false))) return this.awaiting.clear();
    const now = performance.now();
    const due = [...this.awaiting].filter(([id, w]) => {
      const e = state.book.get(id);
      // Replaced by a later write (awaited on its own) or gone: nothing to wait for.
      if (e === undefined || accountVersion(e.rec) !== w.seq) {
        this.awaiting.delete(id);
        return false;
      }
      return force || now - w.at >= 1000;
    });
    const t = this.lastTick;
    if (due.length > 0 && t !== undefined) {
      const found = due.map(([id]) => t.results.get(id)).filter((r, k): r is SeqResult => r !== undefined && r.seq === due[k]![1].seq);
      if (found.length > 0) this.queue(() => this.settle(t.snapshot_id, found, 'account'));
    }
    const ask = force ? [] : due.filter(([id]) => this.awaiting.has(id)).slice(0, 256);
    await Promise.all(ask.map(async ([id, w]) => {
      try {
        const a = await this.client.account(id, 2000);
        // Not applied yet: the next sweep asks again.
        if (a.seq !== w.seq) return;
        this.stats.fetched++;
        this.queue(() => this.settle(a.snapshot_id, [{ ...a.result, seq: a.seq }], 'account'));
      } catch (err) {
        if (now - w.at > 30_000) {
          this.awaiting.delete(id);
          this.opts.log?.error({ err, account_id: id, seq: w.seq }, 'no margin from the cluster for an acknowledged write in 30 s; the next snapshot margins it');
        }
      }
    }));
    if (this.awaiting.size > 0) this.sweepSoon(500, false);
  }

  private toMargin(e: BookEntry, r: SeqResult, snap: MarketSnapshot, computed_at: string, degraded: Map<Engine, { degraded?: { reasons: unknown[] } }>): LatestMargin {
    const engine = e.engine;
    if (r.status === 'failed' || engine === undefined) {
      const error: MarginErrorJson = r.error ?? (e.failure === undefined ? { code: 'RG_ERR_KERNEL', message: `account ${r.account_id} failed on its node` } : errorJson(e.failure));
      return { ok: false, status: 'error', error, market_snapshot_id: snap.id, profile_hash: engine?.profile.hash ?? null, engine_version: ENGINE_VERSION, computed_at };
    }
    let d = degraded.get(engine);
    if (d === undefined) {
      // Never silently: a pushed margin on degraded data carries the guard's reasons, as a local one does.
      const st = this.state!.guard.status(Date.now(), policyOf(engine), snap);
      degraded.set(engine, (d = st.degraded ? { degraded: { reasons: [...(st.reasons ?? [])] } } : {}));
    }
    // The six figures are the node's; the rest of a MarginResult (breakdown, scenarios, greeks) is
    // not streamed — GET the account for it. What reads a book margin reads only these fields.
    const result = {
      account_id: r.account_id, ...this.provenanceOf(engine, snap), market_snapshot_id: snap.id,
      initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, equity: r.equity, im_excess: r.im_excess, mm_excess: r.mm_excess,
    } as MarginResult;
    return { ok: true, status: statusOf(result), result, computed_at, ...d };
  }

  /** Profile, hash, methodology and margin currency under `engine` on `snap` (the currency may come from the market): one empty account's margin, once per snapshot. */
  private provenanceOf(engine: Engine, snap: MarketSnapshot): Provenance {
    const hit = this.provenance.get(engine);
    if (hit?.snap === snap) return hit.p;
    const r = engine.margin({ account_id: '_provenance', pool: '_', positions: [], balances: {} }, snap);
    const p: Provenance = { profile: r.profile, profile_hash: r.profile_hash, methodology: r.methodology, engine_version: ENGINE_VERSION, margin_currency: r.margin_currency };
    this.provenance.set(engine, { snap, p });
    return p;
  }

  private remember(snap: MarketSnapshot): void {
    this.snaps.set(snap.id, snap);
    // A tick arrives within seconds of its publish; a few are plenty.
    for (const id of this.snaps.keys()) {
      if (this.snaps.size <= 16) break;
      this.snaps.delete(id);
    }
  }

  private async snapshot(id: string): Promise<MarketSnapshot | undefined> {
    const hit = this.snaps.get(id);
    if (hit !== undefined) return hit;
    // Accepted before a restart (a node re-publishing an older snapshot after a failover).
    const rec = await this.state!.store.getSnapshot(id);
    if (rec === undefined) return undefined;
    const snap = parseMarketSnapshot(rec.json, { now: false });
    this.remember(snap);
    return snap;
  }

  // ---- retries ----------------------------------------------------------------------------------

  private retrySoon(): void {
    if (this.retry !== undefined || this.closed) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.resend();
    }, 1000);
    this.retry.unref();
  }

  private async resend(): Promise<void> {
    for (const [id, e] of [...this.pending]) {
      // A later write replaced this version (and sent or queued its own).
      if (this.state!.book.get(id) !== e) {
        if (this.pending.get(id) === e) this.pending.delete(id);
        continue;
      }
      try {
        await this.client.putAccount(accountJson(e), accountVersion(e.rec));
        if (this.pending.get(id) === e) this.pending.delete(id);
      } catch {
        break; // still down: try again later
      }
    }
    const snap = this.pendingSnap;
    if (snap !== undefined) {
      try {
        await this.client.publishSnapshot(snapshotToJson(snap));
        if (this.pendingSnap === snap) this.pendingSnap = undefined;
      } catch {
        /* again later */
      }
    }
    if (this.pending.size > 0 || this.pendingSnap !== undefined) this.retrySoon();
  }
}

/** The account as a node loads it: the stored (normalised) JSON. */
function accountJson(e: BookEntry): Record<string, unknown> {
  return { account_id: e.rec.id, pool: e.rec.pool, positions: e.rec.positions, balances: e.rec.balances };
}

/**
 * No node answered, or the owner is still rebuilding the partition (the client retried until its
 * timeout): the cluster's state, not the request's fault — 503, not the 400 its code would map to.
 */
function unavailable(err: unknown): unknown {
  if (!(err instanceof RiskgridError) || err.code !== 'RG_ERR_MISSING_MARKET_DATA' || (err.field !== 'subject' && err.field !== 'partition')) return err;
  return new HttpError(503, 'RG_HTTP_UNAVAILABLE', `the cluster did not answer: ${err.message}`, err.field, err.value);
}

/** The owner answered that it has not read the account yet (created a moment ago). */
function notYetKnown(err: unknown): boolean {
  return err instanceof RiskgridError && err.code === 'RG_ERR_INVALID_INPUT' && err.field === 'account_id' && /not known/.test(err.message);
}

function errorJson(err: Error): MarginErrorJson {
  if (err instanceof RiskgridError) return err.toJSON();
  if (err instanceof HttpError) return { code: err.code, message: err.message, field: err.field, value: err.value };
  return { code: 'RG_ERR_KERNEL', message: err.message };
}
