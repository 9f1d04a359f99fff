// The stateful side of the service: the store, the live book (live-book.ts: every account parsed
// once, with its latest margin), an engine per pool, and the latest market snapshot.
//
// Margins are computed on events, not on reads: after each accepted snapshot the whole book is
// re-margined (engine.marginBatch per pool), after a write the one account. Each re-margin
// makes status changes durable (with their audit rows) BEFORE anyone hears of them, then tells
// the listeners (the WebSocket stream), then records the margin runs. A book re-margins in slices
// behind requests (COMPUTE_CHUNK, SLICE_MS, RUN_CHUNK, yieldToRequests).
// Reads (GET an account, what-if) come from memory.
import { errorFromJson, RiskgridError } from '../errors.js';
import type { Engine } from '../margin/engine.js';
import { createEngine } from '../margin/engine.js';
import type { MarginResult, WhatIfResult } from '../margin/result.js';
import { DEFAULT_MARKET_DATA_POLICY, MarketGuard } from '../market/guard.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { accountToJson, type Account } from '../model/account.js';
import { canonicalJson } from '../profiles/hash.js';
import { sha256Hex } from '../store/audit-chain.js';
import type { AccountRecord, AccountStatus, AuditEntry, MarginRunRecord, Store } from '../store/store.js';
import { ENGINE_VERSION } from '../version.js';
import { EngineCache } from './engines.js';
import { HttpError } from './http-errors.js';
import { guardMargin } from './market.js';
import { KeyedLock, LiveBook, SerialQueue, type BookEntry, type LatestMargin, type MarginErrorJson } from './live-book.js';
import { statusLadder, type AccountStatus as LadderStatus } from '../liquidation/ladder.js';
import { DEFAULT_LADDER } from '../liquidation/params.js';
import { stampAfter } from './cluster-seq.js';
import { statusOf } from './margin-status.js';
import { yieldToRequests } from './yield-to-requests.js';

/**
 * A book's re-margin runs in slices behind requests, so a what-if never waits for a whole book:
 * accounts go to marginBatch COMPUTE_CHUNK at a time, and the slice yields (yieldToRequests) once
 * it has run SLICE_MS. Margin runs are written RUN_CHUNK rows per transaction.
 */
const COMPUTE_CHUNK = 16;
const SLICE_MS = 1;
const RUN_CHUNK = 128;

/** What caused a re-margin. */
export type MarginCause = 'market' | 'account' | 'profile' | 'start';

/** A status change (or margin call), as audited and as pushed on the events channel. */
export interface StatusEvent {
  /** margin_call / status_change: the margin status; ladder_change: the liquidation ladder's rung. */
  kind: 'margin_call' | 'status_change' | 'ladder_change';
  account_id: string;
  from: AccountStatus | LadderStatus;
  to: AccountStatus | LadderStatus;
  margin: LatestMargin;
}

/** One re-margin, handed to listeners after its status changes are durable. */
export interface MarginBatch {
  cause: MarginCause;
  market_snapshot_id: string;
  computed_at: string;
  /** Every account re-margined, in book order. */
  updates: ReadonlyArray<{ account_id: string; margin: LatestMargin }>;
  events: readonly StatusEvent[];
}

export type MarginListener = (b: MarginBatch) => void;

interface Log {
  error(obj: unknown, msg?: string): void;
}

/**
 * Where margins come from when not from this process (cluster-backend.ts: engine nodes on NATS
 * JetStream). Without one, ServiceState margins its live book itself; with one, the backend takes
 * over these moments, and its results come back through applyMargins. The store, the book,
 * validation and the status / audit / push path stay here either way.
 */
