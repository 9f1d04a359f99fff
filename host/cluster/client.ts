// The cluster client the service (or any consumer) uses: position updates go to their account's
// partition stream and count as acknowledged once JetStream acks them; snapshots are published once
// and fan out to every node; what-if and account look-ups are requests on the owning partition's
// subject (only its owner listens, so NATS routes them); summaries are gathered from every node;
// results stream back as per-snapshot completions (every account of every partition).
import { connect, createInbox, JSONCodec, type JetStreamClient, type JetStreamManager, type NatsConnection, type Subscription } from 'nats';
import { RiskgridError, type ErrorCode } from '../errors.js';
import type { VenueAccountResult } from '../pool/venue-engine.js';
import type { PartitionTotals, PositionUpdate } from './node.js';
import { partitionOf } from './partition.js';
import { decodeHeader, decodeResults, decodeRoster, decodeTickColumns, tickResults, type ResultBatchHeader, type Roster, type SeqResult, type TickColumns, type TickHeader } from './results-codec.js';
import { ensureCluster, MARKET_SUBJECT, posSubject, requestSubject, ROSTERS, rosterSubject, SUMMARY_SUBJECT } from './streams.js';

const jc = JSONCodec();

export interface TickResults {
  snapshot_id: string;
  /** Account id → result (and the per-account seq it reflects); decoded on first read. */
  readonly results: Map<string, SeqResult>;
  /** ms from the client's publish of the snapshot (when it published it) to the last partition's completion. */
  latency_ms?: number;
}

export interface ClusterSummary {
  snapshot_ids: string[];
  partitions: number;
  /** Partitions no node answered for (being rebuilt, or no node up). */
  missing: number[];
  totals: PartitionTotals;
}

export class ClusterClient {
  private js!: JetStreamClient;
  partitions = 0;
  private published = new Map<string, number>();
  private jsm: Promise<JetStreamManager> | undefined;

  private constructor(readonly nc: NatsConnection) {}

  static async connect(url: string, opts: { partitions?: number } = {}): Promise<ClusterClient> {
    const c = new ClusterClient(await connect({ servers: url.split(','), name: 'riskgrid-cluster-client', maxReconnectAttempts: -1 }));
    c.js = c.nc.jetstream();
    const h = await ensureCluster(c.nc, opts.partitions === undefined ? {} : { partitions: opts.partitions });
    c.partitions = h.partitions;
    return c;
  }

  partitionOf(accountId: string): number {
    return partitionOf(accountId, this.partitions);
  }

  /**
   * Publishes one account's new positions; resolves once JetStream has stored it (acknowledged:
   * from then on it survives any node's loss). `seq` must increase per account; a retry with the
   * same seq is dropped by the stream's duplicate window and, failing that, by the nodes.
   */
  async putAccount(account: Record<string, unknown>, seq: number): Promise<{ stream_seq: number; duplicate: boolean }> {
    const id = account.account_id ?? account.id;
    if (typeof id !== 'string') throw new RiskgridError('RG_ERR_INVALID_INPUT', 'account_id must be a non-empty string', { field: 'account_id', value: id });
    if (!Number.isSafeInteger(seq) || seq < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `seq must be a positive integer, got ${seq}`, { field: 'seq', value: seq });
    const u: PositionUpdate = { account_id: id, seq, account };
    const ack = await this.js.publish(posSubject(this.partitionOf(id)), jc.encode(u), { msgID: `${id}:${seq}` });
    return { stream_seq: ack.seq, duplicate: ack.duplicate };
  }

  /** Publishes a snapshot to every node (the MARKET stream); its snapshot_id names the tick. */
  async publishSnapshot(market: Record<string, unknown>): Promise<number> {
    if (typeof market.snapshot_id !== 'string' || market.snapshot_id === '') throw new RiskgridError('RG_ERR_INVALID_INPUT', 'a cluster snapshot needs a snapshot_id', { field: 'snapshot_id', value: market.snapshot_id });
    this.published.set(market.snapshot_id, performance.now());
    const ack = await this.js.publish(MARKET_SUBJECT, jc.encode(market));
    return ack.seq;
  }

