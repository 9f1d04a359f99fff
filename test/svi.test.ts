import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SviSurface,
  sviFirstDerivative,
  sviG,
  sviSecondDerivative,
  sviTotalVariance,
  validateSvi,
  type SviParams,
} from '../host/market/svi.js';
import { blackCallNormalized } from '../host/market/arbitrage.js';
import { MS_PER_YEAR } from '../host/market/surface.js';
import { RiskgridError } from '../host/errors.js';

const P: SviParams = { a: 0.04, b: 0.4, rho: -0.4, m: 0.1, sigma: 0.2 };
const AS_OF = Date.UTC(2026, 0, 1);

function errorOf(f: () => unknown): RiskgridError {
  try {
    f();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

// Valid parameters, generated so that a + b·σ·√(1 − ρ²) ≥ 0.
const sviArb = fc
  .record({
    wMin: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
    b: fc.double({ min: 0.01, max: 1, noNaN: true }),
    rho: fc.double({ min: -0.95, max: 0.95, noNaN: true }),
    m: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    sigma: fc.double({ min: 0.05, max: 1, noNaN: true }),
  })
  .map(({ wMin, b, rho, m, sigma }) => ({ a: wMin - b * sigma * Math.sqrt(1 - rho * rho), b, rho, m, sigma }));

describe('raw SVI', () => {
  it('matches closed-form total variance at hand-computed points', () => {
    // k = m: w = a + b·σ = 0.04 + 0.4·0.2
    expect(sviTotalVariance(P, 0.1)).toBeCloseTo(0.12, 15);
    // k = m + σ: w = a + b·(ρσ + σ√2) = 0.04 + 0.4·(−0.08 + 0.2√2)
    expect(sviTotalVariance(P, 0.3)).toBeCloseTo(0.04 + 0.4 * (-0.08 + 0.2 * Math.SQRT2), 15);
    // k = 0: x = −0.1, r = √0.05
    expect(sviTotalVariance(P, 0)).toBeCloseTo(0.04 + 0.4 * (0.04 + Math.sqrt(0.05)), 15);
  });

  it('attains its minimum a + bσ√(1−ρ²) at k = m − ρσ/√(1−ρ²)', () => {
    fc.assert(
      fc.property(sviArb, fc.double({ min: -3, max: 3, noNaN: true }), (p, k) => {
        const s = Math.sqrt(1 - p.rho * p.rho);
        const kStar = p.m - (p.rho * p.sigma) / s;
        const wMin = p.a + p.b * p.sigma * s;
        expect(sviTotalVariance(p, kStar)).toBeCloseTo(wMin, 12);
        expect(sviTotalVariance(p, k)).toBeGreaterThanOrEqual(wMin - 1e-12);
      }),
    );
  });

  it('has wings of slope b(1 + ρ) on the right and −b(1 − ρ) on the left', () => {
    const far = 1e4;
    expect(sviTotalVariance(P, far + 1) - sviTotalVariance(P, far)).toBeCloseTo(P.b * (1 + P.rho), 6);
    expect(sviTotalVariance(P, -far - 1) - sviTotalVariance(P, -far)).toBeCloseTo(P.b * (1 - P.rho), 6);
  });

  it('derivatives agree with central finite differences', () => {
    fc.assert(
      fc.property(sviArb, fc.double({ min: -2, max: 2, noNaN: true }), (p, k) => {
        const h = 1e-5;
        const fd1 = (sviTotalVariance(p, k + h) - sviTotalVariance(p, k - h)) / (2 * h);
        const fd2 = (sviFirstDerivative(p, k + h) - sviFirstDerivative(p, k - h)) / (2 * h);
        expect(Math.abs(sviFirstDerivative(p, k) - fd1)).toBeLessThan(1e-7 * (1 + Math.abs(fd1)));
        expect(Math.abs(sviSecondDerivative(p, k) - fd2)).toBeLessThan(1e-5 * (1 + Math.abs(fd2)));
      }),
    );
  });

  it('g(k) gives the density of Black call prices (second implementation: finite differences)', () => {
    // Gatheral: density of k is g(k)/√(2πw)·exp(−d₋²/2) with d₋ = −k/√w − √w/2; from prices it is
    // x·∂²c/∂x² with x = K/F = e^k and c the undiscounted normalised call price.
    for (const k of [-0.6, -0.3, 0, 0.2, 0.5]) {
      const w = sviTotalVariance(P, k);
      const dm = -k / Math.sqrt(w) - Math.sqrt(w) / 2;
      const fromG = (sviG(P, k) / Math.sqrt(2 * Math.PI * w)) * Math.exp(-0.5 * dm * dm);
      const x = Math.exp(k);
      const h = 1e-3;
      const c = (xx: number) => blackCallNormalized(Math.log(xx), sviTotalVariance(P, Math.log(xx)));
      const fromPrices = (x * (c(x + h) - 2 * c(x) + c(x - h))) / (h * h);
      expect(fromG).toBeCloseTo(fromPrices, 5);
    }
  });

  it('validates each parameter and names the field', () => {
    const cases: [Partial<SviParams>, string][] = [
      [{ b: -0.1 }, 'svi.b'],
      [{ rho: 1 }, 'svi.rho'],
      [{ rho: -1.2 }, 'svi.rho'],
      [{ sigma: 0 }, 'svi.sigma'],
      [{ a: -0.1 }, 'svi.a'], // a + bσ√(1−ρ²) = −0.1 + 0.0733 < 0
      [{ m: Number.NaN }, 'svi.m'],
      [{ a: Infinity }, 'svi.a'],
    ];
    for (const [patch, field] of cases) {
      const e = errorOf(() => validateSvi({ ...P, ...patch }));
      expect(e.code).toBe('RG_ERR_INVALID_INPUT');
      expect(e.field).toBe(field);
    }
    // The boundary a + bσ√(1−ρ²) = 0 is valid (w touches 0).
    expect(() => validateSvi({ ...P, a: -P.b * P.sigma * Math.sqrt(1 - P.rho * P.rho) })).not.toThrow();
  });
});

describe('SviSurface', () => {
  const T1 = 0.25;
  const T2 = 1;
  const p1: SviParams = { a: 0.01, b: 0.1, rho: -0.3, m: 0, sigma: 0.3 };
  const p2: SviParams = { a: 0.04, b: 0.12, rho: -0.2, m: 0.05, sigma: 0.35 };
  const surface = new SviSurface({
    as_of_ms: AS_OF,
    slices: [
      { expiry_ms: AS_OF + T1 * MS_PER_YEAR, ...p1 },
      { expiry_ms: AS_OF + T2 * MS_PER_YEAR, ...p2 },
    ],
    k_min: -1,
    k_max: 1,
  });

  it('at an expiry gives σ = √(w(k)/T)', () => {
    const F = 100;
    for (const K of [60, 90, 100, 130, 250]) {
      const k = Math.log(K / F);
      expect(surface.vol(T1, K, F)).toBeCloseTo(Math.sqrt(sviTotalVariance(p1, k) / T1), 14);
      expect(surface.volAt(AS_OF + T2 * MS_PER_YEAR, K, F)).toBeCloseTo(Math.sqrt(sviTotalVariance(p2, k) / T2), 14);
    }
  });

  it('between expiries is linear in total variance at fixed k', () => {
    const T = 0.6;
    const k = Math.log(110 / 105);
    const w = sviTotalVariance(p1, k) + ((sviTotalVariance(p2, k) - sviTotalVariance(p1, k)) * (T - T1)) / (T2 - T1);
    expect(surface.vol(T, 110, 105)).toBeCloseTo(Math.sqrt(w / T), 14);
  });

  it('refuses to extrapolate in k and T', () => {
    for (const f of [() => surface.vol(0.5, 300, 100), () => surface.vol(0.5, 30, 100), () => surface.vol(1.01, 100, 100), () => surface.vol(0.2, 100, 100)]) {
      expect(errorOf(f).code).toBe('RG_ERR_MISSING_MARKET_DATA');
    }
    expect(errorOf(() => surface.vol(0.5, 300, 100)).field).toBe('strike');
    expect(errorOf(() => surface.vol(1.01, 100, 100)).field).toBe('T');
  });

  it('names the slice of a bad parameter and rejects unsorted expiries', () => {
    const base = { as_of_ms: AS_OF, k_min: -1, k_max: 1 };
    const e = errorOf(() => new SviSurface({ ...base, slices: [{ expiry_ms: AS_OF + MS_PER_YEAR, ...p1, sigma: -1 }] }));
    expect(e.field).toBe('slices[0].sigma');
    const e2 = errorOf(
      () =>
        new SviSurface({
          ...base,
          slices: [
            { expiry_ms: AS_OF + MS_PER_YEAR, ...p1 },
            { expiry_ms: AS_OF + MS_PER_YEAR / 2, ...p2 },
          ],
        }),
    );
    expect(e2.field).toBe('slices[1].expiry_ms');
    expect(errorOf(() => new SviSurface({ ...base, k_min: 1, k_max: -1, slices: [{ expiry_ms: AS_OF + MS_PER_YEAR, ...p1 }] })).field).toBe('k_max');
  });
});
