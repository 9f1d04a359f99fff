// Collateral parameters: a plain object that lives inside a profile's JSON (snake_case keys).
// validateCollateralParams is the one choke point: unknown keys, missing keys and out-of-domain
// values are RiskgridError RG_ERR_PROFILE naming the path (e.g. `collateral.assets.ETH.haircut_im`).
import { RiskgridError } from '../errors.js';

export type DegradedPolicy = 'flag' | 'haircut' | 'reject';

export interface LiquidityParams {
  /** h_liq = min(cap, base + k·√(size/ADV)); see liquidity.ts. */
  base: number;
  k: number;
  cap: number;
  /** Average daily volume in units of the asset; a market entry's `adv` overrides it. */
  adv?: number;
}

export type ReferenceParams =
  /** A stablecoin: worth `peg` units of the margin currency at most. */
  | { kind: 'peg'; peg: number }
  /** A wrapped or staked asset: redeemable for `rate` units of `underlying` (a market entry's
   *  `redemption_rate` overrides `rate`). */
  | { kind: 'redemption'; underlying: string; rate?: number };

export interface AssetParams {
  /** Fraction of value not counted, for IM and MM (IM ≥ MM). On a liability: unused (see borrow_*). */
  haircut_im: number;
  haircut_mm: number;
  liquidity: LiquidityParams;
  /** A negative balance counts as value·(1 + add_on): a liability margin (IM ≥ MM). */
  borrow_add_on_im: number;
  borrow_add_on_mm: number;
  reference?: ReferenceParams;
}

export interface CollateralParams {
  /** Every value is expressed in this asset; its own balance has price 1. */
  margin_currency: string;
  /** A price older than this is stale. */
  max_price_age_ms: number;
  /** A price with confidence below this is low-confidence. */
  min_price_confidence: number;
  /** Stale, low-confidence or few-source prices: flag only, flag and haircut, or refuse. */
  degraded: { policy: DegradedPolicy; extra_haircut_im: number; extra_haircut_mm: number };
  /** Positive unrealised P&L counts after this haircut; none at all on a thin underlying. */
  unrealised_pnl: { haircut_im: number; haircut_mm: number };
  /** Reference-valued assets need a median of at least this many index sources. */
  min_index_sources: number;
  /** A depeg (1 − index/reference) above this is flagged. */
  depeg_flag_threshold: number;
  /**
   * The requirement a depeg adds: IM and MM each grow by depeg_requirement × (largest depeg held) ×
   * themselves (absent: 0, no add-on). Derive's analogue is its im loss factor's depeg term.
   */
  depeg_requirement?: number;
  /** Underlyings whose unrealised profit never counts (thin markets: Mango Markets 2022). */
  thin_assets: string[];
  assets: Record<string, AssetParams>;
  /** Terms for an asset not listed in `assets` (absent: such an asset is refused). */
  default_asset?: AssetParams;
}

const TOP = ['margin_currency', 'max_price_age_ms', 'min_price_confidence', 'degraded', 'unrealised_pnl', 'min_index_sources', 'depeg_flag_threshold', 'thin_assets', 'assets'];
const ASSET = ['haircut_im', 'haircut_mm', 'liquidity', 'borrow_add_on_im', 'borrow_add_on_mm'];

function fail(path: string, message: string, value: unknown): never {
  throw new RiskgridError('RG_ERR_PROFILE', `${path}: ${message}`, { field: path, value });
}

function object(path: string, v: unknown, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'must be an object', v);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!required.includes(key) && !optional.includes(key)) fail(`${path}.${key}`, 'unknown field', o[key]);
  }
  for (const key of required) if (o[key] === undefined) fail(`${path}.${key}`, 'missing field', undefined);
  return o;
}

