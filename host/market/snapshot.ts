// A validated market snapshot and the lookups the engine makes on it. Every lookup of data that
// is absent throws RG_ERR_MISSING_MARKET_DATA naming the path it looked for; nothing defaults.
// Build one with parseMarketSnapshot (validate.ts), the single door market data comes in through.
import { RiskgridError } from '../errors.js';
import type { JsonObject } from '../model/fields.js';
import { formatExpiryToken } from '../model/expiry.js';
import { formatStrike } from '../model/ids.js';
import { MS_PER_YEAR, type OptionType } from '../model/instrument.js';
import { surfaceProvider, type VolSurface } from './vol-provider.js';

/** One observed value with its source's confidence in [0, 1] and observation time (UTC ms). */
export interface Feed {
  readonly value: number;
  readonly confidence: number;
  readonly timestamp: number;
}

/** A collateral asset's price feed, with what the collateral module may also use. */
export interface CollateralFeed extends Feed {
  /** Independent index prices (USD); a reference-valued asset is valued from their median. */
  readonly sources?: readonly number[];
  /** Average daily volume in units of the asset (liquidity haircut). */
  readonly adv?: number;
  /** Units of the underlying one unit redeems for (wrapped and staked assets). */
  readonly redemption_rate?: number;
}

export interface ExpiryMarket {
  /** The key it was given under (`27DEC26`). */
  readonly label: string;
  /** UTC instant in ms. */
  readonly expiry: number;
  /** ACT/365 year fraction from the snapshot time: (expiry − timestamp) / 31,536,000,000. */
  readonly t: number;
  /** Forward price in the underlying's quote currency; derived = index·exp(rate·t) when not given. */
  readonly forward: Feed;
  readonly forwardDerived: boolean;
  /** Continuously compounded annual rate (decimal); derived = ln(forward/index)/t when not given. */
  readonly rate: Feed;
  readonly rateDerived: boolean;
  /** Confidence and time of the expiry's vol marks (one feed for all its strikes). */
  readonly volConfidence: number;
  readonly volTimestamp: number;
  /** Mark vols (decimal) by strike for both types, and per option type when given per option. */
  readonly vols: ReadonlyMap<number, number>;
  readonly callVols: ReadonlyMap<number, number>;
  readonly putVols: ReadonlyMap<number, number>;
}

export interface UnderlyingMarket {
  readonly name: string;
  /** Index (spot) price in the quote currency (USD). */
  readonly index: Feed;
  /** Perpetual mark price; absent when not quoted. */
  readonly perp?: Feed;
  /** By expiry instant (UTC ms). */
  readonly expiries: ReadonlyMap<number, ExpiryMarket>;
  /** Opaque surface reference with a string `kind`, read by a registered SurfaceProvider. */
  readonly surface?: JsonObject;
}

export interface StablecoinMarket {
  readonly asset: string;
  /** USD per one stablecoin (1 at peg). */
  readonly price: Feed;
}

export interface SnapshotData {
  readonly id: string;
  readonly timestamp: number;
  readonly underlyings: ReadonlyMap<string, UnderlyingMarket>;
  readonly stablecoin?: StablecoinMarket;
  /** USD price per unit of each collateral asset. */
  readonly collateral: ReadonlyMap<string, CollateralFeed>;
}

function missing(field: string, what: string): never {
  throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `market snapshot has no ${what} (${field})`, { field, value: undefined });
}

export class MarketSnapshot implements SnapshotData {
  readonly id: string;
  readonly timestamp: number;
  readonly underlyings: ReadonlyMap<string, UnderlyingMarket>;
  readonly stablecoin?: StablecoinMarket;
  readonly collateral: ReadonlyMap<string, CollateralFeed>;
  private readonly surfaces = new Map<string, VolSurface>();

  constructor(data: SnapshotData) {
    this.id = data.id;
    this.timestamp = data.timestamp;
    this.underlyings = data.underlyings;
    if (data.stablecoin !== undefined) this.stablecoin = data.stablecoin;
    this.collateral = data.collateral;
  }

  /** ACT/365 years from the snapshot time to `instant` (negative for the past). */
  yearFraction(instant: number): number {
    return (instant - this.timestamp) / MS_PER_YEAR;
  }

