// The per-asset collateral breakdown every MarginResult carries (breakdown.collateral), from a
// collateral valuation or, for the Derive profiles, from Derive's own collateral arithmetic
// (recomputed here line by line for display only: the margin figures never read these lines).
import type { CollateralBreakdownLine } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { CollateralValuation } from './types.js';

/** The module's lines (balances only; unrealised P&L is shown in equity_parts). */
export function breakdownOf(v: CollateralValuation): CollateralBreakdownLine[] {
  const out = new Array<CollateralBreakdownLine>(v.lines.length);
  for (let i = 0; i < v.lines.length; i++) {
    const l = v.lines[i]!;
    out[i] = {
      asset: l.asset,
      amount: l.amount,
      price: l.price,
      price_confidence: l.price_confidence,
      price_age_ms: l.price_age_ms,
      // The degraded-price haircut, when the policy applies one, is part of what was not counted.
      haircut_im: l.degraded_haircut_im === 0 ? l.haircut_im : 1 - (1 - l.haircut_im) * (1 - l.degraded_haircut_im),
      haircut_mm: l.degraded_haircut_mm === 0 ? l.haircut_mm : 1 - (1 - l.haircut_mm) * (1 - l.degraded_haircut_mm),
      liquidity_haircut: l.liquidity_haircut,
      value_im: l.value_im,
      value_mm: l.value_mm,
    };
  }
  return out;
}

function ageOf(market: MarketSnapshot, timestamp: number): number {
  return market.timestamp > timestamp ? market.timestamp - timestamp : 0;
}

/**
 * derive-pmrm2: the margin asset at 1; every other balance at price/stablePrice (Derive values
 * collateral in the stablecoin), counted for MM after mmHaircut and for IM after
 * mmHaircut + imHaircut (Derive adds its IM contingency on top of the MM one).
 */
export function derivePmrm2Breakdown(
  balances: Readonly<Record<string, number>>,
  market: MarketSnapshot,
  marginAsset: string,
  terms: Readonly<Record<string, { mmHaircut: number; imHaircut: number }>>,
  stablePrice: number,
): CollateralBreakdownLine[] {
  const out: CollateralBreakdownLine[] = [];
  // By asset name: the order balances were given in must not change the result.
  for (const asset of Object.keys(balances).sort()) {
    const amount = balances[asset]!;
    if (asset === marginAsset) {
      out.push({ asset, amount, price: 1, price_confidence: 1, price_age_ms: 0, haircut_im: 0, haircut_mm: 0, liquidity_haircut: 0, value_im: amount, value_mm: amount });
      continue;
    }
    const t = terms[asset];
    const feed = market.collateral.get(asset);
    if (t === undefined || feed === undefined) continue; // the margin path has already refused it
    const value = (amount * feed.value) / stablePrice;
    const hIm = t.mmHaircut + t.imHaircut;
    out.push({
      asset,
      amount,
      price: feed.value / stablePrice,
      price_confidence: feed.confidence,
      price_age_ms: ageOf(market, feed.timestamp),
      haircut_im: hIm,
      haircut_mm: t.mmHaircut,
      liquidity_haircut: 0,
      value_im: value - value * hIm,
      value_mm: value - value * t.mmHaircut,
    });
  }
  return out;
}

/** derive-pmrm: the margin asset at 1 and the base asset at the index (its risk is in mm.base). */
export function derivePmrmBreakdown(balances: Readonly<Record<string, number>>, market: MarketSnapshot, marginAsset: string, base: string): CollateralBreakdownLine[] {
  const out: CollateralBreakdownLine[] = [];
  for (const asset of Object.keys(balances).sort()) {
    const amount = balances[asset]!;
    if (asset === marginAsset) {
      out.push({ asset, amount, price: 1, price_confidence: 1, price_age_ms: 0, haircut_im: 0, haircut_mm: 0, liquidity_haircut: 0, value_im: amount, value_mm: amount });
    } else if (asset === base) {
      const f = market.index(base);
      const value = amount * f.value;
      out.push({ asset, amount, price: f.value, price_confidence: f.confidence, price_age_ms: ageOf(market, f.timestamp), haircut_im: 0, haircut_mm: 0, liquidity_haircut: 0, value_im: value, value_mm: value });
    }
  }
  return out;
}
