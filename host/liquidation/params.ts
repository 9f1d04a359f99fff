// The liquidation engine's parameters: the top-level `liquidation` section of a profile
// (docs/PROFILES.md). Four parts, every field optional with the documented default:
//   ladder    — status thresholds (ratios of IM / MM) and hysteresis bands (ladder.ts)
//   auction   — Derive's Dutch auction (auction.ts); names mirror derivexyz/v2-core
//               IDutchAuction.AuctionParams, lengths in ms instead of seconds
//   insurance — insurance fund and auto-deleveraging (insurance.ts)
//   plan      — the liquidation plan's target and close-out cost model (plan.ts, typed there)
// Errors are RG_ERR_PROFILE naming the field (`liquidation.auction.liquidator_fee_rate`).
import { RiskgridError } from '../errors.js';
import { isObject, type JsonObject } from '../model/fields.js';
import { DEFAULT_PLAN_PARAMS, parsePlanParams, type PlanParams } from './plan-params.js';

export interface LadderRung {
  /** Hysteresis: to leave this rung upwards equity must reach its level + band × maintenance margin. */
  readonly band: number;
}
export interface LadderParams {
  /** Margin call when equity < im_ratio × IM. */
  readonly margin_call: LadderRung & { readonly im_ratio: number };
  /** Reduce-only when equity < liquidatable level + im_weight × (margin-call level − liquidatable level). */
  readonly reduce_only: LadderRung & { readonly im_weight: number };
  /** Liquidatable when equity < mm_ratio × MM. */
  readonly liquidatable: LadderRung & { readonly mm_ratio: number };
  /** Bankrupt when equity < 0. */
  readonly bankrupt: LadderRung;
}

/** Derive's IDutchAuction.AuctionParams (+ DutchAuction.mtmCutoff); fractions as plain numbers (0.95 = 95 %). */
export interface AuctionParams {
  /** Bid at the start of the solvent auction, as a fraction of mark-to-market. */
  readonly starting_mtm_percentage: number;
  /** Where the fast phase ends (fraction of MtM); the slow phase decays from here to 0. */
  readonly fast_auction_cutoff_percentage: number;
  readonly fast_auction_length_ms: number;
  readonly slow_auction_length_ms: number;
  /** The insolvent auction's own timer: the payout grows from −min(MtM, 0) to −MM over this length. */
  readonly insolvent_auction_length_ms: number;
  /** Fee charged to the account at the start of a solvent auction (to the insurance fund), ≤ 0.1. */
  readonly liquidator_fee_rate: number;
  /** Bids restore equity to (1 + buffer_margin_percentage) × MM requirement (Derive's buffer margin), ≤ 4. */
  readonly buffer_margin_percentage: number;
  /** Below this MtM a bidder may take the whole account at once (Derive's mtmCutoff). */
  readonly mtm_cutoff: number;
}

export type AdlRanking = 'pnl_x_leverage' | 'pnl';
export interface InsuranceParams {
  /** Fund balance a simulation starts from (margin currency). */
  readonly initial_balance: number;
  /** Share of each liquidation fee paid into the fund (Derive: all of it, to the security module). */
  readonly fee_share: number;
  readonly adl: { readonly enabled: boolean; readonly ranking: AdlRanking };
}

export interface LiquidationParams {
  readonly ladder: LadderParams;
  readonly auction: AuctionParams;
  readonly insurance: InsuranceParams;
  readonly plan: PlanParams;
}

// A fallback venue's defaults; derive-pmrm2.mainnet.json carries Derive's own values.
export const DEFAULT_LADDER: LadderParams = Object.freeze({
  margin_call: Object.freeze({ im_ratio: 1, band: 0.02 }),
  reduce_only: Object.freeze({ im_weight: 0.5, band: 0.02 }),
  liquidatable: Object.freeze({ mm_ratio: 1, band: 0.1 }),
  bankrupt: Object.freeze({ band: 0.05 }),
});

// Derive mainnet (scripts/config-mainnet.sol getDefaultAuctionParam) except mtm_cutoff, whose
// storage default is 0 (never set there).
export const DEFAULT_AUCTION: AuctionParams = Object.freeze({
  starting_mtm_percentage: 0.95,
  fast_auction_cutoff_percentage: 0.7,
  fast_auction_length_ms: 15 * 60_000,
  slow_auction_length_ms: 12 * 3_600_000,
  insolvent_auction_length_ms: 60 * 60_000,
  liquidator_fee_rate: 0.1,
  buffer_margin_percentage: 0.15,
  mtm_cutoff: 0,
});

