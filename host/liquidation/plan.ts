// Liquidation plan (issue 7, requirement 2): for an account below maintenance margin, the partial
// position reductions that bring it back to MM plus a buffer, cheapest relief first.
//
// Target: mm_excess ≥ mm_buffer · maintenance_margin + mm_buffer_abs, measured after each step
// (MM falls as positions shrink, so the buffer does too): equity ≥ (1 + mm_buffer)·MM + abs.
//
// Greedy rounds, each one step:
//   candidates  per open position, each of `fractions` of its |size| at the plan's start, rounded
//               up to `lot` contracts and capped at what is left (a remainder under half a lot is
//               closed too); only reductions — a step never opens an instrument, never crosses 0.
//               Spread packages (below) are candidates too.
//   admissible  MM and IM do not rise, mm_excess rises (after the close-out cost), and the hedge
//               rule below allows it.
//   score       useful relief / expected close-out cost, where useful relief = the shortfall to
//               the target closed by the step (relief beyond the target is worth nothing, so a
//               step that finishes the job is not charged for overshooting; Wolsey's greedy for
//               covers). Ties: instrument id, then the smaller quantity.
//   batches     probe: one engine.marginBatch of every position's smallest cut ranks them (a
//               line whose probe failed the checks last round rests one round; rested lines are
//               probed again before the plan gives up);
//               extend: one batch of the best position's larger cuts — the step grows while each
//               increment buys relief at ≥ extend_ratio × the runner-up's rate (fewer, larger
//               steps than the pure greedy); refine: when the step completes, one batch of 7
//               quantities in between takes the smallest that still completes. A probe with no
//               admissible cut falls back to one batch of all larger cuts (non-convex margins).
//   execution   the position closes at mark: the account receives the mark value given up
//               (measured by the engine as the equity the size change removes) minus the cost,
//               into the instrument's settlement-currency balance (converted from the margin
//               currency at the snapshot's USD prices). The chosen step is re-margined with that
//               cash, and must pass the same checks on the exact post-step account, else the next
//               best is tried.
// Stops when the target is met, when no admissible step is left, or after max_steps.
//
// Hedge rule (on each underlying; delta δ per position from Black-76 at the snapshot's marks):
//   short options are the risk, never a hedge leg;
//   spread leg   the long options of a type (C or P) may not fall below the short options of that
//                type (vertical, calendar and diagonal spreads keep their long leg while the short
//                leg remains);
//   protection   long options whose δ opposes R = Σδ(short options + linear positions) are hedge
//                legs: their total |δ| may only shrink while it stays ≥ |R| (only over-hedge goes);
//   linear hedge perps/futures/spot whose δ opposes S are hedge legs (covered calls, delta-hedged
//                short options): their total |δ| may only shrink to |S|, where S is the short
//                options' δ left after the long options of the same type (per type, only when the
//                shorts dominate: a long-dominated spread needs no hedge).
// Short options and the linear legs hedging nothing are never blocked, so the rule alone cannot
// deadlock a plan: whatever blocks a leg can itself be reduced first.
// Spread packages: a long option the rule holds is also offered cut together with its nearest
// short option of the same type and underlying (log-strike plus expiry distance), by the same
// underlying amount (fractions of the matched amount) — one step, so the hedge never goes before what it hedges. Bull spreads and
// calendars, where neither leg alone lowers the margin, are liquidated this way.
// The monotone MM/IM check catches most hedge removals by itself; the rule makes the order explicit
// where a methodology's scenarios would not see it.
import { RiskgridError } from '../errors.js';
import type { AccountInput, Engine, MarketInput } from '../margin/engine.js';
import { accountGreeks } from '../margin/greeks.js';
import type { MarginOutcome, MarginResult } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account, Position } from '../model/account.js';
import type { Instrument } from '../model/instrument.js';
import { closeOutCost, type InstrumentQuote } from './close-out-cost.js';
import { DEFAULT_PLAN_PARAMS, parsePlanParams, type PlanParams } from './plan-params.js';

export { DEFAULT_PLAN_PARAMS, parsePlanParams, type PlanParams };

export interface MarginPoint {
  mm: number;
  im: number;
  mm_excess: number;
  equity: number;
}

