// Backtest inputs from a price history and a set of positions held throughout:
//   realised P&L of day t = V(t + h) − V(t), V valued on day t's index and ATM vol
//     (options: Black-76 with forward = index, no discounting, T = expiry − date; expired options
//     at intrinsic; linear instruments at the index);
//   margin of day t = the history's `margin` column when present, else a historical-simulation
//     VaR at `level` of the h-day moves of the `window` days before t, applied to day t's state
//     (the same revaluation; only data known on day t is used).
// Small books (a few hundred positions, a few hundred days): plain TypeScript, not the kernels.
import { RiskgridError } from '../errors.js';
import type { Position } from '../model/account.js';
import { black76Price } from '../reference/black.js';
import { MS_PER_YEAR } from '../model/instrument.js';
import type { BacktestDay } from './backtest.js';
import type { PriceHistory } from './history.js';
import { tailFigures } from './tail-stats.js';

export interface BacktestInputOptions {
  horizonDays: number;
  level: number;
  /** Lookback days of the historical-simulation margin (default 250). */
  window?: number;
}

type State = { time: number; spot: Map<string, number>; vol: Map<string, number> };

export function portfolioValue(positions: readonly Position[], st: State): number {
  let v = 0;
  positions.forEach((p, k) => {
    const ins = p.instrument;
    if (ins.kind === 'cash') return;
    if (ins.settlement === 'inverse' && ins.kind !== 'spot') throw new RiskgridError('RG_ERR_INVALID_INPUT', `${ins.id}: inverse instruments are not supported by the backtest`, { field: `positions[${k}]`, value: ins.id });
    const S = st.spot.get(ins.underlying);
    if (S === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `history has no price column for ${ins.underlying}`, { field: `history.${ins.underlying}`, value: undefined });
    const q = p.size * ins.contractSize;
    if (ins.kind !== 'option') {
      v += q * S;
      return;
    }
    const T = (ins.expiry! - st.time) / MS_PER_YEAR;
    const omega = ins.optionType === 'C' ? 1 : -1;
    if (T <= 0) {
      v += q * Math.max(omega * (S - ins.strike!), 0);
      return;
    }
    const vol = st.vol.get(ins.underlying);
    if (vol === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `history has no ${ins.underlying}_vol column for option ${ins.id}`, { field: `history.${ins.underlying}_vol`, value: undefined });
    v += q * black76Price(S, ins.strike!, T, vol, 1, omega);
  });
  return v;
}

function stateAt(h: PriceHistory, t: number): State {
  const spot = new Map<string, number>();
  const vol = new Map<string, number>();
  for (const [u, p] of h.prices) spot.set(u, p[t]!);
  for (const [u, v] of h.vols) vol.set(u, v[t]!);
  return { time: h.times[t]!, spot, vol };
}

export function backtestDays(h: PriceHistory, positions: readonly Position[], opts: BacktestInputOptions): BacktestDay[] {
  const hd = opts.horizonDays;
  if (!Number.isInteger(hd) || hd < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `horizon must be a positive whole number of days, got ${hd}`, { field: 'horizon', value: hd });
  const given = h.extra.get('margin');
  const W = opts.window ?? 250;
  if (!Number.isInteger(W) || W < 1) throw new RiskgridError('RG_ERR_INVALID_INPUT', `window must be a positive integer, got ${W}`, { field: 'window', value: W });
  const first = given ? 0 : W + hd; // day t needs W windows ending by t
  const N = h.dates.length;
  if (N - hd <= first) throw new RiskgridError('RG_ERR_INVALID_INPUT', `history of ${N} days is too short for window ${W} and horizon ${hd}`, { field: 'history', value: N });
  const days: BacktestDay[] = [];
  const sample = new Float64Array(W);
  for (let t = first; t < N - hd; t++) {
    const now = stateAt(h, t);
    const v0 = portfolioValue(positions, now);
    const pnl = portfolioValue(positions, stateAt(h, t + hd)) - v0;
    let margin: number;
    if (given) margin = given[t]!;
    else {
      for (let w = 0; w < W; w++) {
        const a = t - hd - W + w; // window [a, a + hd], ends by t
        const moved: State = { time: now.time, spot: new Map(), vol: new Map() };
        for (const [u, p] of h.prices) moved.spot.set(u, now.spot.get(u)! * (p[a + hd]! / p[a]!));
        for (const [u, v] of h.vols) moved.vol.set(u, now.vol.get(u)! * (v[a + hd]! / v[a]!));
        sample[w] = portfolioValue(positions, moved) - v0;
      }
      margin = Math.max(0, tailFigures(sample, [opts.level])[0]!.var);
    }
    days.push({ date: h.dates[t]!, margin, pnl });
  }
  return days;
}
