// Collateral valuation: every balance converted into the margin currency and counted for IM and MM.
//
//   holding   (amount > 0): value_x = value·(1 − haircut_x)·(1 − h_liq)·(1 − extra_x)
//   liability (amount < 0): value_x = value·(1 + borrow_add_on_x)·(1 + h_liq)·(1 + extra_x)
// with value = amount·price, h_liq from liquidity.ts on |amount|, extra_x the degraded-price
// haircut when the profile's policy is 'haircut'. Both forms are value − |value|·(total haircut):
// a liability counts as more debt than its mark. IM ≥ MM parameters give value_im ≤ value_mm.
//
// Unrealised P&L: a loss counts in full; a profit counts after the profile's haircut, and not at
// all when the position's underlying is marked thin.
//
// Premium received from selling options: each balance may say how much of it is such premium.
// `free_value_im` counts the balance without it. The engine must use free_value_im as buying
// power until the sold options' risk (MtM liability and scenario loss) is in the requirement;
// premium_value_im = value_im − free_value_im is what the premium adds once it is.
import { RiskgridError } from '../errors.js';
import { liquidityHaircut } from './liquidity.js';
import { validateCollateralParams, type AssetParams, type CollateralParams } from './params.js';
import { readEntry, readReference, type CollateralMarket, type Quote } from './reference.js';
import type { CollateralAccount, CollateralFlag, CollateralLine, CollateralTotals, CollateralValuation, UnrealisedPnlLine } from './types.js';

export type { CollateralAccount, CollateralBalance, UnrealisedPnl, CollateralLine, UnrealisedPnlLine, CollateralFlag, CollateralFlagKind, CollateralTotals, CollateralValuation } from './types.js';

const NO_ASSET: AssetParams = { haircut_im: 0, haircut_mm: 0, liquidity: { base: 0, k: 0, cap: 0 }, borrow_add_on_im: 0, borrow_add_on_mm: 0 };

/** Validates the parameters once; `value` is then the hot path (no per-call parameter work). */
export class CollateralValuer {
  readonly params: CollateralParams;
  private readonly assets: Map<string, AssetParams>;
  private readonly thin: Set<string>;
  private readonly seen: Map<string, number>;
  private epoch = 0;
  private readonly q: Quote = { index: 0, reference: NaN, confidence: 1, age_ms: 0, sources: 0, adv: NaN };
  // Scratch of `count` (one line's IM/MM value and liquidity haircut).
  private cIm = 0;
  private cMm = 0;
  private cLiq = 0;

  constructor(params: unknown, path = 'collateral') {
    this.params = validateCollateralParams(params, path);
    this.assets = new Map(Object.entries(this.params.assets));
    if (!this.assets.has(this.params.margin_currency)) this.assets.set(this.params.margin_currency, NO_ASSET);
    this.thin = new Set(this.params.thin_assets);
    this.seen = new Map([...this.assets.keys()].map((a) => [a, -1]));
  }