export interface PlanStep {
  instrument: string;
  size_before: number;
  size_after: number;
  /** Contracts closed (> 0): sold when size_before > 0, bought back when < 0. */
  qty: number;
  /** Expected close-out cost, margin currency. */
  est_cost: number;
  /** Mark value received for the closed part (negative when buying back), margin currency. */
  proceeds: number;
  /** proceeds − est_cost, margin currency. */
  cash_change: number;
  /** The balance the close-out settles into (the instrument's settlement currency) and by how much. */
  cash_asset: string;
  cash_amount: number;
  /** Useful relief per unit of cost that ranked this step. */
  score: number;
  /**
   * A spread package: the long leg covering `instrument` (a short option) is cut in the same step
   * by the same underlying amount, so the hedge never goes before what it hedges. est_cost,
   * proceeds and cash_change are for both legs.
   */
  paired?: { instrument: string; size_before: number; size_after: number; qty: number };
  margin_before: MarginPoint;
  margin_after: MarginPoint;
}

export interface LiquidationPlan {
  account_id: string;
  margin_currency: string;
  restored: boolean;
  /** Why the target was not reached (absent when restored). */
  reason?: string;
  /** mm_excess the target asks for at the final state. */
  required_mm_excess: number;
  steps: PlanStep[];
  totals: { cost: number; relief: number; steps: number; candidates_evaluated: number };
  margin_before: MarginPoint;
  margin_after: MarginPoint;
}

export const REASON_BANKRUPT = 'bankrupt: equity < 0, hand to auction/insurance';
export const REASON_NO_STEP = 'no reducing step improves mm_excess';
export const REASON_MAX_STEPS = 'max_steps reached before MM + buffer was restored';

/** One instrument of the book as the planner tracks it. */
interface Leg {
  ins: Instrument;
  option: boolean;
  quote: InstrumentQuote;
  /** Delta per contract. */
  delta: number;
  /** Quote currency → margin currency. */
  toMargin: number;
  /** Margin currency per unit of the settlement currency. */
  settleToMargin: number;
  /** Contracts closed so far in this plan (impact is on the cumulative quantity). */
  closed: number;
  /** |size| when the plan started: fractions are of this, so a position takes few steps. */
  initial: number;
}

interface Candidate {
  /** Index of this candidate's list in the round (a position, or a spread package). */
  line: number;
  leg: number;
  qty: number;
  sizeAfter: number;
  cost: number;
  /** Spread package: the long leg cut in the same step, by the same underlying amount. */
  pair?: { leg: number; qty: number; sizeAfter: number; cost: number };
}

/** The account after `step` (sizes, and the settlement-currency balance), as the plan executes it. */
export function applyStep(account: Account, step: PlanStep): Account {
  account = mergeRepeats(account);
  const at = account.positions.findIndex((p) => p.instrument.id === step.instrument);
  if (at < 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `account holds no ${step.instrument}`, { field: 'step.instrument', value: step.instrument });
  let positions = withSize(account.positions, at, step.size_after);
  if (step.paired !== undefined) {
    const j = positions.findIndex((p) => p.instrument.id === step.paired!.instrument);
    if (j < 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `account holds no ${step.paired.instrument}`, { field: 'step.paired.instrument', value: step.paired.instrument });
    positions = withSize(positions, j, step.paired.size_after);
  }
  const balances: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, account.balances);
  balances[step.cash_asset] = (balances[step.cash_asset] ?? 0) + step.cash_amount;
  return sealed({ id: account.id, pool: account.pool, positions, balances });
}

/**
 * The liquidation plan of `account` at `market` (see the head of this file). Throws RiskgridError
 * for bad parameters or an account / market the engine rejects.
 */
