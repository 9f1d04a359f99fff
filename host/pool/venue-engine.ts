// The venue engine (issue 5): every account of a venue re-margined on every snapshot.
//   const venue = await VenueEngine.open({ pools: { default: 'derive-pmrm2.mainnet' }, threads: 2 });
//   venue.load(accounts, market);            // once: rows in shared memory
//   await venue.remargin();                  // every account: IM, MM, equity, excesses, status
//   await venue.tick(nextMarket);            // only what the change touches
//   venue.setAccount(changed);               // one account, through the what-if path
//   venue.account(id), venue.ranked(20), venue.totals()
// Each derive-pmrm2 pool is a VenueBook: its instruments are valued once per snapshot into a table
// in a shared WebAssembly.Memory, and the accounts — CSR rows in that same memory — are split into
// slices run by a Piscina pool whose workers instantiate the shared build on the memory (no copy
// of any position). Accounts the fast path does not vouch for, and pools of other methodologies,
// are margined on this thread by engine.marginBatch. Every figure equals engine.margin's.
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { asRiskgridError, errorFromJson, RiskgridError } from '../errors.js';
import { createEngine, type AccountInput, type Engine, type MarketInput } from '../margin/engine.js';
import { derivePmrm2Methodology } from '../margin/orchestrators/derive-pmrm2.js';
import { riskKernels, type RiskKernels } from '../margin/risk-kernels-wasm.js';
import type { MarginOutcome, MarginResult } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import type { Account } from '../model/account.js';
import { getMethodology } from '../profiles/registry.js';
import { Arena } from '../wasm/arena.js';
import { compileSync, createSharedMemory, defaultVariant, instantiate, loadWasmSync, type RiskgridWasm, type Variant } from '../wasm/loader.js';
import { LowestK } from './lowest-k.js';
import { VenueBook } from './venue-book.js';
import { excessRatio, resultViews, ST_FAILED, ST_NAMES, statusOf, type VenueStatus } from './venue-layout.js';
import { runVenueSlice, sliceScratchBytes } from './venue-slice.js';
import type { VenueTask, VenueWorkerData } from './venue-worker.js';
import { workerFile } from '../io/worker-file.js';

export interface VenueOptions {
  /** Pool name → profile (name, path or object). Accounts name their pool (default `default`). */
  pools: Record<string, string | Record<string, unknown>>;
  /** Worker threads; 0 runs every slice on this thread. Default: the machine's parallelism. */
  threads?: number;
  variant?: Variant;
  /** Rows per pool task (default: ~8 tasks per thread, at least 4,096 rows: well over 1 ms each). */
  taskRows?: number;
  /** Test hook: these task numbers (0-based, in submission order, first attempt only) kill their worker. */
  crashTasks?: readonly number[];
}

export interface VenueAccountResult {
  account_id: string;
  pool: string;
  status: VenueStatus;
  initial_margin: number;
  maintenance_margin: number;
  equity: number;
  im_excess: number;
  mm_excess: number;
  /** mm_excess / maintenance_margin: the ranking key (lowest = closest to liquidation). */
  excess_ratio: number;
  error?: { code: string; message: string; field?: string; value?: unknown };
}

/** Caller-owned result columns for VenueEngine.resultColumns (entry k = the k-th account asked for). */
export interface VenueResultColumns {
  initial_margin: Float64Array;
  maintenance_margin: Float64Array;
  equity: Float64Array;
  im_excess: Float64Array;
  mm_excess: Float64Array;
  /** Index in ST_NAMES. */
  status: Uint8Array;
  excess_ratio?: Float64Array;
}

export interface VenueTotals {
  accounts: number;
  by_status: Record<VenueStatus, number>;
  initial_margin: number;
  maintenance_margin: number;
  equity: number;
}