  value(account: CollateralAccount, market: CollateralMarket): CollateralValuation {
    const P = this.params;
    if (account === null || typeof account !== 'object' || !Array.isArray(account.balances)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', 'account.balances must be an array', { field: 'balances', value: account?.balances });
    }
    if (market === null || typeof market !== 'object' || market.prices === null || typeof market.prices !== 'object') {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', 'market.prices must be an object', { field: 'prices', value: market?.prices });
    }
    if (!Number.isFinite(market.now_ms)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `now_ms must be a finite number, got ${market.now_ms}`, { field: 'now_ms', value: market.now_ms });
    const epoch = ++this.epoch;
    const flags: CollateralFlag[] = [];
    const balances = account.balances;
    const lines = new Array<CollateralLine>(balances.length);
    let degraded = false;
    let tValue = 0;
    let tIm = 0;
    let tMm = 0;
    let tAssetsIm = 0;
    let tLiabIm = 0;
    let tFree = 0;
    let depegMax = 0;
    let minConf = 1;
    let maxAge = 0;

    for (let i = 0; i < balances.length; i++) {
      const b = balances[i]!;
      const asset = b?.asset;
      const a = this.assets.get(asset) ?? this.params.default_asset;
      if (a === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `balances[${i}].asset ${String(asset)} is not accepted as collateral by the profile`, { field: `balances[${i}].asset`, value: asset });
      if (this.seen.get(asset) === epoch) throw new RiskgridError('RG_ERR_INVALID_INPUT', `balances[${i}].asset ${asset} appears twice`, { field: `balances[${i}].asset`, value: asset });
      this.seen.set(asset, epoch);
      const amount = b.amount;
      if (!Number.isFinite(amount)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `balances[${i}].amount must be a finite number, got ${amount}`, { field: `balances[${i}].amount`, value: amount });
      const premium = b.premium_received ?? 0;
      if (!(premium >= 0 && premium < Infinity)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `balances[${i}].premium_received must be a finite number ≥ 0, got ${premium}`, { field: `balances[${i}].premium_received`, value: premium });

      const q = this.quote(asset, a, market);
      const d = this.degradedCheck(asset, a, q, flags);
      if (d) degraded = true;
      const xIm = d && P.degraded.policy === 'haircut' ? P.degraded.extra_haircut_im : 0;
      const xMm = d && P.degraded.policy === 'haircut' ? P.degraded.extra_haircut_mm : 0;
      const ref = q.reference;
      const hasRef = ref === ref; // not NaN
      const depeg = hasRef && q.index < ref ? 1 - q.index / ref : 0;
      if (depeg > P.depeg_flag_threshold) flags.push({ asset, flag: 'depeg', value: depeg });
      const adv = q.adv === q.adv ? q.adv : (a.liquidity.adv ?? NaN);
      if (a.liquidity.k > 0 && adv !== adv) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `no average daily volume for ${asset} (market or profile) and its liquidity haircut needs one`, { field: `prices.${asset}.adv`, value: undefined });

      const price = priceFor(amount, q.index, ref, hasRef);
      this.count(amount, price, a, adv, xIm, xMm);
      const value = amount * price;
      const vIm = this.cIm;
      const vMm = this.cMm;
      const liq = this.cLiq;
      let free = vIm;
      if (premium > 0) {
        const rest = amount - premium;
        this.count(rest, priceFor(rest, q.index, ref, hasRef), a, adv, xIm, xMm);
        free = this.cIm;
      }
      const liability = amount < 0;
      lines[i] = {
        asset,
        amount,
        price,
        price_confidence: q.confidence,
        price_age_ms: q.age_ms,
        haircut_im: liability ? a.borrow_add_on_im : a.haircut_im,
        haircut_mm: liability ? a.borrow_add_on_mm : a.haircut_mm,
        liquidity_haircut: liq,
        degraded_haircut_im: xIm,
        degraded_haircut_mm: xMm,
        depeg,
        value,
        value_im: vIm,
        value_mm: vMm,
        premium_received: premium,
        free_value_im: free,
      };
      tValue += value;
      tIm += vIm;
      tMm += vMm;
      if (liability) tLiabIm += vIm;
      else tAssetsIm += vIm;
      tFree += free;
      if (depeg > depegMax) depegMax = depeg;
      if (q.confidence < minConf) minConf = q.confidence;
      if (q.age_ms > maxAge) maxAge = q.age_ms;
    }