export function liquidationPlan(engine: Engine, account: AccountInput, market: MarketInput, params: unknown = {}): LiquidationPlan {
  const p = parsePlanParams(params);
  const snap = engine.parseMarket(market);
  let cur = mergeRepeats(engine.parseAccount(account));
  let res = engine.margin(cur, snap);
  const ccy = res.margin_currency;
  const required = (r: MarginResult) => p.mm_buffer * r.maintenance_margin + (p.mm_buffer_abs ?? 0);
  const plan: LiquidationPlan = {
    account_id: cur.id,
    margin_currency: ccy,
    restored: false,
    required_mm_excess: required(res),
    steps: [],
    totals: { cost: 0, relief: 0, steps: 0, candidates_evaluated: 0 },
    margin_before: point(res),
    margin_after: point(res),
  };
  if (res.mm_excess >= required(res)) return { ...plan, restored: true };
  if (res.equity < 0) return { ...plan, reason: REASON_BANKRUPT };

  const legs = new Map<string, Leg>();
  legsOf(cur, snap, ccy, legs);
  const lot = p.lot ?? 0.01;
  const maxSteps = p.max_steps ?? 200;
  const evaluate = (cands: Candidate[]): Scored[] => {
    plan.totals.candidates_evaluated += cands.length;
    return scoreAll(engine.marginBatch(cands.map((c) => accountAfter(cur, c)), snap), cands, res, required);
  };
  const idOf = (s: Scored) => cur.positions[s.c.leg]!.instrument.id;
  const pairOf = (s: Scored) => (s.c.pair === undefined ? '' : cur.positions[s.c.pair.leg]!.instrument.id);
  const byScore = (a: Scored, b: Scored) => b.score - a.score || cmp(idOf(a), idOf(b)) || cmp(pairOf(a), pairOf(b)) || a.c.qty - b.c.qty;
  const keyOf = (c: Candidate) => (c.pair === undefined ? idOf({ c } as Scored) : `${idOf({ c } as Scored)}+${pairOf({ c } as Scored)}`);
  let resting = new Set<string>();
  while (plan.steps.length < maxSteps) {
    const levels = candidates(cur, legs, p, lot);
    // Probe: each line's smallest reduction ranks the lines by relief per cost. A line whose probe
    // was not admissible last round rests this round (re-probed before the plan gives up).
    const probes = levels.map((l) => l[0]!);
    const active = probes.filter((c) => !resting.has(keyOf(c)));
    let scored = evaluate(active);
    let ranked = scored.filter((s) => s.ok);
    if (ranked.length === 0 && active.length < probes.length) {
      scored = evaluate(probes.filter((c) => resting.has(keyOf(c))));
      ranked = scored.filter((s) => s.ok);
    }
    resting = new Set(scored.filter((s) => !s.ok).map((s) => keyOf(s.c)));
    ranked.sort(byScore);
    let extend = true;
    if (ranked.length === 0) {
      // No small step helps; a larger one still might (a margin that is not convex in size).
      ranked = evaluate(levels.flatMap((l) => l.slice(1))).filter((s) => s.ok).sort(byScore);
      extend = false;
    }
    if (ranked.length === 0) break;
    let chosen = ranked[0]!;
    if (extend && !chosen.completes) chosen = extendBest(chosen, evaluate(levels[chosen.c.line]!.slice(1)), (ranked[1]?.score ?? 0) * (p.extend_ratio ?? 0.1));
    if (chosen.completes && chosen.c.pair === undefined) chosen = smallestCompleting(chosen, levels[chosen.c.line]!, evaluate, cur, legs.get(idOf(chosen))!, p, lot);
    // Execute at mark with the cost paid: the exact post-step account must pass the same checks.
    let taken = false;
    for (const s of [chosen, ...ranked.filter((r) => r !== chosen)]) {
      const pos = cur.positions[s.c.leg]!;
      const step: PlanStep = {
        instrument: pos.instrument.id,
        size_before: pos.size,
        size_after: s.c.sizeAfter,
        qty: s.c.qty,
        est_cost: s.c.cost,
        proceeds: s.proceeds,
        cash_change: s.proceeds - s.c.cost,
        cash_asset: pos.instrument.settleCurrency,
        cash_amount: (s.proceeds - s.c.cost) / legs.get(pos.instrument.id)!.settleToMargin,
        score: s.score,
        margin_before: point(res),
        margin_after: point(res),
      };
      const pair = s.c.pair;
      if (pair !== undefined) {
        const long = cur.positions[pair.leg]!;
        step.paired = { instrument: long.instrument.id, size_before: long.size, size_after: pair.sizeAfter, qty: pair.qty };
      }
      const next = applyStep(cur, step);
      let after: MarginResult;
      try {
        after = engine.margin(next, snap);
      } catch {
        continue; // e.g. a profile that does not take the settlement asset as a balance
      }
      if (after.maintenance_margin > res.maintenance_margin || after.initial_margin > res.initial_margin || !(after.mm_excess > res.mm_excess)) continue;
      step.margin_after = point(after);
      legs.get(step.instrument)!.closed += s.c.qty;
      if (step.paired !== undefined) legs.get(step.paired.instrument)!.closed += step.paired.qty;
      plan.steps.push(step);
      plan.totals.cost += s.c.cost;
      cur = next;
      res = after;
      taken = true;
      break;
    }
    if (!taken) break;
    if (res.mm_excess >= required(res)) {
      plan.restored = true;
      break;
    }
  }
  plan.totals.steps = plan.steps.length;
  plan.totals.relief = res.mm_excess - plan.margin_before.mm_excess;
  plan.margin_after = point(res);
  plan.required_mm_excess = required(res);
  if (!plan.restored) plan.reason = plan.steps.length >= maxSteps ? REASON_MAX_STEPS : REASON_NO_STEP;
  return plan;
}

