// One account's Derive Dutch auction inside a cascade round (cascade.ts, `liquidation: 'auction'`),
// on the tested auction library (auction.ts) with the pool profile's `liquidation.auction`.
// Timing: round r's auctions start at T_r = (r − 1)·round_ms, when the round's market shows the
// breach; liquidators bid once, at the end of the round step (T_r + round_ms), at the price then.
//   solvent   (equity > 0): the account pays the fee at the start (auction.ts: to the insurance
//             fund; the cascade sends fee_share of it there, the rest to the liquidator); the
//             liquidator takes the largest fraction maxFraction allows (the one that brings buffer
//             margin to 0, so Derive terminates the auction with that bid) at
//             bid = d(t)·(MtM − fee). The account keeps the bid cash and loses the discount:
//               equity' = E − fee − f·(E − fee)·(1 − d).
//             If the bid time is past the fast + slow length the auction is converted to an
//             insolvent one (convertToInsolvent) at that end, and bid as below on that timer.
//   insolvent (equity ≤ 0): the bidder takes the whole account and the venue pays it −bid, which
//             grows from −min(MtM, 0) = the shortfall to −(MtM − MM) over insolvent_auction_length.
// A bid that takes the maximum ends the auction, so an auction never outlives its round: an
// account breached again after prices move gets a new auction (and pays a new fee), as on Derive.
import { bid, bidPrice, convertToInsolvent, discountPercentage, startAuction } from './auction.js';
import type { AuctionParams } from './params.js';

export interface CascadeAuction {
  kind: 'solvent' | 'insolvent';
  /** Whether a solvent auction ran out before the bid and was converted (convertToInsolvent). */
  converted: boolean;
  start_ms: number;
  bid_ms: number;
  /** Fee the account paid at the start (0 when insolvent). */
  fee: number;
  /** d(t) at the bid (solvent), 0 for an insolvent auction. */
  discount: number;
  /** Bid for the whole portfolio for sale at the bid time (auction.ts bidPrice). */
  bid_price: number;
  /** Share of the account's holdings (positions, non-cash balances and cash for sale) taken. */
  fraction: number;
  /** Bidder → account (solvent). */
  cash_to_account: number;
  /** Venue → bidder (insolvent takeover). */
  cash_to_bidder: number;
  /** The account's margin-asset cash after the bid (solvent; 0 after a takeover). */
  cash_after: number;
  /** Equity the account gives up: fee + discount (solvent); its whole equity (≤ 0 when bankrupt) when taken over. */
  equity_loss: number;
}

/**
 * The auction of an account with equity `equity`, maintenance requirement `requirement` (> equity)
 * and margin-asset cash `cash`, started at `start` and bid at `bidAt` (ms of simulated time).
 */
export function auctionRound(equity: number, requirement: number, cash: number, start: number, bidAt: number, params: AuctionParams): CascadeAuction {
  const { auction, fee } = startAuction({ equity, maintenance_margin: requirement }, start, params);
  let a = auction;
  let converted = false;
  const end = start + params.fast_auction_length_ms + params.slow_auction_length_ms;
  if (a.kind === 'solvent' && bidAt >= end) {
    // Converted as soon as the library allows: the insolvent timer runs from the solvent end.
    a = convertToInsolvent(a, end);
    converted = true;
  }
  const price = bidPrice(a, bidAt);
  // Fraction 1 asks for everything: a solvent bid is capped at maxFraction, an insolvent takes all.
  const b = bid(a, 1, bidAt);
  if (a.kind === 'solvent') {
    const f = b.fraction;
    // Cash is part of what is for sale (reserved cash is 0 at the start): keep (1 − f) of it and the bid.
    const cashAfter = (1 - f) * (cash - fee) + b.cash_to_account;
    return {
      kind: 'solvent', converted, start_ms: start, bid_ms: bidAt, fee, discount: discountPercentage(params, bidAt - start), bid_price: price, fraction: f,
      cash_to_account: b.cash_to_account, cash_to_bidder: 0, cash_after: cashAfter, equity_loss: fee + (b.transferred.mtm - b.cash_to_account),
    };
  }
  return {
    kind: 'insolvent', converted, start_ms: start, bid_ms: bidAt, fee, discount: 0, bid_price: price, fraction: 1,
    cash_to_account: 0, cash_to_bidder: b.cash_to_bidder, cash_after: 0, equity_loss: equity,
  };
}
