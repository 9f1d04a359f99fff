// A validated snapshot written back as snake_case JSON (the inverse of parseMarketSnapshot): for
// storing what was margined on and serving it again. Defaults are written out explicitly; a
// derived forward or rate is left out so that reading the JSON derives it again identically.
import { parseExpiryToken } from '../model/expiry.js';
import { formatStrike } from '../model/ids.js';
import type { ExpiryMarket, Feed, MarketSnapshot, UnderlyingMarket } from './snapshot.js';

type Obj = Record<string, unknown>;

export function snapshotToJson(s: MarketSnapshot): Obj {
  const underlyings: Obj = {};
  for (const [name, u] of s.underlyings) underlyings[name] = underlyingJson(u);
  const out: Obj = { snapshot_id: s.id, timestamp: s.timestamp, underlyings };
  if (s.stablecoin !== undefined) out.stablecoin = { asset: s.stablecoin.asset, ...priced(s.stablecoin.price) };
  if (s.collateral.size > 0) {
    const collateral: Obj = {};
    for (const [asset, f] of s.collateral) {
      const c = priced(f);
      if (f.sources !== undefined) c.sources = [...f.sources];
      if (f.adv !== undefined) c.adv = f.adv;
      if (f.redemption_rate !== undefined) c.redemption_rate = f.redemption_rate;
      collateral[asset] = c;
    }
    out.collateral = collateral;
  }
  return out;
}

function priced(f: Feed): Obj {
  return { price: f.value, confidence: f.confidence, timestamp: f.timestamp };
}

function feedJson(out: Obj, key: string, prefix: string, f: Feed): void {
  out[key] = f.value;
  out[`${prefix}confidence`] = f.confidence;
  out[`${prefix}timestamp`] = f.timestamp;
}

function underlyingJson(u: UnderlyingMarket): Obj {
  const out: Obj = {};
  feedJson(out, 'index_price', 'index_', u.index);
  if (u.perp !== undefined) feedJson(out, 'perp_price', 'perp_', u.perp);
  const expiries: Obj = {};
  for (const e of u.expiries.values()) expiries[e.label] = expiryJson(e);
  out.expiries = expiries;
  if (u.surface !== undefined) out.surface = u.surface;
  return out;
}

function expiryJson(e: ExpiryMarket): Obj {
  const out: Obj = {};
  // The label alone says the instant when it is a token naming it; otherwise write the instant.
  if (parseExpiryToken(e.label) !== e.expiry) out.expiry = e.expiry;
  if (!e.forwardDerived) feedJson(out, 'forward', 'forward_', e.forward);
  if (!e.rateDerived) feedJson(out, 'rate', 'rate_', e.rate);
  out.vol_confidence = e.volConfidence;
  out.vol_timestamp = e.volTimestamp;
  const vols: Obj = {};
  for (const [k, v] of e.vols) vols[formatStrike(k)] = v;
  for (const [k, v] of e.callVols) vols[`${formatStrike(k)}-C`] = v;
  for (const [k, v] of e.putVols) vols[`${formatStrike(k)}-P`] = v;
  out.vols = vols;
  return out;
}
