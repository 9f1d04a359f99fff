// Partition leases in a JetStream KV bucket whose entries expire after `ttl` unless renewed.
// Every ttl/4 a node renews its node key and each lease it holds (CAS on the revision it
// wrote: if the entry expired or changed hands, the CAS fails and the lease is lost); every `interval` it
// looks at the other partitions: an absent (expired, deleted) lease is claimed with create() — which only one
// node can win — while the node holds fewer than ceil(P / live nodes), or by anyone once it has been
// orphaned for two intervals (the live-node count lags a death by up to a ttl). A node holding more than its share releases the surplus (delete
// with its revision). A killed node's partitions are therefore owned again after at most
// ttl + 2·interval. A lease is only trusted while its last renewal is younger than the ttl.
import type { KV } from 'nats';
import { leaseKey, nodeKey } from './streams.js';

export interface LeaseEvents {
  claimed(p: number, epoch: number): void;
  lost(p: number): void;
  error?(message: string): void;
}

export class Leases {
  /** Partition → revision of our lease entry. */
  readonly held = new Map<number, number>();
  private renewedAt = new Map<number, number>();
  /** Partition → when a scan first found it unowned. */
  private orphans = new Map<number, number>();
  private nodeRev = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private busy = false;
  private renewing = false;
  private stopped = false;
  private scans = 0;
  private startedAt = 0;
  /** Why the last scan failed (reported once per distinct reason). */
  lastError: string | undefined;
  liveNodes = 1;

  constructor(
    private readonly kv: KV,
    readonly nodeId: string,
    private readonly partitions: number,
    private readonly ttlMs: number,
    private readonly intervalMs: number,
    private readonly on: LeaseEvents,
  ) {}

