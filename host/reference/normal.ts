// Plain-TypeScript standard normal functions: the test oracle and benchmark baseline for the
// kernels, deliberately by a different method than assembly/math (which uses Cody's rationals).
//   |z| < 2√2 : erf by the all-positive series erf(z) = 2/√π·e^{−z²}·Σ 2^n z^{2n+1}/(2n+1)!!
//               (no cancellation inside the sum; converges for every z);
//   beyond    : erfc by its continued fraction (modified Lentz), relative error ~1e-16.
// Checked against published values (Abramowitz & Stegun 26.2) in test/reference.test.ts.

const SQRT1_2 = Math.SQRT1_2;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;
const INV_SQRT_2PI = 0.3989422804014327;

/** e^{−x²/2} with x² split exactly (Dekker) so the rounding of x² does not reach the tails. */
export function expHalfSquareNeg(x: number): number {
  const c = 134217729 * x; // 2^27 + 1
  const hi = c - (c - x);
  const lo = x - hi;
  const sq = x * x;
  const err = hi * hi - sq + 2 * hi * lo + lo * lo; // x² = sq + err exactly
  return Math.exp(-0.5 * sq) * (1 - 0.5 * err);
}

function erfSeries(z: number, expNegZ2: number): number {
  const z2 = z * z;
  let term = z;
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= (2 * z2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * expNegZ2 * sum;
}

/** erfc(z) for z > 0 by the continued fraction 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))). */
function erfcContinuedFraction(z: number, expNegZ2: number): number {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = z + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = z + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return (INV_SQRT_PI * expNegZ2) / f;
}

/** Standard normal cumulative distribution N(x). */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x) * SQRT1_2;
  const e2 = expHalfSquareNeg(x); // = e^{−z²}, from x itself (z carries a rounding of √2)
  if (z < 2) {
    const e = erfSeries(z, e2);
    return x >= 0 ? 0.5 + 0.5 * e : 0.5 - 0.5 * e;
  }
  const tail = 0.5 * erfcContinuedFraction(z, e2);
  return x >= 0 ? 1 - tail : tail;
}

/** Standard normal density n(x). */
export function normPdf(x: number): number {
  return INV_SQRT_2PI * expHalfSquareNeg(x);
}
