// Schema of the standard and cross-futures parameter files (docs/PROFILES.md).
import { checkSchema, frac, profileError, str, type Schema } from './schema.js';
import type { StandardParams } from './types.js';

export const RATE: Schema = { type: 'object', fields: { initial: frac, maintenance: frac } };

export const STANDARD_FIELDS: Record<string, Schema> = {
  currency: str,
  futureRate: RATE,
  perpetualRate: RATE,
  spotRate: RATE,
  shortOption: { type: 'object', fields: { underlyingFraction: RATE, minimumFraction: RATE } },
  longOptionPremium: { type: 'boolean' },
};

/** Initial must not be below maintenance, for every rate in the object tree. */
export function checkInitialAtLeastMaintenance(v: unknown, path: string): void {
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (typeof o.initial === 'number' && typeof o.maintenance === 'number' && o.initial < o.maintenance) {
    profileError(`${path}.initial`, o.initial, `must be >= maintenance (${o.maintenance})`);
  }
  for (const [k, x] of Object.entries(o)) checkInitialAtLeastMaintenance(x, `${path}.${k}`);
}

export function validateStandardParams(raw: unknown, path = 'params'): StandardParams {
  const p = checkSchema<StandardParams>(raw, { type: 'object', fields: STANDARD_FIELDS }, path);
  checkInitialAtLeastMaintenance(p, path);
  return p;
}
