// Insurance fund and auto-deleveraging (issue 7, requirement 4). Pure and deterministic: every
// function takes the fund's state and returns the next one with an auditable list of actions.
//   fund      balance ≥ 0; topped up by liquidation fees (fee_share of each, Derive sends all of
//             it to its security module), drawn for bankrupt accounts' shortfall and insolvent
//             auctions' payouts; a draw never takes more than the balance.
//   ADL       when the fund cannot cover a bankrupt account's shortfall, its positions are closed
//             at their bankruptcy prices against profitable opposite positions, best-ranked first,
//             until the shortfall is covered; what no one can absorb is reported as `uncovered`
//             (Derive socialises that loss over cash holders: DutchAuction → cash.socializeLoss).
// Allocation: the remaining shortfall S is spread over the bankrupt account's positions in
// proportion to their absolute notional |q·mark|; position i's share S_i sets its bankruptcy
// price p_i = mark_i + S_i / q_i (the price at which closing it leaves the account at zero).
// A counterparty closing x contracts at p_i instead of at mark gives up x·|p_i − mark_i|.
// Ranking (BitMEX / Binance / Bybit ADL): PnL% = (mark − entry)·q / |entry·q|; effective
// leverage = |q·mark| / account equity (a portfolio-margined account backs every position with its
// whole equity, so equity plays the exchanges' "mark value − bankrupt value"); score
// `pnl_x_leverage` = PnL% × leverage, `pnl` = PnL%. Only PnL% > 0 and equity > 0 are eligible.
// Ties: account id (code-unit order), then input order.
import { RiskgridError } from '../errors.js';
import type { AdlRanking, InsuranceParams } from './params.js';

export interface InsuranceFund {
  readonly balance: number;
}

export interface BankruptPosition {
  readonly instrument: string;
  /** Signed size (long > 0). */
  readonly size: number;
  readonly mark_price: number;
}

export interface BankruptAccount {
  readonly account: string;
  /** Loss to cover, > 0 (e.g. −equity after the auction, or an insolvent auction's payout left unpaid). */
  readonly shortfall: number;
  readonly positions: readonly BankruptPosition[];
}

export interface CounterpartyPosition {
  readonly account: string;
  readonly instrument: string;
  readonly size: number;
  readonly entry_price: number;
  readonly mark_price: number;
  /** The counterparty account's equity (its margin balance). */
  readonly account_equity: number;
}

export type InsuranceAction =
  | { readonly type: 'top_up'; readonly source: string; readonly amount: number; readonly balance_after: number }
  | { readonly type: 'draw'; readonly account: string; readonly requested: number; readonly paid: number; readonly balance_after: number }
  | {
      readonly type: 'adl';
      readonly bankrupt_account: string;
      readonly account: string;
      readonly instrument: string;
      readonly rank: number;
      readonly score: number;
      /** Change to the counterparty's position (closes it towards 0). */
      readonly size_change: number;
      readonly bankruptcy_price: number;
      readonly mark_price: number;
      /** What the counterparty gives up against closing at mark; the shortfall it covers. */
      readonly cost: number;
    }
  | { readonly type: 'uncovered'; readonly account: string; readonly instrument: string | null; readonly amount: number };

export interface Settlement {
  readonly fund: InsuranceFund;
  readonly actions: readonly InsuranceAction[];
  readonly from_fund: number;
  readonly from_adl: number;
  readonly uncovered: number;
}

function arg(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `${field}: ${why} (got ${String(value)})`, { field, value });
}
function money(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) arg(field, v, 'must be a finite number ≥ 0');
  return v;
}

export function openFund(params: InsuranceParams): InsuranceFund {
  return Object.freeze({ balance: params.initial_balance });
}

export function topUp(fund: InsuranceFund, amount: number, source: string): { fund: InsuranceFund; action: InsuranceAction } {
  const a = money(amount, 'amount');
  const balance = fund.balance + a;
  return { fund: Object.freeze({ balance }), action: { type: 'top_up', source, amount: a, balance_after: balance } };
}

/** A liquidation fee: fee_share of it goes to the fund. */
export function collectFee(fund: InsuranceFund, fee: number, params: InsuranceParams, source: string): { fund: InsuranceFund; action: InsuranceAction } {
  return topUp(fund, money(fee, 'fee') * params.fee_share, source);
}

/** Pay up to `amount` from the fund (an insolvent auction's payout, a shortfall); never below 0. */
export function draw(fund: InsuranceFund, amount: number, account: string): { fund: InsuranceFund; paid: number; unpaid: number; action: InsuranceAction } {
  const req = money(amount, 'amount');
  const paid = Math.min(req, fund.balance);
  const balance = fund.balance - paid;
  return { fund: Object.freeze({ balance }), paid, unpaid: req - paid, action: { type: 'draw', account, requested: req, paid, balance_after: balance } };
}

/** ADL score of a counterparty position, or undefined when it is not eligible (not in profit). */
export function adlScore(p: CounterpartyPosition, ranking: AdlRanking): number | undefined {
  // (mark − entry)·q / |entry·q| with the size cancelled, so tiny sizes cannot underflow it.
  const pnlPct = (Math.sign(p.size) * (p.mark_price - p.entry_price)) / p.entry_price;
  if (!(pnlPct > 0) || !(p.account_equity > 0)) return undefined;
  const score = ranking === 'pnl' ? pnlPct : pnlPct * (Math.abs(p.size * p.mark_price) / p.account_equity);
  return score > 0 ? score : undefined; // a dust position whose leverage underflows is not ranked
}

