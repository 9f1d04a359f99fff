// Liquidation cascade (issue 7, req. 5–6): shock the venue, liquidate what breaks, let the
// liquidation flow move prices, re-margin, repeat until nothing is liquidatable.
//   round 0   the shocked market (index, perp, forwards, family collateral × (1 + shock)) → tick
//   round r   every liquidatable / bankrupt account (by engine index) is liquidated at the round's
//             marks (mode below); the net notional sold per underlying moves prices by the impact
//             model (impact.ts); the moved market is round r + 1's, re-margined; stop when no
//             account is liquidatable or after `rounds`.
// Modes (`liquidation`):
//   market    (default) the account closes a fraction f of all it holds besides margin-asset cash.
//             f is a per-account estimate, not the greedy planner (plan.ts, far too slow for 100k
//             accounts a round): the requirement R = equity − mm_excess is taken as proportional to
//             what the account holds (scenario loss, contingencies and collateral haircuts all scale
//             with size), so closing f leaves (1 − f)·R against unchanged equity E, and MM + buffer
//             holds for   f = 1 − E / (R·(1 + buffer))   clamped to [0, 1];   f = 1 when E <= 0.
//             Closing at mark keeps equity: cash' = cash + f·(E − cash). Whatever the estimate
//             misses is caught next round.
//   auction   Derive's Dutch auction with the pool profile's `liquidation.auction` (cascade-auction.ts
//             on auction.ts): round r is simulated time [(r − 1)·round_seconds, r·round_seconds);
//             auctions start at the round's start, the liquidator bids at its end and takes the
//             fraction maxFraction allows at the discounted bid (the account loses the fee and the
//             discount); the fee goes fee_share to the fund (collectFee), the rest to the
//             liquidator. A bankrupt account (equity ≤ 0) goes to the insolvent auction: the bidder
//             takes it whole and the fund pays the bid (the shortfall plus the timer's premium);
//             when the fund cannot pay that, no bidder comes and it is settled as below.
// Either way the holdings taken (fraction f) are sold into the market and feed the impact model.
// A bankrupt account not taken over is closed whole, cash set to 0; its shortfall −E goes to the
// insurance fund (insurance.ts) and, when the fund is exhausted and ADL is on (`adl`: the pool
// profile's `liquidation.insurance.adl.enabled` by default, or forced on / off), to auto-
// deleveraging (cascade-adl.ts: profitable opposite positions of accounts not being liquidated,
// ranked by the profile's ADL score, closed at bankruptcy prices; their books change and are
// re-margined). Contracts ADL'd are not sold into the market; what nobody absorbs is `uncovered`.
// Audit: every input, round, liquidation, auction bid, fee, fund draw and ADL action is passed to
// the optional `audit` sink (cascade-audit.ts chains them; the CLI replays them).
// Determinism: accounts are visited in engine index order, sums run in that order, every market is
// named by its content hash, and no clock reading enters the result. The inputs hash covers the
// mode, round_seconds and adl only when they are not the defaults, so market-mode hashes and
// results are those of the runs made before these modes existed.
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
import { collectFee, draw, type InsuranceFund } from './insurance.js';
import { CascadeAdl } from './cascade-adl.js';
import { auctionRound, type CascadeAuction } from './cascade-auction.js';
import type { CascadeAuditEntry } from './cascade-audit.js';
import { DEFAULT_LIQUIDATION, type InsuranceParams, type LiquidationParams } from './params.js';
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
  /** 'market' (default): close a fraction at marks; 'auction': Derive Dutch auctions. */
  liquidation?: LiquidationMode;
  /** Simulated seconds a round lasts (auction mode; default 30). */
  round_seconds?: number;
  /** Auto-deleveraging when the fund falls short: 'profile' (default: the pool profile says), 'on', 'off'. */
  adl?: AdlMode;
}

export type LiquidationMode = 'market' | 'auction';
export const LIQUIDATION_MODES: readonly LiquidationMode[] = ['market', 'auction'];
export type AdlMode = 'profile' | 'on' | 'off';
export const ADL_MODES: readonly AdlMode[] = ['profile', 'on', 'off'];
export const DEFAULT_ROUND_SECONDS = 30;

