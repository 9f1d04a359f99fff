// Prices for collateral: an asset's index price, and for stablecoins and wrapped/staked assets a
// reference (peg, or redemption rate × underlying) next to a multi-source index (the median of the
// sources, so one venue's print cannot move it: Compound 2020, Binance 2025).
// A holding counts at min(reference, index): a depeg lowers it, a premium over the reference is
// never counted. A liability counts at max(reference, index): buying back costs whichever is higher.
// depeg = max(0, 1 − index/reference) is reported for the margin method to raise its requirement.
import { RiskgridError } from '../errors.js';
import type { ReferenceParams } from './params.js';

/** One asset's market entry, in units of the margin currency per unit of the asset. */
export interface CollateralPrice {
  /** The snapshot's index price. */
  price: number;
  /** Oracle confidence in [0, 1]. */
  confidence: number;
  /** When the price was observed (UTC ms). */
  timestamp_ms: number;
  /** Independent index sources; reference-valued assets use their median. */
  sources?: readonly number[];
  /** Average daily volume in units of the asset (overrides the profile's). */
  adv?: number;
  /** Current redemption rate for wrapped/staked assets (overrides the profile's). */
  redemption_rate?: number;
}

export interface CollateralMarket {
  now_ms: number;
  prices: Readonly<Record<string, CollateralPrice | undefined>>;
}

/** Scratch result of resolving one asset's price (reused, never retained). */
export interface Quote {
  index: number;
  /** NaN when the asset has no reference. */
  reference: number;
  confidence: number;
  age_ms: number;
  /** Sources behind the index (0: the snapshot's index price was used). */
  sources: number;
  adv: number;
}

let scratch = new Float64Array(16);

/** Median of finite positive sources (even count: mean of the middle two). */
export function median(values: readonly number[], field: string): number {
  const n = values.length;
  if (n > scratch.length) scratch = new Float64Array(n);
  const s = scratch;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!(v > 0 && v < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}[${i}] must be a positive finite price, got ${v}`, { field: `${field}[${i}]`, value: v });
    // Insertion sort: a handful of sources.
    let j = i - 1;
    while (j >= 0 && s[j]! > v) {
      s[j + 1] = s[j]!;
      j--;
    }
    s[j + 1] = v;
  }
  const h = n >> 1;
  return (n & 1) === 1 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** Reads and checks one market entry into `q` (index price, confidence, age, adv). */
export function readEntry(market: CollateralMarket, asset: string, q: Quote): CollateralPrice {
  const e = market.prices[asset];
  const field = `prices.${asset}`;
  if (e === undefined || e === null || typeof e !== 'object') throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `no price for ${asset} in the market`, { field, value: e });
  const p = e.price;
  if (!(p > 0 && p < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}.price must be a positive finite number, got ${p}`, { field: `${field}.price`, value: p });
  const c = e.confidence;
  if (!(c >= 0 && c <= 1)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}.confidence must be in [0, 1], got ${c}`, { field: `${field}.confidence`, value: c });
  const t = e.timestamp_ms;
  if (!Number.isFinite(t)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}.timestamp_ms must be a finite number, got ${t}`, { field: `${field}.timestamp_ms`, value: t });
  const adv = e.adv;
  if (adv !== undefined && !(adv > 0 && adv < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}.adv must be a positive finite number, got ${adv}`, { field: `${field}.adv`, value: adv });
  q.index = p;
  q.reference = NaN;
  q.confidence = c;
  // A timestamp ahead of now_ms (clock skew) is not stale: age 0.
  q.age_ms = market.now_ms > t ? market.now_ms - t : 0;
  q.sources = 0;
  q.adv = adv ?? NaN;
  return e;
}

/**
 * Fills `q` for a reference-valued asset: index = median of the sources when there are any,
 * reference = peg or rate × underlying's index price (the underlying's confidence and age combine:
 * min and max). `marginCurrency` is worth 1.
 */
export function readReference(market: CollateralMarket, asset: string, ref: ReferenceParams, marginCurrency: string, q: Quote): void {
  const e = readEntry(market, asset, q);
  const src = e.sources;
  if (src !== undefined && src.length > 0) {
    q.index = median(src, `prices.${asset}.sources`);
    q.sources = src.length;
  }
  if (ref.kind === 'peg') {
    q.reference = ref.peg;
    return;
  }
  const rate = e.redemption_rate ?? ref.rate;
  if (rate === undefined) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `no redemption rate for ${asset} (market or profile)`, { field: `prices.${asset}.redemption_rate`, value: rate });
  if (!(rate > 0 && rate < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `prices.${asset}.redemption_rate must be a positive finite number, got ${rate}`, { field: `prices.${asset}.redemption_rate`, value: rate });
  if (ref.underlying === marginCurrency) {
    q.reference = rate;
    return;
  }
  const index = q.index;
  const conf = q.confidence;
  const age = q.age_ms;
  const adv = q.adv;
  const sources = q.sources;
  readEntry(market, ref.underlying, q);
  q.reference = rate * q.index;
  q.index = index;
  q.confidence = Math.min(conf, q.confidence);
  q.age_ms = Math.max(age, q.age_ms);
  q.adv = adv;
  q.sources = sources;
}
