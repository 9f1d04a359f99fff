// Batch math kernels over one f64 column: out[i] = f(x[i]). No status column (NaN propagates);
// they return 0. Mainly for tests and for embedders who need the same special functions.
import { expF64, expF64x2 } from './exp';
import { logF64, logF64x2 } from './log';
import { ncdfF64, ncdfF64x2, npdfF64, npdfF64x2 } from './ncdf';

export function exp_f64_soa(n: i32, pX: usize, pOut: usize): i32 {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(pOut + o, expF64(load<f64>(pX + o))); }
  return 0;
}
export function log_f64_soa(n: i32, pX: usize, pOut: usize): i32 {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(pOut + o, logF64(load<f64>(pX + o))); }
  return 0;
}
export function ncdf_f64_soa(n: i32, pX: usize, pOut: usize): i32 {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(pOut + o, ncdfF64(load<f64>(pX + o))); }
  return 0;
}
export function npdf_f64_soa(n: i32, pX: usize, pOut: usize): i32 {
  for (let i = 0; i < n; i++) { const o = <usize>i << 3; store<f64>(pOut + o, npdfF64(load<f64>(pX + o))); }
  return 0;
}

// f64x2 versions: pairs, then the odd last item with the scalar function (identical bits).
export function exp_f64x2_soa(n: i32, pX: usize, pOut: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) { const o = <usize>i << 3; v128.store(pOut + o, expF64x2(v128.load(pX + o))); }
  if (n2 < n) exp_f64_soa(1, pX + (<usize>n2 << 3), pOut + (<usize>n2 << 3));
  return 0;
}
export function log_f64x2_soa(n: i32, pX: usize, pOut: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) { const o = <usize>i << 3; v128.store(pOut + o, logF64x2(v128.load(pX + o))); }
  if (n2 < n) log_f64_soa(1, pX + (<usize>n2 << 3), pOut + (<usize>n2 << 3));
  return 0;
}
export function ncdf_f64x2_soa(n: i32, pX: usize, pOut: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) { const o = <usize>i << 3; v128.store(pOut + o, ncdfF64x2(v128.load(pX + o))); }
  if (n2 < n) ncdf_f64_soa(1, pX + (<usize>n2 << 3), pOut + (<usize>n2 << 3));
  return 0;
}
export function npdf_f64x2_soa(n: i32, pX: usize, pOut: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  const n2 = n & ~1;
  for (let i = 0; i < n2; i += 2) { const o = <usize>i << 3; v128.store(pOut + o, npdfF64x2(v128.load(pX + o))); }
  if (n2 < n) npdf_f64_soa(1, pX + (<usize>n2 << 3), pOut + (<usize>n2 << 3));
  return 0;
}