export interface VenueRun {
  mode: 'full' | 'tick' | 'update';
  market_snapshot_id: string;
  /** Accounts recomputed by this run. */
  accounts: number;
  wall_ms: number;
  table_ms: number;
  rows_ms: number;
  /** Pool tasks that died and were run again. */
  retried: number;
  /** Underlyings / collateral assets the tick found changed (full: all). */
  changed?: { underlyings: string[]; assets: string[]; full: boolean };
}

export interface VenueLoadReport {
  accounts: number;
  /** Accounts in shared-memory rows. */
  rows: number;
  /** Accounts margined on this thread (other methodologies, or declined by the fast path). */
  reference: number;
  /** Accounts that failed validation (each keeps its error). */
  invalid: number;
  positions: number;
  instruments: number;
  load_ms: number;
}

const UNSET = -2;

/** An input that failed before it was an account (e.g. a line that is not JSON): loaded as failed. */
export class FailedInput {
  constructor(
    readonly account_id: string,
    readonly error: RiskgridError,
  ) {}
}

export class VenueEngine {
  private readonly engines = new Map<string, Engine>();
  private readonly books = new Map<string, VenueBook>();
  private readonly bookList: VenueBook[] = [];
  // Accounts by index: id, book (−1 = none), row in it (−1 = reference or invalid).
  private readonly ids: string[] = [];
  private readonly pools: string[] = [];
  private readonly index = new Map<string, number>();
  private bookOf = new Int32Array(1024);
  private rowOf = new Int32Array(1024);
  private readonly reference = new Map<number, Account>();
  private readonly invalid = new Map<number, RiskgridError>();
  /** Per run: results of reference accounts, errors of failed rows (by account index). */
  private readonly refResults = new Map<number, MarginResult | RiskgridError>();
  private readonly rowErrors = new Map<number, RiskgridError>();
  private market: MarketSnapshot | undefined;
  private marketJson: Record<string, unknown> | undefined;
  private readonly arena: Arena;
  private readonly main: RiskgridWasm;
  private readonly kernels: RiskKernels;
  private readonly tableWasm: RiskgridWasm;
  private pool: Piscina<VenueTask, number> | undefined;
  private tasksSubmitted = 0;
  private nS = 0;
  private nScen = 0;

  private constructor(
    private readonly opts: VenueOptions,
    readonly memory: WebAssembly.Memory,
    private threadCount: number,
  ) {
    const variant = opts.variant ?? defaultVariant();
    this.main = instantiate(compileSync(variant, true), variant, { memory });
    this.arena = this.main.arena;
    this.kernels = riskKernels(this.main);
    this.tableWasm = loadWasmSync({ variant });
    if (threadCount > 0) this.pool = this.newPool(threadCount);
    for (const [pool, profile] of Object.entries(opts.pools)) this.engines.set(pool, createEngine({ profile, wasm: this.tableWasm, snapshot: { now: false } }));
  }