export interface CascadeLiquidation {
  account_id: string;
  status: VenueStatus;
  equity: number;
  requirement: number;
  fraction: number;
  shortfall: number;
  /** Auction mode: the auction (kind, fee, discount, bid, cash moved). */
  auction?: CascadeAuction;
}

export interface CascadeAuctionStats {
  solvent: number;
  insolvent: number;
  /** Insolvent accounts a bidder took over (the fund paid their bids). */
  takeovers: number;
  fees: number;
  fee_to_fund: number;
  /** Equity solvent accounts gave up to the discount (bid below MtM). */
  discount_loss: number;
  /** Paid by the fund to takeover bidders. */
  takeover_paid: number;
}

export interface CascadeAdlStats {
  /** Distinct accounts deleveraged. */
  accounts: number;
  /** Σ |contracts| × mark per contract of the positions deleveraged. */
  notional: number;
  /** Shortfall the deleveraged accounts absorbed (closing at bankruptcy prices). */
  socialised: number;
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
  /** Auction mode only. */
  auctions?: CascadeAuctionStats;
  /** When ADL can run (some pool has it on). */
  adl?: CascadeAdlStats;
  liquidations?: CascadeLiquidation[];
}

export interface CascadeResult {
  inputs_hash: string;
  params: { shock: number; underlyings: string[]; impact: ImpactModel; rounds: number; buffer: number; fund: number; liquidation?: LiquidationMode; round_seconds?: number; adl?: AdlMode };
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
    auctions?: CascadeAuctionStats;
    adl?: CascadeAdlStats;
  };
}

const indexOf = (m: Record<string, unknown>): Record<string, number> =>
  Object.fromEntries(Object.entries(m.underlyings as Record<string, { index_price: number }>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([u, x]) => [u, x.index_price]));

/**
 * Runs a cascade on a venue loaded with `book` (loadCascadeBook) from `market` (JSON). The
 * venue's accounts change: open a fresh venue for every run. `audit` receives every action in
 * order (cascade-audit.ts).
 */
