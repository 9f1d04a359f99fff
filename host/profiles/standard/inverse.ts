// Coin-settled (inverse) instruments on a USD plan, shared by deribit-pm and okx-pm.
// Plan sizes are units of the underlying and values USD. An inverse future of N USD notional is
// held as q = N·S0/F0² units: with F_s = F0·m and S_s = S0·m, (USD P&L)/S_s = N(1/F0 − 1/F_s),
// exactly its coin P&L. An option's coin value is its USD value over the index, so a unit's
//   coin P&L_s = USD P&L_s / S_s + w_s · B · (1/S_s − 1/S0)
// with B = Σ size × USD value now over the unit's options and w_s the slot weight (dampening).
import type { ResolvedPosition } from './position.js';

/** Plan size (units of the underlying) of a position; S0 = index now. */
export function planUnits(p: ResolvedPosition, S0: number): number {
  const inverseLinear = p.settlement === 'inverse' && p.kind !== 'option';
  return inverseLinear ? (p.size * p.multiplier * S0) / (p.forward * p.forward) : p.size * p.multiplier;
}

/** Coin P&L of an inverse unit from its USD row P&L (see the header). */
export function coinPnl(usdPnl: number, weight: number, optionBase: number, S0: number, Ss: number): number {
  return usdPnl / Ss + weight * optionBase * (1 / Ss - 1 / S0);
}
