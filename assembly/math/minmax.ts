// Scalar twins of f64x2.pmin / pmax: one instruction each in SIMD (f64x2.min/max are lowered to
// eight by V8 for their NaN rules). pmin(a, b) = b < a ? b : a and pmax(a, b) = a < b ? b : a
// return `a` when a is NaN, so call them with the value first and the bound second: NaN still
// propagates. Used in the kernels so scalar and SIMD builds give identical bits.

// @ts-ignore: decorator
@inline
export function pminF64(a: f64, b: f64): f64 {
  return b < a ? b : a;
}

// @ts-ignore: decorator
@inline
export function pmaxF64(a: f64, b: f64): f64 {
  return a < b ? b : a;
}
