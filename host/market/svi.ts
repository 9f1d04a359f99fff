// Raw SVI (Gatheral 2004; Gatheral & Jacquier, "Arbitrage-free SVI volatility surfaces", 2014):
// per expiry the total implied variance at log-moneyness k = ln(K/F) is
//   w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)).
// Valid parameters: b ≥ 0, |ρ| < 1, σ > 0 and min_k w = a + b·σ·√(1 − ρ²) ≥ 0 (so w ≥ 0 everywhere).
// Between expiries the surface interpolates w linearly in time at fixed k (see surface.ts).
import { RiskgridError, requireFinite } from '../errors.js';
import { SlicedSurface } from './surface.js';

export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

export interface SviSliceInput extends SviParams {
  expiry_ms: number;
}

export interface SviSurfaceInput {
  as_of_ms: number;
  slices: readonly SviSliceInput[];
  /** Log-moneyness range served; outside it the surface throws (no extrapolation). */
  k_min: number;
  k_max: number;
  /** Smallest year fraction served (optional; default the first expiry). */
  t_min?: number;
}

/** Checks one parameter set; errors name the field as `${prefix}.b` etc. */
export function validateSvi(p: SviParams, prefix = 'svi'): SviParams {
  if (p === null || typeof p !== 'object') throw new RiskgridError('RG_ERR_INVALID_INPUT', `${prefix} must be an object`, { field: prefix, value: p });
  const a = requireFinite(`${prefix}.a`, p.a);
  const b = requireFinite(`${prefix}.b`, p.b, { min: 0 });
  const rho = requireFinite(`${prefix}.rho`, p.rho);
  if (!(Math.abs(rho) < 1)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${prefix}.rho must satisfy |rho| < 1, got ${rho}`, { field: `${prefix}.rho`, value: rho });
  const m = requireFinite(`${prefix}.m`, p.m);
  const sigma = requireFinite(`${prefix}.sigma`, p.sigma, { min: 0, minExclusive: true });
  const wMin = a + b * sigma * Math.sqrt(1 - rho * rho);
  if (!(wMin >= 0)) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${prefix}.a: a + b·sigma·√(1 − rho²) = ${wMin} < 0 (negative total variance)`, { field: `${prefix}.a`, value: a });
  }
  return { a, b, rho, m, sigma };
}

/** w(k). */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w'(k) = b·(ρ + x/r), r = √(x² + σ²). */
export function sviFirstDerivative(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.b * (p.rho + x / Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w''(k) = b·σ²/r³. */
export function sviSecondDerivative(p: SviParams, k: number): number {
  const x = k - p.m;
  const r = Math.sqrt(x * x + p.sigma * p.sigma);
  return (p.b * p.sigma * p.sigma) / (r * r * r);
}

/**
 * Gatheral's density function: the risk-neutral density of ln(K/F) is
 * g(k)/√(2πw)·exp(−d₋²/2), so g(k) ≥ 0 ⇔ no butterfly arbitrage at k.
 *   g = (1 − k·w'/(2w))² − (w'²/4)·(1/w + 1/4) + w''/2
 * Where w = 0 the density is undefined; g is −Infinity there (w'≠0) and reported as a violation.
 */
export function sviG(p: SviParams, k: number): number {
  const w = sviTotalVariance(p, k);
  const w1 = sviFirstDerivative(p, k);
  const w2 = sviSecondDerivative(p, k);
  const t = 1 - (k * w1) / (2 * w);
  return t * t - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** SVI surface: one raw-SVI slice per expiry, a configured log-moneyness range. */
export class SviSurface extends SlicedSurface {
  readonly params: readonly SviParams[];
  private readonly kLo: number;
  private readonly kHi: number;
  // Flat copies of the parameters for the hot loop.
  private readonly pa: Float64Array;
  private readonly pb: Float64Array;
  private readonly prho: Float64Array;
  private readonly pm: Float64Array;
  private readonly ps2: Float64Array;

  constructor(input: SviSurfaceInput) {
    if (input === null || typeof input !== 'object' || !Array.isArray(input.slices)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', 'SVI surface input must be an object with a slices array', { field: 'slices', value: input });
    }
    super(input.as_of_ms, input.slices.map((s) => s?.expiry_ms), input.t_min, 'slices');
    const kLo = requireFinite('k_min', input.k_min);
    const kHi = requireFinite('k_max', input.k_max);
    if (!(kLo < kHi)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `k_min ${kLo} must be below k_max ${kHi}`, { field: 'k_max', value: kHi });
    this.kLo = kLo;
    this.kHi = kHi;
    const n = input.slices.length;
    this.params = input.slices.map((s, j) => validateSvi(s, `slices[${j}]`));
    this.pa = new Float64Array(n);
    this.pb = new Float64Array(n);
    this.prho = new Float64Array(n);
    this.pm = new Float64Array(n);
    this.ps2 = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const p = this.params[j]!;
      this.pa[j] = p.a;
      this.pb[j] = p.b;
      this.prho[j] = p.rho;
      this.pm[j] = p.m;
      this.ps2[j] = p.sigma * p.sigma;
    }
  }

  kMin(): number {
    return this.kLo;
  }

  kMax(): number {
    return this.kHi;
  }

  protected sliceW(j: number, k: number): number {
    const x = k - this.pm[j]!;
    return this.pa[j]! + this.pb[j]! * (this.prho[j]! * x + Math.sqrt(x * x + this.ps2[j]!));
  }
}