export interface MarginBackend {
  /** After the book is loaded (instead of the start re-margin); `latest` is the stored latest snapshot. */
  start(state: ServiceState, latest: MarketSnapshot | undefined): Promise<void>;
  /** After a write is durable in the store and the book (instead of its re-margin); the write's answer waits for it. */
  accountWritten(entry: BookEntry): Promise<void>;
  /** After an accepted snapshot is stored and became the latest (instead of the book's re-margin). */
  marketIngested(snap: MarketSnapshot): Promise<void>;
  /** The stored account's margin on `market` (the latest), and which node computed it. */
  marginOf(entry: BookEntry, market: MarketSnapshot): Promise<MarginResult & { node: string }>;
  /** engine.whatIf of the stored account on `market` (the latest), and which node answered it. */
  whatIf(entry: BookEntry, market: MarketSnapshot, trades: unknown): Promise<WhatIfResult & { node: string }>;
  close(): Promise<void>;
}

export interface Loaded {
  rec: AccountRecord;
  engine: Engine;
  account: Account;
}

export class ServiceState {
  readonly book = new LiveBook();
  /** The market-data guard (host/market/guard.ts): market.ts ingests through it; margins are judged by it. */
  readonly guard = new MarketGuard();
  private readonly stored = new Map<string, Engine>();
  private readonly pools = new Map<string, Engine>();
  private snap: MarketSnapshot | undefined;
  private readonly writes = new KeyedLock();
  private readonly margins = new SerialQueue();
  private readonly listeners = new Set<MarginListener>();
  private opening: Promise<void> | undefined;
  private log: Log | undefined;

  constructor(
    readonly store: Store,
    readonly builtins: EngineCache,
    readonly backend?: MarginBackend,
  ) {}

  /**
   * Load the live book: the latest snapshot, every stored account parsed under its pool's engine,
   * and (with a market) one re-margin of all of them. Idempotent; buildServer awaits it so a
   * store that cannot be read fails the start, and every other method awaits it too.
   */
  open(log?: Log): Promise<void> {
    if (log !== undefined) this.log = log;
    return (this.opening ??= this.loadBook());
  }

  private async loadBook(): Promise<void> {
    const rec = await this.store.latestSnapshot();
    // Validated on ingest; the future-dating check belonged to that moment, not to now.
    if (rec !== undefined) this.snap = parseMarketSnapshot(rec.json, { now: false });
    for (const a of await this.store.listAccounts()) this.book.put(await this.entryFor(a));
    // The ladder's hysteresis state: each account's last durable rung, replayed from the audit log.
    for (const row of await this.store.listAudit()) {
      if (row.kind !== 'ladder_change' || row.account_id === null) continue;
      const e = this.book.get(row.account_id);
      if (e !== undefined) e.ladder = row.data.to as LadderStatus;
    }
    if (this.backend !== undefined) await this.backend.start(this, this.snap);
    else if (this.snap !== undefined && this.book.size > 0) await this.margins.run(() => this.remargin(this.book.all(), 'start'));
  }

  /** Wait for queued re-margins (close: before the store goes). */
  async close(): Promise<void> {
    await this.backend?.close();
    await this.margins.idle();
  }

  onMargin(f: MarginListener): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** The engine for a pool: its profile stored via PUT /v1/profiles, else a built-in of that name. Cached until profilesChanged(). */
  async engineForPool(pool: string): Promise<Engine> {
    const hit = this.pools.get(pool);
    if (hit !== undefined) return hit;
    const e = await this.resolvePool(pool);
    this.pools.set(pool, e);
    return e;
  }

  private async resolvePool(pool: string): Promise<Engine> {
    const name = await this.store.getPool(pool);
    if (name === undefined) throw new HttpError(400, 'RG_ERR_PROFILE', `pool "${pool}" has no profile; assign one with PUT /v1/profiles { profile, pools: ["${pool}"] }`, 'pool', pool);
    const rec = await this.store.getProfile(name);
    if (rec === undefined) return this.builtins.get(name);
    let e = this.stored.get(rec.hash);
    if (e === undefined) this.stored.set(rec.hash, (e = createEngine({ profile: rec.json })));
    return e;
  }

  /** The latest accepted snapshot (from memory), or 409 when none was ever sent. */
  async latestMarket(): Promise<MarketSnapshot> {
    await this.open();
    if (this.snap === undefined) throw new HttpError(409, 'RG_ERR_MISSING_MARKET_DATA', 'no market snapshot yet; POST /v1/market first', 'market', null);
    return this.snap;
  }

