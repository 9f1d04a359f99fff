// The one door accounts come in through: snake_case JSON (as the service and CLI take it) to a
// validated Account. Unknown fields, non-finite numbers and unparseable ids are RiskgridErrors
// whose `field` is the path (`positions[3].size`) and whose `value` is what was found.
//
//   {"account_id": "a1", "pool": "default",
//    "positions": [{"instrument": "BTC-27DEC26-60000-C", "size": -2, "avg_price": 0.05}],
//    "balances": {"USDC": 100000, "BTC": 1.5}}
// `positions` may also be a map id → size: {"BTC-PERPETUAL": 1000, "BTC-27DEC26-60000-C": -2}.
import { RiskgridError } from '../errors.js';
import { DEFAULT_POOL, type Account, type Position } from './account.js';
import { asset, at, fail, finite, isObject, nonNegative, object, onlyKeys, str, type JsonObject } from './fields.js';
import { parseInstrumentId } from './ids.js';
import { DERIBIT_CONVENTIONS, type IdConventions, type Instrument } from './instrument.js';
import { instrumentFromSpec } from './spec.js';

const ACCOUNT_KEYS = new Set(['account_id', 'pool', 'positions', 'balances']);

export interface AccountOptions {
  /** How plain ids settle (default Deribit: inverse in USD). */
  conventions?: IdConventions;
  /** Prefix for error paths, e.g. `accounts[7]` in a batch. */
  path?: string;
}

/** Validate an account given as parsed JSON. */
export function parseAccount(input: unknown, opts: AccountOptions = {}): Account {
  const conv = opts.conventions ?? DERIBIT_CONVENTIONS;
  const path = opts.path ?? '';
  const obj = object(input, path === '' ? 'account' : path);
  onlyKeys(obj, ACCOUNT_KEYS, path);
  const id = obj.account_id === undefined ? '' : str(obj.account_id, at(path, 'account_id'));
  const pool = obj.pool === undefined ? DEFAULT_POOL : str(obj.pool, at(path, 'pool'));
  const positions = obj.positions === undefined ? [] : parsePositions(obj.positions, conv, at(path, 'positions'));
  const balances = obj.balances === undefined ? emptyBalances() : parseBalances(obj.balances, at(path, 'balances'));
  // Frozen: how the engine tells a validated account without positions from raw JSON.
  return Object.freeze({ id, pool, positions, balances });
}

/** Validate an account given as JSON text; malformed text is RG_ERR_PARSE. */
export function parseAccountJson(text: string, opts: AccountOptions = {}): Account {
  return parseAccount(parseJsonText(text, opts.path ?? 'account'), opts);
}

export function parseJsonText(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RiskgridError('RG_ERR_PARSE', `${field}: not valid JSON: ${(err as Error).message}`, { field, value: text.length > 200 ? `${text.slice(0, 200)}...` : text, cause: err });
  }
}

export function parsePositions(v: unknown, conv: IdConventions, path: string): Position[] {
  if (Array.isArray(v)) {
    const out: Position[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = parsePosition(v[i], conv, path, i);
    return out;
  }
  if (!isObject(v)) fail('RG_ERR_INVALID_INPUT', path, v, 'must be an array of positions or a map instrument → size');
  const out: Position[] = [];
  for (const id in v) {
    const field = `${path}.${id}`;
    out.push({ instrument: parseInstrumentId(id, conv, field), size: finite(v[id], field) + 0 });
  }
  return out;
}

// The hot path of every request: plain checks inline, error paths (and their strings) built
// only on failure.
function parsePosition(v: unknown, conv: IdConventions, listPath: string, i: number): Position {
  if (!isObject(v)) return fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}]`, v, 'must be an object');
  let instrument: Instrument | undefined;
  let size: number | undefined;
  let avgPrice: number | undefined;
  let funding: number | undefined;
  for (const k in v) {
    const x = v[k];
    switch (k) {
      case 'instrument':
      case 'instrument_name':
        if (instrument !== undefined) fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].${k}`, x, 'give instrument or instrument_name, not both');
        if (typeof x === 'string') instrument = parseInstrumentId(x, conv, `${listPath}[${i}].${k}`);
        else if (isObject(x)) instrument = instrumentFromSpec(x, conv, `${listPath}[${i}].${k}`);
        else fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].${k}`, x, 'must be an instrument id or an instrument spec object');
        break;
      case 'size':
        if (typeof x !== 'number' || x - x !== 0) finite(x, `${listPath}[${i}].size`);
        size = (x as number) + 0; // -0 → 0: JSON writes both as 0, so keep one zero
        break;
      case 'avg_price':
      case 'average_price':
        if (avgPrice !== undefined) fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].${k}`, x, 'give avg_price or average_price, not both');
        if (!(typeof x === 'number' && x >= 0 && x < Infinity)) nonNegative(x, `${listPath}[${i}].${k}`);
        avgPrice = (x as number) + 0;
        break;
      case 'unrealised_funding':
        funding = finite(x, `${listPath}[${i}].${k}`) + 0;
        break;
      default:
        fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].${k}`, x, `unknown field "${k}"`);
    }
  }
  if (instrument === undefined) fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].instrument`, undefined, 'is missing');
  if (size === undefined) fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].size`, undefined, 'is missing');
  if (funding !== undefined && instrument.kind !== 'perpetual') {
    fail('RG_ERR_INVALID_INPUT', `${listPath}[${i}].unrealised_funding`, funding, 'only perpetual positions accrue funding');
  }
  const pos: { instrument: Instrument; size: number; avgPrice?: number; unrealisedFunding?: number } = { instrument, size };
  if (avgPrice !== undefined) pos.avgPrice = avgPrice;
  if (funding !== undefined) pos.unrealisedFunding = funding;
  return pos;
}

export function parseBalances(v: unknown, path: string): Record<string, number> {
  const obj: JsonObject = object(v, path);
  const out = emptyBalances();
  for (const k in obj) {
    const field = `${path}.${k}`;
    out[asset(k, field)] = finite(obj[k], field) + 0;
  }
  return out;
}

function emptyBalances(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}
