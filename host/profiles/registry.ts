// Profiles: a methodology (code, registered here) plus its parameters (a versioned JSON file in
// the top-level profiles/ folder). Every loaded profile carries the content hash of its file
// (hash.ts) so each result can echo it and any number can be replayed.
//   {"name": "derive-pmrm2.test", "methodology": "derive-pmrm2", "version": "1.0.0",
//    "description": "...", "params": {...}}
// Files are read through `process.getBuiltinModule('node:fs')` at run time, so nothing here
// imports a `node:` module statically; in a browser pass the parsed object instead.
import { RiskgridError } from '../errors.js';
import { fail, isObject, onlyKeys, str } from '../model/fields.js';
import { contentHash } from './hash.js';
import { parseMarketDataPolicy, type MarketDataPolicy } from '../market/guard-policy.js';
import { parseLiquidationParams, type LiquidationParams } from '../liquidation/params.js';

/** A margin methodology: the engine reads it from the registry by the profile's `methodology`. */
export interface Methodology<P = unknown> {
  /** Check the `params` object (path `params`); return them typed. Throw RG_ERR_PROFILE naming the field. */
  validateParams(params: unknown, path: string): P;
  /** One line for listings. */
  readonly description?: string;
}

export interface Profile<P = unknown> {
  readonly name: string;
  readonly methodology: string;
  readonly version: string;
  readonly description: string;
  readonly params: P;
  /** `sha256:<hex>` over the canonical JSON of the whole profile object. */
  readonly hash: string;
  /** File path or URL it was read from, or `object` when passed in parsed. */
  readonly source: string;
  /** The market-data guard's policy (`market_data`, docs/PROFILES.md); absent = the defaults. */
  readonly market_data?: MarketDataPolicy;
  /** The liquidation engine's parameters (`liquidation`, docs/PROFILES.md); absent = the defaults. */
  readonly liquidation?: LiquidationParams;
}

const methodologies = new Map<string, Methodology>();

export function registerMethodology<P>(name: string, impl: Methodology<P>): void {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `methodology name ${JSON.stringify(name)} must be lower-case letters, digits, ".", "_" or "-"`, { field: 'name', value: name });
  }
  if (typeof impl?.validateParams !== 'function') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `methodology ${name} needs a validateParams function`, { field: 'impl', value: typeof impl });
  }
  methodologies.set(name, impl as Methodology);
}

export function getMethodology<P = unknown>(name: string): Methodology<P> {
  const m = methodologies.get(name);
  if (m === undefined) {
    throw new RiskgridError('RG_ERR_PROFILE', `unknown methodology "${name}"; registered: ${listMethodologies().join(', ') || 'none'}`, { field: 'methodology', value: name });
  }
  return m as Methodology<P>;
}

export function listMethodologies(): string[] {
  return [...methodologies.keys()].sort();
}

