// Monte Carlo scenario generation: correlated moves of several underlyings over a horizon h (years),
// with matching implied-vol moves, as a ScenarioSet for the plan kernels.
//   log return  r_u = (μ_u − σ_u²/2 − λ_u·κ_u)·h + σ_u·√h·ε_u + Σ_{j ≤ N_u} J_j
//     ε = L·z, L the Cholesky factor of the correlation matrix, z independent N(0, 1); with fat
//     tails every ε is scaled by √((ν−2)/ν) / √(χ²_ν/ν) (one χ² per scenario: a multivariate t
//     with unit variance, tail-dependent across underlyings);
//     jumps (Merton): N_u ~ Poisson(λ_u·h), J ~ N(m_u, s_u²), κ_u = e^{m+s²/2} − 1 so E[S_h] = S·e^{μh}.
//   vol move    x_u = ν_u·√h·(ρ_u·ε_u + √(1−ρ_u²)·η_u) (η independent N(0,1)): the log change of
//     implied vol, correlated with the spot shock by ρ (negative for equity-like skew). Per expiry
//     it is scaled by (T_ref / max(T, T_ref))^β, short expiries moving most (β = 0.5: the usual
//     square-root term structure of vol moves); the group's σ_s = σ·e^{x_u·scale}.
// Scenario s uses the stream in a fixed order (z, χ², jumps, η), so a seed gives one set.
import { RiskgridError, requireFinite } from '../errors.js';
import type { ScenarioSet } from '../margin/plan.js';
import { cholesky, correlate } from './cholesky.js';
import { Rng } from './prng.js';

export interface UnderlyingModel {
  name: string;
  /** Annualised volatility of log returns. */
  vol: number;
  /** Annual drift μ (default 0: risk horizon moves are centred). */
  drift?: number;
  /** Merton jumps: yearly intensity λ, log-jump mean m and std s. */
  jumps?: { intensity: number; mean: number; std: number };
  /** Implied-vol moves: annualised vol of log implied vol and its correlation with the spot shock. */
  volOfVol?: number;
  spotVolCorr?: number;
}

export interface McModel {
  underlyings: UnderlyingModel[];
  /** Correlation of the diffusive shocks (identity when absent and only one underlying). */
  correlation?: number[][];
  horizonYears: number;
  nScenarios: number;
  seed: number;
  /** Student-t degrees of freedom (> 2) for fat tails; absent = normal. */
  studentT?: number;
  /** Term structure of vol moves: reference tenor (years, default 30/365) and exponent β (default 0.5). */
  volTermRef?: number;
  volTermExponent?: number;
}

/** A vol group of the book: its underlying (index into model.underlyings) and years to expiry. */
export interface VolGroupSpec {
  underlying: number;
  T: number;
}

export interface McScenarios {
  scenarios: ScenarioSet;
  /** [nU × nS] log returns (for reporting and tests). */
  logReturns: Float64Array;
  /** [nU × nS] log implied-vol change at the reference tenor. */
  volShock: Float64Array;
}

