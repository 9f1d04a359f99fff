// Liquidation cascade (issue 7, req. 5–6): shock the venue, liquidate what breaks, let the
// liquidation flow move prices, re-margin, repeat until nothing is liquidatable.
//   round 0   the shocked market (index, perp, forwards, family collateral × (1 + shock)) → tick
//   round r   every liquidatable / bankrupt account (by engine index) closes a fraction f of all it
//             holds besides margin-asset cash, at the round's marks; the net notional sold per
//             underlying moves prices by the impact model (impact.ts); the moved market is round
//             r + 1's, re-margined; stop when no account is liquidatable or after `rounds`.
// The fraction is a per-account estimate, not the greedy planner (plan.ts, far too slow for 100k
// accounts a round): the requirement R = equity − mm_excess is taken as proportional to what the
// account holds (scenario loss, contingencies and collateral haircuts all scale with size), so
// closing f leaves (1 − f)·R against unchanged equity E, and MM + buffer holds for
//   f = 1 − E / (R·(1 + buffer))   clamped to [0, 1];   f = 1 when E <= 0 (bankrupt).
// Closing at mark keeps equity: cash' = cash + f·(E − cash). A bankrupt account is closed whole; its
// shortfall −E is drawn from the insurance fund (insurance.ts `draw`; what the fund cannot cover is
// reported as uncovered — auto-deleveraging is not simulated) and its cash set to 0. Whatever the estimate misses is caught next round.
// Determinism: accounts are visited in engine index order, sums run in that order, every market is
// named by its content hash, and no clock reading enters the result.
import { RiskgridError } from '../errors.js';
import { createEngine, type Engine } from '../margin/engine.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account, Position } from '../model/account.js';
import type { Instrument } from '../model/instrument.js';
import type { VenueAccountResult, VenueEngine } from '../pool/venue-engine.js';
import type { VenueStatus } from '../pool/venue-layout.js';
import { black76Greeks } from '../reference/black.js';
import { FailedInput } from '../pool/venue-engine.js';
import type { CascadeBook } from './cascade-book.js';
import { draw, type InsuranceFund } from './insurance.js';
import { canonicalJson, checkImpact, DEFAULT_FAMILIES, familyOf, logImpact, marketContentId, moveMarket, type ImpactModel } from './impact.js';
import { createHash } from 'node:crypto';

export interface CascadeParams {
  /** Relative move of the shocked underlyings' prices: −0.3 = −30 %. */
  shock: number;
  /** Underlyings shocked in round 0 (default: every underlying of the market). */
  underlyings?: readonly string[];
  impact: ImpactModel;
  /** Liquidation rounds at most (default 10). */
  rounds?: number;
  /** Margin restored above MM, as a fraction of MM (default 0.1). */
  buffer?: number;
  /** Insurance fund balance at the start, in the margin asset (default 0). */
  fund?: number;
  /** List every liquidation of every round (default false: counts and sums only). */
  detail?: boolean;
  families?: Readonly<Record<string, readonly string[]>>;
}

export interface CascadeLiquidation {
  account_id: string;
  status: VenueStatus;
  equity: number;
  requirement: number;
  fraction: number;
  shortfall: number;
}

export interface CascadeRound {
  round: number;
  /** The market the round's liquidations executed on. */
  market_snapshot_id: string;
  liquidated: number;
  bankrupt: number;
  /** Net notional sold per underlying, USD (positive = selling). */
  notional_sold: Record<string, number>;
  log_move: Record<string, number>;
  /** Index price per underlying after the impact (the next round's market). */
  price_after: Record<string, number>;
  next_snapshot_id: string;
  shortfall: number;
  fund_used: number;
  fund_balance: number;
  uncovered: number;
  /** Statuses after re-margining on the moved market. */
  by_status: Record<VenueStatus, number>;
  liquidations?: CascadeLiquidation[];
}

export interface CascadeResult {
  inputs_hash: string;
  params: { shock: number; underlyings: string[]; impact: ImpactModel; rounds: number; buffer: number; fund: number };
  base_snapshot_id: string;
  shock: { market_snapshot_id: string; price: Record<string, number>; by_status: Record<VenueStatus, number> };
  rounds: CascadeRound[];
  stopped: 'stable' | 'max_rounds';
  totals: {
    rounds: number;
    liquidations: number;
    accounts_liquidated: number;
    notional_sold: Record<string, number>;
    shortfall: number;
    fund_used: number;
    uncovered: number;
    fund_balance: number;
    price_start: Record<string, number>;
    price_end: Record<string, number>;
    by_status: Record<VenueStatus, number>;
  };
}

const indexOf = (m: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(m.underlyings as Record<string, { index_price: number }>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([u, x]) => [u, x.index_price]));

