// Small, allocation-free checks shared by every input parser (accounts, market snapshots,
// profiles). Paths are built only when something is wrong, so the happy path costs a few
// comparisons per field.
import { RiskgridError, type ErrorCode } from '../errors.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: unknown };

/** Join a parent path and a key: `positions[3]` + `size` → `positions[3].size`. */
export function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function fail(code: ErrorCode, field: string, value: unknown, why: string): never {
  throw new RiskgridError(code, `${field}: ${why} (got ${show(value)})`, { field, value });
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function object(v: unknown, field: string): JsonObject {
  if (!isObject(v)) fail('RG_ERR_INVALID_INPUT', field, v, 'must be an object');
  return v;
}

export function array(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail('RG_ERR_INVALID_INPUT', field, v, 'must be an array');
  return v;
}

export function str(v: unknown, field: string, maxLen = 128): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLen) {
    fail('RG_ERR_INVALID_INPUT', field, v, `must be a non-empty string of at most ${maxLen} characters`);
  }
  return v;
}

/** Any finite number (NaN and ±Infinity are errors, never numbers). */
export function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || v - v !== 0) fail('RG_ERR_INVALID_INPUT', field, v, 'must be a finite number');
  return v;
}

export function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v > 0) || v === Infinity) fail('RG_ERR_INVALID_INPUT', field, v, 'must be a finite number > 0');
  return v;
}

export function nonNegative(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v >= 0) || v === Infinity) fail('RG_ERR_INVALID_INPUT', field, v, 'must be a finite number >= 0');
  return v;
}

export function unit(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail('RG_ERR_INVALID_INPUT', field, v, 'must be a number in [0, 1]');
  return v;
}

// 2000-01-01 .. 2200-01-01: anything outside is a unit mistake (seconds for ms, ns for ms).
export const MIN_TIME_MS = 946_684_800_000;
export const MAX_TIME_MS = 7_258_118_400_000;

/** A UTC instant in integer milliseconds within a sane range. */
export function instant(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < MIN_TIME_MS || v > MAX_TIME_MS) {
    fail('RG_ERR_INVALID_INPUT', field, v, 'must be a UTC time in integer milliseconds between 2000 and 2200');
  }
  return v;
}

/** Asset / currency code: letters, digits, `.`, `-`, at most 32 characters (USDC, wstETH, sUSDe). */
const ASSET = /^[A-Za-z0-9][A-Za-z0-9.\-]{0,31}$/;
export function asset(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ASSET.test(v)) fail('RG_ERR_INVALID_INPUT', field, v, 'must be an asset code (letters, digits, "." or "-", up to 32)');
  return v;
}

/** Reject keys outside `allowed` (a Set for O(1) lookups on the hot path). */
export function onlyKeys(obj: JsonObject, allowed: ReadonlySet<string>, path: string): void {
  for (const k in obj) {
    if (!allowed.has(k)) fail('RG_ERR_INVALID_INPUT', at(path, k), obj[k], `unknown field "${k}"`);
  }
}