interface Scored {
  c: Candidate;
  /** Admissible: MM and IM do not rise, mm_excess (after cost) rises. */
  ok: boolean;
  /** Shortfall to the target this step closes (capped at the shortfall). */
  useful: number;
  proceeds: number;
  completes: boolean;
  score: number;
}

/** Checks and scores of a batch of candidates against the current margin `res`. */
function scoreAll(outs: MarginOutcome[], cands: Candidate[], res: MarginResult, required: (r: MarginResult) => number): Scored[] {
  const gap = required(res) - res.mm_excess;
  return outs.map((o, k) => {
    const c = cands[k]!;
    const s: Scored = { c, ok: false, useful: 0, proceeds: 0, completes: false, score: 0 };
    if (!o.ok) return s;
    const r = o.result;
    s.proceeds = res.equity - r.equity;
    const excess = r.mm_excess + s.proceeds - c.cost;
    const after = required(r) - excess;
    s.useful = gap - Math.max(after, 0);
    s.completes = after <= 0;
    s.score = s.useful / Math.max(c.cost, 1e-12);
    s.ok = r.maintenance_margin <= res.maintenance_margin && r.initial_margin <= res.initial_margin && excess > res.mm_excess && s.useful > 0;
    return s;
  });
}

/**
 * Grows the best position's step through its larger fractions while each increment still buys
 * relief at least as cheaply as the runner-up position's next step (the continuous greedy would
 * keep cutting the best position until then), and stops at the first level that completes.
 */
function extendBest(probe: Scored, larger: Scored[], runnerUp: number): Scored {
  let at = probe;
  for (const s of larger) {
    if (!s.ok || at.completes) break;
    const inc = (s.useful - at.useful) / Math.max(s.c.cost - at.c.cost, 1e-12);
    if (!(inc >= runnerUp)) break;
    at = s;
  }
  return at;
}

/** A completing step cut down to the smallest lot-rounded quantity that still completes. */
function smallestCompleting(s: Scored, levels: Candidate[], evaluate: (c: Candidate[]) => Scored[], cur: Account, leg: Leg, p: PlanParams, lot: number): Scored {
  const k = levels.findIndex((c) => c.qty === s.c.qty);
  const lo = k > 0 ? levels[k - 1]!.qty : 0;
  const qtys = new Set<number>();
  for (let m = 1; m < REFINE; m++) {
    const q = clean(Math.ceil((lo + ((s.c.qty - lo) * m) / REFINE) / lot - 1e-9) * lot);
    if (q > lo && q < s.c.qty) qtys.add(q);
  }
  if (qtys.size === 0) return s;
  const found = evaluate([...qtys].map((q) => candidate(cur, s.c.line, s.c.leg, q, leg, p))).find((x) => x.ok && x.completes);
  return found ?? s;
}

