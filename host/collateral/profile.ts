// The collateral module as the non-Derive methodologies use it: a profile's optional
// `params.collateral` section (validated once, with the profile), the defaults that count every
// balance at its full snapshot price (today's numbers), and the snapshot's feeds as a
// CollateralMarket (built once per snapshot).
import { isObject } from '../model/fields.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { AssetParams } from './params.js';
import type { CollateralMarket, CollateralPrice } from './reference.js';
import { CollateralValuer } from './value.js';

/** A methodology's validated params and the valuer of its `collateral` section. */
const valuers = new WeakMap<object, CollateralValuer>();
const configured = new WeakSet<object>();

const FULL: AssetParams = { haircut_im: 0, haircut_mm: 0, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0, borrow_add_on_mm: 0 };

/**
 * No section: every asset counts in full at its snapshot price, debts at face value, unrealised
 * profit in full, degraded prices flagged only: exactly the arithmetic before the module.
 * `haircuts` (deribit-pm X:PM's own table) gives those assets a haircut on holdings and
 * `unlisted` the haircut of every other asset.
 */
export function defaultCollateralParams(haircuts?: Readonly<Record<string, number>>, unlisted = 0): Record<string, unknown> {
  const assets: Record<string, AssetParams> = {};
  for (const [a, h] of Object.entries(haircuts ?? {})) assets[a] = { ...FULL, haircut_im: h, haircut_mm: h };
  return {
    margin_currency: 'USD',
    max_price_age_ms: Number.MAX_SAFE_INTEGER,
    min_price_confidence: 0,
    degraded: { policy: 'flag', extra_haircut_im: 0, extra_haircut_mm: 0 },
    unrealised_pnl: { haircut_im: 0, haircut_mm: 0 },
    min_index_sources: 1,
    depeg_flag_threshold: 1,
    thin_assets: [],
    assets,
    default_asset: { ...FULL, haircut_im: unlisted, haircut_mm: unlisted },
  };
}

/**
 * Wraps a methodology's params validator: `collateral` is taken out, validated by the collateral
 * module (errors name `params.collateral.…`), and kept beside the validated params.
 * `fallback` builds the section used when the profile has none.
 */
export function withCollateral<P extends object>(validate: (raw: unknown, path?: string) => P, fallback: (p: P) => Record<string, unknown> = () => defaultCollateralParams()) {
  return (raw: unknown, path = 'params'): P => {
    if (isObject(raw) && raw.collateral !== undefined) {
      const { collateral, ...rest } = raw;
      const p = validate(rest, path);
      valuers.set(p, new CollateralValuer(collateral, `${path}.collateral`));
      configured.add(p);
      return p;
    }
    const p = validate(raw, path);
    valuers.set(p, new CollateralValuer(fallback(p)));
    return p;
  };
}

/** The valuer of validated params (params validated elsewhere get the defaults). */
export function valuerOf(params: object): CollateralValuer {
  let v = valuers.get(params);
  if (v === undefined) {
    v = new CollateralValuer(defaultCollateralParams());
    valuers.set(params, v);
  }
  return v;
}

/** Whether the profile configured its own section (the defaults add no equity part). */
export function hasCollateralSection(params: object): boolean {
  return configured.has(params);
}

const markets = new WeakMap<MarketSnapshot, CollateralMarket>();

/**
 * Every price a balance may be valued at, as MarketSnapshot.assetPrice resolves it: collateral
 * feeds (with their optional sources, adv and redemption_rate), the stablecoin, the underlyings'
 * index prices. Ages are measured from the snapshot time, so a result replays identically.
 */
export function collateralMarketOf(market: MarketSnapshot): CollateralMarket {
  let m = markets.get(market);
  if (m !== undefined) return m;
  const prices: Record<string, CollateralPrice> = Object.create(null);
  for (const [name, u] of market.underlyings) prices[name] = { price: u.index.value, confidence: u.index.confidence, timestamp_ms: u.index.timestamp };
  const s = market.stablecoin;
  if (s !== undefined) prices[s.asset] = { price: s.price.value, confidence: s.price.confidence, timestamp_ms: s.price.timestamp };
  for (const [asset, f] of market.collateral) {
    const p: CollateralPrice = { price: f.value, confidence: f.confidence, timestamp_ms: f.timestamp };
    if (f.sources !== undefined) p.sources = f.sources;
    if (f.adv !== undefined) p.adv = f.adv;
    if (f.redemption_rate !== undefined) p.redemption_rate = f.redemption_rate;
    prices[asset] = p;
  }
  m = { now_ms: market.timestamp, prices };
  markets.set(market, m);
  return m;
}
