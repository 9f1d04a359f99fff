// Reads many accounts' results out of a VenueEngine at once. engine.account(id) builds ~35 typed
// array views of the shared memory per call (venueViews) — ~9 µs an account, 0.9 s for 100,000, far
// more than the tick itself — so a node publishing every account per tick reads the result columns
// once per book instead. VenueEngine has no bulk read API yet (host/pool is not ours to change):
// this reads its private bookkeeping (index, bookOf, rowOf, rowErrors, invalid, bookList) the way
// accountAt does, checks that shape first, and falls back to accountAt for every account it is not
// sure of (reference-path accounts, failed rows) and to account(id) if the shape is not there.
// test/cluster.test.ts checks every figure against engine.account. To be replaced by a
// VenueEngine.results(ids) (see docs/CLUSTER.md).
import type { VenueAccountResult, VenueEngine } from '../pool/venue-engine.js';
import { resultMessage, type ResultBatchHeader } from './results-codec.js';
import { ST_FAILED, ST_NAMES, type VenueLayout } from '../pool/venue-layout.js';

interface Internals {
  index: Map<string, number>;
  ids: string[];
  pools: string[];
  bookOf: Int32Array;
  rowOf: Int32Array;
  rowErrors: Map<number, unknown>;
  invalid: Map<number, unknown>;
  bookList: Array<{ layout?: VenueLayout }>;
  accountAt(i: number): VenueAccountResult;
}

function internals(engine: VenueEngine): Internals | undefined {
  const x = engine as unknown as Partial<Internals>;
  const ok = x.index instanceof Map && Array.isArray(x.ids) && Array.isArray(x.pools) && x.bookOf instanceof Int32Array && x.rowOf instanceof Int32Array &&
    x.rowErrors instanceof Map && x.invalid instanceof Map && Array.isArray(x.bookList) && typeof x.accountAt === 'function';
  return ok ? (x as Internals) : undefined;
}

/** The results of `ids` (each must be loaded), equal to ids.map(engine.account). */
export function readResults(engine: VenueEngine, ids: readonly string[]): VenueAccountResult[] {
  const x = internals(engine);
  if (x === undefined) return ids.map((id) => engine.account(id)!);
  const buf = engine.memory.buffer;
  const cols = x.bookList.map((b) => {
    const l = b.layout!;
    const n = l.nRows;
    const f = (p: number) => new Float64Array(buf, p, n);
    return { im: f(l.im), mm: f(l.mm), equity: f(l.equity), imExcess: f(l.imExcess), mmExcess: f(l.mmExcess), ratio: f(l.ratio), status: new Int32Array(buf, l.status, n) };
  });
  const out: VenueAccountResult[] = new Array(ids.length);
  for (let k = 0; k < ids.length; k++) {
    const i = x.index.get(ids[k]!);
    if (i === undefined) {
      out[k] = engine.account(ids[k]!)!; // undefined: not loaded (the caller's bug, surfaced as such)
      continue;
    }
    const b = x.bookOf[i]!;
    const row = x.rowOf[i]!;
    const c = b >= 0 && row >= 0 && !x.invalid.has(i) && !x.rowErrors.has(i) ? cols[b] : undefined;
    const st = c === undefined ? -1 : c.status[row]!;
    if (c === undefined || st < 0 || st === ST_FAILED) {
      out[k] = x.accountAt(i);
      continue;
    }
    out[k] = {
      account_id: x.ids[i]!, pool: x.pools[i]!, status: ST_NAMES[st]!, initial_margin: c.im[row]!, maintenance_margin: c.mm[row]!, equity: c.equity[row]!,
      im_excess: c.imExcess[row]!, mm_excess: c.mmExcess[row]!, excess_ratio: c.ratio[row]!,
    };
  }
  return out;
}

const indexCache = new WeakMap<readonly string[], { engine: VenueEngine; idx: Int32Array }>();

const FIG = ['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'excess_ratio'] as const;

/**
 * The result message of `ids` written straight from the engine's result columns (no object per
 * account): decodes to exactly readResults(engine, ids).
 */
export function encodeFromEngine(engine: VenueEngine, ids: readonly string[], h: Omit<ResultBatchHeader, 'ids' | 'pools' | 'errors'>): Uint8Array {
  const x = internals(engine);
  const n = ids.length;
  // Accounts off the fast path go through accountAt (their errors travel in the header).
  const slow = new Map<number, VenueAccountResult>();
  // An account's engine index never changes once assigned: cached per (ids array, engine).
  let cached = indexCache.get(ids);
  if (cached === undefined || cached.engine !== engine) {
    const idx = new Int32Array(n);
    for (let k = 0; k < n; k++) idx[k] = x?.index.get(ids[k]!) ?? -1;
    indexCache.set(ids, (cached = { engine, idx }));
  }
  const idx = cached.idx;
  const problems = x === undefined || (x.invalid.size === 0 && x.rowErrors.size === 0) ? undefined : new Set([...x.invalid.keys(), ...x.rowErrors.keys()]);
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (x === undefined || i < 0) {
      slow.set(k, engine.account(ids[k]!)!);
      continue;
    }
    if (x.bookOf[i]! < 0 || x.rowOf[i]! < 0 || problems?.has(i) === true) slow.set(k, x.accountAt(i));
  }
  const cols = x === undefined ? [] : x.bookList.map((b) => {
    const l = b.layout!;
    const m = l.nRows;
    const f = (p: number) => new Float64Array(engine.memory.buffer, p, m);
    return { figs: [f(l.im), f(l.mm), f(l.equity), f(l.imExcess), f(l.mmExcess), f(l.ratio)], status: new Int32Array(engine.memory.buffer, l.status, m) };
  });
  // A row whose status is unset or failed also takes the slow path.
  if (x !== undefined) {
    for (let k = 0; k < n; k++) {
      if (slow.has(k)) continue;
      const i = idx[k]!;
      const st = cols[x.bookOf[i]!]!.status[x.rowOf[i]!]!;
      if (st < 0 || st === ST_FAILED) slow.set(k, x.accountAt(i));
    }
  }
  const poolNames: string[] = [];
  const poolIx = new Map<string, number>();
  const poolOf = (name: string): number => {
    let p = poolIx.get(name);
    if (p === undefined) {
      poolIx.set(name, (p = poolNames.length));
      poolNames.push(name);
    }
    return p;
  };
  const pools = new Uint8Array(n);
  const errors: NonNullable<ResultBatchHeader['errors']> = {};
  for (let k = 0; k < n; k++) {
    const r = slow.get(k);
    pools[k] = poolOf(r !== undefined ? r.pool : x!.pools[idx[k]!]!);
    if (r?.error !== undefined) errors[k] = r.error;
  }
  const msg = resultMessage({ ...h, ids: [...ids], pools: poolNames, ...(Object.keys(errors).length > 0 ? { errors } : {}) });
  msg.pool.set(pools);
  for (let k = 0; k < n; k++) {
    const r = slow.get(k);
    if (r !== undefined) {
      for (let c = 0; c < 6; c++) msg.f[c * n + k] = r[FIG[c]!];
      msg.status[k] = ST_NAMES.indexOf(r.status);
      continue;
    }
    const i = idx[k]!;
    const col = cols[x!.bookOf[i]!]!;
    const row = x!.rowOf[i]!;
    for (let c = 0; c < 6; c++) msg.f[c * n + k] = col.figs[c]![row]!;
    msg.status[k] = col.status[row]!;
  }
  return msg.bytes;
}
