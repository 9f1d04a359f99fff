// Public API of riskgrid for browsers (the `browser` condition of the package export). Same engine
// and kernels as the Node entry; what differs is how the WebAssembly arrives: fetched and compiled
// by streaming from the `.wasm` files shipped next to this bundle (dist/browser/), with SIMD
// detection and the scalar fallback. Profiles are passed as parsed objects (no file system here).
//
//   const engine = await createBrowserEngine({ profile: profileJson });
//   engine.margin(portfolioJson, marketJson);
import { RiskgridError } from './errors.js';
import { createEngine, type Engine, type EngineOptions } from './margin/engine.js';
import { defaultVariant, instantiate, type LoadOptions, type RiskgridWasm, type Variant } from './wasm/loader.js';

export { RiskgridError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
export { defaultVariant, instantiate, HOST_ABI_VERSION } from './wasm/loader.js';
export type { RiskgridWasm, Variant, LoadOptions } from './wasm/loader.js';
export { simdSupported } from './wasm/simd-detect.js';
export { parseInstrumentId, formatInstrumentId } from './model/ids.js';
export { parseAccount, parseAccountJson } from './model/validate.js';
export { MarketSnapshot } from './market/snapshot.js';
export { parseMarketSnapshot, parseMarketSnapshotJson } from './market/validate.js';
export { parseProfile, registerMethodology, listMethodologies } from './profiles/registry.js';
export type { Profile } from './profiles/registry.js';
export { createEngine, Engine } from './margin/engine.js';
export type { EngineOptions, MarginOptions, AccountInput, MarketInput } from './margin/engine.js';
export type { MarginResult, MarginOutcome, WhatIfResult, MarginBreakdown, WorstScenario, ScenarioInfo, GreekSet, PositionGreeks, FailureInfo } from './margin/result.js';
export { black76Price, black76Greeks } from './reference/black.js';
export { ENGINE_VERSION } from './version.js';

export interface BrowserLoadOptions extends LoadOptions {
  /** Where the `.wasm` of the chosen variant lives; default: next to this bundle. */
  url?: string | URL;
}

/** The build file of a variant, resolved against the bundle's own URL (dist/browser/). */
export function browserWasmUrl(variant: Variant): URL {
  return new URL(`./riskgrid.${variant}.wasm`, import.meta.url);
}

const compiled = new Map<string, Promise<WebAssembly.Module>>();

function loadError(variant: Variant, cause: unknown): RiskgridError {
  return new RiskgridError('RG_ERR_WASM_LOAD', `cannot load the ${variant} WebAssembly build: ${String(cause)}`, { field: 'variant', value: variant, cause });
}

async function compileFrom(url: URL, variant: Variant): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) throw loadError(variant, `${url.href}: HTTP ${response.status}`);
  // Streaming compilation needs the application/wasm content type; a server that sends another
  // one still gets a working page, compiled from the whole body instead.
  if (typeof WebAssembly.compileStreaming === 'function' && (response.headers.get('content-type') ?? '').startsWith('application/wasm')) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles (once per URL) and instantiates riskgrid's WebAssembly in a browser. */
export async function loadWasm(opts: BrowserLoadOptions = {}): Promise<RiskgridWasm> {
  const variant = opts.variant ?? defaultVariant();
  if (opts.module !== undefined) return instantiate(opts.module, variant, opts);
  const url = opts.url === undefined ? browserWasmUrl(variant) : new URL(opts.url, import.meta.url);
  let pending = compiled.get(url.href);
  if (pending === undefined) {
    pending = compileFrom(url, variant).catch((e: unknown) => {
      compiled.delete(url.href); // a failed fetch may succeed on retry
      throw e instanceof RiskgridError ? e : loadError(variant, e);
    });
    compiled.set(url.href, pending);
  }
  return instantiate(await pending, variant, opts);
}

export interface BrowserEngineOptions extends Omit<EngineOptions, 'wasm' | 'profile'> {
  /** A parsed profile object (profiles/*.json); names and paths need a file system. */
  profile: Record<string, unknown>;
  /** An instance to share between engines; default: one loaded with `load`. */
  wasm?: RiskgridWasm;
  load?: BrowserLoadOptions;
}

/** An engine on the streamed WebAssembly module (createEngine would load it synchronously from disk). */
export async function createBrowserEngine(opts: BrowserEngineOptions): Promise<Engine> {
  const { load, wasm, ...rest } = opts;
  return createEngine({ ...rest, wasm: wasm ?? (await loadWasm(load)) });
}
