// Volatility surfaces: one interface for every representation, the time interpolation they share,
// and the strike × expiry grid of marks.
//
// Interpolation, both documented choices:
//  - in strike: linear in total variance w = σ²T over log-moneyness k = ln(K/F). Linear keeps
//    every mark exactly, cannot overshoot between nodes, and costs one binary search;
//  - in time: linear in total variance between expiries at fixed k ("flat-forward": the forward
//    variance between two expiries is constant). Before the first expiry, only if `t_min` allows
//    it, w runs linearly from w(0) = 0 — the first expiry's vol held at that k.
// No extrapolation: a point outside the configured bounds (or outside a grid slice's marks) is a
// RiskgridError (RG_ERR_MISSING_MARKET_DATA) naming the value, never a guess.
import { RiskgridError, requireFinite } from '../errors.js';
import { MS_PER_YEAR, yearFraction } from '../model/instrument.js';
import type { VolSurface as ProviderVolSurface } from './vol-provider.js';

// ACT/365 year fractions, one definition for the project (DESIGN.md).
export { MS_PER_YEAR, yearFraction };

/**
 * What every surface answers. It extends the snapshot's hook (market/vol-provider.ts), so an
 * SviSurface or GridSurface can be handed to MarketSnapshot.setSurface as it is.
 */
export interface VolSurface extends ProviderVolSurface {
  /** The instant the surface's year fractions are measured from (UTC ms). */
  readonly asOfMs: number;
  /**
   * Implied vol for an option T years (ACT/365) from asOfMs, struck at `strike`, on `forward`:
   * `vol(T, K, F)`. The snapshot calls `vol(expiryMs, K, F, t)`: when `t` is given it is the year
   * fraction used and the first argument (the expiry instant) is not read.
   */
  vol(T: number, strike: number, forward: number, t?: number): number;
  /** The same, for an expiry instant (UTC ms), T measured from asOfMs. */
  volAt(expiryMs: number, strike: number, forward: number): number;
  /** Total implied variance w = σ²T at year fraction T and log-moneyness k. */
  totalVariance(T: number, k: number): number;
  /** Vols for many options at once (T in years): out[i] = vol(T[i], K[i], F[i]). */
  vols(T: ArrayLike<number>, strike: ArrayLike<number>, forward: ArrayLike<number>, out?: Float64Array): Float64Array;
}

/** Shared machinery: expiries, bounds, time interpolation, input checks. Subclasses give slices. */
export abstract class SlicedSurface implements VolSurface {
  /** Year fraction of each slice, strictly increasing, > 0. */
  readonly times: Float64Array;
  /** Expiry instant of each slice (UTC ms). */
  readonly expiries: Float64Array;
  /** Smallest T served (≤ times[0]; below times[0] w runs linearly to 0 at T = 0). */
  readonly tMin: number;
  /** Largest T served: the last expiry (never beyond). */
  readonly tMax: number;

  protected constructor(readonly asOfMs: number, expiriesMs: readonly number[], tMin: number | undefined, fieldPrefix: string) {
    requireFinite('as_of_ms', asOfMs);
    const n = expiriesMs.length;
    if (n === 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${fieldPrefix} must hold at least one expiry`, { field: fieldPrefix, value: n });
    this.times = new Float64Array(n);
    this.expiries = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const field = `${fieldPrefix}[${j}].expiry_ms`;
      const e = requireFinite(field, expiriesMs[j]);
      if (e <= asOfMs) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field} ${e} is not after as_of_ms ${asOfMs}`, { field, value: e });
      if (j > 0 && e <= this.expiries[j - 1]!) {
        throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field} ${e} must be later than the previous expiry (sorted, no duplicates)`, { field, value: e });
      }
      this.expiries[j] = e;
      this.times[j] = yearFraction(asOfMs, e);
    }
    this.tMax = this.times[n - 1]!;
    if (tMin === undefined) {
      this.tMin = this.times[0]!;
    } else {
      requireFinite('t_min', tMin, { min: 0, minExclusive: true });
      if (tMin > this.times[0]!) {
        throw new RiskgridError('RG_ERR_INVALID_INPUT', `t_min ${tMin} is after the first expiry (T = ${this.times[0]})`, { field: 't_min', value: tMin });
      }
      this.tMin = tMin;
    }
  }

  /** Total variance of slice j at k; k is already checked against the slice's bounds. */
  protected abstract sliceW(j: number, k: number): number;
  /** Log-moneyness bounds of slice j. */
  abstract kMin(j: number): number;
  abstract kMax(j: number): number;

  /** Slice j's total variance at k, with the no-extrapolation check. */
  sliceTotalVariance(j: number, k: number): number {
    if (!(k >= this.kMin(j) && k <= this.kMax(j))) {
      throw new RiskgridError(
        'RG_ERR_MISSING_MARKET_DATA',
        `log-moneyness ${k} is outside the surface's bounds [${this.kMin(j)}, ${this.kMax(j)}] at expiry ${new Date(this.expiries[j]!).toISOString()}: no extrapolation`,
        { field: 'strike', value: k },
      );
    }
    return this.sliceW(j, k);
  }

  totalVariance(T: number, k: number): number {
    if (!(T >= this.tMin && T <= this.tMax)) {
      throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `T = ${T} years is outside the surface's bounds [${this.tMin}, ${this.tMax}]: no extrapolation`, { field: 'T', value: T });
    }
    const times = this.times;
    const t0 = times[0]!;
    if (T <= t0) {
      const w0 = this.sliceTotalVariance(0, k);
      return T === t0 ? w0 : (w0 * T) / t0;
    }
    // Largest j with times[j] < T (T > times[0] here, T ≤ times[n-1]).
    let lo = 0;
    let hi = times.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! < T) lo = mid;
      else hi = mid;
    }
    const th = times[hi]!;
    if (T === th) return this.sliceTotalVariance(hi, k); // exact at the node
    const tl = times[lo]!;
    const wl = this.sliceTotalVariance(lo, k);
    const wh = this.sliceTotalVariance(hi, k);
    return wl + ((wh - wl) * (T - tl)) / (th - tl);
  }

  vol(T: number, strike: number, forward: number, t?: number): number {
    if (t !== undefined) T = t;
    if (!(strike > 0 && strike < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `strike must be a positive finite number, got ${strike}`, { field: 'strike', value: strike });
    if (!(forward > 0 && forward < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `forward must be a positive finite number, got ${forward}`, { field: 'forward', value: forward });
    const w = this.totalVariance(T, Math.log(strike / forward));
    return Math.sqrt(w / T);
  }

  volAt(expiryMs: number, strike: number, forward: number): number {
    return this.vol(yearFraction(this.asOfMs, requireFinite('expiry_ms', expiryMs)), strike, forward);
  }

  vols(T: ArrayLike<number>, strike: ArrayLike<number>, forward: ArrayLike<number>, out?: Float64Array): Float64Array {
    const n = T.length;
    if (strike.length !== n || forward.length !== n) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `vols: T, strike and forward must have the same length (${n}, ${strike.length}, ${forward.length})`, { field: 'strike', value: strike.length });
    }
    const res = out ?? new Float64Array(n);
    if (res.length < n) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `vols: out holds ${res.length} < ${n}`, { field: 'out', value: res.length });
    for (let i = 0; i < n; i++) res[i] = this.vol(T[i]!, strike[i]!, forward[i]!);
    return res;
  }
}