/** Reductions tried per step: REFINE − 1 quantities between two levels when cutting a step down. */
const REFINE = 8;

/**
 * This round's candidate lists ("lines"), each in ascending quantity: per position, each fraction
 * of its starting |size| rounded up to the lot and capped at what is left, as far as the hedge rule
 * allows; then one spread package per long option the rule holds.
 */
function candidates(cur: Account, legs: Map<string, Leg>, p: PlanParams, lot: number): Candidate[][] {
  const rule = p.hedge_rule === false ? undefined : hedgeRule(cur, (id) => legs.get(id)!.delta);
  const out: Candidate[][] = [];
  const positions = cur.positions;
  const spreadBlocked: number[] = [];
  for (let i = 0; i < positions.length; i++) {
    const pos = positions[i]!;
    if (pos.size === 0) continue;
    const leg = legs.get(pos.instrument.id)!;
    const list: Candidate[] = [];
    for (const qty of quantities(p.fractions, leg.initial, Math.abs(pos.size), lot)) {
      if (rule !== undefined && !rule.allows(pos.instrument.id, sizeAfterCut(pos.size, qty))) break; // larger cuts are blocked too
      list.push(candidate(cur, out.length, i, qty, leg, p));
    }
    if (list.length > 0) out.push(list);
    else if (rule !== undefined && leg.option && pos.size > 0) spreadBlocked.push(i);
  }
  // Spread packages: a long option the rule holds, cut together with its nearest short of the same
  // type (strike distance in log terms plus expiry distance in years; ties by id).
  const YEAR = 31_536_000_000;
  for (const j of spreadBlocked) {
    const long = positions[j]!;
    const li = long.instrument;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < positions.length; i++) {
      const si = positions[i]!.instrument;
      if (!(positions[i]!.size < 0 && si.kind === 'option' && si.underlying === li.underlying && si.optionType === li.optionType)) continue;
      const d = Math.abs(Math.log(si.strike! / li.strike!)) + Math.abs(si.expiry! - li.expiry!) / YEAR;
      if (d < bestD || (d === bestD && cmp(si.id, positions[best]!.instrument.id) < 0)) [best, bestD] = [i, d];
    }
    if (best < 0) continue;
    const short = positions[best]!;
    const si = short.instrument;
    const matched = Math.min(-short.size * si.contractSize, long.size * li.contractSize);
    const list: Candidate[] = [];
    for (const qty of quantities(p.fractions, matched / si.contractSize, -short.size, lot)) {
      const longQty = Math.min(clean(Math.ceil((qty * si.contractSize) / li.contractSize / lot - 1e-9) * lot), long.size);
      list.push(candidate(cur, out.length, best, qty, legs.get(si.id)!, p, { leg: j, qty: longQty, sizeAfter: sizeAfterCut(long.size, longQty), cost: 0 }, legs.get(li.id)!));
    }
    if (list.length > 0) out.push(list);
  }
  return out;
}

/** Fractions of `base` contracts rounded up to the lot, capped at `abs` (a sub-half-lot rest closed too). */
function quantities(fractions: readonly number[], base: number, abs: number, lot: number): number[] {
  const out: number[] = [];
  for (const f of fractions) {
    let qty = Math.min(Math.ceil((f * base) / lot - 1e-9) * lot, abs);
    if (abs - qty < lot / 2) qty = abs;
    qty = clean(qty);
    if (qty > (out.at(-1) ?? 0)) out.push(qty);
  }
  return out;
}

function sizeAfterCut(size: number, qty: number): number {
  const abs = Math.abs(size);
  return qty >= abs ? 0 : Math.sign(size) * clean(abs - qty);
}

/** Position `i` cut by `qty` contracts (and a package's long leg), with its close-out cost. */
function candidate(cur: Account, line: number, i: number, qty: number, leg: Leg, p: PlanParams, pair?: Candidate['pair'], pairLeg?: Leg): Candidate {
  const pos = cur.positions[i]!;
  let cost = closeOutCost(leg.quote, qty, leg.closed, p.cost, leg.option && pos.size > 0) * leg.toMargin;
  if (pair !== undefined) {
    pair.cost = closeOutCost(pairLeg!.quote, pair.qty, pairLeg!.closed, p.cost, true) * pairLeg!.toMargin;
    cost += pair.cost;
  }
  return { line, leg: i, qty, sizeAfter: sizeAfterCut(pos.size, qty), cost, ...(pair === undefined ? {} : { pair }) };
}

