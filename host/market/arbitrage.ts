// Static-arbitrage checks run when a surface is ingested.
//  - butterfly: a non-negative risk-neutral density. SVI: Gatheral's g(k) ≥ 0 on a k sample over the
//    configured bounds (the worst point per expiry is reported). Grid: undiscounted Black call prices
//    in K/F must be convex; checked on the marks and the midpoints between them, since the linear
//    interpolation is what options between marks are priced with. A grid also gets the call-spread
//    bound −1 ≤ ∂c/∂(K/F) ≤ 0 ("vertical").
//  - calendar: total variance non-decreasing in T at fixed log-moneyness, for each adjacent pair of
//    expiries (SVI: on the k sample, worst point reported; grid: at every mark of either expiry
//    inside both ranges).
// Not checked: the flat-forward interpolation between expiries is calendar-free when the nodes are,
// but a butterfly-free pair of slices may interpolate to a slice that is not; the Lee wing bound is
// outside the bounded k range and so not needed.
import { RiskgridError } from '../errors.js';
import { GridSurface, type GridSurfaceInput } from './surface.js';
import { SviSurface, sviG, type SviSurfaceInput } from './svi.js';

export type ArbitrageCheck = 'butterfly' | 'vertical' | 'calendar';

export interface ArbitrageViolation {
  check: ArbitrageCheck;
  /** Index of the (later) expiry in the surface's slices. */
  slice: number;
  expiry_ms: number;
  /** Log-moneyness of the violation. */
  k: number;
  /** butterfly: g(k) (SVI) or the discrete density of K/F (grid); vertical: the call-price slope;
   *  calendar: w(T_later, k) − w(T_earlier, k). A violation is value < −tolerance (vertical: outside [−1, 0]). */
  value: number;
}

export interface ArbitrageReport {
  ok: boolean;
  violations: ArbitrageViolation[];
}

export interface ArbitrageOptions {
  /** Slack for rounding, in the unit of each value (default 1e-10). */
  tolerance?: number;
  /** SVI: number of k sample points over [k_min, k_max] (default 65). */
  samples?: number;
}

export type ArbitragePolicy = 'reject' | 'flag';

export type SurfaceInput = ({ kind: 'svi' } & SviSurfaceInput) | ({ kind: 'grid' } & GridSurfaceInput);

export interface IngestOptions extends ArbitrageOptions {
  /** What the profile says to do with a surface that fails: throw, or serve it flagged. */
  policy: ArbitragePolicy;
}

export interface IngestedSurface {
  surface: SviSurface | GridSurface;
  report: ArbitrageReport;
  /** True when the surface failed a check and the policy let it through. */
  flagged: boolean;
}

/** Builds a surface, checks it, and applies the policy (reject → RiskgridError RG_ERR_INVALID_INPUT). */
export function ingestSurface(input: SurfaceInput, opts: IngestOptions): IngestedSurface {
  if (opts?.policy !== 'reject' && opts?.policy !== 'flag') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `policy must be 'reject' or 'flag', got ${String(opts?.policy)}`, { field: 'policy', value: opts?.policy });
  }
  let surface: SviSurface | GridSurface;
  if (input?.kind === 'svi') surface = new SviSurface(input);
  else if (input?.kind === 'grid') surface = new GridSurface(input);
  else {
    const kind = (input as { kind?: unknown } | null)?.kind;
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `surface kind must be 'svi' or 'grid', got ${String(kind)}`, { field: 'kind', value: kind });
  }
  const report = checkArbitrage(surface, opts);
  if (!report.ok && opts.policy === 'reject') {
    const v = report.violations[0]!;
    throw new RiskgridError(
      'RG_ERR_INVALID_INPUT',
      `surface fails static-arbitrage checks (${report.violations.length} violation(s); first: ${v.check} at slice ${v.slice}, k = ${v.k}, value ${v.value})`,
      { field: `slices[${v.slice}]`, value: report.violations },
    );
  }
  return { surface, report, flagged: !report.ok };
}

export function checkArbitrage(surface: SviSurface | GridSurface, opts: ArbitrageOptions = {}): ArbitrageReport {
  const tol = opts.tolerance ?? 1e-10;
  if (!(tol >= 0 && tol < Infinity)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `tolerance must be a finite number ≥ 0, got ${tol}`, { field: 'tolerance', value: tol });
  const violations: ArbitrageViolation[] = [];
  if (surface instanceof SviSurface) checkSvi(surface, tol, sampleCount(opts.samples), violations);
  else checkGrid(surface, tol, violations);
  return { ok: violations.length === 0, violations };
}

function sampleCount(n: number | undefined): number {
  if (n === undefined) return 65;
  if (!Number.isInteger(n) || n < 2) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `samples must be an integer ≥ 2, got ${n}`, { field: 'samples', value: n });
  return n;
}

