// Public API of riskgrid (Node entry).
export { RiskgridError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
export { loadWasm, loadWasmSync, compile, compileSync, instantiate, defaultVariant, wasmUrl, HOST_ABI_VERSION } from './wasm/loader.js';
export type { RiskgridWasm, Variant, LoadOptions } from './wasm/loader.js';
export { Arena, Column } from './wasm/arena.js';
export { simdSupported } from './wasm/simd-detect.js';