export async function runCascade(venue: VenueEngine, book: CascadeBook, pools: Record<string, string | Record<string, unknown>>, market: Record<string, unknown>, p: CascadeParams, onRound?: (done: number, total: number) => void, audit?: (e: CascadeAuditEntry) => void): Promise<CascadeResult> {
  const rounds = p.rounds ?? 10;
  const buffer = p.buffer ?? 0.1;
  const fundStart = p.fund ?? 0;
  const families = p.families ?? DEFAULT_FAMILIES;
  const mode = p.liquidation ?? 'market';
  const roundSeconds = p.round_seconds ?? DEFAULT_ROUND_SECONDS;
  const adlMode = p.adl ?? 'profile';
  if (!(Number.isFinite(p.shock) && p.shock > -1)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `shock must be a relative move > −100 %, got ${p.shock}`, { field: 'shock', value: p.shock });
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 1000)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `rounds must be an integer in [1, 1000], got ${rounds}`, { field: 'rounds', value: rounds });
  if (!(Number.isFinite(buffer) && buffer >= 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `buffer must be a finite number >= 0, got ${buffer}`, { field: 'buffer', value: buffer });
  if (!(Number.isFinite(fundStart) && fundStart >= 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `fund must be a finite number >= 0, got ${fundStart}`, { field: 'fund', value: fundStart });
  if (!LIQUIDATION_MODES.includes(mode)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `liquidation must be one of ${LIQUIDATION_MODES.join(', ')}, got ${String(mode)}`, { field: 'liquidation', value: mode });
  // A round longer than 30 days is a unit mistake (ms typed as seconds).
  if (!(Number.isFinite(roundSeconds) && roundSeconds > 0 && roundSeconds <= 30 * 86_400)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `round_seconds must be a number of seconds in (0, 2592000], got ${roundSeconds}`, { field: 'round_seconds', value: roundSeconds });
  if (!ADL_MODES.includes(adlMode)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `adl must be one of ${ADL_MODES.join(', ')}, got ${String(adlMode)}`, { field: 'adl', value: adlMode });
  const impact = checkImpact(p.impact);
  if (market === null || typeof market !== 'object' || market.underlyings === null || typeof market.underlyings !== 'object') {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', 'market must be a snapshot object with "underlyings"', { field: 'market.underlyings', value: market?.underlyings });
  }
  const allUnds = Object.keys(market.underlyings as Record<string, unknown>).sort();
  const shocked = [...(p.underlyings ?? allUnds)].sort();
  for (const u of allUnds) if (!(u in impact.depth)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impact depth has no entry for underlying ${u}`, { field: `depth.${u}`, value: undefined });

  const params: CascadeResult['params'] = {
    shock: p.shock, underlyings: shocked, impact: { model: impact.model, k: impact.k, depth: Object.fromEntries(allUnds.map((u) => [u, impact.depth[u]!])) }, rounds, buffer, fund: fundStart,
    // Defaults stay out of the params (and so of the hash): market-mode runs hash as they always did.
    ...(mode === 'market' ? {} : { liquidation: mode, round_seconds: roundSeconds }),
    ...(adlMode === 'profile' ? {} : { adl: adlMode }),
  };
  const inputs_hash = createHash('sha256').update(canonicalJson({ market, pools, params, accounts: book.digest })).digest('hex');

  const engines = new Map<string, Engine>();
  const engineFor = (pool: string): Engine => {
    let e = engines.get(pool);
    if (e === undefined) engines.set(pool, (e = createEngine({ profile: pools[pool]!, snapshot: { now: false } })));
    return e;
  };
  const anyEngine = engineFor(Object.keys(pools)[0]!);
  // Per pool: the profile's liquidation parameters, ADL switched as `adl` says.
  const liqOf = new Map<string, { liq: LiquidationParams; insurance: InsuranceParams }>();
  const liqFor = (pool: string) => {
    let x = liqOf.get(pool);
    if (x === undefined) {
      const liq = engineFor(pool).profile.liquidation ?? DEFAULT_LIQUIDATION;
      const enabled = adlMode === 'profile' ? liq.insurance.adl.enabled : adlMode === 'on';
      liqOf.set(pool, (x = { liq, insurance: { ...liq.insurance, adl: { ...liq.insurance.adl, enabled } } }));
    }
    return x;
  };
  const adlAny = Object.keys(pools).some((pool) => liqFor(pool).insurance.adl.enabled);
  const roundMs = roundSeconds * 1000;

  audit?.({ kind: 'inputs', account_id: null, t_ms: 0, data: { inputs_hash, params, detail: p.detail === true, accounts_digest: book.digest, pools_sha256: createHash('sha256').update(canonicalJson(pools)).digest('hex'), market_content_id: marketContentId(market), base_snapshot_id: String(market.snapshot_id) } });

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
    const t0 = (r - 1) * roundMs;
    const snap = anyEngine.parseMarket(current);
    const marginAsset = snap.stablecoin?.asset ?? 'USDC';
    const executedOn = current.snapshot_id as string;
    audit?.({ kind: 'round', account_id: null, t_ms: t0, data: { round: r, market_snapshot_id: executedOn, candidates: candidates.length } });
    const deltas = new Map<string, number>();
    const sold: Record<string, number> = Object.fromEntries(allUnds.map((u) => [u, 0]));
    const changed: Account[] = [];
    const list: CascadeLiquidation[] = [];
    const adl = adlAny ? new CascadeAdl(venue, book, engineFor, snap, marginAsset, new Set(candidates.map((c) => c.i))) : undefined;
    const au: CascadeAuctionStats = { solvent: 0, insolvent: 0, takeovers: 0, fees: 0, fee_to_fund: 0, discount_loss: 0, takeover_paid: 0 };
    const ad: CascadeAdlStats = { accounts: 0, notional: 0, socialised: 0 };
    let shortfall = 0, used = 0, nBankrupt = 0, uncovered = 0, nLiquidated = 0;
    for (const { i, res } of candidates) {
      const input = book.inputs[i]!;
      if (input instanceof FailedInput) continue;
      const account = engineFor(res.pool).parseAccount(input);
      const { liq, insurance } = liqFor(res.pool);
      const E = res.equity;
      const R = E - res.mm_excess;
      const cash = account.balances[marginAsset] ?? 0;
      const short = E < 0 ? -E : 0;
      if (res.status === 'bankrupt') nBankrupt++;
      let f: number;
      let cashAfter: number;
      let auction: CascadeAuction | undefined;
      let settle = short > 0;
      if (mode === 'auction') {
        auction = auctionRound(E, R, cash, t0, t0 + roundMs, liq.auction);
        if (auction.fee > 0) {
          const c = collectFee(fund, auction.fee, insurance, res.account_id);
          const toFund = c.action.type === 'top_up' ? c.action.amount : 0;
          fund = c.fund;
          au.fees += auction.fee;
          au.fee_to_fund += toFund;
          audit?.({ kind: 'fee', account_id: res.account_id, t_ms: t0, data: { round: r, fee: auction.fee, to_fund: toFund, to_liquidator: auction.fee - toFund, fund_after: fund.balance } });
        }
        if (auction.kind === 'solvent') {
          au.solvent++;
          au.discount_loss += auction.equity_loss - auction.fee;
          f = auction.fraction;
          cashAfter = auction.cash_after;
        } else {
          au.insolvent++;
          f = 1;
          cashAfter = 0;
          if (auction.cash_to_bidder <= fund.balance) {
            // The bidder takes the account over; the fund pays the bid (the shortfall and a premium).
            const d = draw(fund, auction.cash_to_bidder, res.account_id);
            fund = d.fund;
            used += d.paid;
            shortfall += short;
            au.takeovers++;
            au.takeover_paid += d.paid;
            settle = false;
            audit?.({ kind: 'draw', account_id: res.account_id, t_ms: t0 + roundMs, data: { round: r, ...d.action } });
          } else settle = short > 0;
        }
        audit?.({ kind: 'auction', account_id: res.account_id, t_ms: t0 + roundMs, data: { round: r, status: res.status, equity: E, requirement: R, ...auction } });
      } else {
        f = E <= 0 || !(R > 0) ? 1 : Math.min(1, Math.max(0, 1 - E / (R * (1 + buffer))));
        cashAfter = E < 0 ? 0 : cash + f * (E - cash);
        audit?.({ kind: 'liquidation', account_id: res.account_id, t_ms: t0, data: { round: r, status: res.status, equity: E, requirement: R, fraction: f, shortfall: short, cash_after: cashAfter } });
      }
      // Flow: what closing f of each holding sells, in underlying notional (USD).
      for (const pos of account.positions) {
        const u = pos.instrument.underlying;
        if (!(u in sold)) continue;
        sold[u]! += f * pos.size * unitsPerContract(pos.instrument, snap, deltas) * snap.index(u).value;
      }
      for (const [asset, amount] of Object.entries(account.balances)) {
        const u = asset === marginAsset ? undefined : familyOf(asset, allUnds, families);
        if (u !== undefined) sold[u]! += f * amount * (snap.collateral.get(asset)?.value ?? 0);
      }
      if (settle) {
        shortfall += short;
        if (adl !== undefined && insurance.adl.enabled) {
          // The fund first, then ADL (insurance.ts); contracts ADL'd are not sold into the market.
          const { settlement: s, taken } = adl.settle(fund, i, account, short, insurance);
          fund = s.fund;
          used += s.from_fund;
          ad.socialised += s.from_adl;
          uncovered += s.uncovered;
          for (const a of s.actions) {
            if (a.type === 'adl') ad.notional += Math.abs(a.size_change) * a.mark_price;
            audit?.({ kind: a.type, account_id: a.type === 'adl' ? a.account : res.account_id, t_ms: t0, data: { round: r, ...a } });
          }
          for (const { ins, contracts } of taken.values()) {
            const u = ins.underlying;
            if (u in sold) sold[u]! -= contracts * unitsPerContract(ins, snap, deltas) * snap.index(u).value;
          }
        } else {
          const d = draw(fund, short, res.account_id);
          fund = d.fund;
          used += d.paid;
          uncovered += d.unpaid;
          audit?.({ kind: 'draw', account_id: res.account_id, t_ms: t0, data: { round: r, ...d.action } });
        }
      }
      const reduced = reduce(account, f, marginAsset, cashAfter);
      changed.push(reduced);
      book.inputs[i] = reduced;
      liquidatedIds.add(i);
      nLiquidated++;
      if (p.detail === true) list.push({ account_id: res.account_id, status: res.status, equity: E, requirement: R, fraction: f, shortfall: short, ...(auction === undefined ? {} : { auction }) });
    }
    if (adl !== undefined) {
      const deleveraged = adl.changed();
      ad.accounts = deleveraged.length;
      changed.push(...deleveraged);
    }
    const log_move: Record<string, number> = {};
    const factors: Record<string, number> = {};
    for (const u of allUnds) {
      log_move[u] = logImpact(impact.model, impact.k, sold[u]!, impact.depth[u]!);
      factors[u] = Math.exp(log_move[u]!);
    }
    const next = moveMarket(current, factors, '');
    next.snapshot_id = `cascade-${r}-${marketContentId(next)}`;
    // The round's close-outs at its marks (re-margined on the pool), then the moved market.
    await venue.setAccounts(changed);
    await venue.tick(next);
    current = next;
    audit?.({ kind: 'round_end', account_id: null, t_ms: t0 + roundMs, data: { round: r, liquidated: nLiquidated, notional_sold: sold, log_move, next_snapshot_id: next.snapshot_id, fund_balance: fund.balance } });
    out.push({
      round: r, market_snapshot_id: executedOn, liquidated: nLiquidated, bankrupt: nBankrupt, notional_sold: sold, log_move, price_after: indexOf(next),
      // Market mode without ADL reports what it always did (shortfall − used, the same bits).
      next_snapshot_id: next.snapshot_id as string, shortfall, fund_used: used, fund_balance: fund.balance, uncovered: mode === 'market' && !adlAny ? shortfall - used : uncovered, by_status: venue.totals().by_status,
      ...(mode === 'auction' ? { auctions: au } : {}),
      ...(adlAny ? { adl: ad } : {}),
      ...(p.detail === true ? { liquidations: list } : {}),
    });
    onRound?.(r, rounds);
  }
  if (stopped === 'max_rounds' && breached(venue).length === 0) stopped = 'stable';
  const sum = (f: (x: CascadeRound) => number) => out.reduce((a, x) => a + f(x), 0);
  const sumStats = <T extends object>(pick: (x: CascadeRound) => T | undefined): T => {
    const acc: Record<string, number> = {};
    for (const x of out) for (const [k, v] of Object.entries(pick(x) ?? {})) acc[k] = (acc[k] ?? 0) + (v as number);
    return acc as T;
  };
  return {
    inputs_hash, params, base_snapshot_id: String(market.snapshot_id), shock, rounds: out, stopped,
    totals: {
      rounds: out.length, liquidations: sum((x) => x.liquidated), accounts_liquidated: liquidatedIds.size,
      notional_sold: Object.fromEntries(allUnds.map((u) => [u, out.reduce((a, x) => a + x.notional_sold[u]!, 0)])),
      shortfall: sum((x) => x.shortfall), fund_used: sum((x) => x.fund_used), uncovered: sum((x) => x.uncovered), fund_balance: fund.balance,
      price_start: indexOf(market), price_end: indexOf(current), by_status: venue.totals().by_status,
      ...(mode === 'auction' ? { auctions: sumStats((x) => x.auctions) } : {}),
      // Distinct-account counts do not add up over rounds: `accounts` here is ADL actions' accounts per round, summed.
      ...(adlAny ? { adl: sumStats((x) => x.adl) } : {}),
    },
  };
}

/** Liquidatable and bankrupt accounts, by engine index. */
function breached(venue: VenueEngine): Array<{ i: number; res: VenueAccountResult }> {
  const found = [...venue.withStatus('liquidatable'), ...venue.withStatus('bankrupt')].sort((a, b) => a - b);
  return found.map((i) => ({ i, res: venue.accountAt(i) }));
}

/** Units of the underlying per contract of a position: 1·contract size (linear), × Black-76 delta for options. */
function unitsPerContract(ins: Instrument, snap: MarketSnapshot, deltas: Map<string, number>): number {
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
