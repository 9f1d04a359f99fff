// The shared-memory builds: one WebAssembly.Memory({ shared: true }) holds a scenario table and
// CSR rows laid out once; two worker_threads instantiate the shared build on it and aggregate
// disjoint halves of the rows in place. The result must be bit-identical to one thread on the
// ordinary build. Runs the SIMD build, or the scalar one under RISKGRID_NO_SIMD=1.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { KIND_LINEAR, KIND_OPTION, MODE_BASIS_DOWN, MODE_BASIS_UP, MODE_LINEAR, MODE_NEG_ABS, type ScenarioPlan } from '../host/margin/plan.js';
import { ScenarioTable } from '../host/margin/scenario-table-wasm.js';
import { createSharedMemory, defaultVariant, isSharedMemory, loadWasmSync, SHARED_MAXIMUM_PAGES } from '../host/wasm/loader.js';

const variant = defaultVariant();

// Vitest transforms test files but not worker entry points: bundle the TypeScript worker once.
const dir = mkdtempSync(join(tmpdir(), 'rg-shared-'));
const workerFile = join(dir, 'worker.mjs');
buildSync({
  entryPoints: [fileURLToPath(new URL('./support/wasm-shared-worker.ts', import.meta.url))],
  bundle: true, platform: 'node', format: 'esm', outfile: workerFile, logLevel: 'error',
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded plan: options and linears, odd nS (SIMD tails), every scenario mode, mixed rows. */
function makePlan(seed: number, nI: number, nS: number, nRows: number): ScenarioPlan {
  let st = seed >>> 0 || 1;
  const rnd = (): number => {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    return (st >>> 0) / 4294967296;
  };
  const u = (a: number, b: number): number => a + (b - a) * rnd();
  const int = (n: number): number => Math.floor(rnd() * n);
  const nU = 2, nG = 3, nGroups = 4;
  const fwdVar = Float64Array.from({ length: nI }, () => u(1, 4000));
  const mode = new Int32Array(nS);
  for (let s = 0; s < nS; s++) {
    const r = rnd();
    if (r < 0.2 && s + 1 < nS) {
      mode[s] = MODE_BASIS_UP;
      mode[++s] = MODE_BASIS_DOWN;
    } else mode[s] = r < 0.4 ? MODE_NEG_ABS : MODE_LINEAR;
  }
  const rowStart = [0], groupStart = [0], groupId: number[] = [], posInstrument: number[] = [], posSize: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const g = int(3);
    for (let j = 0; j < g; j++) {
      groupId.push(int(nGroups));
      const n = int(12);
      for (let p = 0; p < n; p++) {
        posInstrument.push(int(nI));
        posSize.push(rnd() < 0.1 ? Math.round(u(-500, 500)) : u(-10, 10));
      }
      groupStart.push(posInstrument.length);
    }
    rowStart.push(groupId.length);
  }
  return {
    instruments: {
      n: nI,
      kind: Int32Array.from({ length: nI }, () => (rnd() < 0.7 ? KIND_OPTION : KIND_LINEAR)),
      underlying: Int32Array.from({ length: nI }, () => int(nU)),
      volGroup: Int32Array.from({ length: nI }, () => int(nG)),
      fwdFixed: new Float64Array(nI),
      fwdVar,
      strike: Float64Array.from(fwdVar, (f) => f * u(0.5, 1.6)),
      T: Float64Array.from({ length: nI }, () => u(0.002, 1)),
      vol: Float64Array.from({ length: nI }, () => u(0.2, 1.2)),
      df: Float64Array.from({ length: nI }, () => u(0.95, 1)),
      omega: Float64Array.from({ length: nI }, () => (rnd() < 0.5 ? 1 : -1)),
    },
    scenarios: {
      nS,
      spotMult: Float64Array.from({ length: nU * nS }, () => u(0.6, 1.4)),
      volMul: Float64Array.from({ length: nG * nS }, () => u(0.7, 1.5)),
      volAdd: Float64Array.from({ length: nG * nS }, () => u(-0.05, 0.2)),
      volFloor: Float64Array.from({ length: nG * nS }, () => u(0.01, 0.2)),
      skew: undefined,
      damp: Float64Array.from({ length: nS }, () => u(0.5, 1)),
      mode,
    },
    groups: {
      posDisc: Float64Array.from({ length: nGroups }, () => u(0.9, 1)),
      negDisc: Float64Array.from({ length: nGroups }, () => u(1, 1.1)),
      aux: Float64Array.from({ length: nGroups }, () => u(0, 1)),
    },
    rows: {
      nRows,
      rowStart: Int32Array.from(rowStart), groupStart: Int32Array.from(groupStart), groupId: Int32Array.from(groupId),
      posInstrument: Int32Array.from(posInstrument), posSize: Float64Array.from(posSize),
    },
  };
}

function runWorker(data: object): Promise<{ nanRows: number; width: string; shared: boolean }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerFile, { workerData: data });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => (code !== 0 ? reject(new Error(`worker exited with ${code}`)) : undefined));
  });
}

