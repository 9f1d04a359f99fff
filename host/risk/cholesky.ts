// Cholesky factor of a correlation matrix: C = L·Lᵀ, L lower triangular. Validates that the
// matrix is a correlation matrix (square, symmetric, unit diagonal, entries in [−1, 1]) and
// positive definite (every pivot > 1e-12), with RiskgridError naming the entry at fault.
import { RiskgridError } from '../errors.js';

const bad = (field: string, value: unknown, why: string): never => {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why}`, { field, value });
};

/** Row-major n×n lower-triangular factor. */
export function cholesky(C: readonly (readonly number[])[], field = 'correlation'): Float64Array {
  const n = C.length;
  if (!Array.isArray(C) || n === 0) bad(field, C, 'must be a non-empty square matrix');
  for (let i = 0; i < n; i++) {
    if (!Array.isArray(C[i]) || C[i]!.length !== n) bad(`${field}[${i}]`, C[i], `must have ${n} entries`);
    for (let j = 0; j < n; j++) {
      const v = C[i]![j]!;
      if (typeof v !== 'number' || !(v >= -1 && v <= 1)) bad(`${field}[${i}][${j}]`, v, 'must be a number in [-1, 1]');
      if (i === j && v !== 1) bad(`${field}[${i}][${i}]`, v, 'diagonal must be 1');
      if (Math.abs(v - C[j]![i]!) > 1e-12) bad(`${field}[${i}][${j}]`, v, `not symmetric (vs [${j}][${i}] = ${C[j]![i]})`);
    }
  }
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = C[j]![j]!;
    for (let k = 0; k < j; k++) d -= L[j * n + k]! * L[j * n + k]!;
    if (!(d > 1e-12)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field} is not positive definite (pivot ${j} = ${d})`, { field, value: d });
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = C[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/** out = L·z (z independent standard normals → correlated ones). */
export function correlate(L: Float64Array, n: number, z: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k <= i; k++) s += L[i * n + k]! * z[k]!;
    out[i] = s;
  }
}
