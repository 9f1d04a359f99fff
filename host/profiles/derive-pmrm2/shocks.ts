// The per-expiry and per-option shock parameters of PMRM_2 (PMRMLib_2._addVolShocks,
// _addStaticDiscount, _getKStar, _getExpirySkewedShockedMTM), as pure functions.
import { fail } from '../../model/fields.js';
import { deriveStaticDiscount, deriveVolShockTerm } from '../derive-common/shocks.js';
import type { ArrangedExpiry } from './arrange.js';
import type { DerivePmrm2Params } from './types.js';

export interface ExpiryShocks {
  /** Vol multipliers: up = 1 + volRangeUp·m, down = max(0, 1 − volRangeDown·m). */
  volUp: number;
  volDown: number;
  /** Static discounts for a positive / negative shocked expiry value. */
  discPos: number;
  discNeg: number;
  /** Basis contingency factor add + mult·T. */
  basisFactor: number;
}

export function expiryShocks(e: ArrangedExpiry, params: DerivePmrm2Params, field: string): ExpiryShocks {
  const v = params.volShock;
  const m = deriveVolShockTerm(e.secToExpiry, v);
  if (Number.isNaN(m)) fail('RG_ERR_INVALID_INPUT', field, e.secToExpiry, 'an expired option needs volShock.dteFloorDays > 0 (the vol shock is undefined)');
  const g = params.margin;
  const discPos = deriveStaticDiscount(g.longBaseStaticDiscount, e.T, e.rate, g.longRateMultScale, g.longRateAddScale);
  // The short-side discount grows with T but never beyond undoing the option discount.
  const negRaw = g.shortBaseStaticDiscount / Math.exp(-e.T * (e.rate * g.shortRateMultScale + g.shortRateAddScale));
  // An expired expiry awaiting settlement is not discounted (Derive's case test_66 reports discount
  // factors [1, 1] there; the contract's formula would give longBase for a positive value).
  const expired = e.secToExpiry === 0;
  return {
    volUp: 1 + v.volRangeUp * m,
    volDown: Math.max(0, 1 - v.volRangeDown * m),
    discPos: expired ? 1 : discPos,
    discNeg: expired ? 1 : Math.min(1 / e.df, negRaw),
    basisFactor: params.basisContingency.addFactor + params.basisContingency.multFactor * e.T,
  };
}

/**
 * Vol multiplier of one option in a skew scenario: 1 + clamp(k·cap/k*, ±cap), floored at 0, with
 * k = ln(K/F) ('linear') or |ln(K/F)| ('abs'), cap = cBase·√T + baseCap and
 * k* = max(minKStar, √T·widthScale·(volParamStatic + √T·volParamScale)).
 */
export function skewVolMultiplier(kind: 'linear' | 'abs', strike: number, forward: number, T: number, params: DerivePmrm2Params, field: string): number {
  const s = params.skewShock;
  const sqrtT = Math.sqrt(T);
  const cap = kind === 'linear' ? s.linearCBase * sqrtT + s.linearBaseCap : s.absCBase * sqrtT + s.absBaseCap;
  const kStar = Math.max(s.minKStar, sqrtT * s.widthScale * (s.volParamStatic + sqrtT * s.volParamScale));
  if (!(kStar > 0)) fail('RG_ERR_INVALID_INPUT', field, T, 'gives k* = 0 in the skew scenario (skewShock.minKStar must be > 0 for it)');
  const lnK = Math.log(strike / forward);
  const k = kind === 'linear' ? lnK : Math.abs(lnK);
  const shift = k >= 0 ? Math.min(cap, (k * cap) / kStar) : Math.max(-cap, (k * cap) / kStar);
  return Math.max(0, 1 + shift);
}
