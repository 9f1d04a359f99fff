// The wire forms of results (issue 10). Three messages:
// 1. Roster (subject `roster.<p>`, stream ROSTERS): a partition's accounts in the order its tick
//    chunks carry them, with their pools and the per-account seqs they reflect. Sent once per
//    partition epoch — when a node takes the partition, when its membership (or an account's pool)
//    changes — not on every tick. JSON: { partition, node, epoch, ids, pools, pool, seqs }.
//    A tick chunk names its roster by the roster's ROSTERS stream sequence (`roster`): unique,
//    stored (acknowledged) before the first chunk that names it is published.
// 2. Tick chunk (kind `tick`): roster positions [first, first + count), column-wise:
//      u32 LE header length | header JSON, padded with spaces so the columns start 8-aligned |
//      f64 LE × count per column: initial_margin, maintenance_margin, equity, im_excess, mm_excess |
//      u8 × count status (index in ST_NAMES)
//    Sparse in the header, keyed by roster position: `seq_changes` (accounts whose seq moved since
//    the roster) and `errors` (failed accounts). excess_ratio is not sent: it is
//    excessRatio(mm_excess, maintenance_margin), the engine's own formula (NaN when failed).
//    41 bytes an account; the figures are the engine's doubles bit for bit (NaN, −0).
// 3. Update batch (kind `update`): accounts re-margined by position updates, self-describing
//    (ids, pools, seqs in the header; six f64 columns with excess_ratio, status and pool bytes).
import { RiskgridError } from '../errors.js';
import { excessRatio, ST_FAILED, ST_NAMES, type VenueStatus } from '../pool/venue-layout.js';
import type { VenueAccountResult, VenueResultColumns } from '../pool/venue-engine.js';

type AccountError = NonNullable<VenueAccountResult['error']>;

interface BatchHeaderBase {
  snapshot_id: string;
  partition: number;
  /** Producer (node id) and its lease revision on the partition: chunks of one tick come from one producer. */
  node: string;
  epoch: number;
  chunk: number;
  chunks: number;
  /** Accounts in the partition (kind tick: the roster's length, so a consumer checks it saw them all). */
  total: number;
}

/** Every account of a partition on one snapshot, as columns over a roster. */
export interface TickHeader extends BatchHeaderBase {
  kind: 'tick';
  /** ROSTERS stream sequence of the roster this chunk's positions refer to. */
  roster: number;
  first: number;
  count: number;
  /** Roster position → seq, for accounts whose seq is no longer the roster's. */
  seq_changes?: Record<number, number>;
  /** Roster position → error, for failed accounts. */
  errors?: Record<number, AccountError>;
}

/** Accounts changed by a position update (self-describing). */
export interface UpdateHeader extends BatchHeaderBase {
  kind: 'update';
  ids: string[];
  pools: string[];
  /** Per-account sequence of the position update each result reflects (same order as ids). */
  seqs: number[];
  /** Index in ids → error. */
  errors?: Record<number, AccountError>;
}

export type ResultBatchHeader = TickHeader | UpdateHeader;

/** A partition's accounts in tick order (see the file comment). */
export interface Roster {
  partition: number;
  node: string;
  epoch: number;
  ids: string[];
  /** Pool names; `pool[k]` indexes it. */
  pools: string[];
  pool: number[];
  seqs: number[];
}

const FIGS = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'excess_ratio'] as const;
/** The columns a tick chunk carries, in wire order. */
export const TICK_FIGS = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess'] as const;
export const TICK_BYTES_PER_ACCOUNT = 8 * TICK_FIGS.length + 1;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

const parseError = (why: string, value: unknown): never => {
  throw new RiskgridError('RG_ERR_PARSE', why, { field: 'results', value });
};

/** Header JSON behind a u32 length, padded so that what follows starts at a multiple of 8. */
function framed(header: unknown, body: number): { out: Uint8Array; at: number } {
  const hb = utf8.encode(JSON.stringify(header));
  const hLen = Math.ceil((4 + hb.length) / 8) * 8 - 4;
  const out = new Uint8Array(4 + hLen + body);
  new DataView(out.buffer).setUint32(0, hLen, true);
  out.set(hb, 4);
  out.fill(0x20, 4 + hb.length, 4 + hLen);
  return { out, at: 4 + hLen };
}

