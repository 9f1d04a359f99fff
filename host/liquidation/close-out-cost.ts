// Expected cost of closing part of a position during liquidation: half the bid-ask spread plus
// square-root market impact. Costs are positive amounts in the instrument's quote currency.
//
// For Q contracts closed in total (cumulated over a plan's steps on the same instrument):
//
//   C(Q) = Q · hs  +  Q · m · k · √(N(Q) / ADV)
//
//   hs    half-spread per contract
//           options: max(option_half_spread_bps · premium, option_floor_bps · index) · contract_size
//           linear (perp, future, spot): max(linear_half_spread_bps · mark, linear_floor_bps · index) · contract_size
//   m·k   impact per contract at a whole day's volume
//           options: vega · option_impact_vol · contract_size   (the block moves implied vol)
//           linear:  mark · linear_impact · contract_size        (the block moves the price)
//   N(Q)  notional of Q contracts: Q · contract_size · index
//   ADV   daily traded notional of the instrument (adv_notional[id], else the kind's default)
//
// Square-root impact (Almgren et al. 2005, "Direct estimation of equity market impact"; Tóth et
// al. 2011): the price moves about k·σ_day·√(Q/V) when Q of a daily volume V is traded; k here
// folds in σ_day and the average-fill constant. A step that sells q more after Q already sold in
// the plan costs C(Q + q) − C(Q), so splitting a trade into steps neither helps nor hurts.
// Selling a long option never costs more than its premium (one cannot be paid less than nothing).
import { RiskgridError, requireFinite } from '../errors.js';

export interface CloseOutCostParams {
  /** Option half-spread, in bps of the option's mark premium. */
  option_half_spread_bps: number;
  /** Floor of the option half-spread per contract, in bps of the underlying notional (index · contract size). */
  option_floor_bps: number;
  /** Perp / future / spot half-spread, in bps of the notional at mark. */
  linear_half_spread_bps: number;
  /** Floor of the linear half-spread per contract, in bps of the underlying notional. */
  linear_floor_bps: number;
  /** Implied-vol move (1.00 = 100 vol points) when one day's volume of an option is sold at once. */
  option_impact_vol: number;
  /** Price move (fraction) when one day's volume of a perp/future is traded at once. */
  linear_impact: number;
  /** Default daily traded underlying notional of one option instrument, in the quote currency. */
  option_adv_notional: number;
  /** Default daily traded notional of one perp / future / spot instrument, in the quote currency. */
  linear_adv_notional: number;
  /** Daily notional by instrument id (overrides the defaults above). */
  adv_notional?: Record<string, number>;
}

/**
 * Defaults for a Derive-like venue (ETH/BTC options and perps on an on-chain order book):
 * options quoted ~4 % of premium wide (2 % half), at least 2.5 bps of underlying notional per
 * contract (0.50 USDC per ETH option at 2,000); perps 5 bps half-spread under stress; a day's
 * volume moves implied vol 5 points or the perp price 5 %; 2 M notional a day per option strike,
 * 200 M per perp.
 */
export const DEFAULT_CLOSE_OUT_COST: Readonly<CloseOutCostParams> = Object.freeze({
  option_half_spread_bps: 200,
  option_floor_bps: 2.5,
  linear_half_spread_bps: 5,
  linear_floor_bps: 0,
  option_impact_vol: 0.05,
  linear_impact: 0.05,
  option_adv_notional: 2_000_000,
  linear_adv_notional: 200_000_000,
});

/** What the cost model needs to know about one instrument at the snapshot's marks. */
export interface InstrumentQuote {
  id: string;
  kind: 'option' | 'linear';
  contract_size: number;
  /** Underlying index price. */
  index: number;
  /** Per unit of underlying: the option premium, or the perp / future / spot mark price. */
  mark: number;
  /** Options: vega per unit of underlying per 1.00 of vol (0 for linear). */
  vega: number;
}

/** Parameters from a (partial) JSON object over the defaults; bad values name their field. */
export function parseCloseOutCostParams(input: unknown = {}, path = 'cost'): CloseOutCostParams {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path} must be an object`, { field: path, value: input });
  }
  const src = input as Record<string, unknown>;
  const out = { ...DEFAULT_CLOSE_OUT_COST } as CloseOutCostParams;
  for (const key of Object.keys(src)) {
    if (key === 'adv_notional') continue;
    if (!(key in DEFAULT_CLOSE_OUT_COST)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.${key} is not a cost parameter`, { field: `${path}.${key}`, value: src[key] });
    const positive = key.endsWith('_adv_notional');
    (out as unknown as Record<string, number>)[key] = requireFinite(`${path}.${key}`, src[key], { min: 0, minExclusive: positive });
  }
  if (src.adv_notional !== undefined) {
    const adv = src.adv_notional;
    if (adv === null || typeof adv !== 'object' || Array.isArray(adv)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `${path}.adv_notional must be an object`, { field: `${path}.adv_notional`, value: adv });
    }
    const map: Record<string, number> = {};
    for (const [id, v] of Object.entries(adv)) map[id] = requireFinite(`${path}.adv_notional.${id}`, v, { min: 0, minExclusive: true });
    out.adv_notional = map;
  }
  return out;
}

/** Half-spread per contract, quote currency. */
export function halfSpreadPerContract(q: InstrumentQuote, p: CloseOutCostParams): number {
  const perUnit =
    q.kind === 'option'
      ? Math.max(p.option_half_spread_bps * 1e-4 * q.mark, p.option_floor_bps * 1e-4 * q.index)
      : Math.max(p.linear_half_spread_bps * 1e-4 * Math.abs(q.mark), p.linear_floor_bps * 1e-4 * q.index);
  return perUnit * q.contract_size;
}

/** Cost of closing `contracts` in total, C(Q) above (not yet capped). */
export function totalCloseOutCost(q: InstrumentQuote, contracts: number, p: CloseOutCostParams): number {
  if (contracts <= 0) return 0;
  const adv = p.adv_notional?.[q.id] ?? (q.kind === 'option' ? p.option_adv_notional : p.linear_adv_notional);
  const impactAtAdv = q.kind === 'option' ? q.vega * p.option_impact_vol : Math.abs(q.mark) * p.linear_impact;
  const share = (contracts * q.contract_size * q.index) / adv;
  return contracts * (halfSpreadPerContract(q, p) + impactAtAdv * q.contract_size * Math.sqrt(share));
}

/**
 * Expected cost of closing `qty` more contracts after `alreadyClosed` in the same plan:
 * C(already + qty) − C(already). `sellingLongOption` caps it at the premium given up.
 */
export function closeOutCost(q: InstrumentQuote, qty: number, alreadyClosed: number, p: CloseOutCostParams, sellingLongOption = false): number {
  if (!(qty > 0)) return 0;
  const c = totalCloseOutCost(q, alreadyClosed + qty, p) - totalCloseOutCost(q, alreadyClosed, p);
  return sellingLongOption ? Math.min(c, qty * q.mark * q.contract_size) : c;
}
