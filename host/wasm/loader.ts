// Loads riskgrid's WebAssembly in Node and in browsers with the same code: no static `node:`
// imports (Node built-ins are reached through process.getBuiltinModule only when running in Node).
// Each variant is compiled once per process and the compiled module is shared by every instance.
import { RiskgridError } from '../errors.js';
import { simdSupported } from './simd-detect.js';
import { Arena } from './arena.js';

export const HOST_ABI_VERSION = 1;
const PAGE = 65536;

export type Variant = 'simd' | 'scalar';
export type KernelFn = (...args: number[]) => number;

export interface RiskgridWasm {
  readonly variant: Variant;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly exports: Record<string, KernelFn>;
  readonly arena: Arena;
}

export interface LoadOptions {
  /** Force a variant; default: SIMD when supported and RISKGRID_NO_SIMD is not set. */
  variant?: Variant;
  /** Use this memory (e.g. a shared one) instead of creating one. */
  memory?: WebAssembly.Memory;
  /** Initial arena size in bytes (grows on demand between batches). Default 16 MiB. */
  initialBytes?: number;
  /** Compiled module to instantiate (e.g. posted to a worker); skips compilation. */
  module?: WebAssembly.Module;
  /**
   * Use the shared-memory build (threads feature), so several instances (one per worker) can run
   * on one `WebAssembly.Memory({ shared: true })`. Implied when `memory` is shared.
   */
  shared?: boolean;
}

/** Page count of the shared builds' declared maximum (4 GiB): a shared memory must match it. */
export const SHARED_MAXIMUM_PAGES = 65536;

/** True when the memory was created with `shared: true` (its buffer is a SharedArrayBuffer). */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** A shared memory the shared builds link against (maximum = SHARED_MAXIMUM_PAGES). */
export function createSharedMemory(initialBytes: number = 16 * 1024 * 1024): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE) + 1, maximum: SHARED_MAXIMUM_PAGES, shared: true });
}

function wantsShared(opts: LoadOptions): boolean {
  return opts.shared === true || (opts.memory !== undefined && isSharedMemory(opts.memory));
}

/** The variant to use here: SIMD unless unsupported or RISKGRID_NO_SIMD=1 (env or global). */
export function defaultVariant(): Variant {
  const g = globalThis as { RISKGRID_NO_SIMD?: unknown; process?: { env?: Record<string, string | undefined> } };
  const forced = g.process?.env?.RISKGRID_NO_SIMD ?? g.RISKGRID_NO_SIMD;
  if (forced === '1' || forced === true || forced === 'true') return 'scalar';
  return simdSupported() ? 'simd' : 'scalar';
}

export function wasmUrl(variant: Variant, shared = false): URL {
  return new URL(`../../build/wasm/riskgrid.${variant}${shared ? '-shared' : ''}.wasm`, import.meta.url);
}

type NodeFs = { readFileSync(path: URL): Uint8Array<ArrayBuffer> };
function nodeFs(): NodeFs | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } } }).process;
  return p?.versions?.node !== undefined && typeof p.getBuiltinModule === 'function'
    ? (p.getBuiltinModule('node:fs') as NodeFs)
    : undefined;
}

// Keyed by build file stem ('simd', 'scalar-shared', ...).
const compiled = new Map<string, WebAssembly.Module>();
const compiling = new Map<string, Promise<WebAssembly.Module>>();

function loadError(variant: Variant, cause: unknown): RiskgridError {
  return new RiskgridError('RG_ERR_WASM_LOAD', `cannot load the ${variant} WebAssembly build: ${String(cause)}`, { field: 'variant', value: variant, cause });
}

/** Compiles (once) synchronously; Node only. `shared` picks the shared-memory build. */
export function compileSync(variant: Variant = defaultVariant(), shared = false): WebAssembly.Module {
  const key = shared ? `${variant}-shared` : variant;
  const hit = compiled.get(key);
  if (hit) return hit;
  const fs = nodeFs();
  if (!fs) throw loadError(variant, 'synchronous loading needs Node; use loadWasm()');
  try {
    const mod = new WebAssembly.Module(fs.readFileSync(wasmUrl(variant, shared)));
    compiled.set(key, mod);
    return mod;
  } catch (e) {
    throw loadError(variant, e);
  }
}

/** Compiles (once): from the file in Node, by streaming fetch in browsers. */
export async function compile(variant: Variant = defaultVariant(), shared = false): Promise<WebAssembly.Module> {
  const key = shared ? `${variant}-shared` : variant;
  const hit = compiled.get(key);
  if (hit) return hit;
  let pending = compiling.get(key);
  if (!pending) {
    pending = (async () => {
      if (nodeFs()) return compileSync(variant, shared);
      try {
        const mod = await WebAssembly.compileStreaming(fetch(wasmUrl(variant, shared)));
        compiled.set(key, mod);
        return mod;
      } catch (e) {
        throw loadError(variant, e);
      }
    })();
    compiling.set(key, pending);
  }
  return pending;
}

/** Instantiates a compiled module over a host-owned memory and checks the ABI version. */
export function instantiate(module: WebAssembly.Module, variant: Variant, opts: LoadOptions = {}): RiskgridWasm {
  const initialBytes = opts.initialBytes ?? 16 * 1024 * 1024;
  const memory = opts.memory
    ?? (opts.shared === true ? createSharedMemory(initialBytes) : new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE) + 1, maximum: 65536 }));
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch (e) {
    throw loadError(variant, e);
  }
  const exports = instance.exports as unknown as Record<string, KernelFn>;
  const abi = exports.abi_version!();
  if (abi !== HOST_ABI_VERSION) {
    throw new RiskgridError('RG_ERR_ABI_MISMATCH', `module ABI ${abi}, host expects ${HOST_ABI_VERSION}`, { field: 'abi_version', value: abi });
  }
  return { variant, module, memory, exports, arena: new Arena(memory, exports.arena_base!()) };
}

export async function loadWasm(opts: LoadOptions = {}): Promise<RiskgridWasm> {
  const variant = opts.variant ?? defaultVariant();
  return instantiate(opts.module ?? (await compile(variant, wantsShared(opts))), variant, opts);
}

export function loadWasmSync(opts: LoadOptions = {}): RiskgridWasm {
  const variant = opts.variant ?? defaultVariant();
  return instantiate(opts.module ?? compileSync(variant, wantsShared(opts)), variant, opts);
}
