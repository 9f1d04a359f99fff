// Derive-style Dutch auction of a liquidatable account (issue 7, requirement 3), mirroring
// derivexyz/v2-core src/liquidation/DutchAuction.sol (the version with AuctionParams,
// reservedCash and mtmCutoff). Derive works in *net* margins (MM = MtM − requirement, negative
// when short of margin); here requirements are positive, so in Derive's words
//   MtM = equity,  MM = equity − maintenance_margin,
//   BM (buffer margin) = MM − bufferMarginPercentage × maintenance_margin   (_getBufferMargin)
// Solvent auction (MtM > 0 at start): the account pays a fee to the insurance fund once; bidders
// buy fractions of the portfolio at bid = (MtM − reservedCash) × d(t), d falling linearly from
// startingMtMPercentage to fastAuctionCutoffPercentage over the fast phase, then to 0 over the
// slow phase (_getDiscountPercentage). A bid may take at most the fraction that brings BM back to
// 0 (_getMaxProportion); cash paid in is "reserved" and never sold again. Ends when BM ≥ 0.
// Insolvent auction (MtM ≤ 0, or a solvent auction that ran out): its own timer; the venue pays
// the bidder −bid, where bid grows linearly from min(MtM, 0) to MM over insolventAuctionLength
// (_getInsolventAuctionBidPrice). Ends when MM ≥ 0 or the whole portfolio is taken.
// The model keeps the remaining portfolio's MtM and requirement and scales both by (1 − fraction)
// per bid (margin is positively homogeneous in position size); `remark` feeds fresh figures when
// the market moves. Numbers are f64 where Derive uses 1e18 fixed point (tests allow for that).
import { RiskgridError } from '../errors.js';
import type { AuctionParams } from './params.js';

export interface AuctionAccountFigures {
  /** Mark-to-market of the whole account (Derive's MtM). */
  readonly equity: number;
  /** Maintenance requirement, positive. */
  readonly maintenance_margin: number;
}

export interface Auction {
  readonly kind: 'solvent' | 'insolvent';
  /** Start of the current phase; an insolvent auction after a solvent one restarts the clock. */
  readonly start_ms: number;
  /** MtM of what is still for sale: everything but the reserved cash. */
  readonly portfolio_mtm: number;
  /** Maintenance requirement of what is still for sale (positive). */
  readonly portfolio_mm: number;
  /** Cash bidders paid in during the solvent phase; kept by the account, never sold again. */
  readonly reserved_cash: number;
  /** Share of the portfolio at the start of this phase still in the account. */
  readonly fraction_left: number;
  readonly ongoing: boolean;
  readonly params: AuctionParams;
}

export interface AuctionStart {
  readonly auction: Auction;
  /** Fee the account pays the insurance fund at the start of a solvent auction (0 when insolvent). */
  readonly fee: number;
}

export interface BidResult {
  readonly auction: Auction;
  /** Fraction of the portfolio for sale that the bidder takes (after the max-fraction cap). */
  readonly fraction: number;
  /** The same as a share of the portfolio at the start of the phase. */
  readonly fraction_of_start: number;
  /** Bidder → liquidated account (solvent auctions). */
  readonly cash_to_account: number;
  /** Venue (insurance fund, else socialised) → bidder (insolvent auctions). */
  readonly cash_to_bidder: number;
  /** Value and requirement of the positions the bidder receives. */
  readonly transferred: { readonly mtm: number; readonly maintenance_margin: number };
  readonly terminated: boolean;
}

function arg(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `${field}: ${why} (got ${String(value)})`, { field, value });
}

function finite(v: unknown, field: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) arg(field, v, `must be a finite number${min === 0 ? ' ≥ 0' : ''}`);
  return v;
}

/** d(t): share of MtM a solvent auction bids after `elapsed` ms (Derive _getDiscountPercentage). */
export function discountPercentage(p: AuctionParams, elapsed: number): number {
  if (elapsed < p.fast_auction_length_ms) {
    return p.starting_mtm_percentage - ((p.starting_mtm_percentage - p.fast_auction_cutoff_percentage) * elapsed) / p.fast_auction_length_ms;
  }
  if (elapsed >= p.fast_auction_length_ms + p.slow_auction_length_ms) return 0;
  return p.fast_auction_cutoff_percentage - (p.fast_auction_cutoff_percentage * (elapsed - p.fast_auction_length_ms)) / p.slow_auction_length_ms;
}

