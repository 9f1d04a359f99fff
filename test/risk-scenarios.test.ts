// Scenario generation: PRNG reproducibility, Cholesky, moments of the normal / t / jump returns,
// vol moves (spot–vol correlation, term structure), stress files.
import { describe, expect, it } from 'vitest';
import { cholesky } from '../host/risk/cholesky.js';
import { generateMcScenarios, type McModel } from '../host/risk/mc-scenarios.js';
import { Rng } from '../host/risk/prng.js';
import { stressScenarios } from '../host/risk/stress.js';

const mean = (a: ArrayLike<number>) => Array.prototype.reduce.call(a, (x: number, y: number) => x + y, 0) as number / a.length;
function moments(a: ArrayLike<number>) {
  const m = mean(a);
  let v = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - m;
    v += d * d;
    k += d * d * d * d;
  }
  v /= a.length;
  k /= a.length;
  return { mean: m, var: v, kurt: k / (v * v) };
}
function corr(a: ArrayLike<number>, b: ArrayLike<number>) {
  const ma = mean(a);
  const mb = mean(b);
  let c = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    c += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return c / Math.sqrt(va * vb);
}

describe('PRNG', () => {
  it('xoshiro128** seeded by splitmix32 is reproducible and seed-sensitive', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
    expect(() => new Rng(-1)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'seed' }));
  });

  it('normals have mean 0, variance 1, kurtosis 3', () => {
    const r = new Rng(3);
    const m = moments(Float64Array.from({ length: 200_000 }, () => r.normal()));
    expect(Math.abs(m.mean)).toBeLessThan(0.01);
    expect(Math.abs(m.var - 1)).toBeLessThan(0.01);
    expect(Math.abs(m.kurt - 3)).toBeLessThan(0.05);
  });

  it('chi-square(ν) has mean ν and variance 2ν; Poisson(λ) mean and variance λ', () => {
    const r = new Rng(4);
    const c = moments(Float64Array.from({ length: 100_000 }, () => r.chiSquare(5)));
    expect(Math.abs(c.mean - 5)).toBeLessThan(0.05);
    expect(Math.abs(c.var / 10 - 1)).toBeLessThan(0.03);
    const p = moments(Float64Array.from({ length: 100_000 }, () => r.poisson(0.3)));
    expect(Math.abs(p.mean - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(p.var - 0.3)).toBeLessThan(0.01);
  });
});

