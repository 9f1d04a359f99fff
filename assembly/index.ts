// Entry of the WebAssembly module: everything exported here is the public ABI (docs/ABI.md).
export { abi_version, arena_base, simd_enabled } from './abi';
