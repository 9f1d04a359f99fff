// The revaluation of revalue.ts on a Piscina pool (minThreads = maxThreads), both halves split:
//   1. the instrument table: each worker values a slice of the instruments into one shared table
//      (a SharedArrayBuffer handed to the workers once, at start-up, with the CSR rows);
//   2. the accounts: tasks are row ranges, sized to many milliseconds of work; each worker copies
//      the finished table into its own memory once, then aggregates and reduces its ranges.
// The per-account figures are the same code on the same kernels as the single-thread path (bit-
// identical), and so is the venue P&L (the netted row, one more task).
import { Piscina } from 'piscina';
import { RiskgridError } from '../errors.js';
import type { ScenarioSet } from '../margin/plan.js';
import { checkRows } from '../margin/plan-check-wasm.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import type { RiskBook } from './book.js';
import { finish, venueRow, type RevalueOptions, type RevalueResult } from './revalue.js';
import { newSliceOut, type SliceOut } from './slice-stats.js';
import { checkLevels } from './tail-stats.js';
import type { VarTask, VarTaskResult, VarWorkerData } from './var-worker.js';
import { workerFile } from '../io/worker-file.js';

function shared(a: Float64Array | Int32Array): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(Math.max(8, a.byteLength));
  new (a.constructor as Float64ArrayConstructor)(sab).set(a as Float64Array);
  return sab;
}

export interface PoolOptions extends RevalueOptions {
  threads: number;
  /** Rows per task (default: about 16 tasks per thread, at least 32 rows). */
  taskRows?: number;
}

export async function revaluePool(wasm: RiskgridWasm, book: RiskBook, scenarios: ScenarioSet, opts: PoolOptions): Promise<RevalueResult> {
  checkLevels(opts.levels);
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `threads must be a positive integer, got ${opts.threads}`, { field: 'threads', value: opts.threads });
  // Every structural check on this thread, before any worker starts.
  const n = ScenarioTable.check(book.instruments, scenarios, book.groups);
  checkRows(book.rows, n, book.groups.posDisc.length);
  const t0 = performance.now();
  const nS = scenarios.nS;
  const r = book.rows;
  const data: VarWorkerData = {
    module: wasm.module, variant: wasm.variant, nS, nInstruments: n, levels: [...opts.levels],
    instruments: book.instruments, scenarios, groups: book.groups,
    table: new SharedArrayBuffer(8 * (n * nS + n)),
    rowStart: shared(r.rowStart), groupStart: shared(r.groupStart), groupId: shared(r.groupId), posInstrument: shared(r.posInstrument), posSize: shared(r.posSize),
  };
  const pool = new Piscina<VarTask, VarTaskResult>({ filename: workerFile(import.meta.url, 'risk', 'var-worker'), minThreads: opts.threads, maxThreads: opts.threads, workerData: data, idleTimeout: 60_000 });
  const nRows = r.nRows;
  const out: SliceOut = newSliceOut(opts.levels.length, nRows);
  let venue: Float64Array = new Float64Array(nS);
  let nan = 0;
  let done = 0;
  let t1 = t0;
  try {
    // 1. The table, in as many slices as threads (whole-table kernels are already long tasks).
    const slice = Math.ceil(n / opts.threads);
    const tables: Promise<VarTaskResult>[] = [];
    for (let i0 = 0; i0 < n; i0 += slice) tables.push(pool.run({ kind: 'table', i0, i1: Math.min(n, i0 + slice) }));
    let nanInstruments = 0;
    for (const res of await Promise.all(tables)) if (res.kind === 'table') nanInstruments += res.nan;
    if (nanInstruments > 0) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `${nanInstruments} instruments have a NaN value under some scenario`, { field: 'instruments', value: nanInstruments });
    t1 = performance.now();
    // 2. The accounts and the venue row.
    const step = opts.taskRows ?? Math.max(32, Math.ceil(nRows / (opts.threads * 16)));
    const tasks: Promise<void>[] = [];
    // A single account is its own venue (as in revalue.ts): its row, in its order.
    const vr = nRows === 1 && r.groupId.length === 1 ? r : venueRow(book);
    tasks.push(pool.run({ kind: 'venue', posInstrument: vr.posInstrument, posSize: vr.posSize }).then((res) => {
      if (res.kind === 'venue') venue = res.pnl;
    }));
    for (let r0 = 0; r0 < nRows; r0 += step) {
      tasks.push(
        pool.run({ kind: 'rows', r0, r1: Math.min(nRows, r0 + step) }).then((res) => {
          if (res.kind !== 'rows') return;
          for (let l = 0; l < opts.levels.length; l++) {
            out.var[l]!.set(res.out.var[l]!, res.r0);
            out.es[l]!.set(res.out.es[l]!, res.r0);
          }
          out.worstPnl.set(res.out.worstPnl, res.r0);
          out.worstScenario.set(res.out.worstScenario, res.r0);
          nan += res.nan;
          done += res.r1 - res.r0;
          opts.onProgress?.(done, nRows);
        }),
      );
    }
    await Promise.all(tasks);
  } finally {
    await pool.destroy();
  }
  const t2 = performance.now();
  return finish(book, nS, opts, out, nan, venue, { table_s: (t1 - t0) / 1e3, aggregate_s: (t2 - t1) / 1e3 });
}