/** Derive's view of the account now: MtM, MM and BM (net margins, negative when short). */
export function auctionMargins(a: Auction): { mtm: number; mm: number; bm: number } {
  const mtm = a.portfolio_mtm + a.reserved_cash;
  const mm = mtm - a.portfolio_mm;
  return { mtm, mm, bm: mm - a.params.buffer_margin_percentage * a.portfolio_mm };
}

/**
 * Largest fraction of the portfolio for sale a bid at discount d may take: the one that brings
 * BM to 0 (Derive _getMaxProportion). Selling f at d × (MtM − R) leaves
 *   BM' = BM − f (BM − R) + f d (MtM − R) = 0   ⇒   f = BM / (BM − d MtM − R (1 − d)).
 * BM ≥ 0 gives 0; MtM below mtm_cutoff gives 1 (the whole account at once).
 */
export function maxFractionAt(mtm: number, bm: number, d: number, reserved: number, p: AuctionParams): number {
  if (mtm < p.mtm_cutoff) return 1;
  if (!(bm < 0)) return 0;
  return bm / (bm - mtm * d - reserved * (1 - d));
}

function check(a: Auction, now: number): number {
  if (!a.ongoing) arg('auction', 'terminated', 'the auction has ended');
  finite(now, 'now');
  if (now < a.start_ms) arg('now', now, `must not be before the auction's start ${a.start_ms}`);
  return now - a.start_ms;
}

function insolvent(figs: { mtm: number; mm: number }, now: number, params: AuctionParams): Auction {
  return Object.freeze({ kind: 'insolvent', start_ms: now, portfolio_mtm: figs.mtm, portfolio_mm: figs.mtm - figs.mm, reserved_cash: 0, fraction_left: 1, ongoing: true, params });
}

/** Start an auction on an account below maintenance margin (equity < MM). */
export function startAuction(figures: AuctionAccountFigures, now: number, params: AuctionParams): AuctionStart {
  const mtm = finite(figures.equity, 'equity');
  const req = finite(figures.maintenance_margin, 'maintenance_margin', 0);
  finite(now, 'now');
  const mm = mtm - req;
  if (mm >= 0) arg('equity', mtm, `the account is at or above maintenance margin ${req}; no auction`);
  if (mtm > 0) {
    // Fee = f_max(d = 1, R = 0) × |MtM| × rate, paid from the account's cash before bidding
    // (_getLiquidationFee); it is below MtM, so it never makes MtM negative.
    const bm = mm - params.buffer_margin_percentage * req;
    const fee = maxFractionAt(mtm, bm, 1, 0, params) * mtm * params.liquidator_fee_rate;
    const auction: Auction = Object.freeze({ kind: 'solvent', start_ms: now, portfolio_mtm: mtm - fee, portfolio_mm: req, reserved_cash: 0, fraction_left: 1, ongoing: true, params });
    return { auction, fee };
  }
  return { auction: insolvent({ mtm, mm }, now, params), fee: 0 };
}

/**
 * Bid for the whole portfolio for sale now: positive = the bidder pays the account; negative =
 * the venue pays the bidder (insolvent). 0 once a solvent auction has run its fast + slow length.
 */
export function bidPrice(a: Auction, now: number): number {
  const t = check(a, now);
  const p = a.params;
  if (a.kind === 'solvent') {
    if (t >= p.fast_auction_length_ms + p.slow_auction_length_ms) return 0;
    return a.portfolio_mtm * discountPercentage(p, t);
  }
  const { mtm, mm } = auctionMargins(a);
  if (mm >= 0) return 0;
  const m0 = Math.min(mtm, 0);
  if (t >= p.insolvent_auction_length_ms) return mm;
  return ((mm - m0) * t) / p.insolvent_auction_length_ms + m0;
}

