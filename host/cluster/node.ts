// An engine node of a riskgrid cluster (issue 10). It leases a share of the account partitions
// (leases.ts), rebuilds each claimed partition by replaying `pos.<p>` from the start of the
// POSITIONS stream into its VenueEngine, re-margins its accounts on every market snapshot, and
// publishes every account's result per partition (results-codec.ts) on `results.<p>`: its roster
// (the account ids in tick order) once per epoch on `roster.<p>`, then per tick only columns of
// figures naming that roster.
//   - Position updates apply in stream order; an update whose per-account seq is not above the
//     last applied one is a duplicate and ignored (idempotent replay and redelivery).
//   - A partition is published only once its replay has reached the stream's last message for
//     `pos.<p>` as of the claim (the barrier): no result ever misses an acknowledged update.
//   - Work is serialised in one loop (step): snapshots conflate to the latest; updates that arrive
//     meanwhile are applied before the next publish.
//   - A partition's roster is published (and acknowledged by JetStream) before any tick chunk
//     naming it: after a failover the new owner's first chunks always decode with its own ids.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { connect, DeliverPolicy, JSONCodec, type JetStreamClient, type JetStreamManager, type Msg, type NatsConnection, type Subscription } from 'nats';
import { asRiskgridError, RiskgridError } from '../errors.js';
import { createEngine, type Engine } from '../margin/engine.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { VenueEngine, type VenueAccountResult } from '../pool/venue-engine.js';
import { TickEncoder } from './engine-results.js';
import { Leases } from './leases.js';
import { partitionOf } from './partition.js';
import { encodeResults, encodeRoster, type Roster } from './results-codec.js';
import { ensureCluster, MARKET, MARKET_SUBJECT, MAX_PAYLOAD, POSITIONS, posSubject, requestSubject, resultsSubject, rosterSubject, SUMMARY_SUBJECT } from './streams.js';

export interface ClusterNodeOptions {
  /** NATS server URL(s), comma-separated. */
  nats: string;
  /** Pool name → profile, as VenueEngine.open takes them. */
  pools: Record<string, string | Record<string, unknown>>;
  /** VenueEngine worker threads (0: on the node's own thread). */
  threads?: number;
  /** Partition count when this node creates the cluster (otherwise the cluster's must match, if given). */
  partitions?: number;
  leaseTtlMs?: number;
  leaseIntervalMs?: number;
  nodeId?: string;
  /** Accounts per result message. */
  chunk?: number;
  /** Above this many pending updates, they are bulk-loaded and everything re-margined instead of one setAccount each. */
  bulkAbove?: number;
  log?: (line: string) => void;
  /** Log each step's engine and publish times. */
  logTicks?: boolean;
}

/** A position update as it travels on pos.<p>. */
export interface PositionUpdate {
  account_id: string;
  /** Per-account sequence, strictly increasing per account (the venue's version of the account). */
  seq: number;
  account: Record<string, unknown>;
}

interface Held {
  epoch: number;
  claimedAt: number;
  ready: boolean;
  barrier: number;
  stop: () => void;
  requests?: Subscription;
  /** Snapshot id this partition's results were last published for. */
  published?: string;
  /** The roster published for this epoch (undefined until the first publish). */
  roster?: HeldRoster;
  /** Membership (or an account's pool) changed since the roster: publish a new one before the next tick. */
  rosterDirty: boolean;
  /** Roster position → seq applied since the roster (sent sparse with every tick chunk). */
  seqChanges: Map<number, number>;
}

interface HeldRoster {
  /** ROSTERS stream sequence: what tick chunks name. */
  seq: number;
  ids: string[];
  seqs: number[];
  posOf: Map<string, number>;
  /** Engine indices of ids, for `engine` (recomputed when the engine is rebuilt). */
  idx: Int32Array;
  engine: VenueEngine;
}

interface Stored {
  p: number;
  seq: number;
  json: Record<string, unknown>;
}

/** Where a step's publishing time goes (--log-ticks). */
interface StepTimes {
  encode: number;
  publish: number;
  /** Longest roster publish, to its acknowledgement. */
  roster: number;
  rosters: number;
  chunks: number;
  bytes: number;
}

export interface PartitionTotals {
  accounts: number;
  by_status: Record<string, number>;
  initial_margin: number;
  maintenance_margin: number;
  equity: number;
}

const jc = JSONCodec();

