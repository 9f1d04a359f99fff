// Validate a DerivePortfolio and arrange its options by expiry, with the per-expiry market inputs
// the plan and the contingencies need (Derive's PMRM_2._arrangePortfolio + _initialiseExpiries):
// discount df = exp(−max(rate, 0)·T), the forward split for the last 30 minutes, the expiry's
// minimum confidence, Σ|amount| and naked shorts counted per strike.
import { at, fail, finite, nonNegative, positive, unit } from '../../model/fields.js';
import { DERIVE_SECONDS_PER_YEAR } from '../derive-common/shocks.js';
import type { DeriveExpiryFeed, DerivePortfolio } from './types.js';

/** Below this many seconds to expiry part of the settlement average is known (Derive's feed). */
export const FORWARD_SPLIT_SECONDS = 1800;

export interface ArrangedExpiry {
  secToExpiry: number;
  T: number;
  /** max(rate, 0). */
  rate: number;
  df: number;
  /** Forward part that no longer moves with spot, and the part that does. */
  fwdFixed: number;
  fwdVar: number;
  /** Indices into portfolio.options, by strike, put before call (a canonical order). */
  options: number[];
  minConfidence: number;
  /** Σ |amount| (the oracle contingency's notional in contracts). */
  absAmount: number;
  nakedShorts: number;
}

