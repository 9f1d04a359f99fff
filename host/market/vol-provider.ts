// The hook between market snapshots and volatility surfaces. A snapshot may name a surface per
// underlying (`"surface": {"kind": "svi", ...}`); the module that understands that kind
// (host/market/svi.ts, surface.ts) registers a provider here. Marks given explicitly in the
// snapshot always win; the surface prices the options that have no mark of their own.
import { RiskgridError } from '../errors.js';
import type { JsonObject } from '../model/fields.js';

/** What a built surface answers: total-variance-consistent implied vol (decimal, ≥ 0). */
export interface VolSurface {
  /** `forward` and `t` (ACT/365 years from the snapshot) are given so the surface need not look them up. */
  vol(expiry: number, strike: number, forward: number, t: number): number;
}

/** What the snapshot tells a provider: its time (year fractions run from it) and its forwards. */
export interface SurfaceContext {
  asOfMs: number;
  /** The snapshot's forward for an expiry of this underlying, if it has that expiry. */
  forward?(expiryMs: number): number | undefined;
}

export interface SurfaceProvider {
  /** Throw RiskgridError (RG_ERR_INVALID_INPUT, field under `path`) for a malformed reference. */
  validate?(ref: JsonObject, path: string, ctx?: SurfaceContext): void;
  /** Build the surface for one underlying from its reference; called once per snapshot. */
  build(ref: JsonObject, underlying: string, path: string, ctx?: SurfaceContext): VolSurface;
}

const providers = new Map<string, SurfaceProvider>();

export function registerSurfaceProvider(kind: string, provider: SurfaceProvider): void {
  if (typeof kind !== 'string' || kind.length === 0) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'a surface provider needs a non-empty kind', { field: 'kind', value: kind });
  }
  providers.set(kind, provider);
}

export function surfaceProvider(kind: string): SurfaceProvider | undefined {
  return providers.get(kind);
}

export function surfaceKinds(): string[] {
  return [...providers.keys()].sort();
}