/** One expiry of marks: implied vols at strikes (strictly increasing) on the expiry's forward. */
export interface GridSliceInput {
  expiry_ms: number;
  forward: number;
  strikes: readonly number[];
  vols: readonly number[];
}

export interface GridSurfaceInput {
  as_of_ms: number;
  slices: readonly GridSliceInput[];
  /** Smallest year fraction served (optional; default the first expiry). */
  t_min?: number;
}

/** Strike × expiry grid of vol marks; bounds in strike are each slice's first and last mark. */
export class GridSurface extends SlicedSurface {
  /** Per slice: log-moneyness of the marks and their total variance. */
  readonly ks: Float64Array[];
  readonly ws: Float64Array[];
  readonly forwards: Float64Array;

  constructor(input: GridSurfaceInput) {
    if (input === null || typeof input !== 'object' || !Array.isArray(input.slices)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', 'grid surface input must be an object with a slices array', { field: 'slices', value: input });
    }
    super(input.as_of_ms, input.slices.map((s) => s?.expiry_ms), input.t_min, 'slices');
    const n = input.slices.length;
    this.ks = new Array<Float64Array>(n);
    this.ws = new Array<Float64Array>(n);
    this.forwards = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const s = input.slices[j]!;
      const p = `slices[${j}]`;
      if (s === null || typeof s !== 'object') throw new RiskgridError('RG_ERR_INVALID_INPUT', `${p} must be an object`, { field: p, value: s });
      const F = requireFinite(`${p}.forward`, s.forward, { min: 0, minExclusive: true });
      if (!Array.isArray(s.strikes) || !Array.isArray(s.vols) || s.strikes.length !== s.vols.length || s.strikes.length < 2) {
        throw new RiskgridError('RG_ERR_INVALID_INPUT', `${p}.strikes and ${p}.vols must be arrays of the same length ≥ 2`, { field: `${p}.strikes`, value: s.strikes?.length });
      }
      const m = s.strikes.length;
      const k = new Float64Array(m);
      const w = new Float64Array(m);
      const T = this.times[j]!;
      for (let i = 0; i < m; i++) {
        const K = requireFinite(`${p}.strikes[${i}]`, s.strikes[i], { min: 0, minExclusive: true });
        if (i > 0 && K <= s.strikes[i - 1]!) {
          throw new RiskgridError('RG_ERR_INVALID_INPUT', `${p}.strikes[${i}] ${K} must be above the previous strike`, { field: `${p}.strikes[${i}]`, value: K });
        }
        const v = requireFinite(`${p}.vols[${i}]`, s.vols[i], { min: 0, minExclusive: true });
        k[i] = Math.log(K / F);
        w[i] = v * v * T;
      }
      this.forwards[j] = F;
      this.ks[j] = k;
      this.ws[j] = w;
    }
  }

  kMin(j: number): number {
    return this.ks[j]![0]!;
  }

  kMax(j: number): number {
    const k = this.ks[j]!;
    return k[k.length - 1]!;
  }

  protected sliceW(j: number, k: number): number {
    const ks = this.ks[j]!;
    const ws = this.ws[j]!;
    // Largest i with ks[i] ≤ k, capped so that [i, i+1] is a segment.
    let lo = 0;
    let hi = ks.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (ks[mid]! <= k) lo = mid;
      else hi = mid;
    }
    const kl = ks[lo]!;
    const wl = ws[lo]!;
    if (k === kl) return wl;
    if (k === ks[hi]) return ws[hi]!; // exact at the node: (Δw·Δk)/Δk may round
    return wl + ((ws[hi]! - wl) * (k - kl)) / (ks[hi]! - kl);
  }
}