/** The account a candidate leaves (sizes only, cash unchanged); built only for the candidates evaluated. */
function accountAfter(cur: Account, c: Candidate): Account {
  const positions: Position[] = [];
  const src = cur.positions;
  for (let k = 0; k < src.length; k++) {
    const size = k === c.leg ? c.sizeAfter : k === c.pair?.leg ? c.pair.sizeAfter : src[k]!.size;
    if (size === src[k]!.size) positions.push(src[k]!);
    else if (size !== 0) positions.push({ ...src[k]!, size });
  }
  return sealed({ id: cur.id, pool: cur.pool, positions, balances: cur.balances });
}

/**
 * The hedge rule on `account` (see the head of this file), given each instrument's delta per
 * contract: allows(instrument id, size after) says whether that reduction may be taken now.
 */
export function hedgeRule(account: Account, deltaPerContract: (id: string) => number): { allows(id: string, sizeAfter: number): boolean } {
  interface U { short: [number, number]; long: [number, number]; shortD: [number, number]; longD: [number, number]; S: number; R: number; protect: number; linHedge: number }
  const by = new Map<string, U>();
  const at = new Map<string, Position>();
  const t = (pos: Position) => (pos.instrument.optionType === 'C' ? 0 : 1);
  for (const pos of account.positions) {
    at.set(pos.instrument.id, pos);
    let x = by.get(pos.instrument.underlying);
    if (x === undefined) by.set(pos.instrument.underlying, (x = { short: [0, 0], long: [0, 0], shortD: [0, 0], longD: [0, 0], S: 0, R: 0, protect: 0, linHedge: 0 }));
    const d = pos.size * deltaPerContract(pos.instrument.id);
    const amount = pos.size * pos.instrument.contractSize;
    if (pos.instrument.kind !== 'option') x.R += d;
    else if (pos.size < 0) {
      x.short[t(pos)] -= amount;
      x.shortD[t(pos)] += d;
      x.R += d;
    } else {
      x.long[t(pos)] += amount;
      x.longD[t(pos)] += d;
    }
  }
  for (const x of by.values()) {
    // S: short-option delta left after the long options of the same type (a long-dominated type needs no hedge).
    for (const k of [0, 1]) if ((x.shortD[k]! + x.longD[k]!) * x.shortD[k]! > 0) x.S += x.shortD[k]! + x.longD[k]!;
  }
  for (const pos of account.positions) {
    const x = by.get(pos.instrument.underlying)!;
    const d = pos.size * deltaPerContract(pos.instrument.id);
    if (pos.instrument.kind === 'option' && pos.size > 0 && d * x.R < 0) x.protect += Math.abs(d);
    else if (pos.instrument.kind !== 'option' && d * x.S < 0) x.linHedge += Math.abs(d);
  }
  const EPS = 1e-12;
  return {
    allows(id, sizeAfter) {
      const pos = at.get(id);
      if (pos === undefined) return false;
      const x = by.get(pos.instrument.underlying)!;
      const cut = pos.size - sizeAfter; // same sign as size: a reduction
      const d = pos.size * deltaPerContract(id);
      const dCut = Math.abs(cut * deltaPerContract(id));
      if (pos.instrument.kind === 'option') {
        if (pos.size < 0) return true;
        const longs = x.long[t(pos)]!;
        const shorts = x.short[t(pos)]!;
        if (shorts > 0 && longs - cut * pos.instrument.contractSize < Math.min(longs, shorts) * (1 - EPS)) return false;
        return !(d * x.R < 0 && x.protect - dCut < Math.min(x.protect, Math.abs(x.R)) * (1 - EPS));
      }
      return !(d * x.S < 0 && x.linHedge - dCut < Math.min(x.linHedge, Math.abs(x.S)) * (1 - EPS));
    },
  };
}