export const DEFAULT_INSURANCE: InsuranceParams = Object.freeze({
  initial_balance: 0,
  fee_share: 1,
  adl: Object.freeze({ enabled: true, ranking: 'pnl_x_leverage' as AdlRanking }),
});


export const DEFAULT_PLAN: PlanParams = DEFAULT_PLAN_PARAMS;

export const DEFAULT_LIQUIDATION: LiquidationParams = Object.freeze({
  ladder: DEFAULT_LADDER,
  auction: DEFAULT_AUCTION,
  insurance: DEFAULT_INSURANCE,
  plan: DEFAULT_PLAN,
});

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_PROFILE', `${field}: ${why} (got ${JSON.stringify(value) ?? String(value)})`, { field, value });
}

function section(input: unknown, path: string, keys: readonly string[]): JsonObject {
  if (!isObject(input)) bad(path, input, 'must be an object');
  for (const k in input) if (!keys.includes(k)) bad(`${path}.${k}`, input[k], `unknown field "${k}"; ${path} has ${keys.join(', ')}`);
  return input;
}

/** A number in [min, max] (each end open when the flag says so); absent → the default. */
function num(o: JsonObject, key: string, path: string, dflt: number, min: number, max: number, openMin = false): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || (openMin ? !(v > min) : !(v >= min)) || !(v <= max)) {
    bad(`${path}.${key}`, v, `must be a number in ${openMin ? '(' : '['}${min}, ${max}]`);
  }
  return v;
}

// 30 days: a longer auction is a unit mistake (seconds typed as ms the other way round is shorter).
const MAX_LENGTH_MS = 30 * 86_400_000;
function lengthMs(o: JsonObject, key: string, path: string, dflt: number): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_LENGTH_MS) bad(`${path}.${key}`, v, `must be an integer number of milliseconds in [0, ${MAX_LENGTH_MS}]`);
  return v;
}

function parseLadder(input: unknown, path: string): LadderParams {
  if (input === undefined) return DEFAULT_LADDER;
  const o = section(input, path, ['margin_call', 'reduce_only', 'liquidatable', 'bankrupt']);
  const d = DEFAULT_LADDER;
  const rung = (k: keyof LadderParams, extra: string[]): JsonObject => (o[k] === undefined ? {} : section(o[k], `${path}.${k}`, ['band', ...extra]));
  const mc = rung('margin_call', ['im_ratio']);
  const ro = rung('reduce_only', ['im_weight']);
  const lq = rung('liquidatable', ['mm_ratio']);
  const bk = rung('bankrupt', []);
  // Ratios above 10 are percentages typed as fractions; a band is a fraction of MM.
  return Object.freeze({
    margin_call: Object.freeze({ im_ratio: num(mc, 'im_ratio', `${path}.margin_call`, d.margin_call.im_ratio, 0, 10, true), band: num(mc, 'band', `${path}.margin_call`, d.margin_call.band, 0, 10) }),
    reduce_only: Object.freeze({ im_weight: num(ro, 'im_weight', `${path}.reduce_only`, d.reduce_only.im_weight, 0, 1), band: num(ro, 'band', `${path}.reduce_only`, d.reduce_only.band, 0, 10) }),
    liquidatable: Object.freeze({ mm_ratio: num(lq, 'mm_ratio', `${path}.liquidatable`, d.liquidatable.mm_ratio, 0, 10, true), band: num(lq, 'band', `${path}.liquidatable`, d.liquidatable.band, 0, 10) }),
    bankrupt: Object.freeze({ band: num(bk, 'band', `${path}.bankrupt`, d.bankrupt.band, 0, 10) }),
  });
}