/** The pool VenueEngine files an account under (its rule: `pool`, default `default`, '' if not a string). */
const poolName = (json: Record<string, unknown>): string => {
  const p = json.pool ?? 'default';
  return typeof p === 'string' ? p : '';
};

export class ClusterNode {
  readonly id: string;
  private nc!: NatsConnection;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private leases!: Leases;
  partitions = 0;
  private readonly held = new Map<number, Held>();
  private readonly accounts = new Map<string, Stored>();
  private readonly members = new Map<number, Set<string>>();
  /** Updates of loaded partitions not yet in the engine. */
  private readonly dirty = new Set<string>();
  /** Seq of each account's version inside the engine. */
  private readonly applied = new Map<string, number>();
  private readonly inEngine = new Set<number>();
  private needRebuild = false;
  private engine: VenueEngine | undefined;
  private engineSnap: string | undefined;
  /** The latest snapshot; `at` when it arrived here, `transit` ms from the server storing it to its arrival (wall clocks of one machine). */
  private market: { id: string; json: Record<string, unknown>; at: number; transit: number } | undefined;
  private parsed: { id: string; snap: MarketSnapshot } | undefined;
  private readonly engines = new Map<string, Engine>();
  private running = false;
  private again = false;
  private closed = false;
  private subs: Subscription[] = [];
  private stopMarket: (() => void) | undefined;
  private readonly encoder = new TickEncoder();
  readonly stats = { ticks: 0, claims: 0, losses: 0, published: 0, rosters: 0, lastTickMs: 0, lastPublishMs: 0 };

