// A small JSON shape checker for parameter files (profiles) and similar configuration: clear
// errors for unknown fields, missing fields, wrong types and out-of-range numbers, each naming
// the path (`params.margin.im_loss_factor`) and the value found. Not for hot paths.
import type { ErrorCode } from '../errors.js';
import { fail, isObject } from './fields.js';

interface Common {
  optional?: boolean;
  /** Shown in error messages and usable by docs generators. */
  description?: string;
}
export type Schema =
  | (Common & { type: 'number'; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean })
  | (Common & { type: 'string'; enum?: readonly string[]; pattern?: RegExp })
  | (Common & { type: 'boolean' })
  | (Common & { type: 'object'; fields: Readonly<Record<string, Schema>> })
  | (Common & { type: 'array'; items: Schema; minItems?: number; maxItems?: number })
  | (Common & { type: 'record'; values: Schema; keys?: RegExp })
  | (Common & { type: 'any' });

/** Check `value` against `schema`; throws RiskgridError(code) at the first problem. */
export function checkSchema<T = unknown>(value: unknown, schema: Schema, path: string, code: ErrorCode = 'RG_ERR_PROFILE'): T {
  walk(value, schema, path, code);
  return value as T;
}

function walk(v: unknown, s: Schema, path: string, code: ErrorCode): void {
  const where = path === '' ? 'value' : path;
  switch (s.type) {
    case 'any':
      return;
    case 'number': {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(code, where, v, `must be a finite number${describe(s)}`);
      if (s.integer === true && !Number.isInteger(v)) fail(code, where, v, 'must be an integer');
      if (s.min !== undefined && (v < s.min || (s.minExclusive === true && v === s.min))) fail(code, where, v, `must be ${s.minExclusive === true ? '>' : '>='} ${s.min}`);
      if (s.max !== undefined && (v > s.max || (s.maxExclusive === true && v === s.max))) fail(code, where, v, `must be ${s.maxExclusive === true ? '<' : '<='} ${s.max}`);
      return;
    }
    case 'string':
      if (typeof v !== 'string') fail(code, where, v, `must be a string${describe(s)}`);
      if (s.enum !== undefined && !s.enum.includes(v)) fail(code, where, v, `must be one of ${s.enum.join(', ')}`);
      if (s.pattern !== undefined && !s.pattern.test(v)) fail(code, where, v, `must match ${String(s.pattern)}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') fail(code, where, v, `must be true or false${describe(s)}`);
      return;
    case 'array': {
      if (!Array.isArray(v)) fail(code, where, v, `must be an array${describe(s)}`);
      if (s.minItems !== undefined && v.length < s.minItems) fail(code, where, v.length, `needs at least ${s.minItems} items`);
      if (s.maxItems !== undefined && v.length > s.maxItems) fail(code, where, v.length, `allows at most ${s.maxItems} items`);
      for (let i = 0; i < v.length; i++) walk(v[i], s.items, `${path}[${i}]`, code);
      return;
    }
    case 'record': {
      if (!isObject(v)) fail(code, where, v, `must be an object${describe(s)}`);
      for (const k in v) {
        const p = path === '' ? k : `${path}.${k}`;
        if (s.keys !== undefined && !s.keys.test(k)) fail(code, p, k, `key must match ${String(s.keys)}`);
        walk(v[k], s.values, p, code);
      }
      return;
    }
    case 'object': {
      if (!isObject(v)) fail(code, where, v, `must be an object${describe(s)}`);
      for (const k in v) {
        if (!Object.hasOwn(s.fields, k)) {
          const p = path === '' ? k : `${path}.${k}`;
          fail(code, p, v[k], `unknown field "${k}"; expected one of: ${Object.keys(s.fields).join(', ')}`);
        }
      }
      for (const k of Object.keys(s.fields)) {
        const sub = s.fields[k]!;
        const p = path === '' ? k : `${path}.${k}`;
        if (v[k] === undefined) {
          if (sub.optional === true) continue;
          fail(code, p, undefined, `missing field "${k}" (${sub.type}${describe(sub)})`);
        }
        walk(v[k], sub, p, code);
      }
      return;
    }
  }
}

function describe(s: Common): string {
  return s.description === undefined ? '' : `: ${s.description}`;
}
