import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GridSurface, MS_PER_YEAR, type GridSliceInput } from '../host/market/surface.js';
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

const S1: GridSliceInput = { expiry_ms: at(0.25), forward: 100, strikes: [80, 90, 100, 110, 120], vols: [0.7, 0.62, 0.55, 0.52, 0.53] };
const S2: GridSliceInput = { expiry_ms: at(1), forward: 104, strikes: [70, 85, 100, 115, 130, 150], vols: [0.66, 0.6, 0.56, 0.54, 0.54, 0.56] };
const grid = new GridSurface({ as_of_ms: AS_OF, slices: [S1, S2] });

describe('GridSurface', () => {
  it('reproduces every mark at its node', () => {
    for (const [j, s] of [S1, S2].entries()) {
      const T = j === 0 ? 0.25 : 1;
      s.strikes.forEach((K, i) => expect(grid.vol(T, K, s.forward)).toBeCloseTo(s.vols[i]!, 14));
    }
  });

  it('reproduces random marks at the nodes (property)', () => {
    const slice = fc
      .uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 2, maxLength: 12 })
      .chain((ks) =>
        fc.record({
          strikes: fc.constant([...ks].sort((a, b) => a - b).map((k) => k * 2.5)),
          vols: fc.array(fc.double({ min: 0.05, max: 3, noNaN: true }), { minLength: ks.length, maxLength: ks.length }),
          forward: fc.double({ min: 50, max: 1000, noNaN: true }),
        }),
      );
    fc.assert(
      fc.property(fc.array(slice, { minLength: 1, maxLength: 4 }), (slices) => {
        const input = slices.map((s, j) => ({ ...s, expiry_ms: at(0.1 * (j + 1)) }));
        const g = new GridSurface({ as_of_ms: AS_OF, slices: input });
        input.forEach((s, j) => s.strikes.forEach((K, i) => expect(Math.abs(g.volAt(s.expiry_ms, K, s.forward) / s.vols[i]! - 1)).toBeLessThan(1e-14)));
      }),
    );
  });

  it('is linear in total variance over log-moneyness between marks', () => {
    const F = 100;
    const T = 0.25;
    const k1 = Math.log(100 / F);
    const k2 = Math.log(110 / F);
    const w1 = 0.55 * 0.55 * T;
    const w2 = 0.52 * 0.52 * T;
    for (const K of [101, 104.9, 109]) {
      const k = Math.log(K / F);
      const w = w1 + ((w2 - w1) * (k - k1)) / (k2 - k1);
      expect(grid.vol(T, K, F)).toBeCloseTo(Math.sqrt(w / T), 14);
    }
  });

  it('is linear in total variance in time at fixed log-moneyness (flat-forward)', () => {
    const T = 0.7;
    const F = 102; // the option's own forward
    const K = 102; // k = 0: on both slices between marks
    const w1 = grid.totalVariance(0.25, 0);
    const w2 = grid.totalVariance(1, 0);
    expect(w1).toBeCloseTo(0.25 * (0.55 * 0.55), 14); // S1 has a mark at k = 0
    const w = w1 + ((w2 - w1) * (T - 0.25)) / 0.75;
    expect(grid.vol(T, K, F)).toBeCloseTo(Math.sqrt(w / T), 14);
    // The forward variance between the expiries is constant: w(T) − w(T1) ∝ T − T1.
    const a = grid.totalVariance(0.4, 0) - w1;
    const b = grid.totalVariance(0.55, 0) - w1;
    expect(a / b).toBeCloseTo(0.15 / 0.3, 12);
  });

  it('serves T below the first expiry only when t_min allows it, at the first expiry’s vol', () => {
    expect(errorOf(() => grid.vol(0.1, 100, 100)).code).toBe('RG_ERR_MISSING_MARKET_DATA');
    const g = new GridSurface({ as_of_ms: AS_OF, slices: [S1, S2], t_min: 0.05 });
    expect(g.vol(0.1, 100, 100)).toBeCloseTo(0.55, 14);
    expect(g.vol(0.05, 90, 100)).toBeCloseTo(0.62, 14);
    expect(errorOf(() => g.vol(0.04, 100, 100)).field).toBe('T');
    expect(errorOf(() => new GridSurface({ as_of_ms: AS_OF, slices: [S1], t_min: 0.3 })).field).toBe('t_min');
  });

  it('never extrapolates: strike beyond the marks, T beyond the last expiry, k outside either neighbour', () => {
    const cases: [() => unknown, string][] = [
      [() => grid.vol(0.25, 121, 100), 'strike'],
      [() => grid.vol(0.25, 79, 100), 'strike'],
      [() => grid.vol(1.0001, 100, 104), 'T'],
      // Between the expiries, K = 140 on F = 104 is inside S2 (k ≤ ln(150/104)) but not S1 (k ≤ ln 1.2).
      [() => grid.vol(0.5, 140, 104), 'strike'],
    ];
    for (const [f, field] of cases) {
      const e = errorOf(f);
      expect(e.code).toBe('RG_ERR_MISSING_MARKET_DATA');
      expect(e.field).toBe(field);
    }
    expect(grid.vol(1, 140, 104)).toBeGreaterThan(0); // on S2 alone it is covered
  });

  it('answers the snapshot\'s call form vol(expiryMs, K, F, t) with t as the year fraction', () => {
    expect(grid.vol(S2.expiry_ms, 110, 104, 0.6)).toBe(grid.vol(0.6, 110, 104));
    expect(grid.volAt(at(0.6), 110, 104)).toBeCloseTo(grid.vol(0.6, 110, 104), 14);
  });

  it('batch vols equal one-by-one vols', () => {
    const n = 50;
    const T = new Float64Array(n);
    const K = new Float64Array(n);
    const F = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      T[i] = 0.25 + (0.75 * i) / (n - 1);
      F[i] = 100 + (4 * i) / (n - 1);
      K[i] = 85 + (30 * ((i * 7) % n)) / n;
    }
    const out = grid.vols(T, K, F);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(grid.vol(T[i]!, K[i]!, F[i]!));
    expect(errorOf(() => grid.vols(T, K.subarray(1), F)).code).toBe('RG_ERR_INVALID_ARGUMENT');
  });

  it('validates marks and names the field', () => {
    const cases: [GridSliceInput[], string][] = [
      [[{ ...S1, strikes: [80, 90, 90, 110, 120] }], 'slices[0].strikes[2]'],
      [[{ ...S1, vols: [0.7, 0.62, -0.55, 0.52, 0.53] }], 'slices[0].vols[2]'],
      [[{ ...S1, forward: 0 }], 'slices[0].forward'],
      [[S1, { ...S2, expiry_ms: S1.expiry_ms }], 'slices[1].expiry_ms'],
      [[{ ...S1, vols: [0.5] }], 'slices[0].strikes'],
    ];
    for (const [slices, field] of cases) {
      const e = errorOf(() => new GridSurface({ as_of_ms: AS_OF, slices }));
      expect(e.code).toBe('RG_ERR_INVALID_INPUT');
      expect(e.field).toBe(field);
    }
    expect(errorOf(() => grid.vol(0.5, Number.NaN, 100)).field).toBe('strike');
    expect(errorOf(() => grid.vol(0.5, 100, -1)).field).toBe('forward');
    expect(errorOf(() => grid.vol(Number.NaN, 100, 100)).field).toBe('T');
  });
});