/** Bit patterns, so that −0 vs +0 and NaN payloads count as differences. */
const bits = (a: Float64Array): BigInt64Array => new BigInt64Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

describe(`shared-memory build (${variant})`, () => {
  it('the ordinary builds refuse a shared memory, and the loader picks the shared build for one', () => {
    const memory = createSharedMemory(1 << 20);
    expect(isSharedMemory(memory)).toBe(true);
    expect(() => loadWasmSync({ variant, memory, module: loadWasmSync({ variant }).module })).toThrow(/shared/);
    const w = loadWasmSync({ variant, memory });
    expect(w.memory).toBe(memory);
    expect(w.exports.simd_enabled!()).toBe(variant === 'simd' ? 1 : 0);
    // shared: true without a memory creates a shared one of the build's maximum.
    const own = loadWasmSync({ variant, shared: true });
    expect(isSharedMemory(own.memory)).toBe(true);
    expect(own.module).toBe(w.module);
    expect(SHARED_MAXIMUM_PAGES).toBe(65536);
    // Existing calls are unchanged: no option → ordinary memory and build.
    expect(isSharedMemory(loadWasmSync({ variant }).memory)).toBe(false);
  });

  it('two workers aggregating disjoint halves equal one thread bit for bit', async () => {
    const plan = makePlan(20261130, 300, 37, 4001);
    // Reference: one thread on the ordinary build and its own memory.
    const ref = loadWasmSync({ variant });
    const rt = ScenarioTable.build(ref, plan.instruments, plan.scenarios, plan.groups);
    const rr = rt.packRows(plan.rows);
    const single = rt.aggregate(rr);
    const want = { pnl: single.pnl.slice(), worst: single.worst.slice(), worstIndex: single.worstIndex.slice(), nanRows: single.nanRows };
    rt.dispose();

    // Table and rows laid out once in the shared memory; a scratch column per worker.
    const memory = createSharedMemory(1 << 20);
    const wasm = loadWasmSync({ variant, memory });
    const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
    const rows = t.packRows(plan.rows);
    const scratch = [wasm.arena.f64(t.nS).ptr, wasm.arena.f64(t.nS).ptr];
    const view = rows.view();
    view.pnl.fill(Number.NaN);
    view.worst.fill(Number.NaN);
    view.worstIndex.fill(-7);
    const half = Math.floor(plan.rows.nRows / 2);
    const ranges: [number, number][] = [[0, half], [half, plan.rows.nRows]];
    const results = await Promise.all(ranges.map(([r0, r1], i) => runWorker({
      module: wasm.module, memory, variant, table: t.layout, rows: rows.layout, r0, r1, scratch: scratch[i],
    })));
    for (const r of results) {
      expect(r.shared).toBe(true);
      expect(r.width).toBe(variant === 'simd' ? 'f64x2' : 'f64');
    }
    const got = rows.view();
    expect(results[0]!.nanRows + results[1]!.nanRows).toBe(want.nanRows);
    expect(want.nanRows).toBe(0);
    expect(bits(got.pnl)).toEqual(bits(want.pnl));
    expect(bits(got.worst)).toEqual(bits(want.worst));
    expect(Array.from(got.worstIndex)).toEqual(Array.from(want.worstIndex));
    // Not a degenerate case: the rows do lose in some scenario.
    expect(got.worst.some((x) => x < 0)).toBe(true);
  }, 60_000);
});