export function checkMcModel(m: McModel): void {
  if (!Array.isArray(m.underlyings) || m.underlyings.length === 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'model.underlyings must be a non-empty array', { field: 'underlyings', value: m.underlyings });
  requireFinite('horizonYears', m.horizonYears, { min: 0, minExclusive: true });
  if (!Number.isInteger(m.nScenarios) || m.nScenarios < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `nScenarios must be a positive integer, got ${m.nScenarios}`, { field: 'nScenarios', value: m.nScenarios });
  if (m.studentT !== undefined && !(m.studentT > 2 && m.studentT < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `studentT degrees of freedom must be > 2, got ${m.studentT}`, { field: 'studentT', value: m.studentT });
  m.underlyings.forEach((u, i) => {
    const p = `underlyings[${i}]`;
    requireFinite(`${p}.vol`, u.vol, { min: 0 });
    if (u.drift !== undefined) requireFinite(`${p}.drift`, u.drift);
    if (u.volOfVol !== undefined) requireFinite(`${p}.volOfVol`, u.volOfVol, { min: 0 });
    if (u.spotVolCorr !== undefined && !(u.spotVolCorr >= -1 && u.spotVolCorr <= 1)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${p}.spotVolCorr must be in [-1, 1], got ${u.spotVolCorr}`, { field: `${p}.spotVolCorr`, value: u.spotVolCorr });
    if (u.jumps) {
      requireFinite(`${p}.jumps.intensity`, u.jumps.intensity, { min: 0 });
      requireFinite(`${p}.jumps.mean`, u.jumps.mean);
      requireFinite(`${p}.jumps.std`, u.jumps.std, { min: 0 });
    }
  });
  if (m.volTermRef !== undefined) requireFinite('volTermRef', m.volTermRef, { min: 0, minExclusive: true });
  if (m.volTermExponent !== undefined) requireFinite('volTermExponent', m.volTermExponent, { min: 0 });
}

export function generateMcScenarios(m: McModel, volGroups: readonly VolGroupSpec[]): McScenarios {
  checkMcModel(m);
  const nU = m.underlyings.length;
  const nS = m.nScenarios;
  const h = m.horizonYears;
  const corr = m.correlation ?? Array.from({ length: nU }, (_, i) => Array.from({ length: nU }, (_, j) => (i === j ? 1 : 0)));
  const L = cholesky(corr);
  const rng = new Rng(m.seed);
  const logReturns = new Float64Array(nU * nS);
  const volShock = new Float64Array(nU * nS);
  const z = new Float64Array(nU);
  const eps = new Float64Array(nU);
  const sqh = Math.sqrt(h);
  const nu = m.studentT;
  const tNorm = nu === undefined ? 1 : Math.sqrt((nu - 2) / nu);
  for (let s = 0; s < nS; s++) {
    for (let u = 0; u < nU; u++) z[u] = rng.normal();
    correlate(L, nU, z, eps);
    const t = nu === undefined ? 1 : tNorm / Math.sqrt(rng.chiSquare(nu) / nu);
    for (let u = 0; u < nU; u++) {
      const um = m.underlyings[u]!;
      const sig = um.vol;
      const e = eps[u]! * t;
      let r = ((um.drift ?? 0) - 0.5 * sig * sig) * h + sig * sqh * e;
      const j = um.jumps;
      if (j && j.intensity > 0) {
        r -= j.intensity * h * (Math.exp(j.mean + 0.5 * j.std * j.std) - 1);
        const n = rng.poisson(j.intensity * h);
        for (let q = 0; q < n; q++) r += j.mean + j.std * rng.normal();
      }
      logReturns[u * nS + s] = r;
      const vv = um.volOfVol ?? 0;
      if (vv > 0) {
        const rho = um.spotVolCorr ?? 0;
        volShock[u * nS + s] = vv * sqh * (rho * e + Math.sqrt(1 - rho * rho) * rng.normal());
      }
    }
  }
  const spotMult = new Float64Array(nU * nS);
  for (let k = 0; k < spotMult.length; k++) spotMult[k] = Math.exp(logReturns[k]!);
  const nG = volGroups.length;
  const volMul = new Float64Array(nG * nS);
  const tRef = m.volTermRef ?? 30 / 365;
  const beta = m.volTermExponent ?? 0.5;
  volGroups.forEach((g, gi) => {
    if (!(Number.isInteger(g.underlying) && g.underlying >= 0 && g.underlying < nU)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `volGroups[${gi}].underlying out of range: ${g.underlying}`, { field: `volGroups[${gi}].underlying`, value: g.underlying });
    const scale = Math.pow(tRef / Math.max(g.T, tRef), beta);
    for (let s = 0; s < nS; s++) volMul[gi * nS + s] = Math.exp(volShock[g.underlying * nS + s]! * scale);
  });
  return {
    scenarios: plainScenarioSet(nS, spotMult, volMul),
    logReturns,
    volShock,
  };
}

/** A ScenarioSet of plain P&L scenarios: no vol add or floor, no dampening, all MODE_LINEAR. */
export function plainScenarioSet(nS: number, spotMult: Float64Array, volMul: Float64Array, volAdd?: Float64Array): ScenarioSet {
  return {
    nS,
    spotMult,
    volMul,
    volAdd: volAdd ?? new Float64Array(volMul.length),
    volFloor: new Float64Array(volMul.length),
    damp: new Float64Array(nS).fill(1),
    mode: new Int32Array(nS),
  };
}
