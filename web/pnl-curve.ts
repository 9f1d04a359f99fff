// P&L of an account against the spot of one underlying, now and at expiry, computed by the engine:
// each grid point is a copy of the market with that underlying's index, perp, forwards and
// collateral price scaled by the same factor (vols stay by strike), valued by engine.margin.
//   now(k)    = equity(k) − equity(1)
//   expiry(k) = equity(k) − Σ option marks(k) + Σ size · contract size · payoff(S) − equity(1)
// i.e. at expiry each option on that underlying is worth its payoff at spot S instead of its mark.
import type { Engine, MarginResult } from '../host/browser.js';

export interface PnlCurve {
  underlying: string;
  spots: number[];
  now: number[];
  expiry: number[];
}

type Json = Record<string, unknown>;

/** A deep copy of the market with `underlying`'s prices multiplied by k. */
export function shiftedMarket(market: Json, underlying: string, k: number): Json {
  const m = structuredClone(market);
  const u = (m.underlyings as Record<string, Json>)[underlying]!;
  u.index_price = (u.index_price as number) * k;
  if (typeof u.perp_price === 'number') u.perp_price *= k;
  for (const e of Object.values((u.expiries ?? {}) as Record<string, Json>)) {
    if (typeof e.forward === 'number') e.forward *= k;
  }
  const c = (m.collateral as Record<string, Json> | undefined)?.[underlying];
  if (c !== undefined && typeof c.price === 'number') c.price *= k;
  return m;
}

/** Spot factors from 1 − width to 1 + width in `points` steps (odd, so that 1 is on the grid). */
export function spotFactors(width: number, points: number): number[] {
  const half = (points - 1) / 2;
  return Array.from({ length: points }, (_, i) => 1 + (width * (i - half)) / half);
}

export function pnlCurve(engine: Engine, portfolio: unknown, market: Json, base: MarginResult, underlying: string, factors: number[]): PnlCurve {
  const account = engine.parseAccount(portfolio as Json);
  const s0 = ((market.underlyings as Record<string, Json>)[underlying]!.index_price as number);
  const spots: number[] = [];
  const now: number[] = [];
  const expiry: number[] = [];
  for (const k of factors) {
    const r = k === 1 ? base : engine.margin(account, shiftedMarket(market, underlying, k));
    const S = s0 * k;
    let atExpiry = r.equity;
    account.positions.forEach((p, i) => {
      const ins = p.instrument;
      if (ins.kind !== 'option' || ins.underlying !== underlying) return;
      const payoff = Math.max(ins.optionType === 'C' ? S - ins.strike! : ins.strike! - S, 0);
      atExpiry += p.size * ins.contractSize * payoff - r.greeks.positions[i]!.value;
    });
    spots.push(S);
    now.push(r.equity - base.equity);
    expiry.push(atExpiry - base.equity);
  }
  return { underlying, spots, now, expiry };
}
