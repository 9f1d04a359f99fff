// The binary's contract with any host. Documented for embedders in docs/ABI.md; keep both in step.
//
// Memory is imported (env.memory), so the host owns it and its size. Layout:
//   [0, ARENA_BASE)   AssemblyScript static data (the stub runtime never allocates at run time)
//   [ARENA_BASE, end) the arena: the host lays out structure-of-arrays columns here, each
//                     16-byte aligned, and passes their byte offsets to the kernels.
// Kernels never grow memory and never allocate; they read and write only the columns passed.
//
// Calling convention: every batch kernel is `name(n: i32, ...column offsets: usize): i32`.
// It processes items [0, n), writes one i32 status per item into its status column, and returns
// the number of items whose status is not OK (0 means no status needs scanning).
// Columns of f64 hold 8 bytes per item; status columns hold 4 bytes (i32) per item.

export const ABI_VERSION: i32 = 1;
export const ARENA_BASE: usize = 65536;
export const COLUMN_ALIGN: usize = 16;

// Per-item status codes (stable; the host maps them to RG_ERR_* codes).
export const ST_OK: i32 = 0;
export const ST_BAD_FORWARD: i32 = 1; // F or S not finite or < 0
export const ST_BAD_STRIKE: i32 = 2; // K not finite or < 0
export const ST_BAD_TIME: i32 = 3; // T not finite (T <= 0 is allowed: intrinsic value)
export const ST_BAD_VOL: i32 = 4; // vol not finite or < 0
export const ST_BAD_DISCOUNT: i32 = 5; // discount factor not finite or <= 0
export const ST_BAD_TYPE: i32 = 6; // option type not +1 (call) or -1 (put)
export const ST_BAD_RATE: i32 = 7; // r not finite
export const ST_BAD_YIELD: i32 = 8; // q not finite
export const ST_BAD_PRICE: i32 = 9; // price not finite (implied vol input)
export const ST_IV_BELOW_INTRINSIC: i32 = 10; // price below the discounted intrinsic value
export const ST_IV_ABOVE_MAX: i32 = 11; // price at or above the upper no-arbitrage bound
export const ST_IV_NO_CONVERGENCE: i32 = 12; // iteration did not reach the tolerance

export function abi_version(): i32 {
  return ABI_VERSION;
}

export function arena_base(): usize {
  return ARENA_BASE;
}

/** 1 when this binary was built with the f64x2 kernels, 0 for the scalar build. */
export function simd_enabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}
