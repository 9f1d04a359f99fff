// Greeks of an account's positions at the snapshot's marks, and their totals per underlying.
// Methodology-independent: what a risk officer reads next to the margin. Options are Black-76 on
// the expiry's forward with df = exp(−rate·T); sizes are multiplied by the contract size.
// Units (DESIGN.md): delta and gamma per 1 unit of the underlying's price, vega per 1.00 vol,
// theta per year. Inverse (coin-settled) instruments are reported in quote-currency terms.
import { black76Greeks } from '../reference/black.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import type { GreekSet, PositionGreeks } from './result.js';

export function accountGreeks(account: Account, market: MarketSnapshot): { positions: PositionGreeks[]; totals: Record<string, GreekSet> } {
  const positions: PositionGreeks[] = [];
  const totals: Record<string, GreekSet> = {};
  for (const pos of account.positions) {
    const ins = pos.instrument;
    const q = pos.size * ins.contractSize;
    let g: GreekSet;
    let value = 0;
    if (ins.kind === 'option') {
      const e = market.expiry(ins.underlying, ins.expiry!);
      const T = Math.max(e.t, 0);
      const F = e.forward.value;
      const df = Math.exp(-e.rate.value * T);
      const vol = market.volFor(ins.underlying, ins.expiry!, ins.strike!, ins.optionType);
      const r = black76Greeks(F, ins.strike!, T, vol, df, ins.optionType === 'C' ? 1 : -1);
      // Black-76 delta and gamma are w.r.t. the forward; F moves one for one with spot·e^{(r)T}.
      const dFdS = e.forward.value / market.index(ins.underlying).value;
      g = { delta: q * r.delta * dFdS, gamma: q * r.gamma * dFdS * dFdS, vega: q * r.vega, theta: q * r.theta, theta_per_day: (q * r.theta) / 365 };
      value = q * r.price;
    } else if (ins.kind === 'cash') {
      g = zero();
    } else {
      // Futures, perpetuals, spot: one unit of underlying per linear contract; inverse contracts are
      // worth contractSize in the quote currency, i.e. contractSize / price units of underlying.
      const price = market.index(ins.underlying).value;
      const units = ins.settlement === 'inverse' && ins.kind !== 'spot' ? q / price : q;
      g = { delta: units, gamma: 0, vega: 0, theta: 0, theta_per_day: 0 };
    }
    positions.push({ instrument: ins.id, size: pos.size, value, ...g });
    const t = (totals[ins.underlying] ??= zero());
    t.delta += g.delta;
    t.gamma += g.gamma;
    t.vega += g.vega;
    t.theta += g.theta;
    t.theta_per_day += g.theta_per_day;
  }
  return { positions, totals };
}

function zero(): GreekSet {
  return { delta: 0, gamma: 0, vega: 0, theta: 0, theta_per_day: 0 };
}
