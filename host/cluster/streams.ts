// The cluster's JetStream layout (created idempotently by whichever node or client comes first):
//   POSITIONS  pos.<p>            account position updates {account_id, seq, account}; file storage,
//                                 kept forever (a claiming node rebuilds its partitions from here);
//                                 Nats-Msg-Id `<account>:<seq>` dedupes a publisher's retries.
//   MARKET     market.snapshots   market snapshots, broadcast to every node; the last 16 kept.
//   RESULTS    results.<p>        binary result batches (results-codec.ts); memory, 15 minutes.
//   ROSTERS    roster.<p>         each partition's account list as its tick chunks order it, once per
//                                 epoch (results-codec.ts); chunks name it by its stream sequence; the
//                                 last 8 per partition kept (a consumer may still need a superseded one).
//   KV cluster-config             `partitions` (fixed at creation)
//   KV partition-owners (TTL)     `p.<n>` → lease of partition n, `node.<id>` → live node heartbeat
// Requests (core NATS): rg.req.<p>.whatif / rg.req.<p>.account answered by the owner of p,
// rg.summary answered by every node with its partitions' totals.
import { DiscardPolicy, RetentionPolicy, StorageType, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import { RiskgridError } from '../errors.js';
import { checkPartitions, DEFAULT_PARTITIONS } from './partition.js';

export const POSITIONS = 'POSITIONS';
export const MARKET = 'MARKET';
export const RESULTS = 'RESULTS';
export const ROSTERS = 'ROSTERS';
export const MARKET_SUBJECT = 'market.snapshots';
export const OWNERS_BUCKET = 'partition-owners';
export const CONFIG_BUCKET = 'cluster-config';
export const SUMMARY_SUBJECT = 'rg.summary';

export const posSubject = (p: number) => `pos.${p}`;
export const resultsSubject = (p: number) => `results.${p}`;
export const rosterSubject = (p: number) => `roster.${p}`;
export const requestSubject = (p: number, kind: 'whatif' | 'account') => `rg.req.${p}.${kind}`;
export const leaseKey = (p: number) => `p.${p}`;
export const nodeKey = (id: string) => `node.${id}`;

/** Largest message the cluster sends (a market snapshot, a result chunk): the server's max_payload must allow it. */
export const MAX_PAYLOAD = 8 * 1024 * 1024;

async function ensureStream(jsm: JetStreamManager, cfg: Parameters<JetStreamManager['streams']['add']>[0] & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(cfg.name);
  } catch {
    try {
      await jsm.streams.add(cfg);
    } catch (e) {
      // Another process created it between our look and our add.
      await jsm.streams.info(cfg.name).catch(() => {
        throw e;
      });
    }
  }
}

export interface ClusterHandles {
  partitions: number;
  /** The lease bucket (nodes only: its TTL is the nodes' lease ttl, not a client's to choose). */
  owners?: KV;
}

/** Creates (or finds) the streams and buckets; returns the cluster's partition count and the lease bucket. */
export async function ensureCluster(nc: NatsConnection, opts: { partitions?: number; leaseTtlMs?: number }): Promise<ClusterHandles> {
  const jsm = await nc.jetstreamManager();
  await ensureStream(jsm, { name: POSITIONS, subjects: ['pos.*'], storage: StorageType.File, retention: RetentionPolicy.Limits, duplicate_window: 120e9 });
  await ensureStream(jsm, { name: MARKET, subjects: [MARKET_SUBJECT], storage: StorageType.File, max_msgs: 16, discard: DiscardPolicy.Old });
  await ensureStream(jsm, { name: ROSTERS, subjects: ['roster.*'], storage: StorageType.File, max_msgs_per_subject: 8, discard: DiscardPolicy.Old });
  await ensureStream(jsm, { name: RESULTS, subjects: ['results.*'], storage: StorageType.Memory, max_age: 15 * 60e9, max_bytes: 1 << 30, discard: DiscardPolicy.Old });
  const js = nc.jetstream();
  const config = await js.views.kv(CONFIG_BUCKET, { history: 1 });
  const want = checkPartitions(opts.partitions ?? DEFAULT_PARTITIONS);
  try {
    await config.create('partitions', String(want));
  } catch {
    /* already set: the cluster's value wins below */
  }
  const e = await config.get('partitions');
  const partitions = Number(e?.string());
  checkPartitions(partitions);
  if (opts.partitions !== undefined && partitions !== opts.partitions) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `the cluster runs ${partitions} partitions, not ${opts.partitions}`, { field: 'partitions', value: opts.partitions });
  }
  if (opts.leaseTtlMs === undefined) return { partitions };
  const owners = await js.views.kv(OWNERS_BUCKET, { history: 1, ttl: opts.leaseTtlMs });
  return { partitions, owners };
}