/**
 * Runs a cascade on a venue loaded with `book` (loadCascadeBook) from `market` (JSON). The
 * venue's accounts change: open a fresh venue for every run.
 */
export async function runCascade(venue: VenueEngine, book: CascadeBook, pools: Record<string, string | Record<string, unknown>>, market: Record<string, unknown>, p: CascadeParams, onRound?: (done: number, total: number) => void): Promise<CascadeResult> {
  const rounds = p.rounds ?? 10;
  const buffer = p.buffer ?? 0.1;
  const fundStart = p.fund ?? 0;
  const families = p.families ?? DEFAULT_FAMILIES;
  if (!(Number.isFinite(p.shock) && p.shock > -1)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `shock must be a relative move > −100 %, got ${p.shock}`, { field: 'shock', value: p.shock });
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 1000)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `rounds must be an integer in [1, 1000], got ${rounds}`, { field: 'rounds', value: rounds });
  if (!(Number.isFinite(buffer) && buffer >= 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `buffer must be a finite number >= 0, got ${buffer}`, { field: 'buffer', value: buffer });
  if (!(Number.isFinite(fundStart) && fundStart >= 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `fund must be a finite number >= 0, got ${fundStart}`, { field: 'fund', value: fundStart });
  const impact = checkImpact(p.impact);
  if (market === null || typeof market !== 'object' || market.underlyings === null || typeof market.underlyings !== 'object') {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', 'market must be a snapshot object with "underlyings"', { field: 'market.underlyings', value: market?.underlyings });
  }
  const allUnds = Object.keys(market.underlyings as Record<string, unknown>).sort();
  const shocked = [...(p.underlyings ?? allUnds)].sort();
  for (const u of allUnds) if (!(u in impact.depth)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impact depth has no entry for underlying ${u}`, { field: `depth.${u}`, value: undefined });

  const params = { shock: p.shock, underlyings: shocked, impact: { model: impact.model, k: impact.k, depth: Object.fromEntries(allUnds.map((u) => [u, impact.depth[u]!])) }, rounds, buffer, fund: fundStart };
  const inputs_hash = createHash('sha256').update(canonicalJson({ market, pools, params, accounts: book.digest })).digest('hex');

  const engines = new Map<string, Engine>();
  const engineFor = (pool: string): Engine => {
    let e = engines.get(pool);
    if (e === undefined) engines.set(pool, (e = createEngine({ profile: pools[pool]!, snapshot: { now: false } })));
    return e;
  };
  const anyEngine = engineFor(Object.keys(pools)[0]!);

  let current = moveMarket(market, Object.fromEntries(shocked.map((u) => [u, 1 + p.shock])), '');
  current.snapshot_id = `cascade-0-${marketContentId(current)}`;
  await venue.tick(current);
  const shock = { market_snapshot_id: current.snapshot_id as string, price: indexOf(current), by_status: venue.totals().by_status };
  const out: CascadeRound[] = [];
  let fund: InsuranceFund = { balance: fundStart };
  const liquidatedIds = new Set<number>();
  let stopped: CascadeResult['stopped'] = 'max_rounds';
  onRound?.(0, rounds);

  for (let r = 1; r <= rounds; r++) {
    const candidates = breached(venue);
    if (candidates.length === 0) {
      stopped = 'stable';
      break;
    }
    const snap = anyEngine.parseMarket(current);
    const marginAsset = snap.stablecoin?.asset ?? 'USDC';
    const deltas = new Map<string, number>();
    const sold: Record<string, number> = Object.fromEntries(allUnds.map((u) => [u, 0]));
    const changed: Account[] = [];
    const list: CascadeLiquidation[] = [];
    let shortfall = 0, used = 0, nBankrupt = 0;
    for (const { i, res } of candidates) {
      const input = book.inputs[i]!;
      if (input instanceof FailedInput) continue;
      const account = engineFor(res.pool).parseAccount(input);
      const E = res.equity;
      const R = E - res.mm_excess;
      const f = E <= 0 || !(R > 0) ? 1 : Math.min(1, Math.max(0, 1 - E / (R * (1 + buffer))));
      const short = E < 0 ? -E : 0;
      if (res.status === 'bankrupt') nBankrupt++;
      if (short > 0) {
        // The fund pays what it can (insurance.ts draw); auto-deleveraging the rest is not run here.
        const d = draw(fund, short, res.account_id);
        fund = d.fund;
        shortfall += short;
        used += d.paid;
      }
      // Flow: what closing f of each holding sells, in underlying notional (USD).
      for (const pos of account.positions) {
        const u = pos.instrument.underlying;
        if (!(u in sold)) continue;
        sold[u]! += f * pos.size * unitsPerContract(pos, snap, deltas) * snap.index(u).value;
      }
      for (const [asset, amount] of Object.entries(account.balances)) {
        const u = asset === marginAsset ? undefined : familyOf(asset, allUnds, families);
        if (u !== undefined) sold[u]! += f * amount * (snap.collateral.get(asset)?.value ?? 0);
      }
      const cash = account.balances[marginAsset] ?? 0;
      const reduced = reduce(account, f, marginAsset, E < 0 ? 0 : cash + f * (E - cash));
      changed.push(reduced);
      book.inputs[i] = reduced;
      liquidatedIds.add(i);
      if (p.detail === true) list.push({ account_id: res.account_id, status: res.status, equity: E, requirement: R, fraction: f, shortfall: short });
    }
    const log_move: Record<string, number> = {};
    const factors: Record<string, number> = {};
    for (const u of allUnds) {
      log_move[u] = logImpact(impact.model, impact.k, sold[u]!, impact.depth[u]!);
      factors[u] = Math.exp(log_move[u]!);
    }
    const executedOn = current.snapshot_id as string;
    const next = moveMarket(current, factors, '');
    next.snapshot_id = `cascade-${r}-${marketContentId(next)}`;
    // The round's close-outs at its marks (re-margined on the pool), then the moved market.
    await venue.setAccounts(changed);
    await venue.tick(next);
    current = next;
    out.push({
      round: r, market_snapshot_id: executedOn, liquidated: changed.length, bankrupt: nBankrupt, notional_sold: sold, log_move, price_after: indexOf(next),
      next_snapshot_id: next.snapshot_id as string, shortfall, fund_used: used, fund_balance: fund.balance, uncovered: shortfall - used, by_status: venue.totals().by_status,
      ...(p.detail === true ? { liquidations: list } : {}),
    });
    onRound?.(r, rounds);
  }
  if (stopped === 'max_rounds' && breached(venue).length === 0) stopped = 'stable';
  const sum = (f: (x: CascadeRound) => number) => out.reduce((a, x) => a + f(x), 0);
  return {
    inputs_hash, params, base_snapshot_id: String(market.snapshot_id), shock, rounds: out, stopped,
    totals: {
      rounds: out.length, liquidations: sum((x) => x.liquidated), accounts_liquidated: liquidatedIds.size,
      notional_sold: Object.fromEntries(allUnds.map((u) => [u, out.reduce((a, x) => a + x.notional_sold[u]!, 0)])),
      shortfall: sum((x) => x.shortfall), fund_used: sum((x) => x.fund_used), uncovered: sum((x) => x.uncovered), fund_balance: fund.balance,
      price_start: indexOf(market), price_end: indexOf(current), by_status: venue.totals().by_status,
    },
  };
}

/** Liquidatable and bankrupt accounts, by engine index. */
function breached(venue: VenueEngine): Array<{ i: number; res: VenueAccountResult }> {
  const found = [...venue.withStatus('liquidatable'), ...venue.withStatus('bankrupt')].sort((a, b) => a - b);
  return found.map((i) => ({ i, res: venue.accountAt(i) }));
}

/** Units of the underlying per contract of a position: 1·contract size (linear), × Black-76 delta for options. */
function unitsPerContract(pos: Position, snap: MarketSnapshot, deltas: Map<string, number>): number {
  const ins: Instrument = pos.instrument;
  const u = ins.underlying;
  const linear = ins.settlement === 'linear' ? ins.contractSize : ins.contractSize / snap.index(u).value;
  if (ins.kind !== 'option') return linear;
  let d = deltas.get(ins.id);
  if (d === undefined) {
    const e = snap.expiry(u, ins.expiry!);
    const vol = snap.volFor(u, ins.expiry!, ins.strike!, ins.optionType);
    // Delta to the forward without the discount: the underlying units a hedge holds per option.
    d = black76Greeks(e.forward.value, ins.strike!, e.t, vol, 1, ins.optionType === 'C' ? 1 : -1).delta;
    deltas.set(ins.id, d);
  }
  return linear * d;
}

/**
 * The account after closing fraction f of everything but margin-asset cash at mark: positions
 * and other balances × (1 − f), the margin asset set to `cash` (the caller's cash + f·(E − cash)).
 */
export function reduce(a: Account, f: number, marginAsset: string, cash: number): Account {
  const keep = 1 - f;
  const positions: Position[] = [];
  if (keep > 0) {
    for (const p of a.positions) {
      const q: { -readonly [K in keyof Position]: Position[K] } = { ...p, size: p.size * keep };
      if (p.unrealisedFunding !== undefined) q.unrealisedFunding = p.unrealisedFunding * keep;
      positions.push(q);
    }
  }
  const balances = Object.create(null) as Record<string, number>;
  for (const [asset, amount] of Object.entries(a.balances)) balances[asset] = asset === marginAsset ? cash : amount * keep;
  if (!(marginAsset in balances)) balances[marginAsset] = cash;
  return Object.freeze({ id: a.id, pool: a.pool, positions, balances });
}
