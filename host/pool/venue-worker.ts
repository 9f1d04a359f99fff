// Piscina worker of the venue engine. It instantiates the shared-memory build on the venue's
// shared WebAssembly.Memory once (workerData), then runs slices in place: every input is read
// from, and every output written to, that memory; a task message carries only offsets.
import { workerData } from 'piscina';
import { riskKernels } from '../margin/risk-kernels-wasm.js';
import { instantiate, type Variant } from '../wasm/loader.js';
import type { VenueLayout } from './venue-layout.js';
import { runVenueSlice } from './venue-slice.js';

export interface VenueWorkerData {
  module: WebAssembly.Module;
  variant: Variant;
  memory: WebAssembly.Memory;
}

export interface VenueTask {
  layout: VenueLayout;
  r0: number;
  r1: number;
  /** Byte offset of this task's own scratch (sliceScratchBytes). */
  scratch: number;
  /** Rows to run instead of [r0, r1): list[r0..r1). */
  list?: Int32Array;
  /** Fault injection for the recovery tests: the worker dies before touching the slice. */
  crash?: boolean;
}

const d = workerData as VenueWorkerData;
const wasm = instantiate(d.module, d.variant, { memory: d.memory });
const kernels = riskKernels(wasm);

export default function run(t: VenueTask): number {
  if (t.crash === true) process.exit(3);
  return runVenueSlice(d.memory, kernels, t.layout, t.r0, t.r1, t.scratch, t.list);
}