export interface ArrangedPortfolio {
  /** In order of each expiry's first option in `options` (the order results are reported in). */
  expiries: ArrangedExpiry[];
  /**
   * Canonical orders for every sum: expiries by secToExpiry, collaterals by their fields. With
   * options sorted by (strike, put before call) within an expiry, the margin of a permuted
   * portfolio is bit-identical.
   */
  expiryOrder: number[];
  collateralOrder: number[];
  /** Minimum of spot and (when a perp is held) perp confidence. */
  minConfidence: number;
  perpAmount: number;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && v - v === 0;
const isUnit = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const isNonNeg = (v: unknown) => isNum(v) && v >= 0;
const isPos = (v: unknown) => isNum(v) && v > 0;

// Cheap checks first; paths are built only to report what failed.
function validate(p: DerivePortfolio, path: string): void {
  if (!(isPos(p.spot) && isUnit(p.spotConfidence) && isPos(p.stablePrice) && isNum(p.cash))) {
    positive(p.spot, at(path, 'spot'));
    unit(p.spotConfidence, at(path, 'spotConfidence'));
    positive(p.stablePrice, at(path, 'stablePrice'));
    finite(p.cash, at(path, 'cash'));
  }
  const pp = p.perp;
  if (pp !== undefined && !(isNum(pp.amount) && isNonNeg(pp.price) && isUnit(pp.confidence) && isNum(pp.unrealisedPnl) && isNum(pp.funding))) {
    const q = at(path, 'perp');
    finite(pp.amount, at(q, 'amount'));
    nonNegative(pp.price, at(q, 'price'));
    unit(pp.confidence, at(q, 'confidence'));
    finite(pp.unrealisedPnl, at(q, 'unrealisedPnl'));
    finite(pp.funding, at(q, 'funding'));
  }
  // Options are many: test without building paths, and rebuild them only to report a failure.
  for (let i = 0; i < p.options.length; i++) {
    const o = p.options[i]!;
    if (!(isNonNeg(o.secToExpiry) && isPos(o.strike) && isNum(o.amount) && isNonNeg(o.markVol) && typeof o.isCall === 'boolean')) {
      const q = `${path}.options[${i}]`;
      nonNegative(o.secToExpiry, at(q, 'secToExpiry'));
      positive(o.strike, at(q, 'strike'));
      if (typeof o.isCall !== 'boolean') fail('RG_ERR_INVALID_INPUT', at(q, 'isCall'), o.isCall, 'must be a boolean');
      finite(o.amount, at(q, 'amount'));
      nonNegative(o.markVol, at(q, 'markVol'));
    }
  }
  for (let i = 0; i < p.expiries.length; i++) {
    const e = p.expiries[i]!;
    if (isNonNeg(e.secToExpiry) && isPos(e.forward) && isUnit(e.forwardConfidence) && isNum(e.rate) && isUnit(e.rateConfidence) && isUnit(e.volConfidence)) continue;
    const q = `${path}.expiries[${i}]`;
    nonNegative(e.secToExpiry, at(q, 'secToExpiry'));
    positive(e.forward, at(q, 'forward'));
    unit(e.forwardConfidence, at(q, 'forwardConfidence'));
    finite(e.rate, at(q, 'rate'));
    unit(e.rateConfidence, at(q, 'rateConfidence'));
    unit(e.volConfidence, at(q, 'volConfidence'));
  }
  for (let i = 0; i < p.collaterals.length; i++) {
    const c = p.collaterals[i]!;
    if (isNonNeg(c.amount) && isNonNeg(c.price) && isUnit(c.confidence) && typeof c.riskCancelling === 'boolean' && isUnit(c.mmHaircut) && isUnit(c.imHaircut)) continue;
    const q = `${path}.collaterals[${i}]`;
    nonNegative(c.amount, at(q, 'amount'));
    nonNegative(c.price, at(q, 'price'));
    unit(c.confidence, at(q, 'confidence'));
    if (typeof c.riskCancelling !== 'boolean') fail('RG_ERR_INVALID_INPUT', at(q, 'riskCancelling'), c.riskCancelling, 'must be a boolean');
    unit(c.mmHaircut, at(q, 'mmHaircut'));
    unit(c.imHaircut, at(q, 'imHaircut'));
  }
}

/**
 * Naked shorts at one strike from the sum of its (at most two: put and call) amounts: a short call
 * nets only against a long put there and vice versa; two shorts add (PMRMLib_2._addOptionContingency).
 */
function nakedAtStrike(sumOfAmounts: number): number {
  return Math.max(0, -sumOfAmounts);
}

export function arrangeDerivePortfolio(p: DerivePortfolio, path = 'portfolio'): ArrangedPortfolio {
  validate(p, path);
  const perpAmount = p.perp?.amount ?? 0;
  // The perp feed's confidence counts only when a perp is held (PMRM_2._arrangePortfolio).
  const minConfidence = perpAmount !== 0 ? Math.min(p.spotConfidence, p.perp!.confidence) : p.spotConfidence;

  const feeds = new Map<number, DeriveExpiryFeed>();
  p.expiries.forEach((e, i) => {
    if (feeds.has(e.secToExpiry)) fail('RG_ERR_INVALID_INPUT', `${path}.expiries[${i}].secToExpiry`, e.secToExpiry, 'repeats an expiry');
    feeds.set(e.secToExpiry, e);
  });

  const bySec = new Map<number, ArrangedExpiry>();
  const expiries: ArrangedExpiry[] = [];
  for (let i = 0; i < p.options.length; i++) {
    const o = p.options[i]!;
    let e = bySec.get(o.secToExpiry);
    if (e === undefined) {
      const feed = feeds.get(o.secToExpiry);
      if (feed === undefined) fail('RG_ERR_MISSING_MARKET_DATA', `${path}.options[${i}].secToExpiry`, o.secToExpiry, 'has no entry in expiries');
      const sec = o.secToExpiry;
      const T = sec / DERIVE_SECONDS_PER_YEAR;
      const rate = Math.max(feed.rate, 0);
      const F = feed.forward;
      const split = sec < FORWARD_SPLIT_SECONDS;
      e = {
        secToExpiry: sec,
        T,
        rate,
        df: Math.exp(-rate * T),
        fwdFixed: split ? (F * (FORWARD_SPLIT_SECONDS - sec)) / FORWARD_SPLIT_SECONDS : 0,
        fwdVar: split ? (F * sec) / FORWARD_SPLIT_SECONDS : F,
        options: [],
        minConfidence: Math.min(minConfidence, feed.forwardConfidence, feed.rateConfidence, feed.volConfidence),
        absAmount: 0,
        nakedShorts: 0,
      };
      bySec.set(sec, e);
      expiries.push(e);
    }
    e.options.push(i);
  }

  const opts = p.options;
  const byStrikeThenType = (a: number, b: number) => opts[a]!.strike - opts[b]!.strike || Number(opts[a]!.isCall) - Number(opts[b]!.isCall);
  for (const e of expiries) {
    const list = e.options.sort(byStrikeThenType);
    // Sorted by strike: each strike's options are adjacent (at most a put and a call).
    let k = 0;
    while (k < list.length) {
      const strike = opts[list[k]!]!.strike;
      let sum = 0;
      let m = k;
      for (; m < list.length && opts[list[m]!]!.strike === strike; m++) {
        // One balance per option id on-chain; a repeat would distort the per-strike netting.
        if (m > k && opts[list[m]!]!.isCall === opts[list[m - 1]!]!.isCall) {
          fail('RG_ERR_INVALID_INPUT', `${path}.options[${Math.max(list[m]!, list[m - 1]!)}]`, strike, 'repeats an option (same expiry, strike and type)');
        }
        sum += opts[list[m]!]!.amount;
        // Σ|amount| in this canonical order too: summed in input order it moved the oracle
        // contingency (so IM) by an ulp when the options were permuted.
        e.absAmount += Math.abs(opts[list[m]!]!.amount);
      }
      e.nakedShorts += nakedAtStrike(sum);
      k = m;
    }
  }
  const expiryOrder = expiries.map((_, j) => j).sort((a, b) => expiries[a]!.secToExpiry - expiries[b]!.secToExpiry);
  const collateralOrder = p.collaterals.map((_, i) => i).sort((a, b) => compareCollateral(p, a, b));
  return { expiries, expiryOrder, collateralOrder, minConfidence, perpAmount };
}

function compareCollateral(p: DerivePortfolio, a: number, b: number): number {
  const x = p.collaterals[a]!;
  const y = p.collaterals[b]!;
  if (x.name !== y.name) return x.name < y.name ? -1 : 1;
  return (
    x.price - y.price ||
    x.amount - y.amount ||
    x.confidence - y.confidence ||
    x.mmHaircut - y.mmHaircut ||
    x.imHaircut - y.imHaircut ||
    Number(x.riskCancelling) - Number(y.riskCancelling)
  );
}
