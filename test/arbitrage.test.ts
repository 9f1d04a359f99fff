import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { blackCallNormalized, checkArbitrage, ingestSurface, normCdf, type SurfaceInput } from '../host/market/arbitrage.js';
import { GridSurface, MS_PER_YEAR, type GridSliceInput } from '../host/market/surface.js';
import { SviSurface, sviTotalVariance, type SviParams } from '../host/market/svi.js';
import { RiskgridError } from '../host/errors.js';

const AS_OF = Date.UTC(2026, 0, 1);
const at = (T: number) => AS_OF + T * MS_PER_YEAR;

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

// A clean term structure: same shape, level rising with T (checked to have g > 0.3 on [−1, 1]).
const clean = (T: number): SviParams => ({ a: 0.01 + 0.03 * T, b: 0.1, rho: -0.3, m: 0, sigma: 0.3 });
const TS = [0.25, 0.5, 1];
const cleanSvi: SurfaceInput = { kind: 'svi', as_of_ms: AS_OF, k_min: -1, k_max: 1, slices: TS.map((T) => ({ expiry_ms: at(T), ...clean(T) })) };

// Axel Vogt's example (Gatheral & Jacquier 2014, §2.2): valid raw SVI with butterfly arbitrage, T = 1.
const VOGT: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };

/** A grid sampled from an SVI slice (marks = √(w/T) at the strikes). */
function sampled(T: number, p: SviParams, F: number, strikes: number[]): GridSliceInput {
  return { expiry_ms: at(T), forward: F, strikes, vols: strikes.map((K) => Math.sqrt(sviTotalVariance(p, Math.log(K / F)) / T)) };
}
const STRIKES = [60, 70, 80, 85, 90, 95, 100, 105, 110, 115, 120, 130, 140, 160];

describe('normal CDF and Black call used by the checks', () => {
  it('matches reference values (high-precision Φ)', () => {
    const ref: [number, number][] = [
      [0, 0.5],
      [1, 0.8413447460685429],
      [-1, 0.15865525393145707],
      [2, 0.9772498680518208],
      [-3, 0.0013498980316300946],
      [-5, 2.866515718791939e-7],
      [-8, 6.22096057427178e-16],
      [-10, 7.619853024160527e-24],
    ];
    // Hart/West: absolute error ~1e-14; relative error in the far tail ~1e-8 (ample for convexity checks).
    for (const [x, p] of ref) {
      expect(Math.abs(normCdf(x) - p)).toBeLessThan(1e-14);
      expect(Math.abs(normCdf(x) - p) / p).toBeLessThan(1e-7);
    }
  });

  it('gives the textbook ATM Black price F·(2N(σ√T/2) − 1)', () => {
    // F = K = 100, σ = 0.2, T = 1: 7.965567455405804 (Hull, ATM approximation source formula, exact here).
    expect(100 * blackCallNormalized(0, 0.04)).toBeCloseTo(7.965567455405804, 12);
    expect(blackCallNormalized(Math.log(0.8), 0)).toBeCloseTo(0.2, 15);
  });
});

describe('SVI static-arbitrage checks', () => {
  it('pass a clean surface', () => {
    const r = ingestSurface(cleanSvi, { policy: 'reject' });
    expect(r.report).toEqual({ ok: true, violations: [] });
    expect(r.flagged).toBe(false);
  });

  it('catch the planted butterfly (Vogt) near k ≈ 0.88 with g < 0', () => {
    const s = new SviSurface({ as_of_ms: AS_OF, k_min: -1.5, k_max: 1.5, slices: [{ expiry_ms: at(1), ...VOGT }] });
    const { ok, violations } = checkArbitrage(s, { samples: 301 });
    expect(ok).toBe(false);
    expect(violations).toHaveLength(1);
    const v = violations[0]!;
    expect(v.check).toBe('butterfly');
    expect(v.k).toBeGreaterThan(0.7);
    expect(v.k).toBeLessThan(1.05);
    expect(v.value).toBeLessThan(-0.02);
    // Restricted to where the density is positive, the same slice passes.
    const inner = new SviSurface({ as_of_ms: AS_OF, k_min: -1, k_max: 0.3, slices: [{ expiry_ms: at(1), ...VOGT }] });
    expect(checkArbitrage(inner).ok).toBe(true);
  });

  it('catch a planted calendar violation: a later slice with thinner wings crosses below', () => {
    const later: SviParams = { ...clean(0.5), b: 0.04 }; // higher at the money, lower in the wings
    const s = new SviSurface({ as_of_ms: AS_OF, k_min: -1, k_max: 1, slices: [{ expiry_ms: at(0.25), ...clean(0.25) }, { expiry_ms: at(0.5), ...later }] });
    const { violations } = checkArbitrage(s);
    const cal = violations.filter((v) => v.check === 'calendar');
    expect(cal).toHaveLength(1);
    expect(cal[0]!.slice).toBe(1);
    expect(Math.abs(cal[0]!.k)).toBe(1); // worst at the edge of the wing
    expect(cal[0]!.value).toBeCloseTo(sviTotalVariance(later, cal[0]!.k) - sviTotalVariance(clean(0.25), cal[0]!.k), 15);
    expect(cal[0]!.value).toBeLessThan(0);
  });

  it('report a slice whose variance touches zero (w(0) = 0 with w > 0 elsewhere is an arbitrage)', () => {
    // a = −b·σ with ρ = m = 0: valid (w ≥ 0) but C(F) = 0 while C(K) > 0 above F.
    const s = new SviSurface({ as_of_ms: AS_OF, k_min: -1, k_max: 1, slices: [{ expiry_ms: at(1), a: -0.25, b: 0.5, rho: 0, m: 0, sigma: 0.5 }] });
    const { violations } = checkArbitrage(s);
    expect(violations).toEqual([{ check: 'butterfly', slice: 0, expiry_ms: at(1), k: 0, value: -Infinity }]);
  });

  it('apply the policy: reject throws naming the slice, flag serves the surface', () => {
    const bad: SurfaceInput = { kind: 'svi', as_of_ms: AS_OF, k_min: -1.5, k_max: 1.5, slices: [{ expiry_ms: at(1), ...VOGT }] };
    const e = errorOf(() => ingestSurface(bad, { policy: 'reject' }));
    expect(e.code).toBe('RG_ERR_INVALID_INPUT');
    expect(e.field).toBe('slices[0]');
    const r = ingestSurface(bad, { policy: 'flag' });
    expect(r.flagged).toBe(true);
    expect(r.report.violations[0]!.check).toBe('butterfly');
    expect(r.surface.vol(1, 100, 100)).toBeCloseTo(Math.sqrt(sviTotalVariance(VOGT, 0)), 14);
    expect(errorOf(() => ingestSurface(bad, { policy: 'ignore' as 'flag' })).code).toBe('RG_ERR_INVALID_ARGUMENT');
  });
});