/** Facts per distinct instrument: cost-model quote, delta per contract, currency conversion. */
function legsOf(account: Account, market: MarketSnapshot, ccy: string, into: Map<string, Leg>): void {
  const distinct = account.positions.map((pos) => ({ instrument: pos.instrument, size: 1 }));
  const g = accountGreeks({ id: '', pool: account.pool, positions: distinct, balances: {} }, market).positions;
  distinct.forEach(({ instrument: ins }, k) => {
    const index = market.index(ins.underlying).value;
    const option = ins.kind === 'option';
    const cs = ins.contractSize;
    const mark = option ? g[k]!.value / cs : linearMark(ins, market);
    // Quote currency → margin currency through their USD prices (USD itself is 1).
    const usd = (asset: string) => (asset === 'USD' ? 1 : market.assetPrice(asset).value);
    const conv = (asset: string) => (ccy === asset ? 1 : ccy === ins.underlying && asset === ins.quote ? 1 / index : usd(asset) / usd(ccy));
    const toMargin = conv(ins.quote);
    const settleToMargin = conv(ins.settleCurrency);
    if (!(Number.isFinite(toMargin) && Number.isFinite(settleToMargin) && settleToMargin > 0)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `cannot express close-out costs of ${ins.id} (quoted in ${ins.quote}) in margin currency ${ccy}`, { field: 'instrument', value: ins.id });
    }
    into.set(ins.id, { ins, option, quote: { id: ins.id, kind: option ? 'option' : 'linear', contract_size: cs, index, mark, vega: option ? g[k]!.vega / cs : 0 }, delta: g[k]!.delta, toMargin, settleToMargin, closed: 0, initial: Math.abs(account.positions[k]!.size) });
  });
}

function linearMark(ins: Instrument, market: MarketSnapshot): number {
  if (ins.kind === 'perpetual') return market.underlying(ins.underlying).perp?.value ?? market.index(ins.underlying).value;
  if (ins.kind === 'future') return market.expiry(ins.underlying, ins.expiry!).forward.value;
  return market.index(ins.underlying).value;
}

/** One position per instrument (first-appearance order): sizes add, avg price by size, funding adds. */
function mergeRepeats(a: Account): Account {
  const seen = new Map<string, number>();
  const out: Position[] = [];
  let merged = false;
  for (const pos of a.positions) {
    const at = seen.get(pos.instrument.id);
    if (at === undefined) {
      seen.set(pos.instrument.id, out.push(pos) - 1);
      continue;
    }
    merged = true;
    const prev = out[at]!;
    const size = prev.size + pos.size;
    const both = prev.avgPrice !== undefined && pos.avgPrice !== undefined && size !== 0;
    const m: { instrument: Instrument; size: number; avgPrice?: number; unrealisedFunding?: number } = { instrument: pos.instrument, size };
    if (both) m.avgPrice = (prev.size * prev.avgPrice! + pos.size * pos.avgPrice!) / size;
    if (prev.unrealisedFunding !== undefined || pos.unrealisedFunding !== undefined) m.unrealisedFunding = (prev.unrealisedFunding ?? 0) + (pos.unrealisedFunding ?? 0);
    out[at] = m;
  }
  return merged ? sealed({ id: a.id, pool: a.pool, positions: out, balances: a.balances }) : a;
}

/** Positions with entry `at` resized (removed at zero; avg price and funding kept). */
function withSize(positions: readonly Position[], at: number, size: number): Position[] {
  if (size === 0) return positions.filter((_, k) => k !== at);
  const out = positions.slice();
  out[at] = { ...positions[at]!, size };
  return out;
}

/** The engine takes an object as validated when its first instrument is resolved or it is frozen. */
function sealed(a: Account): Account {
  return a.positions.length === 0 ? Object.freeze(a) : a;
}

function point(r: MarginResult): MarginPoint {
  return { mm: r.maintenance_margin, im: r.initial_margin, mm_excess: r.mm_excess, equity: r.equity };
}

/** Quantities on a lot grid without binary-fraction noise (0.1 + 0.2 → 0.3): nano-contract precision. */
function clean(x: number): number {
  return Math.abs(x) < 1e6 ? Math.round(x * 1e9) / 1e9 : x;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