const AUCTION_KEYS = Object.keys(DEFAULT_AUCTION);
function parseAuction(input: unknown, path: string): AuctionParams {
  if (input === undefined) return DEFAULT_AUCTION;
  const o = section(input, path, AUCTION_KEYS);
  const d = DEFAULT_AUCTION;
  // Bounds are DutchAuction.setAuctionParams / setMtmCutoff's own checks.
  const start = num(o, 'starting_mtm_percentage', path, d.starting_mtm_percentage, 0, 1);
  const cutoff = num(o, 'fast_auction_cutoff_percentage', path, Math.min(d.fast_auction_cutoff_percentage, start), 0, 1);
  if (cutoff > start) bad(`${path}.fast_auction_cutoff_percentage`, cutoff, `must not exceed starting_mtm_percentage (${start})`);
  const fast = lengthMs(o, 'fast_auction_length_ms', path, d.fast_auction_length_ms);
  const slow = lengthMs(o, 'slow_auction_length_ms', path, d.slow_auction_length_ms);
  if (fast + slow === 0) bad(`${path}.slow_auction_length_ms`, slow, 'the fast and slow auctions cannot both have length 0');
  const cut = o.mtm_cutoff;
  if (cut !== undefined && !(typeof cut === 'number' && Number.isFinite(cut) && cut <= 1000)) bad(`${path}.mtm_cutoff`, cut, 'must be a finite number ≤ 1000 (Derive caps it at 1,000)');
  return Object.freeze({
    starting_mtm_percentage: start,
    fast_auction_cutoff_percentage: cutoff,
    fast_auction_length_ms: fast,
    slow_auction_length_ms: slow,
    insolvent_auction_length_ms: lengthMs(o, 'insolvent_auction_length_ms', path, d.insolvent_auction_length_ms),
    liquidator_fee_rate: num(o, 'liquidator_fee_rate', path, d.liquidator_fee_rate, 0, 0.1),
    buffer_margin_percentage: num(o, 'buffer_margin_percentage', path, d.buffer_margin_percentage, 0, 4),
    mtm_cutoff: (cut as number | undefined) ?? d.mtm_cutoff,
  });
}

const RANKINGS: readonly AdlRanking[] = ['pnl_x_leverage', 'pnl'];
function parseInsurance(input: unknown, path: string): InsuranceParams {
  if (input === undefined) return DEFAULT_INSURANCE;
  const o = section(input, path, ['initial_balance', 'fee_share', 'adl']);
  const d = DEFAULT_INSURANCE;
  let adl = d.adl;
  if (o.adl !== undefined) {
    const a = section(o.adl, `${path}.adl`, ['enabled', 'ranking']);
    if (a.enabled !== undefined && typeof a.enabled !== 'boolean') bad(`${path}.adl.enabled`, a.enabled, 'must be true or false');
    if (a.ranking !== undefined && !RANKINGS.includes(a.ranking as AdlRanking)) bad(`${path}.adl.ranking`, a.ranking, `must be one of ${RANKINGS.join(', ')}`);
    adl = Object.freeze({ enabled: (a.enabled as boolean | undefined) ?? d.adl.enabled, ranking: (a.ranking as AdlRanking | undefined) ?? d.adl.ranking });
  }
  return Object.freeze({
    initial_balance: num(o, 'initial_balance', path, d.initial_balance, 0, Number.MAX_VALUE),
    fee_share: num(o, 'fee_share', path, d.fee_share, 0, 1),
    adl,
  });
}

function parsePlan(input: unknown, path: string): PlanParams {
  if (input === undefined) return DEFAULT_PLAN;
  try {
    return Object.freeze(parsePlanParams(input, path));
  } catch (err) {
    // Same field and value, but a bad profile is RG_ERR_PROFILE wherever the check lives.
    if (!(err instanceof RiskgridError)) throw err;
    throw new RiskgridError('RG_ERR_PROFILE', err.message, { field: err.field, value: err.value, cause: err });
  }
}

/** Parse the `liquidation` section (path `liquidation`); undefined gives the defaults. */
export function parseLiquidationParams(input: unknown, path = 'liquidation'): LiquidationParams {
  if (input === undefined) return DEFAULT_LIQUIDATION;
  const o = section(input, path, ['ladder', 'auction', 'insurance', 'plan']);
  return Object.freeze({
    ladder: parseLadder(o.ladder, `${path}.ladder`),
    auction: parseAuction(o.auction, `${path}.auction`),
    insurance: parseInsurance(o.insurance, `${path}.insurance`),
    plan: parsePlan(o.plan, `${path}.plan`),
  });
}