  /** A stored account, parsed under its pool's engine — from the live book: no store read, no parse. */
  async load(id: string): Promise<Loaded> {
    await this.open();
    return loaded(this.require(id));
  }

  private require(id: string): BookEntry {
    const e = this.book.get(id);
    if (e === undefined) throw new HttpError(404, 'RG_HTTP_NOT_FOUND', `no account ${id}`, 'account_id', id);
    return e;
  }

  /**
   * The account's latest margin (computed when the market or the account last changed); computed
   * now only when there is none yet. A margin the engine refused is thrown as its RG_ERR error.
   */
  async marginOf(id: string): Promise<{ rec: AccountRecord; result: MarginResult & { computed_at: string } }> {
    await this.open();
    let e = this.require(id);
    let m: { result: MarginResult; ladder?: LadderStatus | undefined; computed_at: string };
    if (this.backend !== undefined) {
      // The owning node margins it now; the rung is the last durable one.
      m = { result: await this.backend.marginOf(e, await this.latestMarket()), ladder: e.ladder, computed_at: new Date().toISOString() };
    } else {
      if (e.margin === undefined) {
        await this.latestMarket(); // 409 without one
        await this.margins.run(() => this.remarginIds([id], 'account'));
        e = this.require(id);
      }
      const latest = e.margin;
      if (latest === undefined) throw new HttpError(409, 'RG_ERR_MISSING_MARKET_DATA', 'no market snapshot yet; POST /v1/market first', 'market', null);
      if (!latest.ok) throw e.failure ?? errorFromJson(latest.error);
      m = latest;
    }
    // Judged now, not when computed: data goes stale with time alone (503 where the profile rejects).
    const guarded = guardMargin(this.guard, loaded(e).engine, await this.latestMarket());
    return { rec: e.rec, result: { ...m.result, ...guarded, ...(m.ladder === undefined ? {} : { liquidation_status: m.ladder }), computed_at: m.computed_at } };
  }

  /**
   * Create or change an account, one write at a time per account: `next` sees the current entry
   * (undefined for a create) and returns the new content; it is validated under the pool's engine,
   * stored (durable before anything else), audited, put in the book, and re-margined — the
   * response, the status and the push all follow the write.
   */
  async writeAccount(
    id: string,
    kind: string,
    next: (cur: BookEntry | undefined) => { pool: string; positions: unknown; balances: unknown },
    opts: { create?: boolean } = {},
  ): Promise<AccountRecord> {
    await this.open();
    return this.writes.run(id, async () => {
      const cur = this.book.get(id);
      if (opts.create === true && cur !== undefined) throw new HttpError(409, 'RG_ERR_INVALID_INPUT', `account ${id} already exists`, 'account_id', id);
      if (opts.create !== true && cur === undefined) throw new HttpError(404, 'RG_HTTP_NOT_FOUND', `no account ${id}`, 'account_id', id);
      const { pool, positions, balances } = next(cur);
      const engine = await this.engineForPool(pool);
      const json = accountToJson(engine.parseAccount({ account_id: id, pool, positions, balances }), engine.conventions);
      const rec: AccountRecord = { id, pool, positions: json.positions, balances: json.balances, status: cur?.rec.status ?? 'unknown', updated_at: stampAfter(cur?.rec.updated_at) };
      await this.store.putAccount(rec);
      await this.store.appendAudit({ kind, account_id: id, data: { pool, positions: rec.positions.length, balances: Object.keys(rec.balances).length } });
      // Acknowledged = durable: from here on the book follows the store.
      const entry = await this.entryFor(rec);
      entry.margin = cur?.margin; // until the re-margin below replaces it
      entry.ladder = cur?.ladder;
      this.book.put(entry);
      if (this.backend !== undefined) await this.backend.accountWritten(entry);
      else if (this.snap !== undefined) {
        try {
          await this.margins.run(() => this.remarginIds([id], 'account'));
        } catch (err) {
          // The write stands; its margin is retried on the next snapshot or read.
          entry.margin = undefined;
          this.log?.error({ err, account_id: id }, 're-margin after write failed');
        }
      }
      return entry.rec;
    });
  }