  async start(): Promise<void> {
    this.startedAt = performance.now();
    this.nodeRev = await this.kv.put(nodeKey(this.nodeId), JSON.stringify({ node: this.nodeId, pid: process.pid }));
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
    // Renewal runs on its own timer: a slow scan (or a busy node) must not let leases lapse.
    this.renewTimer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ttlMs / 4)));
  }

  /** True while our lease on p is held and was renewed within the ttl. */
  owns(p: number): boolean {
    const t = this.renewedAt.get(p);
    return t !== undefined && performance.now() - t < this.ttlMs;
  }

  private lose(p: number): void {
    if (!this.held.delete(p)) return;
    this.renewedAt.delete(p);
    this.on.lost(p);
  }

  async scan(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    // A request that never answers must not stall scanning for good: give up after a ttl.
    const scan = this.scanOnce();
    const timer = new Promise<void>((r) => setTimeout(r, this.ttlMs).unref());
    try {
      await Promise.race([scan, timer]);
    } finally {
      this.busy = false;
    }
  }

  private async scanOnce(): Promise<void> {
    try {
      this.scans++;
      // Live nodes: node keys renewed within half a ttl of the freshest one (server timestamps, so no
      // clock skew). A live node renews every ttl/4, so a dead one stops counting after ttl/2 —
      // before its leases expire (ttl): the survivors' share is already right when its partitions free up.
      const names: string[] = [];
      for await (const k of await this.kv.keys('node.*')) names.push(k);
      const stamps = (await Promise.all(names.map((k) => this.kv.get(k)))).filter((e) => e !== null && e.operation === 'PUT').map((e) => e!.created.getTime());
      const newest = Math.max(...stamps);
      this.liveNodes = Math.max(1, stamps.filter((t) => t >= newest - this.ttlMs / 2).length);
      // For a ttl we only announce ourselves: every node started within it is counted from the first claim.
      if (performance.now() - this.startedAt < this.ttlMs) return;
      const target = Math.ceil(this.partitions / this.liveNodes);
      const others = Array.from({ length: this.partitions }, (_, p) => p).filter((p) => !this.held.has(p));
      const entries = await Promise.all(others.map((p) => this.kv.get(leaseKey(p))));
      const free = others.filter((p, k) => !this.held.has(p) && (entries[k] === null || entries[k]!.operation !== 'PUT'));
      const now = performance.now();
      this.orphans = new Map(free.map((p) => [p, this.orphans.get(p) ?? now]));
      // Start at a node-specific offset so that nodes claiming together mostly pick different partitions.
      const start = free.length === 0 ? 0 : hash(this.nodeId) % free.length;
      // Claimed together in one round trip: a node that is busy re-margining must not take its share
      // in a trickle of scans (each wave of partitions costs it a reload).
      const want: number[] = [];
      for (let k = 0; k < free.length; k++) {
        const p = free[(start + k) % free.length]!;
        // Over our share only for a partition nobody took within two scans (the dead node's key may not have expired yet).
        if (this.held.size + want.length >= target && now - this.orphans.get(p)! < 2 * this.intervalMs) continue;
        want.push(p);
      }
      const won = await Promise.all(want.map((p) => this.kv.create(leaseKey(p), JSON.stringify({ node: this.nodeId })).then((rev) => ({ p, rev }), () => undefined)));
      for (const w of won) {
        if (w === undefined || this.stopped) continue; // another node won it
        this.held.set(w.p, w.rev);
        this.renewedAt.set(w.p, performance.now());
        this.orphans.delete(w.p);
        this.on.claimed(w.p, w.rev);
      }
      // Hand back the surplus in one go (one engine rebuild here, one claim wave there), and only
      // when nothing is unowned (no churn while a failover settles).
      if (free.length === 0 && this.held.size > target) {
        const surplus = [...this.held.keys()].sort((a, b) => b - a).slice(0, this.held.size - target);
        for (const p of surplus) {
          const rev = this.held.get(p)!;
          this.lose(p);
          await this.kv.delete(leaseKey(p), { previousSeq: rev }).catch(() => undefined);
        }
      }
    } catch (e) {
      // A failed scan (server restarting, timeout) is retried next interval; unrenewed leases lapse.
      const why = (e as Error).message;
      if (why !== this.lastError) this.on.error?.(`lease scan failed: ${why}`);
      this.lastError = why;
    }
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.stopped) return;
    this.renewing = true;
    try {
      await Promise.race([this.renewAll(), new Promise<void>((r) => setTimeout(r, this.ttlMs).unref())]);
    } catch {
      /* retried on the next tick of the renewal timer */
    } finally {
      this.renewing = false;
    }
  }

  private async renewAll(): Promise<void> {
    try {
      this.nodeRev = await this.kv.update(nodeKey(this.nodeId), JSON.stringify({ node: this.nodeId, pid: process.pid }), this.nodeRev);
    } catch {
      this.nodeRev = await this.kv.put(nodeKey(this.nodeId), JSON.stringify({ node: this.nodeId, pid: process.pid }));
    }
    await Promise.all([...this.held].map(async ([p, rev]) => {
      const t = performance.now();
      let next: number;
      try {
        next = await this.kv.update(leaseKey(p), JSON.stringify({ node: this.nodeId }), rev);
      } catch {
        if (this.held.get(p) === rev) this.lose(p);
        return;
      }
      if (this.held.get(p) === rev) {
        this.held.set(p, next);
        this.renewedAt.set(p, t);
      } else {
        // Released while this renewal was in flight (whose CAS then beat the release's delete):
        // delete the entry we just wrote, or the partition would stay leased to no one serving it.
        await this.kv.delete(leaseKey(p), { previousSeq: next }).catch(() => undefined);
      }
    }));
    for (const p of [...this.held.keys()]) if (!this.owns(p)) this.lose(p);
  }

  /** Releases every lease (a clean shutdown hands partitions over at once instead of after the ttl). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.renewTimer !== undefined) clearInterval(this.renewTimer);
    while (this.busy || this.renewing) await new Promise((r) => setTimeout(r, 10));
    for (const [p, rev] of [...this.held]) {
      this.lose(p);
      await this.kv.delete(leaseKey(p), { previousSeq: rev }).catch(() => undefined);
    }
    await this.kv.delete(nodeKey(this.nodeId)).catch(() => undefined);
  }
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