describe('Cholesky', () => {
  it('factors a known matrix: L·Lᵀ = C', () => {
    const C = [[1, 0.5, 0.2], [0.5, 1, 0.3], [0.2, 0.3, 1]];
    const L = cholesky(C);
    // Hand values: L10 = 0.5, L11 = √0.75, L20 = 0.2, L21 = (0.3 − 0.1)/√0.75, L22 = √(1 − 0.04 − L21²).
    expect(L[3]).toBe(0.5);
    expect(L[4]).toBeCloseTo(Math.sqrt(0.75), 15);
    expect(L[7]).toBeCloseTo(0.2 / Math.sqrt(0.75), 15);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += L[i * 3 + k]! * L[j * 3 + k]!;
      expect(s).toBeCloseTo(C[i]![j]!, 14);
    }
  });

  it('rejects non-PD, asymmetric and out-of-range matrices with the entry named', () => {
    expect(() => cholesky([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT', field: 'correlation' }));
    expect(() => cholesky([[1, 0.5], [0.4, 1]])).toThrow(expect.objectContaining({ field: 'correlation[0][1]' }));
    expect(() => cholesky([[1, 1.5], [1.5, 1]])).toThrow(expect.objectContaining({ field: 'correlation[0][1]' }));
    expect(() => cholesky([[2]])).toThrow(expect.objectContaining({ field: 'correlation[0][0]' }));
    expect(() => cholesky([[1, 1], [1, 1]])).toThrow(/not positive definite/);
  });
});

describe('Monte Carlo scenarios', () => {
  const base: McModel = {
    underlyings: [{ name: 'A', vol: 0.8, volOfVol: 2, spotVolCorr: -0.6 }, { name: 'B', vol: 0.5 }],
    correlation: [[1, 0.6], [0.6, 1]],
    horizonYears: 0.1,
    nScenarios: 100_000,
    seed: 11,
  };
  const groups = [{ underlying: 0, T: 7 / 365 }, { underlying: 0, T: 4 * 30 / 365 }, { underlying: 1, T: 0.5 }];

  it('is reproducible by seed and changes with it', () => {
    const a = generateMcScenarios({ ...base, nScenarios: 1000 }, groups);
    const b = generateMcScenarios({ ...base, nScenarios: 1000 }, groups);
    const c = generateMcScenarios({ ...base, nScenarios: 1000, seed: 12 }, groups);
    expect(b.scenarios.spotMult).toEqual(a.scenarios.spotMult);
    expect(b.scenarios.volMul).toEqual(a.scenarios.volMul);
    expect(c.scenarios.spotMult).not.toEqual(a.scenarios.spotMult);
  });

  it('log returns: mean −σ²h/2, variance σ²h, the given correlation; E[S_h/S] = 1', () => {
    const { logReturns: r, scenarios } = generateMcScenarios(base, groups);
    const n = base.nScenarios;
    const a = r.subarray(0, n);
    const b = r.subarray(n);
    const ma = moments(a);
    expect(Math.abs(ma.mean + 0.5 * 0.64 * 0.1)).toBeLessThan(0.002);
    expect(Math.abs(ma.var / (0.64 * 0.1) - 1)).toBeLessThan(0.02);
    expect(Math.abs(moments(b).var / (0.25 * 0.1) - 1)).toBeLessThan(0.02);
    expect(Math.abs(corr(a, b) - 0.6)).toBeLessThan(0.01);
    expect(Math.abs(mean(scenarios.spotMult.subarray(0, n)) - 1)).toBeLessThan(0.003);
  });

  it('vol moves: spot–vol correlation and the square-root term structure', () => {
    const { logReturns: r, volShock, scenarios } = generateMcScenarios(base, groups);
    const n = base.nScenarios;
    expect(Math.abs(corr(r.subarray(0, n), volShock.subarray(0, n)) + 0.6)).toBeLessThan(0.01);
    expect(Math.abs(moments(volShock.subarray(0, n)).var / (4 * 0.1) - 1)).toBeLessThan(0.02);
    // 7 days is inside the 30-day reference: the full shock; 120 days: (30/120)^0.5 = 1/2 of it.
    for (let s = 0; s < 50; s++) {
      expect(Math.log(scenarios.volMul[s]!)).toBeCloseTo(volShock[s]!, 12);
      expect(Math.log(scenarios.volMul[n + s]!)).toBeCloseTo(0.5 * volShock[s]!, 12);
      expect(scenarios.volMul[2 * n + s]).toBe(1); // B has no vol of vol
    }
  });

  it('Student-t: unit-variance scaling kept, kurtosis 3 + 6/(ν − 4)', () => {
    const { logReturns: r } = generateMcScenarios({ ...base, studentT: 8, nScenarios: 200_000 }, groups);
    const m = moments(r.subarray(0, 200_000));
    expect(Math.abs(m.var / (0.64 * 0.1) - 1)).toBeLessThan(0.03);
    expect(m.kurt).toBeGreaterThan(4.4);
    expect(m.kurt).toBeLessThan(5.6); // theory 4.5; the sample kurtosis of a t(8) is noisy upwards
    expect(() => generateMcScenarios({ ...base, studentT: 2 }, groups)).toThrow(expect.objectContaining({ field: 'studentT' }));
  });

  it('Merton jumps: mean and variance of the compound Poisson part, martingale kept', () => {
    const lam = 10;
    const mJ = -0.08;
    const sJ = 0.1;
    const h = 0.1;
    const { logReturns: r, scenarios } = generateMcScenarios({ underlyings: [{ name: 'A', vol: 0.3, jumps: { intensity: lam, mean: mJ, std: sJ } }], horizonYears: h, nScenarios: 200_000, seed: 5 }, []);
    const kappa = Math.exp(mJ + sJ * sJ / 2) - 1;
    const m = moments(r);
    expect(m.mean).toBeCloseTo((-0.045 - lam * kappa) * h + lam * h * mJ, 3);
    expect(Math.abs(m.var / (0.09 * h + lam * h * (mJ * mJ + sJ * sJ)) - 1)).toBeLessThan(0.02);
    expect(Math.abs(mean(scenarios.spotMult) - 1)).toBeLessThan(0.003);
  });
});

describe('stress scenarios', () => {
  const groups = [{ underlying: 0, T: 0 }, { underlying: 0, T: 0.1 }, { underlying: 1, T: 0.1 }];
  it('maps spot, vol and vol_add per underlying', () => {
    const { scenarios: s, names } = stressScenarios({ scenarios: [{ name: 'crash', spot: { ETH: -0.3 }, vol: { ETH: 0.5 } }, { spot: { BTC: 0.1 }, vol_add: { BTC: 0.05 } }] }, ['ETH', 'BTC'], groups);
    expect(names).toEqual(['crash', 'scenario 1']);
    expect(Array.from(s.spotMult)).toEqual([0.7, 1, 1, 1.1]);
    expect(Array.from(s.volMul)).toEqual([1.5, 1, 1.5, 1, 1, 1]);
    expect(Array.from(s.volAdd)).toEqual([0, 0, 0, 0, 0, 0.05]);
  });
  it('rejects typos and impossible moves', () => {
    expect(() => stressScenarios({ scenarios: [{ spot: { SOL: -0.3 } }] }, ['ETH'], groups)).toThrow(expect.objectContaining({ field: 'scenarios[0].spot.SOL' }));
    expect(() => stressScenarios({ scenarios: [{ sopt: { ETH: -0.3 } }] }, ['ETH'], groups)).toThrow(expect.objectContaining({ field: 'scenarios[0].sopt' }));
    expect(() => stressScenarios({ scenarios: [{ spot: { ETH: -1 } }] }, ['ETH'], groups)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_INPUT' }));
    expect(() => stressScenarios({ scenarios: [] }, ['ETH'], groups)).toThrow(expect.objectContaining({ field: 'scenarios' }));
  });
});