/** Header only (cheap: no figures decoded). */
export function decodeHeader(data: Uint8Array): ResultBatchHeader {
  if (data.length < 4) parseError('result batch is shorter than its length prefix', data.length);
  const hLen = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
  if (4 + hLen > data.length) parseError('result batch header overruns the message', data.length);
  const h = JSON.parse(utf8d.decode(data.subarray(4, 4 + hLen))) as ResultBatchHeader;
  if (h === null || typeof h !== 'object' || (h.kind !== 'tick' && h.kind !== 'update')) parseError('result batch header has no kind tick|update', String((h as { kind?: unknown } | null)?.kind));
  return h;
}

// ---- rosters --------------------------------------------------------------------------------

export function encodeRoster(r: Roster): Uint8Array {
  return utf8.encode(JSON.stringify(r));
}

export function decodeRoster(data: Uint8Array): Roster {
  const r = JSON.parse(utf8d.decode(data)) as Roster;
  const n = Array.isArray(r?.ids) ? r.ids.length : -1;
  if (n < 0 || !Array.isArray(r.pools) || !Array.isArray(r.pool) || r.pool.length !== n || !Array.isArray(r.seqs) || r.seqs.length !== n || !Number.isInteger(r.partition)) {
    parseError('roster is malformed (ids, pools, pool, seqs of one length and a partition expected)', n);
  }
  return r;
}

// ---- tick chunks ----------------------------------------------------------------------------

/** The columns of a tick chunk (views of the message when it is 8-aligned, else of one copy). */
export interface TickColumns extends Omit<VenueResultColumns, 'excess_ratio'> {
  header: TickHeader;
}

/** A tick chunk from figure columns (entry k = roster position first + k). */
export function encodeTick(h: Omit<TickHeader, 'kind' | 'count'>, cols: Omit<TickColumns, 'header'>, count: number): Uint8Array {
  const { out, at } = framed({ kind: 'tick', ...h, count }, TICK_BYTES_PER_ACCOUNT * count);
  const f = new Float64Array(out.buffer, at, TICK_FIGS.length * count);
  TICK_FIGS.forEach((name, c) => f.set(cols[name].subarray(0, count), c * count));
  out.set(cols.status.subarray(0, count), at + 8 * TICK_FIGS.length * count);
  return out;
}

export function decodeTickColumns(data: Uint8Array): TickColumns {
  const header = decodeHeader(data);
  if (header.kind !== 'tick') return parseError('not a tick chunk', header.kind);
  const n = header.count;
  const hLen = data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true) : 0;
  const at = 4 + hLen;
  if (!Number.isInteger(n) || n < 0 || data.length !== at + TICK_BYTES_PER_ACCOUNT * n) parseError(`tick chunk has ${data.length} bytes for ${n} accounts`, data.length);
  // Zero-copy when the figures are 8-aligned in their buffer (a message copied out on its own is).
  const body = (data.byteOffset + at) % 8 === 0 ? data.subarray(at) : (Uint8Array.prototype.slice.call(data, at) as Uint8Array);
  const f = (c: number) => new Float64Array(body.buffer, body.byteOffset + 8 * c * n, n);
  return { header, initial_margin: f(0), maintenance_margin: f(1), equity: f(2), im_excess: f(3), mm_excess: f(4), status: body.subarray(8 * TICK_FIGS.length * n, 8 * TICK_FIGS.length * n + n) };
}

