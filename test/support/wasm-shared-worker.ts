// Worker of wasm-shared.test.ts: instantiates the shared build it was given on the shared memory
// it was given (no copy of anything) and aggregates one row range into that memory.
import { parentPort, workerData } from 'node:worker_threads';
import { riskKernels, runRows, type RowsLayout, type TableLayout } from '../../host/margin/risk-kernels-wasm.js';
import { instantiate, type Variant } from '../../host/wasm/loader.js';

interface Job {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  variant: Variant;
  table: TableLayout;
  rows: RowsLayout;
  r0: number;
  r1: number;
  scratch: number;
}

const job = workerData as Job;
const wasm = instantiate(job.module, job.variant, { memory: job.memory });
const k = riskKernels(wasm);
const nanRows = runRows(k, job.table, job.rows, job.r0, job.r1, job.scratch);
parentPort!.postMessage({ nanRows, width: k.width, shared: job.memory.buffer instanceof SharedArrayBuffer });
