// Price impact of liquidation flow, and moving a market snapshot (JSON) by a price multiplier.
//   linear: Δln p = −k · n / depth
//   sqrt:   Δln p = −k · sign(n) · √(|n| / depth)      (the square-root law of market impact)
// n is the round's net notional sold in the underlying (USD, positive = net selling, as a
// liquidation of longs is), depth the notional (USD) at which the linear model moves ln p by k.
// A move multiplies the index, the perp mark, every forward and the prices of the underlying's
// collateral family (ETH: ETH, WEETH, RSWETH; BTC: BTC, LBTC, CBBTC; else the asset of that
// name); vols are kept per strike (sticky strike) and rates are unchanged.
import { createHash } from 'node:crypto';
import { RiskgridError } from '../errors.js';
import { FAMILIES } from '../venue/synth-multi.js';

export type ImpactModelName = 'linear' | 'sqrt';
export const IMPACT_MODELS: readonly ImpactModelName[] = ['linear', 'sqrt'];

export interface ImpactModel {
  model: ImpactModelName;
  /** Log-price move per unit of n / depth (linear) or of √(n / depth) (sqrt). */
  k: number;
  /** Depth per underlying, USD. */
  depth: Readonly<Record<string, number>>;
}

/** Wrapped and liquid-staked forms margined as their underlying (synth-multi's table). */
export const DEFAULT_FAMILIES: Readonly<Record<string, readonly string[]>> = FAMILIES;

/** The underlying whose price a collateral asset follows (undefined: a stablecoin or unrelated asset). */
export function familyOf(asset: string, underlyings: readonly string[], families: Readonly<Record<string, readonly string[]>> = DEFAULT_FAMILIES): string | undefined {
  for (const u of underlyings) if (asset === u || families[u]?.includes(asset) === true) return u;
  return undefined;
}

export function checkImpact(m: ImpactModel): ImpactModel {
  if (!IMPACT_MODELS.includes(m.model)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impact model must be one of ${IMPACT_MODELS.join(', ')}, got ${String(m.model)}`, { field: 'impact', value: m.model });
  if (!(Number.isFinite(m.k) && m.k >= 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impact k must be a finite number >= 0, got ${m.k}`, { field: 'impact.k', value: m.k });
  for (const [u, d] of Object.entries(m.depth)) {
    if (!(Number.isFinite(d) && d > 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `depth of ${u} must be a finite number > 0 (USD), got ${d}`, { field: `depth.${u}`, value: d });
  }
  return m;
}

/** Δln p for a net notional sold `n` (USD) in an underlying of depth `depth`. */
export function logImpact(model: ImpactModelName, k: number, n: number, depth: number): number {
  if (n === 0) return 0;
  const x = n / depth;
  return model === 'linear' ? -k * x : -k * Math.sign(x) * Math.sqrt(Math.abs(x));
}

type MarketJson = Record<string, unknown> & { underlyings: Record<string, Record<string, unknown>>; collateral?: Record<string, Record<string, unknown>> };

/**
 * A copy of `market` with each named underlying's prices multiplied by its factor (see the top of
 * the file) and the given snapshot id. Throws when a named underlying is not in the market.
 */
export function moveMarket(market: Record<string, unknown>, factors: Readonly<Record<string, number>>, snapshotId: string, families: Readonly<Record<string, readonly string[]>> = DEFAULT_FAMILIES): Record<string, unknown> {
  const next = structuredClone(market) as MarketJson;
  const unds = next.underlyings;
  if (unds === null || typeof unds !== 'object') throw new RiskgridError('RG_ERR_INVALID_INPUT', 'market has no "underlyings"', { field: 'market.underlyings', value: unds });
  const names = Object.keys(factors).sort();
  for (const u of names) {
    const m = factors[u]!;
    if (!(Number.isFinite(m) && m > 0)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `price factor of ${u} must be a finite number > 0, got ${m}`, { field: `move.${u}`, value: m });
    const um = unds[u];
    if (um === undefined) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `underlying ${u} is not in the market (${Object.keys(unds).sort().join(', ')})`, { field: 'underlying', value: u });
    if (m === 1) continue;
    for (const key of ['index_price', 'perp_price']) if (typeof um[key] === 'number') um[key] = (um[key] as number) * m;
    const exp = um.expiries as Record<string, Record<string, unknown>> | undefined;
    for (const e of Object.values(exp ?? {})) if (typeof e.forward === 'number') e.forward = e.forward * m;
  }
  for (const [asset, c] of Object.entries(next.collateral ?? {})) {
    const u = familyOf(asset, names, families);
    if (u !== undefined && typeof c.price === 'number') c.price = c.price * factors[u]!;
  }
  next.snapshot_id = snapshotId;
  return next;
}

/** JSON with object keys sorted: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A content id for a market: the same prices give the same id (its snapshot_id left out). */
export function marketContentId(market: Record<string, unknown>): string {
  const { snapshot_id: _id, ...rest } = market;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}
