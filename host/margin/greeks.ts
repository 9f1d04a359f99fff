// Greeks of an account's positions at the snapshot's marks, and their totals per underlying.
// Methodology-independent: what a risk officer reads next to the margin. Options are Black-76 on
// the expiry's forward with df = exp(−rate·T); sizes are multiplied by the contract size.
// Units (DESIGN.md): delta and gamma per 1 unit of the underlying's price, vega per 1.00 vol,
// theta per year. Inverse (coin-settled) instruments are reported in quote-currency terms.
import { black76Greeks } from '../reference/black.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import type { GreekSet, PositionGreeks } from './result.js';

/** One option's Black-76 figures per unit at the snapshot's marks, and dF/dS. */
export interface UnitGreeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  dFdS: number;
}

export type AccountGreeks = { positions: PositionGreeks[]; totals: Record<string, GreekSet> };

/**
 * `cache` (by instrument id, for this snapshot only) skips the Black-76 call for an option seen
 * before; the arithmetic per position is the same, so the figures are bit-identical.
 */
export function accountGreeks(account: Account, market: MarketSnapshot, cache?: Map<string, UnitGreeks>): AccountGreeks {
  const positions: PositionGreeks[] = [];
  return { positions, totals: greekTotals(account, market, cache, positions) };
}

/** The totals per underlying; each position's figures are pushed onto `positions` when given. */
function greekTotals(account: Account, market: MarketSnapshot, cache: Map<string, UnitGreeks> | undefined, positions?: PositionGreeks[]): Record<string, GreekSet> {
  const totals: Record<string, GreekSet> = {};
  for (const pos of account.positions) {
    const ins = pos.instrument;
    const q = pos.size * ins.contractSize;
    let g: GreekSet;
    let value = 0;
    if (ins.kind === 'option') {
      let r = cache?.get(ins.id);
      if (r === undefined) {
        r = unitGreeks(ins, market);
        cache?.set(ins.id, r);
      }
      const dFdS = r.dFdS;
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
    positions?.push({ instrument: ins.id, size: pos.size, value, ...g });
    const t = (totals[ins.underlying] ??= zero());
    t.delta += g.delta;
    t.gamma += g.gamma;
    t.vega += g.vega;
    t.theta += g.theta;
    t.theta_per_day += g.theta_per_day;
  }
  return totals;
}

function unitGreeks(ins: Account['positions'][number]['instrument'], market: MarketSnapshot): UnitGreeks {
  const e = market.expiry(ins.underlying, ins.expiry!);
  const T = Math.max(e.t, 0);
  const F = e.forward.value;
  const df = Math.exp(-e.rate.value * T);
  const vol = market.volFor(ins.underlying, ins.expiry!, ins.strike!, ins.optionType);
  const r = black76Greeks(F, ins.strike!, T, vol, df, ins.optionType === 'C' ? 1 : -1);
  // Black-76 delta and gamma are w.r.t. the forward; F moves one for one with spot·e^{(r)T}.
  const dFdS = e.forward.value / market.index(ins.underlying).value;
  return { price: r.price, delta: r.delta, gamma: r.gamma, vega: r.vega, theta: r.theta, dFdS };
}

/**
 * Greeks computed on first read of `positions` or `totals`: a batch of 10,000 accounts that nobody
 * reads the Greeks of allocates no per-position objects, and an answer that shows only the totals
 * (the service's summaries) allocates none either. Both ways add in the same order, so the totals
 * are the same bits whichever is read first.
 *
 * A class with prototype getters and toJSON (as LazyBreakdown), not an object literal with its own
 * getters: V8 gives every such literal its own hidden class, in old space, holding that result's
 * getter closures — so every result (its account, its arrays) outlived the next scavenge. At 5,000
 * what-ifs/s that promoted ~1 KB a request and made each young-generation pause 2–2.7 ms instead
 * of ~1 ms (--trace-gc-nvp; the service's closing note on issue 6). Object.keys lists nothing;
 * JSON (and the service's answers) carry both fields.
 */
export class LazyGreeks implements AccountGreeks {
  #account: Account;
  #market: MarketSnapshot;
  #cache: Map<string, UnitGreeks> | undefined;
  #all: AccountGreeks | undefined;
  #totals: Record<string, GreekSet> | undefined;

  constructor(account: Account, market: MarketSnapshot, cache?: Map<string, UnitGreeks>) {
    this.#account = account;
    this.#market = market;
    this.#cache = cache;
  }

  get positions(): PositionGreeks[] {
    return (this.#all ??= accountGreeks(this.#account, this.#market, this.#cache)).positions;
  }

  get totals(): Record<string, GreekSet> {
    return this.#all?.totals ?? (this.#totals ??= greekTotals(this.#account, this.#market, this.#cache));
  }

  toJSON(): AccountGreeks {
    return { positions: this.positions, totals: this.totals };
  }
}

function zero(): GreekSet {
  return { delta: 0, gamma: 0, vega: 0, theta: 0, theta_per_day: 0 };
}
