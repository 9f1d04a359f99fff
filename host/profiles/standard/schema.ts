// A small declarative schema for profile parameters, shared by the span, standard, cross-futures,
// deribit-pm, okx-pm and tims methodologies. One walk checks types, ranges, required and unknown
// fields; every failure is RG_ERR_PROFILE naming the full path (`params.commodities.ES.tiers[0].rate`).
import { validateCollateralParams } from '../../collateral/params.js';
import { RiskgridError } from '../../errors.js';

export type Schema =
  | { type: 'number'; min?: number; max?: number; above?: number; integer?: boolean }
  | { type: 'string'; enum?: readonly string[] }
  | { type: 'boolean' }
  | { type: 'array'; items: Schema; length?: number; minLength?: number }
  | { type: 'object'; fields: Record<string, Schema>; optional?: readonly string[] }
  /** An object with free keys (names of commodities, underlyings, assets). */
  | { type: 'record'; values: Schema; minKeys?: number };

export function profileError(field: string, value: unknown, why: string): never {
  const shown = typeof value === 'object' && value !== null ? (Array.isArray(value) ? 'an array' : 'an object') : JSON.stringify(value) ?? String(value);
  throw new RiskgridError('RG_ERR_PROFILE', `${field}: ${why} (got ${shown})`, { field, value });
}

/** Check `raw` against `schema`; returns it unchanged (typed by the caller) or throws RG_ERR_PROFILE. */
export function checkSchema<T>(raw: unknown, schema: Schema, path: string): T {
  // Every methodology checked here takes the collateral module's optional `collateral` section
  // (docs/PROFILES.md); the module validates it, the methodology's schema the rest.
  if (schema.type === 'object' && !('collateral' in schema.fields) && typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>).collateral !== undefined) {
    const { collateral, ...rest } = raw as Record<string, unknown>;
    validateCollateralParams(collateral, `${path}.collateral`);
    walk(rest, schema, path);
    return raw as T;
  }
  walk(raw, schema, path);
  return raw as T;
}

function walk(v: unknown, s: Schema, path: string): void {
  switch (s.type) {
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) profileError(path, v, 'must be a finite number');
      if (s.integer === true && !Number.isInteger(v)) profileError(path, v, 'must be an integer');
      if (s.min !== undefined && v < s.min) profileError(path, v, `must be >= ${s.min}`);
      if (s.above !== undefined && !(v > s.above)) profileError(path, v, `must be > ${s.above}`);
      if (s.max !== undefined && v > s.max) profileError(path, v, `must be <= ${s.max}`);
      return;
    }
    case 'string':
      if (typeof v !== 'string' || v.length === 0) profileError(path, v, 'must be a non-empty string');
      if (s.enum !== undefined && !s.enum.includes(v)) profileError(path, v, `must be one of ${s.enum.join(', ')}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') profileError(path, v, 'must be true or false');
      return;
    case 'array': {
      if (!Array.isArray(v)) profileError(path, v, 'must be an array');
      if (s.length !== undefined && v.length !== s.length) profileError(path, v, `must have exactly ${s.length} entries, has ${v.length}`);
      if (s.minLength !== undefined && v.length < s.minLength) profileError(path, v, `must have at least ${s.minLength} entries`);
      v.forEach((x, i) => walk(x, s.items, `${path}[${i}]`));
      return;
    }
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) profileError(path, v, 'must be an object');
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        if (!(k in s.fields)) profileError(`${path}.${k}`, o[k], `unknown field "${k}"; allowed: ${Object.keys(s.fields).join(', ')}`);
      }
      for (const [k, fs] of Object.entries(s.fields)) {
        if (o[k] === undefined) {
          if (s.optional?.includes(k) === true) continue;
          profileError(`${path}.${k}`, undefined, `missing field "${k}"`);
        }
        walk(o[k], fs, `${path}.${k}`);
      }
      return;
    }
    case 'record': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) profileError(path, v, 'must be an object');
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (s.minKeys !== undefined && keys.length < s.minKeys) profileError(path, v, `must have at least ${s.minKeys} entries`);
      for (const k of keys) walk(o[k], s.values, `${path}.${k}`);
      return;
    }
  }
}

/** Shorthands for the common cases. */
export const num = (min?: number, max?: number): Schema => ({ type: 'number', min, max });
export const pos = (max?: number): Schema => ({ type: 'number', above: 0, max });
export const frac: Schema = { type: 'number', min: 0, max: 1 };
export const str: Schema = { type: 'string' };
export const numArray = (length?: number, min?: number, max?: number): Schema => ({ type: 'array', items: num(min, max), length });