/** The results of a tick chunk over its roster (the one whose stream sequence header.roster names). */
export function tickResults(cols: TickColumns, roster: Roster): SeqResult[] {
  const h = cols.header;
  if (roster.partition !== h.partition || roster.ids.length !== h.total || h.first < 0 || h.first + h.count > h.total) {
    parseError(`tick chunk (partition ${h.partition}, ${h.total} accounts, from ${h.first}) does not fit its roster (partition ${roster.partition}, ${roster.ids.length} accounts)`, h.roster);
  }
  const out: SeqResult[] = new Array(h.count);
  for (let k = 0; k < h.count; k++) {
    const pos = h.first + k;
    const st = cols.status[k]!;
    const mm = cols.maintenance_margin[k]!;
    const mmExcess = cols.mm_excess[k]!;
    const r: SeqResult = {
      account_id: roster.ids[pos]!,
      pool: roster.pools[roster.pool[pos]!]!,
      status: ST_NAMES[st] as VenueStatus,
      initial_margin: cols.initial_margin[k]!,
      maintenance_margin: mm,
      equity: cols.equity[k]!,
      im_excess: cols.im_excess[k]!,
      mm_excess: mmExcess,
      excess_ratio: st === ST_FAILED ? NaN : excessRatio(mmExcess, mm),
      seq: h.seq_changes?.[pos] ?? roster.seqs[pos]!,
    };
    const e = h.errors?.[pos];
    if (e !== undefined) r.error = e;
    out[k] = r;
  }
  return out;
}

// ---- update batches -------------------------------------------------------------------------

export function encodeResults(h: Omit<UpdateHeader, 'kind' | 'ids' | 'pools' | 'errors'>, results: readonly VenueAccountResult[]): Uint8Array {
  const n = results.length;
  const pools: string[] = [];
  const poolIx = new Map<string, number>();
  const errors: Record<number, AccountError> = {};
  let anyError = false;
  const poolOf = new Uint8Array(n);
  const ids = results.map((r, k) => {
    if (r.error !== undefined) {
      errors[k] = r.error;
      anyError = true;
    }
    let p = poolIx.get(r.pool);
    if (p === undefined) {
      p = pools.length;
      if (p > 255) throw new RiskgridError('RG_ERR_CAPACITY', 'a result batch carries at most 256 pools', { field: 'pool', value: r.pool });
      poolIx.set(r.pool, p);
      pools.push(r.pool);
    }
    poolOf[k] = p;
    return r.account_id;
  });
  const { out, at } = framed({ kind: 'update', ...h, ids, pools, ...(anyError ? { errors } : {}) }, 48 * n + 2 * n);
  const f = new Float64Array(out.buffer, at, 6 * n);
  FIGS.forEach((name, c) => {
    for (let k = 0; k < n; k++) f[c * n + k] = results[k]![name];
  });
  const st = at + 48 * n;
  for (let k = 0; k < n; k++) out[st + k] = ST_NAMES.indexOf(results[k]!.status);
  out.set(poolOf, st + n);
  return out;
}

/** A decoded result: the engine's figures and the per-account seq of the positions they reflect. */
export type SeqResult = VenueAccountResult & { seq: number };

export function decodeResults(data: Uint8Array): { header: UpdateHeader; results: SeqResult[] } {
  const header = decodeHeader(data);
  if (header.kind !== 'update') return parseError('not an update batch (a tick chunk needs its roster: tickResults)', header.kind);
  const hLen = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
  const n = header.ids.length;
  const at = 4 + hLen;
  if (data.length !== at + 50 * n) parseError(`result batch has ${data.length} bytes for ${n} accounts`, data.length);
  // The message need not be 8-aligned (nor own its ArrayBuffer): copy the figures out.
  const f = new Float64Array((Uint8Array.prototype.slice.call(data, at, at + 48 * n) as Uint8Array).buffer);
  const st = at + 48 * n;
  const results: SeqResult[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const r: SeqResult = {
      account_id: header.ids[k]!,
      pool: header.pools[data[st + n + k]!]!,
      status: ST_NAMES[data[st + k]!] as VenueStatus,
      initial_margin: f[k]!,
      maintenance_margin: f[n + k]!,
      equity: f[2 * n + k]!,
      im_excess: f[3 * n + k]!,
      mm_excess: f[4 * n + k]!,
      excess_ratio: f[5 * n + k]!,
      seq: header.seqs[k]!,
    };
    const e = header.errors?.[k];
    if (e !== undefined) r.error = e;
    results[k] = r;
  }
  return { header, results };
}
