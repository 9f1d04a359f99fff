// The revaluation of revalue.ts with the account aggregation split over a Piscina pool
// (minThreads = maxThreads). The main thread builds the instrument table once and copies it, with
// the CSR rows, into SharedArrayBuffers handed to the workers at start-up (workerData), never per
// task; each task is a row range, sized to many milliseconds of work. The per-account figures are
// the same code on the same kernels as the single-thread path (bit-identical), and so is the venue
// P&L (one netted row, valued on the main thread).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { RiskgridError } from '../errors.js';
import type { ScenarioSet } from '../margin/plan.js';
import { checkRows } from '../margin/plan-check-wasm.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import type { RiskBook } from './book.js';
import { finish, venuePnl, type RevalueOptions, type RevalueResult } from './revalue.js';
import { newSliceOut, type SliceOut } from './slice-stats.js';
import { checkLevels } from './tail-stats.js';
import type { VarWorkerData } from './var-worker.js';

/** The compiled worker: next to this file in dist/, or dist/ when running from the TS sources. */
function workerFile(): string {
  const here = fileURLToPath(new URL('./var-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../dist/risk/var-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new RiskgridError('RG_ERR_WASM_LOAD', 'the risk worker is not built (run npm run build:host)', { field: 'worker', value: here });
}

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
  const t0 = performance.now();
  const t = ScenarioTable.build(wasm, book.instruments, scenarios, book.groups);
  let data: VarWorkerData;
  let venue: Float64Array;
  try {
    if (t.nanInstruments > 0) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `${t.nanInstruments} instruments have a NaN value under some scenario`, { field: 'instruments', value: t.nanInstruments });
    checkRows(book.rows, t.nInstruments, book.groups.posDisc.length);
    const n = t.nInstruments;
    const nS = t.nS;
    const tableSab = new SharedArrayBuffer(8 * (n * nS + n));
    const tv = new Float64Array(tableSab);
    tv.set(t.table);
    tv.set(t.base, n * nS);
    const r = book.rows;
    venue = venuePnl(t, book);
    data = {
      module: wasm.module, variant: wasm.variant, nS, nInstruments: n, levels: [...opts.levels], table: tableSab,
      rowStart: shared(r.rowStart), groupStart: shared(r.groupStart), groupId: shared(r.groupId), posInstrument: shared(r.posInstrument), posSize: shared(r.posSize),
      posDisc: book.groups.posDisc, negDisc: book.groups.negDisc, aux: book.groups.aux, damp: scenarios.damp, mode: scenarios.mode,
    };
  } finally {
    t.dispose();
  }
  const t1 = performance.now();
  const nRows = book.rows.nRows;
  const nS = scenarios.nS;
  const step = opts.taskRows ?? Math.max(32, Math.ceil(nRows / (opts.threads * 16)));
  const pool = new Piscina({ filename: workerFile(), minThreads: opts.threads, maxThreads: opts.threads, workerData: data, idleTimeout: 60_000 });
  const out: SliceOut = newSliceOut(opts.levels.length, nRows);
  let nan = 0;
  let done = 0;
  try {
    const tasks: Promise<void>[] = [];
    for (let r0 = 0; r0 < nRows; r0 += step) {
      const r1 = Math.min(nRows, r0 + step);
      tasks.push(
        pool.run({ r0, r1 }).then((res: { r0: number; r1: number; nan: number; out: SliceOut }) => {
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
