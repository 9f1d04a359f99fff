import { describe, expect, it } from 'vitest';
import { normCdf } from '../host/reference/normal.js';
import { black76Price, bsmGreeks, bsmPrice } from '../host/reference/black.js';

describe('reference normal cdf', () => {
  // Abramowitz & Stegun table 26.1 / high-precision values.
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145707],
    [-3, 0.0013498980316300946],
    [-5, 2.866515718791939e-7],
    [-10, 7.619853024160527e-24],
    [-20, 2.7536241186062337e-89],
  ])('N(%d)', (x, v) => {
    expect(Math.abs(normCdf(x) - v) / v).toBeLessThan(2e-15);
  });
});

describe('reference Black formulas: Haug textbook values', () => {
  // type, K, S, q, r, T, vol -> price (Haug 2007, ch. 1)
  it.each([
    [1, 65, 60, 0, 0.08, 0.25, 0.3, 2.1334],
    [-1, 95, 100, 0.05, 0.1, 0.5, 0.2, 2.4648],
    [1, 1.6, 1.56, 0.08, 0.06, 0.5, 0.12, 0.0291],
    [-1, 70, 75, 0.05, 0.1, 0.5, 0.35, 4.087],
    [1, 100, 90, 0.1, 0.1, 0.1, 0.15, 0.0205],
    [1, 100, 110, 0.1, 0.1, 0.1, 0.15, 9.9413],
    [-1, 100, 90, 0.1, 0.1, 0.5, 0.35, 14.4452],
    [1, 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975],
  ] as const)('BSM omega %d K %d', (w, K, S, q, r, T, vol, v) => {
    expect(bsmPrice(S, K, T, vol, r, q, w)).toBeCloseTo(v, 4);
  });

  it('Black-76 F = K = 19', () => {
    const df = Math.exp(-0.1 * 0.75);
    expect(black76Price(19, 19, 0.75, 0.28, df, 1)).toBeCloseTo(1.7011, 4);
    expect(black76Price(19, 19, 0.75, 0.28, df, -1)).toBeCloseTo(1.7011, 4);
  });

  it('Black-76 ATM 82.805080668634559515', () => {
    expect(Math.abs(black76Price(1500, 1500, 7 / 365, 1, 1, 1) / 82.805080668634559515 - 1)).toBeLessThan(1e-14);
  });

  it('Greeks (Haug)', () => {
    expect(bsmGreeks(105, 100, 0.5, 0.36, 0.1, 0.1, 1).delta).toBeCloseTo(0.5946, 4);
    expect(bsmGreeks(105, 100, 0.5, 0.36, 0.1, 0.1, -1).delta).toBeCloseTo(-0.3566, 4);
    const g = bsmGreeks(55, 60, 0.75, 0.3, 0.1, 0.1, 1);
    expect(bsmGreeks(55, 60, 0.75, 0.3, 0.1, 0, 1).gamma).toBeCloseTo(0.0278, 4);
    expect(bsmGreeks(55, 60, 0.75, 0.3, 0.1, 0, 1).vega).toBeCloseTo(18.9358, 4);
    expect(g.price).toBeGreaterThan(0);
    expect(bsmGreeks(430, 405, 1 / 12, 0.2, 0.07, 0.05, -1).theta).toBeCloseTo(-31.1924, 4);
    expect(bsmGreeks(72, 75, 1, 0.19, 0.09, 0, 1).rho).toBeCloseTo(38.7325, 4);
  });
});

describe('reference implied vol (rtsafe)', () => {
  it('inverts the Haug textbook prices back to their vols', async () => {
    const { bsmImpliedVol } = await import('../host/reference/implied-vol.js');
    const cases = [
      [1, 65, 60, 0, 0.08, 0.25, 0.3],
      [-1, 95, 100, 0.05, 0.1, 0.5, 0.2],
      [1, 1.6, 1.56, 0.08, 0.06, 0.5, 0.12],
      [1, 100, 90, 0.1, 0.1, 0.1, 0.15], // price 0.0205: deep OTM, short
      [-1, 100, 90, 0.1, 0.1, 0.5, 0.35],
    ] as const;
    for (const [w, K, S, q, r, T, vol] of cases) {
      const p = bsmPrice(S, K, T, vol, r, q, w);
      const res = bsmImpliedVol(p, S, K, T, r, q, w);
      expect(res.status).toBe(0);
      expect(Math.abs(res.iv - vol)).toBeLessThan(1e-12);
    }
  });

  it('statuses: bad inputs, below intrinsic, at the maximum, exactly intrinsic', async () => {
    const { black76ImpliedVol, bsmImpliedVol } = await import('../host/reference/implied-vol.js');
    expect(black76ImpliedVol(1, NaN, 100, 1, 1, 1).status).toBe(1);
    expect(black76ImpliedVol(1, 100, 0, 1, 1, 1).status).toBe(2);
    expect(black76ImpliedVol(1, 100, 100, 0, 1, 1).status).toBe(3);
    expect(black76ImpliedVol(1, 100, 100, 1, 0, 1).status).toBe(5);
    expect(black76ImpliedVol(1, 100, 100, 1, 1, 0).status).toBe(6);
    expect(black76ImpliedVol(-1, 100, 100, 1, 1, 1).status).toBe(9);
    expect(black76ImpliedVol(5, 120, 100, 1, 1, 1).status).toBe(10);
    expect(black76ImpliedVol(120, 120, 100, 1, 1, 1).status).toBe(11);
    expect(black76ImpliedVol(20, 120, 100, 1, 1, 1)).toEqual({ iv: 0, status: 0 });
    expect(bsmImpliedVol(5, 100, 100, 1, NaN, 0, 1).status).toBe(7);
    expect(bsmImpliedVol(5, 100, 100, 1, 0, NaN, 1).status).toBe(8);
  });
});