  /** After POST /v1/market accepted `snap`: it becomes the latest, and the whole book is re-margined on it. */
  async marketIngested(snap: MarketSnapshot): Promise<void> {
    await this.open();
    // The latest at once (what-ifs use it); the book's re-margin on it waits its turn, on exactly it.
    this.snap = snap;
    if (this.backend !== undefined) return this.backend.marketIngested(snap);
    // The ingest has just held the event loop (parse, guard, store write): requests waiting go
    // before the book's first slice.
    await yieldToRequests();
    await this.margins.run(() => this.remargin(this.book.all(), 'market', snap));
  }

  /**
   * After PUT /v1/profiles: pools may now name another profile (or a new version of theirs).
   * Accounts whose engine changed are parsed again under the new one and re-margined.
   */
  async profilesChanged(): Promise<void> {
    await this.open();
    await this.margins.run(async () => {
      this.pools.clear();
      const moved: BookEntry[] = [];
      for (const e of this.book.all()) {
        let engine: Engine | undefined;
        try {
          engine = await this.engineForPool(e.rec.pool);
        } catch {
          engine = undefined;
        }
        if (engine === e.engine) continue;
        const fresh = await this.entryFor(e.rec);
        fresh.ladder = e.ladder;
        this.book.put(fresh);
        moved.push(fresh);
      }
      // On a backend the nodes margin under their own pools (it refuses answers under another profile).
      if (moved.length > 0 && this.snap !== undefined && this.backend === undefined) await this.remargin(moved, 'profile');
    });
  }

  private async entryFor(rec: AccountRecord): Promise<BookEntry> {
    const entry: BookEntry = { rec, engine: undefined, account: undefined, failure: undefined, inputsHash: undefined, margin: undefined };
    try {
      entry.engine = await this.engineForPool(rec.pool);
      // Frozen: the book shares it with every request, and the engine takes a frozen account as validated.
      entry.account = Object.freeze(entry.engine.parseAccount({ account_id: rec.id, pool: rec.pool, positions: rec.positions, balances: rec.balances }));
    } catch (err) {
      entry.failure = err as Error;
    }
    return entry;
  }

  private async remarginIds(ids: readonly string[], cause: MarginCause): Promise<void> {
    const entries = ids.map((id) => this.book.get(id)).filter((e): e is BookEntry => e !== undefined);
    if (entries.length > 0) await this.remargin(entries, cause);
  }

  /** Run inside `margins` only. */
  private async remargin(entries: readonly BookEntry[], cause: MarginCause, snap = this.snap): Promise<void> {
    if (snap === undefined) return;
    const computed_at = new Date().toISOString();
    const margins = await this.compute(entries, snap, computed_at);
    await this.settle(entries, margins, cause, snap.id, computed_at);
  }

  /**
   * Margins computed elsewhere (a MarginBackend's results) settled as a re-margin's are: statuses
   * and audit rows durable, then the listeners, then the runs — in the same queue, so in order.
   */
  applyMargins(entries: readonly BookEntry[], margins: readonly LatestMargin[], cause: MarginCause, snapshotId: string, computed_at: string): Promise<void> {
    return this.margins.run(() => this.settle(entries, margins, cause, snapshotId, computed_at));
  }

  /** Run inside `margins` only: `margins[i]` is entries[i]'s, on snapshot `snapshotId`. */
  private async settle(entries: readonly BookEntry[], margins: readonly LatestMargin[], cause: MarginCause, snapshotId: string, computed_at: string): Promise<void> {
    const statuses: Array<{ id: string; status: AccountStatus }> = [];
    const audit: AuditEntry[] = [];
    const events: StatusEvent[] = [];
    const ladders = new Array<LadderStatus | undefined>(entries.length);
    const single = cause === 'account';
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const m = margins[i]!;
      const from = e.rec.status;
      // After a write the status is always written: the write stored the status it read, which a
      // concurrent re-margin may have changed meanwhile.
      if (m.status !== from || single) statuses.push({ id: e.rec.id, status: m.status });
      ladders[i] = this.ladderOf(e, m, events, audit);
      if (m.status === from) continue;
      const kind = m.status === 'mm_breach' ? 'margin_call' : 'status_change';
      events.push({ kind, account_id: e.rec.id, from, to: m.status, margin: m });
      audit.push({ kind, account_id: e.rec.id, data: auditData(from, m) });
    }