function num(path: string, v: unknown, lo: number, hi: number, opts: { loOpen?: boolean; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a finite number, got ${String(v)}`, v);
  const below = opts.loOpen === true ? v <= lo : v < lo;
  if (below || v > hi) fail(path, `must be in ${opts.loOpen === true ? '(' : '['}${lo}, ${hi}], got ${v}`, v);
  if (opts.integer === true && !Number.isInteger(v)) fail(path, `must be an integer, got ${v}`, v);
  return v;
}

function str(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) fail(path, 'must be a non-empty string', v);
  return v;
}

function imAtLeastMm(path: string, im: number, mm: number): void {
  if (im < mm) fail(path, `the IM figure ${im} must be at least the MM figure ${mm}`, im);
}

/** Validates and returns a deep copy (the caller's object is never kept). `path` prefixes errors. */
export function validateCollateralParams(raw: unknown, path = 'collateral'): CollateralParams {
  const o = object(path, raw, TOP, ['default_asset', 'depeg_requirement']);
  const margin_currency = str(`${path}.margin_currency`, o.margin_currency);
  const max_price_age_ms = num(`${path}.max_price_age_ms`, o.max_price_age_ms, 0, Infinity, { loOpen: true });
  const min_price_confidence = num(`${path}.min_price_confidence`, o.min_price_confidence, 0, 1);

  const d = object(`${path}.degraded`, o.degraded, ['policy', 'extra_haircut_im', 'extra_haircut_mm']);
  if (d.policy !== 'flag' && d.policy !== 'haircut' && d.policy !== 'reject') fail(`${path}.degraded.policy`, `must be 'flag', 'haircut' or 'reject', got ${String(d.policy)}`, d.policy);
  const degraded = {
    policy: d.policy as DegradedPolicy,
    extra_haircut_im: num(`${path}.degraded.extra_haircut_im`, d.extra_haircut_im, 0, 1),
    extra_haircut_mm: num(`${path}.degraded.extra_haircut_mm`, d.extra_haircut_mm, 0, 1),
  };
  imAtLeastMm(`${path}.degraded.extra_haircut_im`, degraded.extra_haircut_im, degraded.extra_haircut_mm);

  const u = object(`${path}.unrealised_pnl`, o.unrealised_pnl, ['haircut_im', 'haircut_mm']);
  const unrealised_pnl = { haircut_im: num(`${path}.unrealised_pnl.haircut_im`, u.haircut_im, 0, 1), haircut_mm: num(`${path}.unrealised_pnl.haircut_mm`, u.haircut_mm, 0, 1) };
  imAtLeastMm(`${path}.unrealised_pnl.haircut_im`, unrealised_pnl.haircut_im, unrealised_pnl.haircut_mm);

  const min_index_sources = num(`${path}.min_index_sources`, o.min_index_sources, 1, 1000, { integer: true });
  const depeg_flag_threshold = num(`${path}.depeg_flag_threshold`, o.depeg_flag_threshold, 0, 1);
  if (!Array.isArray(o.thin_assets)) fail(`${path}.thin_assets`, 'must be an array of asset names', o.thin_assets);
  const thin_assets = (o.thin_assets as unknown[]).map((a, i) => str(`${path}.thin_assets[${i}]`, a));

  const assetsRaw = object(`${path}.assets`, o.assets, [], Object.keys((o.assets as object) ?? {}));
  const assets: Record<string, AssetParams> = {};
  for (const name of Object.keys(assetsRaw)) assets[name] = validateAsset(`${path}.assets.${name}`, assetsRaw[name]);
  for (const name of Object.keys(assets)) {
    const ref = assets[name]!.reference;
    if (name === margin_currency && ref !== undefined) fail(`${path}.assets.${name}.reference`, 'the margin currency is worth 1 by definition and takes no reference', ref);
    if (ref?.kind === 'redemption') {
      if (ref.underlying === name) fail(`${path}.assets.${name}.reference.underlying`, 'an asset cannot redeem into itself', ref.underlying);
      // One level only: the underlying is priced from its own index, never from another reference.
      if (assets[ref.underlying]?.reference !== undefined) fail(`${path}.assets.${name}.reference.underlying`, `${ref.underlying} is itself reference-valued (chains are not supported)`, ref.underlying);
    }
  }
  const out: CollateralParams = { margin_currency, max_price_age_ms, min_price_confidence, degraded, unrealised_pnl, min_index_sources, depeg_flag_threshold, thin_assets, assets };
  if (o.depeg_requirement !== undefined) out.depeg_requirement = num(`${path}.depeg_requirement`, o.depeg_requirement, 0, 100);
  if (o.default_asset !== undefined) {
    const d = validateAsset(`${path}.default_asset`, o.default_asset);
    // A reference names one asset's peg or redemption: it cannot apply to every unlisted asset.
    if (d.reference !== undefined) fail(`${path}.default_asset.reference`, 'the default terms take no reference', d.reference);
    out.default_asset = d;
  }
  return out;
}

function validateAsset(path: string, raw: unknown): AssetParams {
  const o = object(path, raw, ASSET, ['reference']);
  const haircut_im = num(`${path}.haircut_im`, o.haircut_im, 0, 1);
  const haircut_mm = num(`${path}.haircut_mm`, o.haircut_mm, 0, 1);
  imAtLeastMm(`${path}.haircut_im`, haircut_im, haircut_mm);
  const l = object(`${path}.liquidity`, o.liquidity, ['base', 'k', 'cap'], ['adv']);
  const base = num(`${path}.liquidity.base`, l.base, 0, 1);
  const cap = num(`${path}.liquidity.cap`, l.cap, 0, 1);
  const k = num(`${path}.liquidity.k`, l.k, 0, Infinity);
  if (base > cap) fail(`${path}.liquidity.base`, `must not exceed cap ${cap}, got ${base}`, base);
  // Above h = (2 + base)/3 the counted value s·(1 − h(s)) falls as s grows: withdrawing would raise
  // the collateral counted. The cap keeps it rising (see liquidity.ts).
  if (cap > (2 + base) / 3) fail(`${path}.liquidity.cap`, `must be ≤ (2 + base)/3 = ${(2 + base) / 3} so that holding more never counts less, got ${cap}`, cap);
  const liquidity: LiquidityParams = { base, k, cap };
  if (l.adv !== undefined) liquidity.adv = num(`${path}.liquidity.adv`, l.adv, 0, Infinity, { loOpen: true });
  const borrow_add_on_im = num(`${path}.borrow_add_on_im`, o.borrow_add_on_im, 0, 100);
  const borrow_add_on_mm = num(`${path}.borrow_add_on_mm`, o.borrow_add_on_mm, 0, 100);
  imAtLeastMm(`${path}.borrow_add_on_im`, borrow_add_on_im, borrow_add_on_mm);
  const out: AssetParams = { haircut_im, haircut_mm, liquidity, borrow_add_on_im, borrow_add_on_mm };
  if (o.reference !== undefined) out.reference = validateReference(`${path}.reference`, o.reference);
  return out;
}

function validateReference(path: string, raw: unknown): ReferenceParams {
  const kind = (raw as { kind?: unknown } | null)?.kind;
  if (kind === 'peg') {
    const o = object(path, raw, ['kind', 'peg']);
    return { kind, peg: num(`${path}.peg`, o.peg, 0, Infinity, { loOpen: true }) };
  }
  if (kind === 'redemption') {
    const o = object(path, raw, ['kind', 'underlying'], ['rate']);
    const r: ReferenceParams = { kind, underlying: str(`${path}.underlying`, o.underlying) };
    if (o.rate !== undefined) r.rate = num(`${path}.rate`, o.rate, 0, Infinity, { loOpen: true });
    return r;
  }
  return fail(`${path}.kind`, `must be 'peg' or 'redemption', got ${String(kind)}`, kind);
}