  underlying(name: string): UnderlyingMarket {
    return this.underlyings.get(name) ?? missing(`underlyings.${name}`, `underlying ${name}`);
  }

  index(name: string): Feed {
    return this.underlying(name).index;
  }

  perp(name: string): Feed {
    return this.underlying(name).perp ?? missing(`underlyings.${name}.perp_price`, `perpetual mark for ${name}`);
  }

  expiry(name: string, expiry: number): ExpiryMarket {
    const u = this.underlying(name);
    return u.expiries.get(expiry) ?? missing(`underlyings.${name}.expiries.${label(expiry)}`, `expiry ${label(expiry)} for ${name}`);
  }

  /**
   * Implied vol for an option: the explicit mark for this option type, else the mark for the
   * strike, else the underlying's surface (a registered provider or one set with setSurface).
   */
  volFor(name: string, expiry: number, strike: number, optionType?: OptionType): number {
    const e = this.expiry(name, expiry);
    const typed = optionType === 'C' ? e.callVols.get(strike) : optionType === 'P' ? e.putVols.get(strike) : undefined;
    if (typed !== undefined) return typed;
    const mark = e.vols.get(strike);
    if (mark !== undefined) return mark;
    const surface = this.surfaceFor(name);
    if (surface === undefined) {
      return missing(`underlyings.${name}.expiries.${e.label}.vols.${formatStrike(strike)}`, `mark vol or surface for ${name} ${e.label} strike ${strike}`);
    }
    let v: number;
    try {
      v = surface.vol(expiry, strike, e.forward.value, e.t);
    } catch (err) {
      // Beyond the surface's bounds (no extrapolation): say which option asked.
      if (!(err instanceof RiskgridError)) throw err;
      throw new RiskgridError(err.code, `${name} ${e.label} strike ${strike}: ${err.message}`, { field: `underlyings.${name}.surface`, value: err.value });
    }
    if (!(v >= 0 && v < Infinity)) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `surface for ${name} gave vol ${v} at ${e.label} strike ${strike}`, { field: `underlyings.${name}.surface`, value: v });
    }
    return v;
  }

  /** Attach a built surface to an underlying (replaces one built from the snapshot's reference). */
  setSurface(name: string, surface: VolSurface): void {
    this.underlying(name);
    this.surfaces.set(name, surface);
  }

  /** The underlying's surface (set, or built from its reference), if it has one. */
  surface(name: string): VolSurface | undefined {
    return this.surfaceFor(name);
  }

  private surfaceFor(name: string): VolSurface | undefined {
    const have = this.surfaces.get(name);
    if (have !== undefined) return have;
    const ref = this.underlying(name).surface;
    if (ref === undefined) return undefined;
    const path = `underlyings.${name}.surface`;
    const provider = surfaceProvider(ref.kind as string);
    if (provider === undefined) {
      throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `no surface provider registered for kind "${String(ref.kind)}"`, { field: `${path}.kind`, value: ref.kind });
    }
    const u = this.underlying(name);
    const built = provider.build(ref, name, path, { asOfMs: this.timestamp, forward: (e) => u.expiries.get(e)?.forward.value });
    this.surfaces.set(name, built);
    return built;
  }

  /** The stablecoin's USD price feed (Derive's StablePrice). */
  stable(): StablecoinMarket {
    return this.stablecoin ?? missing('stablecoin', 'stablecoin price');
  }

  /**
   * USD price of an asset held as a balance: its collateral entry, else the stablecoin entry,
   * else the index of an underlying of that name.
   */
  assetPrice(asset: string): Feed {
    const c = this.collateral.get(asset);
    if (c !== undefined) return c;
    if (this.stablecoin !== undefined && this.stablecoin.asset === asset) return this.stablecoin.price;
    const u = this.underlyings.get(asset);
    if (u !== undefined) return u.index;
    return missing(`collateral.${asset}`, `price for asset ${asset}`);
  }
}

function label(expiry: number): string {
  try {
    return formatExpiryToken(expiry);
  } catch {
    return String(expiry);
  }
}