    const runs = (): MarginRunRecord[] => entries.map((e, i) => this.run(e, margins[i]!));
    // One account: one transaction. A book: statuses first (small, and what a push must not
    // precede), the runs after the push.
    if (single) await this.store.writeMargins({ statuses, audit, runs: runs() });
    else if (statuses.length > 0 || audit.length > 0) await this.store.writeMargins({ statuses, audit });

    const updates = new Array<{ account_id: string; margin: LatestMargin }>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const m = margins[i]!;
      e.margin = m;
      e.rec.status = m.status;
      e.ladder = ladders[i] ?? e.ladder;
      // A write that replaced the entry meanwhile has queued its own re-margin; until it runs,
      // the book shows this (durable) status.
      const now = this.book.get(e.rec.id);
      if (now !== undefined && now !== e) {
        now.rec.status = m.status;
        now.ladder = e.ladder;
      }
      updates[i] = { account_id: e.rec.id, margin: m };
    }
    const batch: MarginBatch = { cause, market_snapshot_id: snapshotId, computed_at, updates, events };
    for (const f of this.listeners) {
      try {
        f(batch);
      } catch (err) {
        this.log?.error({ err }, 'margin listener failed');
      }
    }
    if (single) return;
    // The runs record what was computed (the statuses above are what must be durable before a
    // push): in chunks, so a book's thousands of inserts do not hold back the writes queued behind
    // them (the SQLite store runs one call at a time: sqlite-thread.ts).
    const all = runs();
    for (let c0 = 0; c0 < all.length; c0 += RUN_CHUNK) {
      if (c0 > 0) await yieldToRequests();
      await this.store.writeMargins({ runs: all.slice(c0, c0 + RUN_CHUNK) });
    }
  }

  /**
   * The account's rung on the liquidation ladder (the pool profile's `liquidation.ladder`, with
   * hysteresis from its last durable rung); a change is an audited, pushed `ladder_change` event.
   * A new account starts on its raw rung and is recorded only when it is not healthy.
   */
  private ladderOf(e: BookEntry, m: LatestMargin, events: StatusEvent[], audit: AuditEntry[]): LadderStatus | undefined {
    if (!m.ok || e.engine === undefined) return undefined;
    const r = m.result;
    const next = statusLadder(e.ladder, r, e.engine.profile.liquidation?.ladder ?? DEFAULT_LADDER).status;
    m.ladder = next;
    const from = e.ladder ?? 'healthy';
    if (next !== from) {
      events.push({ kind: 'ladder_change', account_id: e.rec.id, from, to: next, margin: m });
      audit.push({ kind: 'ladder_change', account_id: e.rec.id, data: { from, to: next, equity: r.equity, initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, market_snapshot_id: r.market_snapshot_id, profile_hash: r.profile_hash } });
    }
    return next;
  }

  /** Margins of `entries` on `snap`, one marginBatch per engine; a failure is an `error` margin, never dropped. */
  private async compute(entries: readonly BookEntry[], snap: MarketSnapshot, computed_at: string): Promise<LatestMargin[]> {
    const out = new Array<LatestMargin>(entries.length);
    const groups = new Map<Engine, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.engine === undefined || e.account === undefined) {
        out[i] = failed(errorJson(e.failure), snap.id, e.engine?.profile.hash ?? null, computed_at);
        continue;
      }
      let g = groups.get(e.engine);
      if (g === undefined) groups.set(e.engine, (g = []));
      g.push(i);
    }
    for (const [engine, idx] of groups) {
      // Never silently: a pushed margin on degraded data carries the guard's reasons, as HTTP responses do.
      const st = this.guard.status(Date.now(), engine.profile.market_data ?? DEFAULT_MARKET_DATA_POLICY, snap);
      const degraded = st.degraded ? { degraded: { reasons: [...(st.reasons ?? [])] } } : {};
      // In slices (see SLICE_MS): requests (what-ifs) are served while a book re-margins.
      let sliceStart = performance.now();
      for (let c0 = 0; c0 < idx.length; c0 += COMPUTE_CHUNK) {
        if (performance.now() - sliceStart >= SLICE_MS) {
          await yieldToRequests();
          sliceStart = performance.now();
        }
        const chunk = idx.slice(c0, c0 + COMPUTE_CHUNK);
        let outcomes;
        try {
          outcomes = engine.marginBatch(chunk.map((i) => entries[i]!.account!), snap, { collateralLines: true });
        } catch (err) {
          const j = errorJson(err);
          for (const i of chunk) out[i] = failed(j, snap.id, engine.profile.hash, computed_at);
          continue;
        }
        for (let k = 0; k < chunk.length; k++) {
          const o = outcomes[k]!;
          out[chunk[k]!] = o.ok ? { ok: true, status: statusOf(o.result), result: o.result, computed_at, ...degraded } : failed(o.error, snap.id, engine.profile.hash, computed_at);
        }
      }
    }
    return out;
  }

  private run(e: BookEntry, m: LatestMargin): MarginRunRecord {
    const inputs_hash = (e.inputsHash ??= e.account !== undefined && e.engine !== undefined ? inputsHash(e.account, e.engine) : `sha256:${sha256Hex(canonicalJson({ pool: e.rec.pool, positions: e.rec.positions, balances: e.rec.balances }))}`);
    if (m.ok) {
      const r = m.result;
      return {
        account_id: e.rec.id, inputs_hash, profile_hash: r.profile_hash, snapshot_id: r.market_snapshot_id, engine_version: r.engine_version, computed_at: m.computed_at,
        // The headline figures: the inputs (hash), profile, snapshot and engine replay the rest.
        result: { status: m.status, initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, equity: r.equity, im_excess: r.im_excess, mm_excess: r.mm_excess, margin_currency: r.margin_currency },
      };
    }
    return {
      account_id: e.rec.id, inputs_hash, profile_hash: m.profile_hash ?? '', snapshot_id: m.market_snapshot_id, engine_version: m.engine_version, computed_at: m.computed_at,
      result: { status: 'error', error: { ...m.error } },
    };
  }
}