/** Largest fraction of the portfolio for sale one bid may take now (1 in an insolvent auction). */
export function maxFraction(a: Auction, now: number): number {
  const t = check(a, now);
  if (a.kind === 'insolvent') return 1;
  const { mtm, bm } = auctionMargins(a);
  return maxFractionAt(mtm, bm, discountPercentage(a.params, t), a.reserved_cash, a.params);
}

/** Derive getAuctionStatus: may the auction be ended (account back above BM, or MM if insolvent)? */
export function canTerminate(a: Auction, now: number): boolean {
  const t = check(a, now);
  const { mtm, mm, bm } = auctionMargins(a);
  const p = a.params;
  if (a.kind === 'insolvent' || t >= p.fast_auction_length_ms + p.slow_auction_length_ms) return mm >= 0;
  // A solvent auction whose MtM went negative, or whose reserved cash outgrew it, restarts.
  if (mtm < 0 || a.reserved_cash >= mtm) return true;
  return bm >= 0;
}

/** Take `fraction` (0, 1] of the portfolio for sale at the current price; returns the transfers. */
export function bid(a: Auction, fraction: number, now: number): BidResult {
  const t = check(a, now);
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) arg('fraction', fraction, 'must be in (0, 1]');
  if (canTerminate(a, now)) arg('auction', a.kind, 'the account is back above its target margin; terminate the auction instead');
  let f = fraction;
  let cashToAccount = 0;
  let cashToBidder = 0;
  let done: boolean;
  if (a.kind === 'solvent') {
    const price = bidPrice(a, now);
    if (!(price > 0)) arg('auction', t, 'the solvent auction has ended; convert it to an insolvent auction');
    const cap = maxFraction(a, now);
    done = f >= cap;
    if (done) f = cap;
    cashToAccount = price * f;
  } else {
    cashToBidder = -bidPrice(a, now) * f;
    done = f === 1;
  }
  const transferred = { mtm: a.portfolio_mtm * f, maintenance_margin: a.portfolio_mm * f };
  const next: Auction = Object.freeze({
    ...a,
    portfolio_mtm: a.portfolio_mtm - transferred.mtm,
    portfolio_mm: a.portfolio_mm - transferred.maintenance_margin,
    reserved_cash: a.reserved_cash + cashToAccount,
    fraction_left: a.fraction_left * (1 - f),
    ongoing: !done,
  });
  return { auction: next, fraction: f, fraction_of_start: a.fraction_left * f, cash_to_account: cashToAccount, cash_to_bidder: cashToBidder, transferred, terminated: done };
}

/**
 * Turn a solvent auction that has run out (bid price 0) into an insolvent one on its own timer
 * (convertToInsolventAuction). As in Derive the new auction starts with no reserved cash: what
 * the account holds is all for sale.
 */
export function convertToInsolvent(a: Auction, now: number): Auction {
  const t = check(a, now);
  if (a.kind === 'insolvent') arg('auction', a.kind, 'is already insolvent');
  const p = a.params;
  if (t < p.fast_auction_length_ms + p.slow_auction_length_ms) arg('now', now, `the solvent auction runs until ${a.start_ms + p.fast_auction_length_ms + p.slow_auction_length_ms}`);
  const m = auctionMargins(a);
  if (m.mm >= 0) arg('auction', m.mm, 'the account is above maintenance margin; terminate instead');
  return insolvent(m, now, p);
}

/** New market figures for the account under auction (whole account, reserved cash included). */
export function remark(a: Auction, figures: AuctionAccountFigures): Auction {
  const mtm = finite(figures.equity, 'equity');
  const req = finite(figures.maintenance_margin, 'maintenance_margin', 0);
  return Object.freeze({ ...a, portfolio_mtm: mtm - a.reserved_cash, portfolio_mm: req });
}

/** End an auction whose account is back above its target (terminateAuction). */
export function terminate(a: Auction, now: number): Auction {
  if (!canTerminate(a, now)) arg('auction', a.kind, 'cannot terminate: the account is still below its target margin');
  return Object.freeze({ ...a, ongoing: false });
}