const PROFILE_KEYS = new Set(['name', 'methodology', 'version', 'description', 'params', 'market_data', 'liquidation']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ProfileOptions {
  /** Accept a methodology that is not registered (params then stay unchecked). Default false. */
  allowUnknownMethodology?: boolean;
}

/** Validate an already-parsed profile object (the browser path, and the end of every load). */
export function parseProfile<P = unknown>(input: unknown, source = 'object', opts: ProfileOptions = {}): Profile<P> {
  if (!isObject(input)) fail('RG_ERR_PROFILE', 'profile', input, `${source}: a profile must be a JSON object`);
  onlyKeysAsProfileError(input);
  const name = profileStr(input.name, 'name');
  if (!NAME.test(name)) fail('RG_ERR_PROFILE', 'name', name, 'must be letters, digits, ".", "_" or "-"');
  const methodology = profileStr(input.methodology, 'methodology');
  const v = input.version;
  if (!((typeof v === 'string' && v.length > 0 && v.length <= 64) || (typeof v === 'number' && Number.isFinite(v)))) {
    fail('RG_ERR_PROFILE', 'version', v, 'must be a non-empty string such as "1.0.0" (or a number)');
  }
  const description = input.description === undefined ? '' : typeof input.description === 'string' ? input.description : fail('RG_ERR_PROFILE', 'description', input.description, 'must be a string');
  if (!isObject(input.params)) fail('RG_ERR_PROFILE', 'params', input.params, 'must be an object');
  const hash = contentHash(input);
  let params = input.params as P;
  const impl = methodologies.get(methodology);
  if (impl !== undefined) params = impl.validateParams(input.params, 'params') as P;
  else if (opts.allowUnknownMethodology !== true) getMethodology(methodology);
  const market_data = input.market_data === undefined ? undefined : parseMarketDataPolicy(input.market_data, 'market_data');
  const liquidation = input.liquidation === undefined ? undefined : parseLiquidationParams(input.liquidation, 'liquidation');
  return Object.freeze({ name, methodology, version: String(v), description, params, hash, source, ...(market_data === undefined ? {} : { market_data }), ...(liquidation === undefined ? {} : { liquidation }) });
}

function onlyKeysAsProfileError(obj: Record<string, unknown>): void {
  try {
    onlyKeys(obj, PROFILE_KEYS, '');
  } catch (err) {
    const e = err as RiskgridError;
    throw new RiskgridError('RG_ERR_PROFILE', `${e.message}; a profile has name, methodology, version, description, params, market_data, liquidation`, { field: e.field, value: e.value });
  }
}

function profileStr(v: unknown, field: string): string {
  try {
    return str(v, field);
  } catch {
    return fail('RG_ERR_PROFILE', field, v, 'must be a non-empty string');
  }
}

/** The folder of built-in parameter files: `<package>/profiles/` from host/profiles or dist/profiles. */
export const PROFILES_DIR = new URL('../../profiles/', import.meta.url);

interface NodeFs {
  readFileSync(path: string | URL, enc: 'utf8'): string;
  readdirSync(path: string | URL): string[];
}

function nodeFs(): NodeFs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
  if (fs === undefined) {
    throw new RiskgridError('RG_ERR_PROFILE', 'this runtime cannot read profile files; pass the parsed profile object instead', { field: 'profile', value: undefined });
  }
  return fs;
}

/** A name is `derive-pmrm2.test`; anything with a slash, backslash or a `.json` ending is a path. */
function locate(ref: string): string | URL {
  if (/[\\/]/.test(ref) || ref.endsWith('.json')) return ref;
  if (!NAME.test(ref)) fail('RG_ERR_PROFILE', 'profile', ref, 'is neither a profile name nor a file path');
  return new URL(`${ref}.json`, PROFILES_DIR);
}

/**
 * Load a profile by name (profiles/<name>.json), by file path, or from a parsed object.
 * A missing file is RG_ERR_PROFILE and malformed JSON RG_ERR_PARSE, each naming the file.
 */
export function loadProfile<P = unknown>(ref: string | Record<string, unknown>, opts: ProfileOptions = {}): Profile<P> {
  if (typeof ref !== 'string') return parseProfile<P>(ref, 'object', opts);
  const where = locate(ref);
  const shown = where instanceof URL ? decodeURIComponent(where.pathname) : where;
  let text: string;
  try {
    text = nodeFs().readFileSync(where, 'utf8');
  } catch (err) {
    if (err instanceof RiskgridError) throw err;
    const known = typeof ref === 'string' && where instanceof URL ? `; built-in profiles: ${listProfiles().join(', ') || 'none'}` : '';
    throw new RiskgridError('RG_ERR_PROFILE', `profile ${JSON.stringify(ref)}: cannot read ${shown}${known}`, { field: 'profile', value: ref, cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RiskgridError('RG_ERR_PARSE', `profile ${shown}: not valid JSON: ${(err as Error).message}`, { field: 'profile', value: shown, cause: err });
  }
  return parseProfile<P>(json, shown, opts);
}

/** Names of the built-in parameter files in profiles/ (empty when the runtime has no file system). */
export function listProfiles(): string[] {
  try {
    return nodeFs().readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}