  private async ask<T>(subject: string, body: unknown, timeoutMs: number): Promise<T> {
    const until = performance.now() + timeoutMs;
    let last: { code: string; message: string; field?: string; value?: unknown } | undefined;
    // Retry while the partition has no owner (no responders) or its owner is still rebuilding it.
    while (performance.now() < until) {
      try {
        const m = await this.nc.request(subject, jc.encode(body), { timeout: Math.max(50, Math.min(2000, until - performance.now())) });
        const r = jc.decode(m.data) as { ok: boolean; result?: T; error?: typeof last };
        if (r.ok) return r.result as T;
        last = r.error;
        if (last?.code !== 'RG_ERR_MISSING_MARKET_DATA') break;
      } catch (e) {
        last = { code: 'RG_ERR_MISSING_MARKET_DATA', message: `no node answered on ${subject}: ${(e as Error).message}` };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new RiskgridError((last?.code ?? 'RG_ERR_MISSING_MARKET_DATA') as ErrorCode, last?.message ?? `no answer on ${subject}`, { field: last?.field ?? 'subject', value: last?.value ?? subject });
  }

  /** An account's latest result, from the node owning its partition. */
  account(accountId: string, timeoutMs = 5000): Promise<{ snapshot_id: string; seq: number; node: string; result: VenueAccountResult }> {
    return this.ask(requestSubject(this.partitionOf(accountId), 'account'), { account_id: accountId }, timeoutMs);
  }

  /** engine.whatIf on the owning node: the stored account plus `trades`, on the node's latest snapshot. */
  whatIf(accountId: string, trades: unknown, timeoutMs = 5000): Promise<Record<string, unknown> & { snapshot_id: string; seq: number; node: string }> {
    return this.ask(requestSubject(this.partitionOf(accountId), 'whatif'), { account_id: accountId, trades }, timeoutMs);
  }

  /** Venue totals gathered from every node (one answer per partition; totals summed in partition order). */
  async summary(waitMs = 500): Promise<ClusterSummary> {
    const inbox = createInbox();
    const byPart = new Map<number, { snap: string; t: PartitionTotals }>();
    const sub = this.nc.subscribe(inbox);
    const done = (async () => {
      for await (const m of sub) {
        const r = jc.decode(m.data) as { ok: boolean; result?: { snapshot_id: string; partitions: Record<string, PartitionTotals> } };
        if (!r.ok || r.result === undefined) continue;
        for (const [p, t] of Object.entries(r.result.partitions)) if (!byPart.has(Number(p))) byPart.set(Number(p), { snap: r.result.snapshot_id, t });
        if (byPart.size === this.partitions) break;
      }
    })();
    this.nc.publish(SUMMARY_SUBJECT, jc.encode({}), { reply: inbox });
    await Promise.race([done, new Promise((r) => setTimeout(r, waitMs))]);
    sub.unsubscribe();
    const totals: PartitionTotals = { accounts: 0, by_status: {}, initial_margin: 0, maintenance_margin: 0, equity: 0 };
    const missing: number[] = [];
    const snaps = new Set<string>();
    for (let p = 0; p < this.partitions; p++) {
      const e = byPart.get(p);
      if (e === undefined) {
        missing.push(p);
        continue;
      }
      snaps.add(e.snap);
      totals.accounts += e.t.accounts;
      for (const [s, n] of Object.entries(e.t.by_status)) totals.by_status[s] = (totals.by_status[s] ?? 0) + n;
      totals.initial_margin += e.t.initial_margin;
      totals.maintenance_margin += e.t.maintenance_margin;
      totals.equity += e.t.equity;
    }
    return { snapshot_ids: [...snaps], partitions: this.partitions, missing, totals };
  }

  /**
   * Streams results: `onTick` once every partition has delivered all its accounts for a snapshot
   * (the chunks of one producer; a partition re-published after a failover counts once), `onUpdate`
   * for accounts re-margined by a position update. Chunks are kept as received and decoded only
   * when `results` is read (completion needs only the headers); a later chunk (a failover
   * re-publish, an update) still lands in that snapshot's `results`, the higher seq winning.
   */
  streamResults(handlers: { onTick?: (t: TickResults) => void; onUpdate?: (snapshotId: string, results: SeqResult[]) => void; onChunk?: (h: ResultBatchHeader) => void; onError?: (e: Error) => void }): Subscription {
    type Part = { producers: Map<string, { got: Set<number>; chunks: number }>; done: boolean };
    const ticks = new Map<string, { parts: Map<number, Part>; complete: number; view: LazyTick }>();
    const order: string[] = [];
    const tickOf = (id: string) => {
      let t = ticks.get(id);
      if (t === undefined) {
        ticks.set(id, (t = { parts: new Map(), complete: 0, view: new LazyTick(id) }));
        order.push(id);
        if (order.length > 64) ticks.delete(order.shift()!);
      }
      return t;
    };
    // Rosters by ROSTERS stream sequence (a few per partition: a superseded one may still be named
    // by a producer's late chunks). Tick chunks naming one not yet here wait for it: it is read from
    // the stream (stored before any chunk naming it was published), then they are taken in order.
    const rosters = new Map<number, Roster>();
    const waiting = new Map<number, Array<{ h: TickHeader; data: Uint8Array }>>();
    const readRoster = async (seq: number, p: number): Promise<Roster> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const m = await (await this.manager()).streams.getMessage(ROSTERS, { seq });
          if (m.subject !== rosterSubject(p)) throw new RiskgridError('RG_ERR_PARSE', `ROSTERS message ${seq} is on ${m.subject}, not ${rosterSubject(p)}`, { field: 'roster', value: seq });
          return decodeRoster(m.data);
        } catch (e) {
          if (attempt >= 4 || (e instanceof RiskgridError)) throw e;
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
      }
    };
    const take = (h: ResultBatchHeader, data: Uint8Array, cols?: { cols: TickColumns; roster: Roster }): void => {
      const t = tickOf(h.snapshot_id);
      if (h.kind === 'update') {
        t.view.add({ data });
        if (handlers.onUpdate !== undefined) {
          try {
            handlers.onUpdate(h.snapshot_id, decodeResults(data).results);
          } catch (e) {
            handlers.onError?.(e as Error);
          }
        }
        return;
      }
      t.view.add(cols!);
      let part = t.parts.get(h.partition);
      if (part === undefined) t.parts.set(h.partition, (part = { producers: new Map(), done: false }));
      const key = `${h.node}#${h.epoch}`;
      let pr = part.producers.get(key);
      if (pr === undefined) part.producers.set(key, (pr = { got: new Set(), chunks: h.chunks }));
      pr.got.add(h.chunk);
      if (!part.done && pr.got.size === pr.chunks) {
        part.done = true;
        if (++t.complete === this.partitions) {
          const t0 = this.published.get(h.snapshot_id);
          if (t0 !== undefined) t.view.latency_ms = performance.now() - t0;
          handlers.onTick?.(t.view);
        }
      }
    };
    const takeTick = (h: TickHeader, data: Uint8Array, roster: Roster): void => {
      let cols: TickColumns;
      try {
        cols = decodeTickColumns(data); // views of the copy: no figure is copied again
        if (roster.partition !== h.partition || roster.ids.length !== h.total) throw new RiskgridError('RG_ERR_PARSE', `tick chunk of partition ${h.partition} (${h.total} accounts) names roster ${h.roster} of partition ${roster.partition} (${roster.ids.length})`, { field: 'roster', value: h.roster });
      } catch (e) {
        handlers.onError?.(e as Error);
        return;
      }
      take(h, data, { cols, roster });
    };
    return this.nc.subscribe('results.*', {
      callback: (_e, m) => {
        let h: ResultBatchHeader;
        try {
          h = decodeHeader(m.data);
        } catch (e) {
          handlers.onError?.(e as Error);
          return;
        }
        handlers.onChunk?.(h);
        // The socket's buffer is not ours to keep: a copy (8-aligned, so the columns are viewed in place).
        const data = Uint8Array.prototype.slice.call(m.data) as Uint8Array;
        if (h.kind === 'update') return take(h, data);
        const roster = rosters.get(h.roster);
        if (roster !== undefined) return takeTick(h, data, roster);
        let q = waiting.get(h.roster);
        if (q !== undefined) return void q.push({ h, data });
        waiting.set(h.roster, (q = [{ h, data }]));
        const seq = h.roster;
        readRoster(seq, h.partition).then((r) => {
          rosters.set(seq, r);
          while (rosters.size > 8 * this.partitions) rosters.delete(rosters.keys().next().value!);
          const list = waiting.get(seq) ?? [];
          waiting.delete(seq);
          for (const x of list) takeTick(x.h, x.data, r);
        }, (e: unknown) => {
          const n = waiting.get(seq)?.length ?? 0;
          waiting.delete(seq);
          handlers.onError?.(new Error(`roster ${seq} of partition ${h.partition} could not be read (${(e as Error).message}): ${n} result chunks dropped`));
        });
      },
    });
  }

  private manager(): Promise<JetStreamManager> {
    return (this.jsm ??= this.nc.jetstreamManager());
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** A snapshot's results, decoded on first read of `results` (and again after more chunks arrive). */
class LazyTick implements TickResults {
  latency_ms?: number;
  private readonly chunks: Array<{ data: Uint8Array } | { cols: TickColumns; roster: Roster }> = [];
  private cache: Map<string, SeqResult> | undefined;
  constructor(readonly snapshot_id: string) {}

  add(chunk: { data: Uint8Array } | { cols: TickColumns; roster: Roster }): void {
    this.chunks.push(chunk);
    this.cache = undefined;
  }

  get results(): Map<string, SeqResult> {
    if (this.cache !== undefined) return this.cache;
    const map = new Map<string, SeqResult>();
    for (const c of this.chunks) {
      for (const r of 'data' in c ? decodeResults(c.data).results : tickResults(c.cols, c.roster)) {
        const prev = map.get(r.account_id);
        if (prev === undefined || prev.seq <= r.seq) map.set(r.account_id, r);
      }
    }
    return (this.cache = map);
  }
}