function checkCounterparty(p: CounterpartyPosition, i: number): void {
  const f = `counterparties[${i}]`;
  if (typeof p.account !== 'string' || p.account === '') arg(`${f}.account`, p.account, 'must be a non-empty string');
  for (const k of ['size', 'account_equity'] as const) if (!Number.isFinite(p[k])) arg(`${f}.${k}`, p[k], 'must be a finite number');
  for (const k of ['entry_price', 'mark_price'] as const) if (!(Number.isFinite(p[k]) && p[k] > 0)) arg(`${f}.${k}`, p[k], 'must be a finite number > 0');
}

/**
 * Cover a bankrupt account's shortfall: the fund first, then (if enabled) ADL, and report the rest.
 * Counterparties are every open position of other accounts; only opposite, profitable ones are used.
 */
export function settleShortfall(fund: InsuranceFund, bankrupt: BankruptAccount, counterparties: readonly CounterpartyPosition[], params: InsuranceParams): Settlement {
  const shortfall = money(bankrupt.shortfall, 'shortfall');
  const actions: InsuranceAction[] = [];
  const d = draw(fund, shortfall, bankrupt.account);
  if (shortfall > 0) actions.push(d.action);
  const rest = d.unpaid;
  let fromAdl = 0;
  let uncovered = 0;
  if (rest > 0 && !params.adl.enabled) {
    actions.push({ type: 'uncovered', account: bankrupt.account, instrument: null, amount: rest });
    return { fund: d.fund, actions, from_fund: d.paid, from_adl: 0, uncovered: rest };
  }
  if (rest > 0) {
    counterparties.forEach(checkCounterparty);
    const positions = bankrupt.positions.filter((p, i) => {
      if (!Number.isFinite(p.size)) arg(`positions[${i}].size`, p.size, 'must be a finite number');
      if (!(Number.isFinite(p.mark_price) && p.mark_price > 0)) arg(`positions[${i}].mark_price`, p.mark_price, 'must be a finite number > 0');
      return p.size !== 0;
    });
    const used = new Float64Array(counterparties.length); // contracts already taken, per counterparty
    const notional = positions.reduce((s, p) => s + Math.abs(p.size * p.mark_price), 0);
    // Finite sizes and prices can still overflow their product: never a NaN share.
    if (notional === Infinity) arg('positions', notional, 'have a notional (|size × mark| summed) beyond the float range');
    if (!(notional > 0)) {
      actions.push({ type: 'uncovered', account: bankrupt.account, instrument: null, amount: rest });
      return { fund: d.fund, actions, from_fund: d.paid, from_adl: 0, uncovered: rest };
    }
    // Counterparties by instrument, in input order: each position ranks only its own instrument's.
    const byInstrument = new Map<string, number[]>();
    counterparties.forEach((c, idx) => {
      const list = byInstrument.get(c.instrument);
      if (list === undefined) byInstrument.set(c.instrument, [idx]);
      else list.push(idx);
    });
    let allocated = 0;
    for (let j = 0; j < positions.length; j++) {
      const p = positions[j]!;
      // Weight first (no underflow for tiny sizes); the last position takes the remainder, so the
      // shares add up to the shortfall exactly.
      const share = j === positions.length - 1 ? Math.max(rest - allocated, 0) : rest * (Math.abs(p.size * p.mark_price) / notional);
      allocated += share;
      const bankruptcyPrice = p.mark_price + share / p.size;
      const queue = (byInstrument.get(p.instrument) ?? [])
        .map((idx) => ({ c: counterparties[idx]!, idx, score: Math.sign(counterparties[idx]!.size) === -Math.sign(p.size) ? adlScore(counterparties[idx]!, params.adl.ranking) : undefined }))
        .filter((q): q is { c: CounterpartyPosition; idx: number; score: number } => q.score !== undefined && used[q.idx]! < Math.abs(q.c.size))
        .sort((a, b) => b.score - a.score || (a.c.account < b.c.account ? -1 : a.c.account > b.c.account ? 1 : a.idx - b.idx));
      let left = Math.abs(p.size);
      let covered = 0;
      for (let r = 0; r < queue.length && left > 0; r++) {
        const { c, idx, score } = queue[r]!;
        const qty = Math.min(Math.abs(c.size) - used[idx]!, left);
        used[idx] = used[idx]! + qty;
        left -= qty;
        // Contracts summed in another order can leave a few ulps behind: that is closed, not owed.
        if (left <= Math.abs(p.size) * 1e-12) left = 0;
        // The last slice takes exactly what is left of the share, so rounding cannot leak.
        // qty/|size| ≤ 1 first: a dust size cannot overflow the cost (share/|size| could).
        const cost = left === 0 ? Math.max(share - covered, 0) : share * (qty / Math.abs(p.size));
        covered += cost;
        actions.push({ type: 'adl', bankrupt_account: bankrupt.account, account: c.account, instrument: p.instrument, rank: r + 1, score, size_change: -Math.sign(c.size) * qty, bankruptcy_price: bankruptcyPrice, mark_price: p.mark_price, cost });
      }
      fromAdl += covered;
      if (left > 0) {
        const amount = share - covered;
        uncovered += amount;
        actions.push({ type: 'uncovered', account: bankrupt.account, instrument: p.instrument, amount });
      }
    }
  }
  return { fund: d.fund, actions, from_fund: d.paid, from_adl: fromAdl, uncovered };
}