export function loaded(e: BookEntry): Loaded {
  if (e.engine === undefined || e.account === undefined) throw e.failure ?? new HttpError(500, 'RG_ERR_KERNEL', `account ${e.rec.id} is not loaded`);
  return { rec: e.rec, engine: e.engine, account: e.account };
}

function failed(error: MarginErrorJson, snapshotId: string, profileHash: string | null, computed_at: string): LatestMargin {
  return { ok: false, status: 'error', error, market_snapshot_id: snapshotId, profile_hash: profileHash, engine_version: ENGINE_VERSION, computed_at };
}

function errorJson(err: unknown): MarginErrorJson {
  if (err instanceof RiskgridError) return err.toJSON();
  if (err instanceof HttpError) return { code: err.code, message: err.message, field: err.field, value: err.value };
  return { code: 'RG_ERR_KERNEL', message: err instanceof Error ? err.message : String(err) };
}

function auditData(from: AccountStatus, m: LatestMargin): Record<string, unknown> {
  if (m.ok) {
    const r = m.result;
    return { from, to: m.status, im_excess: r.im_excess, mm_excess: r.mm_excess, market_snapshot_id: r.market_snapshot_id, profile_hash: r.profile_hash };
  }
  return { from, to: 'error', error_code: m.error.code, error_field: m.error.field ?? null, market_snapshot_id: m.market_snapshot_id, profile_hash: m.profile_hash };
}

/** sha256 of the canonical account JSON: the `inputs` of a margin run. */
export function inputsHash(account: Account, engine: Engine): string {
  return `sha256:${sha256Hex(canonicalJson(accountToJson(account, engine.conventions)))}`;
}
