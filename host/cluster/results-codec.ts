// The wire form of per-account results: one message per chunk of a partition's accounts.
//   u32 LE header length | header JSON (padded with spaces to a multiple of 8) |
//   f64 LE × 6n (initial_margin, maintenance_margin, equity, im_excess, mm_excess, excess_ratio,
//   column by column) | u8 × n status (index in ST_NAMES) | u8 × n pool (index in header.pools)
// Binary figures are the engine's doubles bit for bit (NaN of a failed account, −0 included) and
// cost 50 bytes an account instead of ~250 as JSON text; ids and errors travel in the header.
import { RiskgridError } from '../errors.js';
import { ST_NAMES, type VenueStatus } from '../pool/venue-layout.js';
import type { VenueAccountResult } from '../pool/venue-engine.js';

export interface ResultBatchHeader {
  /** `tick`: every account of the partition on this snapshot; `update`: accounts changed by a position update. */
  kind: 'tick' | 'update';
  snapshot_id: string;
  partition: number;
  /** Producer (node id) and its lease revision on the partition: chunks of one tick come from one producer. */
  node: string;
  epoch: number;
  chunk: number;
  chunks: number;
  /** Accounts in the partition (kind tick): a consumer checks it saw them all. */
  total: number;
  ids: string[];
  pools: string[];
  /** Per-account sequence of the position update each result reflects (same order as ids). */
  seqs: number[];
  errors?: Record<number, NonNullable<VenueAccountResult['error']>>;
}

const FIGS = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'excess_ratio'] as const;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** A message for n accounts whose figures the caller writes into `f` (column c at c·n + k), `status`, `pool`. */
export function resultMessage(h: Omit<ResultBatchHeader, 'errors'> & { errors?: ResultBatchHeader['errors'] }): { bytes: Uint8Array; f: Float64Array; status: Uint8Array; pool: Uint8Array } {
  const n = h.ids.length;
  const header = utf8.encode(JSON.stringify(h));
  const hLen = Math.ceil((4 + header.length) / 8) * 8 - 4;
  const out = new Uint8Array(4 + hLen + 50 * n);
  new DataView(out.buffer).setUint32(0, hLen, true);
  out.set(header, 4);
  out.fill(0x20, 4 + header.length, 4 + hLen);
  const st = 4 + hLen + 48 * n;
  return { bytes: out, f: new Float64Array(out.buffer, 4 + hLen, 6 * n), status: out.subarray(st, st + n), pool: out.subarray(st + n, st + 2 * n) };
}

/** Header only (cheap: no figures decoded). */
export function decodeHeader(data: Uint8Array): ResultBatchHeader {
  if (data.length < 4) throw new RiskgridError('RG_ERR_PARSE', 'result batch is shorter than its length prefix', { field: 'results', value: data.length });
  const hLen = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0, true);
  if (4 + hLen > data.length) throw new RiskgridError('RG_ERR_PARSE', 'result batch header overruns the message', { field: 'results', value: data.length });
  return JSON.parse(utf8d.decode(data.subarray(4, 4 + hLen))) as ResultBatchHeader;
}

export function encodeResults(h: Omit<ResultBatchHeader, 'ids' | 'pools' | 'errors'>, results: readonly VenueAccountResult[]): Uint8Array {
  const n = results.length;
  const pools: string[] = [];
  const poolIx = new Map<string, number>();
  const errors: Record<number, NonNullable<VenueAccountResult['error']>> = {};
  let anyError = false;
  const ids = results.map((r, k) => {
    if (r.error !== undefined) {
      errors[k] = r.error;
      anyError = true;
    }
    return r.account_id;
  });
  const poolOf = new Uint8Array(n);
  results.forEach((r, k) => {
    let p = poolIx.get(r.pool);
    if (p === undefined) {
      p = pools.length;
      if (p > 255) throw new RiskgridError('RG_ERR_CAPACITY', 'a result batch carries at most 256 pools', { field: 'pool', value: r.pool });
      poolIx.set(r.pool, p);
      pools.push(r.pool);
    }
    poolOf[k] = p;
  });
  const header = utf8.encode(JSON.stringify({ ...h, ids, pools, ...(anyError ? { errors } : {}) }));
  const hLen = Math.ceil((4 + header.length) / 8) * 8 - 4;
  const out = new Uint8Array(4 + hLen + 48 * n + 2 * n);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, hLen, true);
  out.set(header, 4);
  out.fill(0x20, 4 + header.length, 4 + hLen);
  const f = new Float64Array(out.buffer, 4 + hLen, 6 * n); // 4 + hLen is a multiple of 8
  FIGS.forEach((name, c) => {
    for (let k = 0; k < n; k++) f[c * n + k] = results[k]![name];
  });
  const st = 4 + hLen + 48 * n;
  for (let k = 0; k < n; k++) {
    const s = ST_NAMES.indexOf(results[k]!.status);
    out[st + k] = s;
  }
  out.set(poolOf, st + n);
  return out;
}

/** A decoded result: the engine's figures and the per-account seq of the positions they reflect. */
export type SeqResult = VenueAccountResult & { seq: number };

export interface DecodedResults {
  header: ResultBatchHeader;
  results: SeqResult[];
}

export function decodeResults(data: Uint8Array): DecodedResults {
  const bad = (why: string): never => {
    throw new RiskgridError('RG_ERR_PARSE', `result batch ${why}`, { field: 'results', value: data.length });
  };
  if (data.length < 4) bad('is shorter than its length prefix');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const hLen = dv.getUint32(0, true);
  if (4 + hLen > data.length) bad('header overruns the message');
  const header = JSON.parse(utf8d.decode(data.subarray(4, 4 + hLen))) as ResultBatchHeader;
  const n = header.ids.length;
  if (data.length !== 4 + hLen + 50 * n) bad(`has ${data.length} bytes for ${n} accounts`);
  // The message buffer need not be 8-byte aligned (nor own its ArrayBuffer: Buffer.slice shares): copy the figures out.
  const f = new Float64Array(Uint8Array.prototype.slice.call(data, 4 + hLen, 4 + hLen + 48 * n).buffer);
  const st = 4 + hLen + 48 * n;
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