describe('grid static-arbitrage checks', () => {
  const F1 = 100;
  const F2 = 101;
  const cleanGrid: SurfaceInput = { kind: 'grid', as_of_ms: AS_OF, slices: [sampled(0.25, clean(0.25), F1, STRIKES), sampled(1, clean(1), F2, STRIKES)] };

  it('pass a grid sampled from a clean SVI surface', () => {
    expect(ingestSurface(cleanGrid, { policy: 'reject' }).report.ok).toBe(true);
  });

  it('pass any flat-smile grid whose variance rises with T (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.05, max: 2, noNaN: true }), { minLength: 1, maxLength: 5 }), fc.double({ min: 20, max: 500, noNaN: true }), (vols, F) => {
        // σ_j non-increasing fast enough is still fine as long as σ_j²T_j rises: take T_j = j + 1, σ_j ≥ σ_{j−1}·√(j/(j+1)).
        let w = 0;
        const slices = vols.map((v, j) => {
          const T = j + 1;
          const vol = Math.max(v, Math.sqrt((w * 1.0001) / T));
          w = vol * vol * T;
          return { expiry_ms: at(T), forward: F, strikes: STRIKES.map((K) => K * (F / 100)), vols: STRIKES.map(() => vol) };
        });
        expect(checkArbitrage(new GridSurface({ as_of_ms: AS_OF, slices })).ok).toBe(true);
      }),
    );
  });

  it('catch a planted butterfly: one mark bumped up', () => {
    const s = sampled(0.25, clean(0.25), F1, STRIKES);
    const i = STRIKES.indexOf(105);
    const vols = [...s.vols];
    vols[i] = vols[i]! + 0.15;
    const { ok, violations } = checkArbitrage(new GridSurface({ as_of_ms: AS_OF, slices: [{ ...s, vols }] }));
    expect(ok).toBe(false);
    const fly = violations.filter((v) => v.check === 'butterfly');
    expect(fly.map((v) => v.k)).toContain(Math.log(105 / F1));
    for (const v of fly) expect(v.value).toBeLessThan(0);
  });

  it('catch a planted calendar violation: a later mark below the earlier total variance', () => {
    const s1 = sampled(0.25, clean(0.25), F1, STRIKES);
    const s2 = sampled(0.5, clean(0.5), F1, STRIKES);
    const i = STRIKES.indexOf(100);
    const w1 = s1.vols[i]! ** 2 * 0.25;
    const vols = [...s2.vols];
    vols[i] = Math.sqrt((0.9 * w1) / 0.5); // w2 = 0.9·w1 at k = 0
    const { violations } = checkArbitrage(new GridSurface({ as_of_ms: AS_OF, slices: [s1, { ...s2, vols }] }));
    const cal = violations.filter((v) => v.check === 'calendar');
    expect(cal.length).toBeGreaterThanOrEqual(1);
    const at0 = cal.find((v) => v.k === 0)!;
    expect(at0.slice).toBe(1);
    expect(at0.value).toBeCloseTo(-0.1 * w1, 14);
  });

  it('catch a call-spread violation from a skew steeper than the forward', () => {
    // Vol falling from 200 % to 20 % over one strike step makes the call price rise with K.
    const s: GridSliceInput = { expiry_ms: at(1), forward: 100, strikes: [95, 100, 105], vols: [0.2, 2.0, 0.2] };
    const { violations } = checkArbitrage(new GridSurface({ as_of_ms: AS_OF, slices: [s] }));
    expect(violations.some((v) => v.check === 'vertical' && v.value > 0)).toBe(true);
  });
});