    const upnl = account.unrealised_pnl ?? [];
    if (!Array.isArray(upnl)) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'account.unrealised_pnl must be an array', { field: 'unrealised_pnl', value: upnl });
    const upnlLines = new Array<UnrealisedPnlLine>(upnl.length);
    let uValue = 0;
    let uIm = 0;
    let uMm = 0;
    for (let i = 0; i < upnl.length; i++) {
      const u = upnl[i]!;
      const amount = u?.amount;
      if (!Number.isFinite(amount)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `unrealised_pnl[${i}].amount must be a finite number, got ${amount}`, { field: `unrealised_pnl[${i}].amount`, value: amount });
      if (typeof u.underlying !== 'string') throw new RiskgridError('RG_ERR_INVALID_INPUT', `unrealised_pnl[${i}].underlying must be an asset name`, { field: `unrealised_pnl[${i}].underlying`, value: u.underlying });
      if (typeof u.asset !== 'string') throw new RiskgridError('RG_ERR_INVALID_INPUT', `unrealised_pnl[${i}].asset must be an asset name`, { field: `unrealised_pnl[${i}].asset`, value: u.asset });
      const a = this.assets.get(u.asset) ?? NO_ASSET;
      const q = this.quote(u.asset, a, market);
      const d = this.degradedCheck(u.asset, a, q, flags);
      if (d) degraded = true;
      const haircut = d && P.degraded.policy === 'haircut';
      const ref = q.reference;
      const price = priceFor(amount, q.index, ref, ref === ref);
      const value = amount * price;
      const thin = amount > 0 && this.thin.has(u.underlying);
      let hIm = 0;
      let hMm = 0;
      let vIm = value;
      let vMm = value;
      if (thin) {
        hIm = 1;
        hMm = 1;
        vIm = 0;
        vMm = 0;
        flags.push({ asset: u.underlying, flag: 'thin_upnl_excluded', value });
      } else if (amount > 0) {
        hIm = P.unrealised_pnl.haircut_im;
        hMm = P.unrealised_pnl.haircut_mm;
        vIm = value * (1 - hIm) * (haircut ? 1 - P.degraded.extra_haircut_im : 1);
        vMm = value * (1 - hMm) * (haircut ? 1 - P.degraded.extra_haircut_mm : 1);
      }
      upnlLines[i] = { underlying: u.underlying, asset: u.asset, amount, price, value, haircut_im: hIm, haircut_mm: hMm, value_im: vIm, value_mm: vMm, thin_excluded: thin };
      uValue += value;
      uIm += vIm;
      uMm += vMm;
      if (q.confidence < minConf) minConf = q.confidence;
      if (q.age_ms > maxAge) maxAge = q.age_ms;
    }

    const totals: CollateralTotals = {
      value: tValue + uValue,
      value_im: tIm + uIm,
      value_mm: tMm + uMm,
      assets_value_im: tAssetsIm,
      liabilities_value_im: tLiabIm,
      upnl_value: uValue,
      upnl_value_im: uIm,
      upnl_value_mm: uMm,
      free_value_im: tFree + uIm,
      premium_value_im: 0,
      depeg_max: depegMax,
      min_price_confidence: minConf,
      max_price_age_ms: maxAge,
    };
    totals.premium_value_im = totals.value_im - totals.free_value_im;
    // Finite inputs can still overflow (1e306 units × a price): never hand back a non-finite figure.
    if (!Number.isFinite(totals.value) || !Number.isFinite(totals.value_im) || !Number.isFinite(totals.value_mm) || !Number.isFinite(totals.free_value_im)) {
      throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', 'collateral value is not finite', { field: 'totals.value', value: totals.value });
    }
    return { currency: P.margin_currency, lines, unrealised_pnl: upnlLines, totals, flags, degraded };
  }

  /** The price quote of one asset (margin currency: exactly 1, fresh and certain). */
  private quote(asset: string, a: AssetParams, market: CollateralMarket): Quote {
    const q = this.q;
    if (asset === this.params.margin_currency) {
      q.index = 1;
      q.reference = NaN;
      q.confidence = 1;
      q.age_ms = 0;
      q.sources = 0;
      q.adv = NaN;
      return q;
    }
    if (a.reference === undefined) readEntry(market, asset, q);
    else readReference(market, asset, a.reference, this.params.margin_currency, q);
    return q;
  }

  /** Records flags for a stale, low-confidence or few-source price; 'reject' throws. */
  private degradedCheck(asset: string, a: AssetParams, q: Quote, flags: CollateralFlag[]): boolean {
    const P = this.params;
    const stale = q.age_ms > P.max_price_age_ms;
    const low = q.confidence < P.min_price_confidence;
    const few = a.reference !== undefined && q.sources < P.min_index_sources;
    if (!stale && !low && !few) return false;
    if (P.degraded.policy === 'reject') {
      if (stale) throw new RiskgridError('RG_ERR_STALE_MARKET_DATA', `price of ${asset} is ${q.age_ms} ms old (limit ${P.max_price_age_ms})`, { field: `prices.${asset}.timestamp_ms`, value: q.age_ms });
      if (low) throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `price of ${asset} has confidence ${q.confidence} (minimum ${P.min_price_confidence})`, { field: `prices.${asset}.confidence`, value: q.confidence });
      throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `index of ${asset} has ${q.sources} source(s) (minimum ${P.min_index_sources})`, { field: `prices.${asset}.sources`, value: q.sources });
    }
    if (stale) flags.push({ asset, flag: 'stale', value: q.age_ms });
    if (low) flags.push({ asset, flag: 'low_confidence', value: q.confidence });
    if (few) flags.push({ asset, flag: 'few_sources', value: q.sources });
    return true;
  }

  /** IM and MM value of `amount` units at `price` into cIm, cMm, cLiq. */
  private count(amount: number, price: number, a: AssetParams, adv: number, xIm: number, xMm: number): void {
    const value = amount * price;
    const l = a.liquidity;
    const liq = liquidityHaircut(Math.abs(amount), adv, l.base, l.k, l.cap);
    this.cLiq = liq;
    if (amount >= 0) {
      const keep = (1 - liq) * value;
      this.cIm = keep * (1 - a.haircut_im) * (1 - xIm);
      this.cMm = keep * (1 - a.haircut_mm) * (1 - xMm);
    } else {
      const owe = (1 + liq) * value;
      this.cIm = owe * (1 + a.borrow_add_on_im) * (1 + xIm);
      this.cMm = owe * (1 + a.borrow_add_on_mm) * (1 + xMm);
    }
  }
}

/** Holdings at min(reference, index), liabilities at max(reference, index); no reference: index. */
function priceFor(amount: number, index: number, ref: number, hasRef: boolean): number {
  if (!hasRef) return index;
  if (amount >= 0) return index < ref ? index : ref;
  return index > ref ? index : ref;
}

/** One-shot valuation (validates the parameters on every call; keep a CollateralValuer for speed). */
export function valueCollateral(params: unknown, account: CollateralAccount, market: CollateralMarket): CollateralValuation {
  return new CollateralValuer(params).value(account, market);
}