function checkSvi(s: SviSurface, tol: number, samples: number, out: ArbitrageViolation[]): void {
  const lo = s.kMin();
  const step = (s.kMax() - lo) / (samples - 1);
  const n = s.times.length;
  for (let j = 0; j < n; j++) {
    let worst = Infinity;
    let worstK = lo;
    for (let i = 0; i < samples; i++) {
      const k = i === samples - 1 ? s.kMax() : lo + i * step;
      const raw = sviG(s.params[j]!, k);
      // NaN (0/0 where w = 0) counts as −∞: the density is not defined there.
      const g = raw === raw ? raw : -Infinity;
      if (g < worst) {
        worst = g;
        worstK = k;
      }
    }
    if (worst < -tol) out.push({ check: 'butterfly', slice: j, expiry_ms: s.expiries[j]!, k: worstK, value: worst });
  }
  for (let j = 1; j < n; j++) {
    let worst = Infinity;
    let worstK = lo;
    for (let i = 0; i < samples; i++) {
      const k = i === samples - 1 ? s.kMax() : lo + i * step;
      const d = s.sliceTotalVariance(j, k) - s.sliceTotalVariance(j - 1, k);
      if (d < worst) {
        worst = d;
        worstK = k;
      }
    }
    if (worst < -tol) out.push({ check: 'calendar', slice: j, expiry_ms: s.expiries[j]!, k: worstK, value: worst });
  }
}

function checkGrid(s: GridSurface, tol: number, out: ArbitrageViolation[]): void {
  const n = s.times.length;
  for (let j = 0; j < n; j++) {
    const ks = s.ks[j]!;
    const m = 2 * ks.length - 1; // marks and the midpoints between them
    const x = new Float64Array(m);
    const c = new Float64Array(m);
    const kk = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const k = (i & 1) === 0 ? ks[i >> 1]! : 0.5 * (ks[i >> 1]! + ks[(i >> 1) + 1]!);
      kk[i] = k;
      x[i] = Math.exp(k);
      c[i] = blackCallNormalized(k, s.sliceTotalVariance(j, k));
    }
    let prevSlope = NaN;
    for (let i = 0; i + 1 < m; i++) {
      const slope = (c[i + 1]! - c[i]!) / (x[i + 1]! - x[i]!);
      if (slope > tol || slope < -1 - tol) {
        out.push({ check: 'vertical', slice: j, expiry_ms: s.expiries[j]!, k: 0.5 * (kk[i]! + kk[i + 1]!), value: slope });
      }
      if (i > 0) {
        const density = (2 * (slope - prevSlope)) / (x[i + 1]! - x[i - 1]!);
        if (density < -tol) out.push({ check: 'butterfly', slice: j, expiry_ms: s.expiries[j]!, k: kk[i]!, value: density });
      }
      prevSlope = slope;
    }
  }
  for (let j = 1; j < n; j++) {
    const lo = Math.max(s.kMin(j - 1), s.kMin(j));
    const hi = Math.min(s.kMax(j - 1), s.kMax(j));
    for (const ks of [s.ks[j - 1]!, s.ks[j]!]) {
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i]!;
        if (k < lo || k > hi) continue;
        const d = s.sliceTotalVariance(j, k) - s.sliceTotalVariance(j - 1, k);
        if (d < -tol) out.push({ check: 'calendar', slice: j, expiry_ms: s.expiries[j]!, k, value: d });
      }
    }
  }
}

/** Undiscounted Black call divided by the forward, as a function of k = ln(K/F) and w = σ²T. */
export function blackCallNormalized(k: number, w: number): number {
  const x = Math.exp(k);
  if (w <= 0) return Math.max(1 - x, 0);
  const sw = Math.sqrt(w);
  const d1 = -k / sw + 0.5 * sw;
  return normCdf(d1) - x * normCdf(d1 - sw);
}

/**
 * Standard normal CDF: Hart (1968) double-precision algorithm as given by G. West, "Better
 * approximations to cumulative normal functions", Wilmott (2005), fig. 2; absolute error about
 * 1e-14 (checked in test/arbitrage.test.ts against reference values).
 */
export function normCdf(z: number): number {
  const x = Math.abs(z);
  let c: number;
  if (x > 37) {
    c = 0;
  } else {
    const e = Math.exp(-0.5 * x * x);
    if (x < 7.07106781186547) {
      let n = 3.52624965998911e-2 * x + 0.700383064443688;
      n = n * x + 6.37396220353165;
      n = n * x + 33.912866078383;
      n = n * x + 112.079291497871;
      n = n * x + 221.213596169931;
      n = n * x + 220.206867912376;
      let d = 8.83883476483184e-2 * x + 1.75566716318264;
      d = d * x + 16.064177579207;
      d = d * x + 86.7807322029461;
      d = d * x + 296.564248779674;
      d = d * x + 637.333633378831;
      d = d * x + 793.826512519948;
      d = d * x + 440.413735824752;
      c = (e * n) / d;
    } else {
      let b = x + 0.65;
      b = x + 4 / b;
      b = x + 3 / b;
      b = x + 2 / b;
      b = x + 1 / b;
      c = e / b / 2.506628274631;
    }
  }
  return z > 0 ? 1 - c : c;
}