  static async open(opts: VenueOptions): Promise<VenueEngine> {
    if (opts === null || typeof opts !== 'object' || opts.pools === null || typeof opts.pools !== 'object' || Object.keys(opts.pools).length === 0) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'pools must map at least one pool name to a profile', { field: 'pools', value: opts?.pools });
    }
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0 || threads > 256) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `threads must be an integer in [0, 256], got ${threads}`, { field: 'threads', value: threads });
    const v = new VenueEngine(opts, createSharedMemory(64 * 1024 * 1024), threads);
    return v;
  }

  // ---- loading ------------------------------------------------------------------------------

  /** Loads accounts (parsed JSON or Account objects) against the snapshot the rows are built on. */
  load(accounts: Iterable<AccountInput | FailedInput>, market: MarketInput, onProgress?: (done: number) => void): VenueLoadReport {
    const t0 = performance.now();
    const snap = this.anyEngine().parseMarket(market);
    this.market = snap;
    this.marketJson = snapshotToJson(snap);
    let n = 0;
    for (const input of accounts) {
      this.put(input, snap);
      if (++n % 65536 === 0) onProgress?.(n);
    }
    this.layoutAll();
    let rows = 0, positions = 0, instruments = 0;
    for (const b of this.bookList) {
      rows += b.rows.nRows;
      positions += b.rows.posInstrument.n;
      instruments += b.rows.nInstruments;
    }
    return { accounts: this.ids.length, rows, reference: this.reference.size, invalid: this.invalid.size, positions, instruments, load_ms: performance.now() - t0 };
  }

  private anyEngine(): Engine {
    return this.engines.values().next().value!;
  }

  /** Adds or replaces one account; returns its index. */
  private put(input: AccountInput | FailedInput, snap: MarketSnapshot): number {
    const rawId = (input as { id?: unknown; account_id?: unknown }).id ?? (input as { account_id?: unknown }).account_id;
    const rawPool = (input as { pool?: unknown }).pool ?? 'default';
    const pool = typeof rawPool === 'string' ? rawPool : '';
    let i = typeof rawId === 'string' ? this.index.get(rawId) : undefined;
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(typeof rawId === 'string' ? rawId : `#${i}`);
      this.pools.push(pool);
      if (typeof rawId === 'string') this.index.set(rawId, i);
      if (i >= this.rowOf.length) {
        const grow = (a: Int32Array) => { const b = new Int32Array(2 * a.length); b.set(a); return b; };
        this.rowOf = grow(this.rowOf);
        this.bookOf = grow(this.bookOf);
      }
    } else this.detach(i);
    this.rowOf[i] = -1;
    this.bookOf[i] = -1;
    this.pools[i] = pool;
    const engine = this.engines.get(pool);
    if (input instanceof FailedInput) {
      this.invalid.set(i, input.error);
      return i;
    }
    if (engine === undefined) {
      this.invalid.set(i, new RiskgridError('RG_ERR_INVALID_INPUT', `account ${this.ids[i]} names pool "${pool}", which the venue does not run`, { field: 'pool', value: rawPool }));
      return i;
    }
    let account: Account;
    try {
      account = engine.parseAccount(input);
    } catch (e) {
      this.invalid.set(i, asRiskgridError(e));
      return i;
    }
    const book = this.bookFor(pool, engine, snap);
    if (book !== undefined && book.add(account, i)) {
      this.bookOf[i] = this.bookList.indexOf(book);
      this.rowOf[i] = book.rows.nRows - 1;
    } else this.reference.set(i, account);
    return i;
  }

  private detach(i: number): void {
    this.invalid.delete(i);
    this.reference.delete(i);
    this.refResults.delete(i);
    this.rowErrors.delete(i);
    const b = this.bookOf[i]!;
    if (b >= 0 && this.rowOf[i]! >= 0) this.bookList[b]!.retire(this.rowOf[i]!, this.memory);
  }

  private bookFor(pool: string, engine: Engine, snap: MarketSnapshot): VenueBook | undefined {
    let b = this.books.get(pool);
    if (b === undefined && (getMethodology(engine.profile.methodology) as unknown) === derivePmrm2Methodology) {
      b = new VenueBook(pool, engine, snap);
      if (this.bookList.length > 0 && this.nS !== b.params.scenarios.length + 2) {
        // One scenario count per venue keeps one scratch size; a pool with another falls back.
        return undefined;
      }
      this.nS = b.params.scenarios.length + 2;
      this.nScen = b.params.scenarios.length;
      this.books.set(pool, b);
      this.bookList.push(b);
    }
    return b;
  }

  /** Lays every book out in shared memory afresh (after load, or when an append outgrew the room). */
  private layoutAll(): void {
    this.arena.reset();
    for (const b of this.bookList) b.allocate(this.arena, this.nS, this.nScen);
    this.scratch = [];
    if (this.market !== undefined) for (const b of this.bookList) b.writeMarket(this.market, this.memory, this.tableWasm);
  }

  private scratch: number[] = [];
  /** The scratch of task slot k (allocated on first use, reused across runs). */
  private scratchFor(k: number): number {
    while (this.scratch.length <= k) {
      this.arena.reserve(sliceScratchBytes(this.nS) + 64);
      this.scratch.push(this.arena.f64(Math.ceil(sliceScratchBytes(this.nS) / 8)).ptr);
    }
    return this.scratch[k]!;
  }

  // ---- re-margin ----------------------------------------------------------------------------

  /** Every account on `market` (default: the current snapshot). */
  async remargin(market?: MarketInput, onProgress?: (done: number, total: number) => void): Promise<VenueRun> {
    const snap = market === undefined ? this.requireMarket() : this.anyEngine().parseMarket(market);
    return this.run(snap, this.bookList.map(() => 'all' as const), 'full', onProgress);
  }

  /**
   * A new snapshot, recomputing only what changed: a pool whose underlying's feeds changed is
   * recomputed whole; a pool whose accounts hold a collateral whose price changed, only those
   * accounts; a changed valuation time or stablecoin recomputes everything.
   */
  async tick(market: MarketInput): Promise<VenueRun> {
    const snap = this.anyEngine().parseMarket(market);
    if (this.market === undefined || this.marketJson === undefined) return this.remargin(snap);
    const next = snapshotToJson(snap);
    const prev = this.marketJson;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const full = prev.timestamp !== next.timestamp || !same(prev.stablecoin, next.stablecoin);
    const pu = prev.underlyings as Record<string, unknown>, nu = next.underlyings as Record<string, unknown>;
    const underlyings = [...new Set([...Object.keys(pu), ...Object.keys(nu)])].filter((u) => !same(pu[u], nu[u]));
    const pc = (prev.collateral ?? {}) as Record<string, unknown>, nc = (next.collateral ?? {}) as Record<string, unknown>;
    const assets = [...new Set([...Object.keys(pc), ...Object.keys(nc)])].filter((a) => !same(pc[a], nc[a]));
    const work = this.bookList.map((b): 'all' | Int32Array | null => {
      if (full || underlyings.includes(b.underlying)) return 'all';
      const held = assets.filter((a) => b.rows.assetOf(a) >= 0);
      return held.length === 0 ? null : b.rowsHolding(held);
    });
    const run = await this.run(snap, work, 'tick', undefined, next);
    run.changed = { underlyings, assets, full };
    return run;
  }

  private requireMarket(): MarketSnapshot {
    if (this.market === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', 'no snapshot loaded: call load(accounts, market) first', { field: 'market', value: null });
    return this.market;
  }

  private async run(snap: MarketSnapshot, work: Array<'all' | Int32Array | null>, mode: VenueRun['mode'], onProgress?: (done: number, total: number) => void, json?: Record<string, unknown>): Promise<VenueRun> {
    const t0 = performance.now();
    this.market = snap;
    this.marketJson = json ?? snapshotToJson(snap);
    // 1. Tables (this thread: a few thousand instruments, milliseconds).
    this.bookList.forEach((b, k) => {
      if (work[k] !== null) b.writeMarket(snap, this.memory, this.tableWasm);
    });
    const t1 = performance.now();
    // 2. Slices.
    type Slice = { book: VenueBook; r0: number; r1: number; list?: Int32Array };
    const slices: Slice[] = [];
    let total = 0;
    this.bookList.forEach((book, k) => {
      const w = work[k];
      if (w === null || w === undefined) return;
      const n = w === 'all' ? book.rows.nRows : w.length;
      const step = this.opts.taskRows ?? Math.max(4096, Math.ceil(n / (Math.max(1, this.threads) * 8)));
      const status = new Int32Array(this.memory.buffer, book.layout!.status, book.rows.nRows);
      if (w === 'all') status.fill(UNSET);
      else for (const r of w) status[r] = UNSET;
      for (let r0 = 0; r0 < n; r0 += step) slices.push(w === 'all' ? { book, r0, r1: Math.min(n, r0 + step) } : { book, r0, r1: Math.min(n, r0 + step), list: w });
      total += n;
    });
    let done = 0;
    let retried = 0;
    const runSlice = async (s: Slice, k: number): Promise<void> => {
      const scratch = this.scratchFor(k);
      const task: VenueTask = { layout: s.book.layout!, r0: s.r0, r1: s.r1, scratch, ...(s.list === undefined ? {} : { list: s.list }) };
      if (this.pool === undefined) {
        runVenueSlice(this.memory, this.kernels, task.layout, s.r0, s.r1, scratch, s.list);
      } else {
        const no = this.tasksSubmitted++;
        try {
          await this.pool.run(this.opts.crashTasks?.includes(no) === true ? { ...task, crash: true } : task);
        } catch {
          // The worker died (Piscina replaces it): run the slice again on a fresh one, then here.
          retried++;
          try {
            await this.pool.run(task);
          } catch {
            runVenueSlice(this.memory, this.kernels, task.layout, s.r0, s.r1, scratch, s.list);
          }
        }
      }
      done += s.r1 - s.r0;
      onProgress?.(done, total);
    };
    // Each concurrently running slice needs its own scratch: at most `threads` run at once.
    const lanes = Math.max(1, this.threads);
    let next = 0;
    await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
      while (next < slices.length) await runSlice(slices[next++]!, lane);
    }));
    // 3. Nothing missing, and the rows the slices could not vouch for get their errors.
    let accounts = this.reference.size;
    this.bookList.forEach((book, k) => {
      const w = work[k];
      if (w !== null && w !== undefined) accounts += this.settle(book, w);
    });
    // 4. Reference accounts, per pool in one batch.
    this.marginReference(snap);
    const t2 = performance.now();
    return { mode, market_snapshot_id: snap.id, accounts, wall_ms: t2 - t0, table_ms: t1 - t0, rows_ms: t2 - t1, retried };
  }

  /**
   * Checks every live row of `w` was computed this run, records the errors of the failed ones,
   * and returns how many live rows (accounts) it covered.
   */
  private settle(book: VenueBook, w: 'all' | Int32Array): number {
    const status = new Int32Array(this.memory.buffer, book.layout!.status, book.rows.nRows);
    const rowAccount = book.rows.rowAccount.a;
    let live = 0;
    const check = (r: number): void => {
      const i = rowAccount[r]!;
      if (i < 0) return; // retired
      live++;
      const s = status[r]!;
      if (s === UNSET) throw new RiskgridError('RG_ERR_KERNEL', `venue row ${r} of pool ${book.pool} was not computed`, { field: 'row', value: r });
      if (s === ST_FAILED) this.rowErrors.set(i, book.rowError(r));
      else this.rowErrors.delete(i);
    };
    if (w === 'all') for (let r = 0; r < book.rows.nRows; r++) check(r);
    else for (const r of w) check(r);
    return live;
  }

  private marginReference(snap: MarketSnapshot): void {
    const byPool = new Map<string, number[]>();
    for (const i of this.reference.keys()) {
      const p = this.pools[i]!;
      let l = byPool.get(p);
      if (l === undefined) byPool.set(p, (l = []));
      l.push(i);
    }
    for (const [pool, list] of byPool) {
      const outcomes = this.engines.get(pool)!.marginBatch(list.map((i) => this.reference.get(i)!), snap);
      outcomes.forEach((o, k) => this.refResults.set(list[k]!, outcomeOf(o)));
    }
  }

  // ---- one account --------------------------------------------------------------------------

  /**
   * Replaces (or adds) one account and margins it on the current snapshot through engine.margin,
   * the what-if path; its new row serves every later re-margin.
   */
  setAccount(input: AccountInput): VenueAccountResult {
    const snap = this.requireMarket();
    const i = this.put(input, snap);
    const b = this.bookOf[i]!;
    if (b >= 0) {
      const book = this.bookList[b]!;
      // (A new instrument's table row is written by the next run: every run values its books first.)
      if (book.fits()) book.mirror(this.memory);
      else {
        // Out of room: everything is laid out afresh, so every row is computed again (here: rare).
        this.layoutAll();
        for (const bk of this.bookList) {
          new Int32Array(this.memory.buffer, bk.layout!.status, bk.rows.nRows).fill(UNSET);
          runVenueSlice(this.memory, this.kernels, bk.layout!, 0, bk.rows.nRows, this.scratchFor(0));
          this.settle(bk, 'all');
        }
      }
      const row = this.rowOf[i]!;
      const v = resultViews(this.memory.buffer, book.layout!);
      let r: MarginResult | RiskgridError;
      try {
        r = book.engine.margin(input as AccountInput, snap);
      } catch (e) {
        r = asRiskgridError(e);
      }
      if (r instanceof RiskgridError) {
        v.status[row] = ST_FAILED;
        this.rowErrors.set(i, r);
      } else {
        this.rowErrors.delete(i);
        v.im[row] = r.initial_margin;
        v.mm[row] = r.maintenance_margin;
        v.equity[row] = r.equity;
        v.imExcess[row] = r.im_excess;
        v.mmExcess[row] = r.mm_excess;
        v.status[row] = statusOf(r.equity, r.im_excess, r.mm_excess);
        v.ratio[row] = excessRatio(r.mm_excess, r.maintenance_margin);
      }
    } else if (this.reference.has(i)) {
      this.refResults.set(i, outcomeOf(this.engines.get(this.pools[i]!)!.marginBatch([this.reference.get(i)!], snap)[0]!));
    }
    return this.accountAt(i);
  }

  /**
   * Replaces (or adds) many accounts at once and re-margins just them on the pool, on the current
   * snapshot (one layout at most, however many there are: a liquidation round, a batch of fills).
   */
  async setAccounts(inputs: Iterable<AccountInput | FailedInput>): Promise<VenueRun> {
    const snap = this.requireMarket();
    const touched: number[] = [];
    for (const input of inputs) touched.push(this.put(input, snap));
    if (!this.bookList.every((b) => b.fits())) {
      this.layoutAll();
      return this.run(snap, this.bookList.map(() => 'all' as const), 'update');
    }
    const rows: number[][] = this.bookList.map(() => []);
    for (const i of touched) {
      const b = this.bookOf[i]!;
      if (b >= 0 && this.rowOf[i]! >= 0) rows[b]!.push(this.rowOf[i]!);
    }
    this.bookList.forEach((b) => b.mirror(this.memory));
    return this.run(snap, rows.map((r) => (r.length === 0 ? null : Int32Array.from(new Set(r)).sort())), 'update');
  }

  // ---- results ------------------------------------------------------------------------------

  /** The id of account index i (load order). */
  idOf(i: number): string {
    return this.ids[i]!;
  }

  /** The pool name of account index i (as accountAt(i).pool). */
  poolOf(i: number): string {
    return this.pools[i]!;
  }

  /** Account indices (load order) of `ids`, −1 for an id not loaded; into `out` if given. An index never changes once assigned. */
  indicesOf(ids: readonly string[], out: Int32Array = new Int32Array(ids.length)): Int32Array {
    for (let k = 0; k < ids.length; k++) out[k] = this.index.get(ids[k]!) ?? -1;
    return out;
  }

  /**
   * Bulk read for publishers: the results of account indices `indices` written into the caller's
   * columns at position k (no object per account), each figure equal to accountAt(indices[k])'s.
   * Status is the index in ST_NAMES. excess_ratio is written only if that column is given (it is
   * excessRatio(mm_excess, maintenance_margin) for every account that did not fail). Returns the
   * errors of failed accounts by k (sparse; empty when none failed).
   */
  resultColumns(indices: Int32Array, out: VenueResultColumns): Map<number, NonNullable<VenueAccountResult['error']>> {
    const n = indices.length;
    for (const c of [out.initial_margin, out.maintenance_margin, out.equity, out.im_excess, out.mm_excess, out.status, out.excess_ratio]) {
      if (c !== undefined && c.length < n) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `result columns hold ${c.length} entries, ${n} needed`, { field: 'out', value: c.length });
    }
    const views = this.bookList.map((b) => resultViews(this.memory.buffer, b.layout!));
    // Failed and reference accounts go through accountAt: the maps are empty in the common case.
    const odd = this.invalid.size > 0 || this.rowErrors.size > 0;
    const errors = new Map<number, NonNullable<VenueAccountResult['error']>>();
    const ratio = out.excess_ratio;
    for (let k = 0; k < n; k++) {
      const i = indices[k]!;
      if (!(i >= 0 && i < this.ids.length)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `no account at index ${i}`, { field: 'indices', value: i });
      const b = this.bookOf[i]!;
      const row = this.rowOf[i]!;
      if (b >= 0 && row >= 0 && !(odd && (this.invalid.has(i) || this.rowErrors.has(i)))) {
        const v = views[b]!;
        const st = v.status[row]!;
        if (st >= 0 && st !== ST_FAILED) {
          out.initial_margin[k] = v.im[row]!;
          out.maintenance_margin[k] = v.mm[row]!;
          out.equity[k] = v.equity[row]!;
          out.im_excess[k] = v.imExcess[row]!;
          out.mm_excess[k] = v.mmExcess[row]!;
          out.status[k] = st;
          if (ratio !== undefined) ratio[k] = v.ratio[row]!;
          continue;
        }
      }
      const r = this.accountAt(i);
      out.initial_margin[k] = r.initial_margin;
      out.maintenance_margin[k] = r.maintenance_margin;
      out.equity[k] = r.equity;
      out.im_excess[k] = r.im_excess;
      out.mm_excess[k] = r.mm_excess;
      out.status[k] = ST_NAMES.indexOf(r.status);
      if (ratio !== undefined) ratio[k] = r.excess_ratio;
      if (r.error !== undefined) errors.set(k, r.error);
    }
    return errors;
  }

  /** Indices (load order) of the accounts with this status. */
  withStatus(status: VenueStatus): number[] {
    const code = ST_NAMES.indexOf(status);
    const out: number[] = [];
    this.eachResult((i, st) => {
      if (st === code) out.push(i);
    });
    return out;
  }

  account(id: string): VenueAccountResult | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : this.accountAt(i);
  }

  get size(): number {
    return this.ids.length;
  }

  /** The result of account index i (load order). */
  accountAt(i: number): VenueAccountResult {
    const base = { account_id: this.ids[i]!, pool: this.pools[i]! };
    const failed = (e: RiskgridError): VenueAccountResult => ({
      ...base, status: 'failed', initial_margin: NaN, maintenance_margin: NaN, equity: NaN, im_excess: NaN, mm_excess: NaN, excess_ratio: NaN,
      error: { code: e.code, message: e.message, ...(e.field === undefined ? {} : { field: e.field }), ...(e.value === undefined ? {} : { value: e.value }) },
    });
    const inv = this.invalid.get(i);
    if (inv !== undefined) return failed(inv);
    const rowErr = this.rowErrors.get(i);
    if (rowErr !== undefined) return failed(rowErr);
    const b = this.bookOf[i]!;
    const row = this.rowOf[i]!;
    if (b >= 0 && row >= 0) {
      const v = resultViews(this.memory.buffer, this.bookList[b]!.layout!);
      const st = v.status[row]!;
      if (st < 0) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `account ${base.account_id} has not been margined yet: run remargin()`, { field: 'account_id', value: base.account_id });
      return { ...base, status: ST_NAMES[st]!, initial_margin: v.im[row]!, maintenance_margin: v.mm[row]!, equity: v.equity[row]!, im_excess: v.imExcess[row]!, mm_excess: v.mmExcess[row]!, excess_ratio: v.ratio[row]! };
    }
    const r = this.refResults.get(i);
    if (r === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `account ${base.account_id} has not been margined yet: run remargin()`, { field: 'account_id', value: base.account_id });
    if (r instanceof RiskgridError) return failed(r);
    return {
      ...base, status: ST_NAMES[statusOf(r.equity, r.im_excess, r.mm_excess)]!, initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin,
      equity: r.equity, im_excess: r.im_excess, mm_excess: r.mm_excess, excess_ratio: excessRatio(r.mm_excess, r.maintenance_margin),
    };
  }

  /**
   * Every margined account in load order: its status code and figures, read straight from the
   * shared columns for rows (no result object), through accountAt otherwise. A failed account's
   * figures are meaningless; callers look at the status first.
   */
  private eachResult(visit: (i: number, status: number, im: number, mm: number, equity: number, ratio: number) => void): void {
    const views = this.bookList.map((b) => resultViews(this.memory.buffer, b.layout!));
    for (let i = 0; i < this.ids.length; i++) {
      const b = this.bookOf[i]!;
      const row = this.rowOf[i]!;
      if (b >= 0 && row >= 0 && !this.rowErrors.has(i)) {
        const v = views[b]!;
        const st = v.status[row]!;
        if (st >= 0) visit(i, st, v.im[row]!, v.mm[row]!, v.equity[row]!, v.ratio[row]!);
        continue;
      }
      const r = this.accountAt(i);
      visit(i, ST_NAMES.indexOf(r.status), r.initial_margin, r.maintenance_margin, r.equity, r.excess_ratio);
    }
  }

  /** Venue totals over the accounts that computed (failed ones are counted, not summed), in account order. */
  totals(): VenueTotals {
    const by_status = Object.fromEntries(ST_NAMES.map((s) => [s, 0])) as Record<VenueStatus, number>;
    let im = 0, mm = 0, equity = 0;
    this.eachResult((_i, st, i0, m0, e0) => {
      by_status[ST_NAMES[st]!]++;
      if (st === ST_FAILED) return;
      im += i0;
      mm += m0;
      equity += e0;
    });
    return { accounts: this.ids.length, by_status, initial_margin: im, maintenance_margin: mm, equity };
  }

  /** The `limit` accounts closest to liquidation (lowest excess ratio; failed ones first), ties by load order. */
  ranked(limit = 20): VenueAccountResult[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `limit must be an integer in [1, 100000], got ${limit}`, { field: 'limit', value: limit });
    const low = new LowestK(limit);
    this.eachResult((i, st, _im, _mm, _eq, ratio) => low.push(st === ST_FAILED ? -Infinity : ratio, i));
    return low.sorted().map((i) => this.accountAt(i));
  }

  /** Runs later slices on `threads` workers (0 = this thread); the venue's memory stays as it is. */
  async resize(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 0 || threads > 256) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `threads must be an integer in [0, 256], got ${threads}`, { field: 'threads', value: threads });
    await this.pool?.destroy();
    this.pool = undefined;
    this.threadCount = threads;
    if (threads > 0) this.pool = this.newPool(threads);
  }

  private newPool(threads: number): Piscina<VenueTask, number> {
    const data: VenueWorkerData = { module: this.main.module, variant: this.main.variant, memory: this.memory };
    return new Piscina<VenueTask, number>({ filename: workerFile(import.meta.url, 'pool', 'venue-worker'), minThreads: threads, maxThreads: threads, workerData: data, idleTimeout: Infinity });
  }

  get threads(): number {
    return this.threadCount;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}

function outcomeOf(o: MarginOutcome): MarginResult | RiskgridError {
  return o.ok ? o.result : errorFromJson(o.error);
}