  private constructor(private readonly opts: ClusterNodeOptions) {
    this.id = opts.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  static async start(opts: ClusterNodeOptions): Promise<ClusterNode> {
    const n = new ClusterNode(opts);
    await n.begin();
    return n;
  }

  private log(s: string): void {
    this.opts.log?.(`[${this.id}] ${s}`);
  }

  private async begin(): Promise<void> {
    const ttl = this.opts.leaseTtlMs ?? 3000;
    this.nc = await connect({ servers: this.opts.nats.split(','), name: `riskgrid-node-${this.id}`, maxReconnectAttempts: -1 });
    this.js = this.nc.jetstream();
    this.jsm = await this.nc.jetstreamManager();
    const { partitions, owners } = await ensureCluster(this.nc, { leaseTtlMs: ttl, ...(this.opts.partitions === undefined ? {} : { partitions: this.opts.partitions }) });
    this.partitions = partitions;
    for (const [pool, profile] of Object.entries(this.opts.pools)) this.engines.set(pool, createEngine({ profile, snapshot: { now: false } }));
    this.subs.push(this.nc.subscribe(SUMMARY_SUBJECT, { callback: (_e, m) => this.answer(m, () => this.summary()) }));
    await this.followMarket();
    this.leases = new Leases(owners!, this.id, partitions, ttl, this.opts.leaseIntervalMs ?? 500, {
      claimed: (p, epoch) => this.claim(p, epoch),
      lost: (p) => this.release(p),
      error: (m) => this.log(m),
    });
    await this.leases.start();
    this.log(`up: ${partitions} partitions, lease ttl ${ttl} ms`);
  }

  // ---- inputs ---------------------------------------------------------------------------------

  private async followMarket(): Promise<void> {
    const c = await this.js.consumers.get(MARKET, { filterSubjects: MARKET_SUBJECT, deliver_policy: DeliverPolicy.Last });
    const iter = await c.consume({ max_messages: 4 });
    this.stopMarket = () => void iter.stop();
    void (async () => {
      for await (const m of iter) {
        const json = m.json<Record<string, unknown>>();
        const id = typeof json.snapshot_id === 'string' ? json.snapshot_id : `market-${m.seq}`;
        this.market = { id, json, at: performance.now(), transit: Date.now() - m.info.timestampNanos / 1e6 };
        this.schedule();
      }
    })().catch((e) => this.log(`market feed stopped: ${(e as Error).message}`));
  }

  private claim(p: number, epoch: number): void {
    this.stats.claims++;
    this.log(`partition ${p} claimed (lease revision ${epoch})`);
    const h: Held = { epoch, claimedAt: performance.now(), ready: false, barrier: 0, stop: () => undefined, rosterDirty: true, seqChanges: new Map() };
    this.held.set(p, h);
    this.members.set(p, new Set());
    h.requests = this.nc.subscribe(`rg.req.${p}.*`, { callback: (_e, m) => this.request(p, m) });
    void this.follow(p, h).catch((e) => {
      this.log(`partition ${p} feed failed: ${(e as Error).message}`);
      if (this.held.get(p) === h) this.release(p);
    });
  }

  /** Replays pos.<p> from the start, then follows it live. */
  private async follow(p: number, h: Held): Promise<void> {
    try {
      h.barrier = (await this.jsm.streams.getMessage(POSITIONS, { last_by_subj: posSubject(p) })).seq;
    } catch {
      h.barrier = 0; // nothing was ever published for p
    }
    const c = await this.js.consumers.get(POSITIONS, { filterSubjects: posSubject(p) });
    const iter = await c.consume({ max_messages: 2048 });
    h.stop = () => void iter.stop();
    if (this.held.get(p) !== h) return h.stop();
    if (h.barrier === 0) this.ready(p, h);
    for await (const m of iter) {
      if (this.held.get(p) !== h) break;
      this.apply(p, h, m.json<PositionUpdate>());
      if (!h.ready && m.seq >= h.barrier) this.ready(p, h);
    }
  }

  private ready(p: number, h: Held): void {
    h.ready = true;
    this.log(`partition ${p} ready (${this.members.get(p)?.size ?? 0} accounts, replayed to stream seq ${h.barrier})`);
    this.schedule();
  }

  private apply(p: number, h: Held, u: PositionUpdate): void {
    if (u === null || typeof u !== 'object' || typeof u.account_id !== 'string' || !Number.isSafeInteger(u.seq) || u.account === null || typeof u.account !== 'object') {
      this.log(`partition ${p}: ignored a malformed position update`);
      return;
    }
    if (partitionOf(u.account_id, this.partitions) !== p) {
      this.log(`partition ${p}: ignored ${u.account_id}, which maps to another partition`);
      return;
    }
    const cur = this.accounts.get(u.account_id);
    if (cur !== undefined && cur.seq >= u.seq) return; // a duplicate or an older version
    this.accounts.set(u.account_id, { p, seq: u.seq, json: { ...u.account, account_id: u.account_id } });
    if (cur === undefined) {
      this.members.get(p)!.add(u.account_id);
      h.rosterDirty = true;
    } else if (poolName(cur.json) !== poolName(u.account)) h.rosterDirty = true;
    if (h.ready && this.inEngine.has(p)) this.dirty.add(u.account_id);
    if (h.ready) this.schedule();
  }

  private release(p: number): void {
    const h = this.held.get(p);
    if (h === undefined) return;
    this.stats.losses++;
    this.held.delete(p);
    h.stop();
    h.requests?.unsubscribe();
    for (const id of this.members.get(p) ?? []) {
      this.accounts.delete(id);
      this.applied.delete(id);
      this.dirty.delete(id);
    }
    this.members.delete(p);
    // The engine cannot drop accounts: it is rebuilt from the partitions still held.
    if (this.inEngine.has(p)) this.needRebuild = true;
    this.log(`partition ${p} released`);
    this.schedule();
  }

  // ---- the work loop --------------------------------------------------------------------------

  private schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.step();
        } while (this.again && !this.closed);
      } catch (e) {
        this.log(`step failed: ${asRiskgridError(e).message}`);
        setTimeout(() => this.schedule(), 200);
      } finally {
        this.running = false;
      }
    })();
  }

  private async step(): Promise<void> {
    const market = this.market;
    if (market === undefined) return;
    const t0 = performance.now();
    if (this.needRebuild) {
      await this.engine?.close();
      this.engine = undefined;
      this.engineSnap = undefined;
      this.inEngine.clear();
      this.applied.clear();
      this.dirty.clear();
      this.needRebuild = false;
    }
    this.engine ??= await VenueEngine.open({ pools: this.opts.pools, threads: this.opts.threads ?? 1 });
    const engine = this.engine;
    // 1. Partitions that finished their replay enter the engine in bulk, with large update bursts.
    const batch: Array<Record<string, unknown>> = [];
    // Partitions claimed together (a failover, a rebalance) enter in one load: wait up to 500 ms
    // for the ones still replaying rather than re-margin everything once per partition.
    const replaying = [...this.held.values()].filter((h) => !h.ready && performance.now() - h.claimedAt < 500);
    if (replaying.length > 0 && [...this.held].some(([p, h]) => h.ready && !this.inEngine.has(p))) {
      setTimeout(() => this.schedule(), 50);
      if (this.engineSnap === market.id && this.dirty.size === 0) return;
    }
    const waiting = new Set(replaying);
    for (const [p, h] of this.held) {
      if (!h.ready || this.inEngine.has(p) || (waiting.size > 0 && this.engineSnap === market.id)) continue;
      this.inEngine.add(p);
      for (const id of this.members.get(p)!) {
        const s = this.accounts.get(id)!;
        batch.push(s.json);
        this.setApplied(id, s.seq);
        this.dirty.delete(id);
      }
    }
    const bulk = batch.length > 0 || this.dirty.size > (this.opts.bulkAbove ?? 256);
    if (bulk) {
      for (const id of this.dirty) {
        const s = this.accounts.get(id)!;
        batch.push(s.json);
        this.setApplied(id, s.seq);
      }
      this.dirty.clear();
      // load() is synchronous: in slices, yielding between them, so that lease renewals (timers)
      // still run while a node takes in a large partition set — a blocked loop would let its leases lapse.
      for (let i = 0; i < batch.length; i += 8192) {
        engine.load(batch.slice(i, i + 8192), market.json);
        await new Promise((r) => setImmediate(r));
      }
      await engine.remargin();
      this.engineSnap = market.id;
      // Every account was recomputed: partitions already published for this snapshot get their accounts again as a tick.
      for (const h of this.held.values()) if (h.published === market.id) h.published = undefined;
    } else if (this.engineSnap !== market.id) {
      if (engine.size > 0) await engine.tick(market.json);
      this.engineSnap = market.id;
      this.stats.ticks++;
    }
    const tTick = performance.now();
    // 2. Single updates through the what-if path, on the current snapshot.
    const updated = new Map<number, VenueAccountResult[]>();
    for (const id of this.dirty) {
      const s = this.accounts.get(id)!;
      this.setApplied(id, s.seq);
      const r = engine.setAccount(s.json);
      let l = updated.get(s.p);
      if (l === undefined) updated.set(s.p, (l = []));
      l.push(r);
    }
    this.dirty.clear();
    const tUpd = performance.now();
    // 3. Publish, partition by partition as each is encoded: whole partitions not yet published for
    //    this snapshot (after their roster, if it changed), else the updated accounts.
    const snapId = this.engineSnap!;
    const t: StepTimes = { encode: 0, publish: 0, roster: 0, chunks: 0, bytes: 0, rosters: 0 };
    const acks: Array<Promise<void>> = [];
    for (const [p, h] of this.held) {
      if (!h.ready || !this.inEngine.has(p) || !this.leases.owns(p)) continue;
      if (h.published !== snapId) {
        const tooMany = h.roster !== undefined && h.seqChanges.size > Math.max(64, h.roster.ids.length >> 3);
        if (h.roster === undefined || h.rosterDirty || tooMany) {
          h.published = snapId;
          acks.push(this.publishRoster(p, h, t).then(() => this.publishTick(p, h, snapId, t), (e: unknown) => {
            h.published = undefined; // the step is retried
            throw e;
          }));
        } else {
          this.publishTick(p, h, snapId, t);
          h.published = snapId;
        }
      } else {
        const l = updated.get(p);
        if (l !== undefined) this.publishUpdate(p, h, snapId, l, this.members.get(p)!.size);
      }
    }
    await Promise.all(acks);
    this.stats.lastTickMs = tTick - t0;
    this.stats.lastPublishMs = performance.now() - tTick;
    if (this.opts.logTicks === true) {
      const f = (x: number) => x.toFixed(1);
      this.log(`step ${snapId}: snapshot stored → here ${f(market.transit)} ms, queued ${f(t0 - market.at)} ms, engine ${f(tTick - t0)} ms (${bulk ? 'load + remargin' : 'tick'}), updates ${f(tUpd - tTick)} ms, ` +
        `read + encode ${f(t.encode)} ms, publish ${f(t.publish)} ms, ${t.rosters} rosters ${f(t.roster)} ms (to ack), ${t.chunks} chunks ${(t.bytes / 1e6).toFixed(2)} MB, step total ${f(performance.now() - t0)} ms`);
    }
  }

  private setApplied(id: string, seq: number): void {
    this.applied.set(id, seq);
    const s = this.accounts.get(id);
    const h = s === undefined ? undefined : this.held.get(s.p);
    const k = h?.roster?.posOf.get(id);
    if (k === undefined) return; // not in the roster: the roster is dirty already
    if (h!.roster!.seqs[k] === seq) h!.seqChanges.delete(k);
    else h!.seqChanges.set(k, seq);
  }

  /**
   * Publishes partition p's roster — its accounts in the engine, sorted by id, with pools and
   * seqs — and resolves once JetStream has stored it, so that no tick chunk naming it can reach a
   * consumer before it is readable.
   */
  private async publishRoster(p: number, h: Held, t: StepTimes): Promise<void> {
    const t0 = performance.now();
    const engine = this.engine!;
    const members = this.members.get(p)!;
    // Only accounts already in the engine (an account added meanwhile is dirty: the next step takes it, with a new roster).
    const ids = [...members].filter((id) => this.applied.has(id)).sort();
    h.rosterDirty = ids.length !== members.size;
    const idx = engine.indicesOf(ids);
    const pools: string[] = [];
    const poolIx = new Map<string, number>();
    const pool = Array.from(idx, (i) => {
      const name = engine.poolOf(i);
      let x = poolIx.get(name);
      if (x === undefined) {
        poolIx.set(name, (x = pools.length));
        pools.push(name);
      }
      return x;
    });
    const seqs = ids.map((id) => this.applied.get(id)!);
    const roster: Roster = { partition: p, node: this.id, epoch: h.epoch, ids, pools, pool, seqs };
    const bytes = encodeRoster(roster);
    if (bytes.length > MAX_PAYLOAD) throw new RiskgridError('RG_ERR_CAPACITY', `the roster of partition ${p} (${ids.length} accounts) is ${bytes.length} bytes: run more partitions`, { field: 'partitions', value: this.partitions });
    const ack = await this.js.publish(rosterSubject(p), bytes);
    h.roster = { seq: ack.seq, ids, seqs, posOf: new Map(ids.map((id, k) => [id, k])), idx, engine };
    h.seqChanges.clear();
    this.stats.rosters++;
    t.rosters++;
    t.roster = Math.max(t.roster, performance.now() - t0);
  }

  /** Every account of partition p in roster order, straight from the engine's columns, in fixed chunks. */
  private publishTick(p: number, h: Held, snapshot_id: string, t: StepTimes): void {
    if (this.held.get(p) !== h) return; // lost while its roster was being stored
    const engine = this.engine!;
    const r = h.roster!;
    if (r.engine !== engine) {
      // The engine was rebuilt: same accounts, new indices.
      r.idx = engine.indicesOf(r.ids);
      r.engine = engine;
    }
    const n = r.ids.length;
    const size = this.opts.chunk ?? 4096;
    const chunks = Math.max(1, Math.ceil(n / size));
    const changes: Array<Record<number, number> | undefined> = new Array(chunks);
    for (const [k, seq] of h.seqChanges) (changes[Math.floor(k / size)] ??= {})[k] = seq;
    for (let c = 0; c < chunks; c++) {
      const t0 = performance.now();
      const first = c * size;
      const seq_changes = changes[c];
      const msg = this.encoder.encode(engine, r.idx.subarray(first, Math.min(n, first + size)), {
        snapshot_id, partition: p, node: this.id, epoch: h.epoch, roster: r.seq, chunk: c, chunks, total: n, first, ...(seq_changes === undefined ? {} : { seq_changes }),
      });
      if (msg.length > MAX_PAYLOAD) throw new RiskgridError('RG_ERR_CAPACITY', `a result chunk of ${Math.min(size, n - first)} accounts is ${msg.length} bytes: lower --chunk`, { field: 'chunk', value: size });
      const t1 = performance.now();
      this.nc.publish(resultsSubject(p), msg);
      t.publish += performance.now() - t1;
      t.encode += t1 - t0;
      t.chunks++;
      t.bytes += msg.length;
      this.stats.published++;
    }
  }

  /** Accounts re-margined by single position updates, self-describing (no roster needed). */
  private publishUpdate(p: number, h: Held, snapshot_id: string, results: VenueAccountResult[], total: number): void {
    const size = this.opts.chunk ?? 4096;
    const chunks = Math.max(1, Math.ceil(results.length / size));
    for (let c = 0; c < chunks; c++) {
      const part = results.slice(c * size, (c + 1) * size);
      const seqs = part.map((r) => this.applied.get(r.account_id) ?? 0);
      const msg = encodeResults({ snapshot_id, partition: p, node: this.id, epoch: h.epoch, chunk: c, chunks, total, seqs }, part);
      if (msg.length > MAX_PAYLOAD) throw new RiskgridError('RG_ERR_CAPACITY', `a result chunk of ${part.length} accounts is ${msg.length} bytes: lower --chunk`, { field: 'chunk', value: size });
      this.nc.publish(resultsSubject(p), msg);
      this.stats.published++;
    }
  }

  // ---- requests -------------------------------------------------------------------------------

  private answer(m: Msg, f: () => unknown): void {
    if (m.reply === undefined) return;
    let body: unknown;
    try {
      body = { ok: true, result: f() };
    } catch (e) {
      const err = asRiskgridError(e);
      body = { ok: false, error: { code: err.code, message: err.message, field: err.field, value: err.value } };
    }
    m.respond(jc.encode(body));
  }

  /** rg.req.<p>.account {account_id} → the account's latest result; rg.req.<p>.whatif {account_id, trades} → engine.whatIf. */
  private request(p: number, m: Msg): void {
    const kind = m.subject.slice(m.subject.lastIndexOf('.') + 1);
    this.answer(m, () => {
      const req = jc.decode(m.data) as { account_id?: unknown; trades?: unknown };
      const id = req.account_id;
      if (typeof id !== 'string' || partitionOf(id, this.partitions) !== p) throw new RiskgridError('RG_ERR_INVALID_INPUT', `account_id ${String(id)} is not in partition ${p}`, { field: 'account_id', value: id });
      const h = this.held.get(p);
      if (h === undefined || !h.ready || h.published === undefined || this.engine === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `partition ${p} is being rebuilt on node ${this.id}`, { field: 'partition', value: p });
      const s = this.accounts.get(id);
      if (s === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `account ${id} is not known to the cluster`, { field: 'account_id', value: id });
      if (kind === 'account') return { snapshot_id: this.engineSnap, seq: this.applied.get(id), node: this.id, result: this.engine.account(id) };
      if (kind !== 'whatif') throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `unknown request ${m.subject}`, { field: 'subject', value: m.subject });
      const pool = typeof s.json.pool === 'string' ? s.json.pool : 'default';
      const engine = this.engines.get(pool);
      if (engine === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `account ${id} names pool "${pool}", which the venue does not run`, { field: 'pool', value: pool });
      const market = this.market!;
      if (this.parsed?.id !== market.id) this.parsed = { id: market.id, snap: engine.parseMarket(market.json) };
      return { snapshot_id: market.id, seq: s.seq, node: this.id, ...engine.whatIf(s.json, this.parsed.snap, req.trades) };
    });
  }

  /** Totals per published partition (in account-id order) on the node's current snapshot. */
  summary(): { node: string; snapshot_id: string | undefined; partitions: Record<number, PartitionTotals> } {
    const out: Record<number, PartitionTotals> = {};
    for (const [p, h] of this.held) {
      if (!h.ready || h.published === undefined || this.engine === undefined) continue;
      const t: PartitionTotals = { accounts: 0, by_status: {}, initial_margin: 0, maintenance_margin: 0, equity: 0 };
      for (const id of [...this.members.get(p)!].sort()) {
        const r = this.engine.account(id);
        if (r === undefined) continue;
        t.accounts++;
        t.by_status[r.status] = (t.by_status[r.status] ?? 0) + 1;
        if (r.status === 'failed') continue;
        t.initial_margin += r.initial_margin;
        t.maintenance_margin += r.maintenance_margin;
        t.equity += r.equity;
      }
      out[p] = t;
    }
    return { node: this.id, snapshot_id: this.engineSnap, partitions: out };
  }

  get owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Clean stop: leases handed back at once, then the connection drained. */
  async stop(): Promise<void> {
    this.closed = true;
    for (const h of this.held.values()) h.stop();
    await this.leases?.stop();
    this.stopMarket?.();
    for (const s of this.subs) s.unsubscribe();
    while (this.running) await new Promise((r) => setTimeout(r, 10));
    await this.engine?.close();
    await this.nc.drain().catch(() => undefined);
  }
}

export { requestSubject };
