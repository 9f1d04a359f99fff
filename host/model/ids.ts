// Venue-style instrument ids, parsed and formatted:
//   BTC-27DEC26-60000-C        option (plain underlying: settles as the conventions say)
//   XRP_USDC-30JUN23-0d625-C   linear option quoted and settled in USDC; `d` is the decimal point
//   BTC-27DEC26 / BTC-PERPETUAL / BTC_USDC-PERPETUAL   future / perpetual
//   BTC_USDC / BTC             spot holding of BTC (quoted in USDC / in the plain quote)
//   USDC                       cash (a code in conventions.cash)
// formatInstrumentId(parseInstrumentId(id)) is the canonical form of id; parse∘format is the
// identity on instruments whose contract size is the conventions' one.
import { RiskgridError } from '../errors.js';
import { formatExpiryToken, parseExpiryToken } from './expiry.js';
import { CODE, DERIBIT_CONVENTIONS, type IdConventions, type Instrument, type InstrumentKind, type OptionType, type Settlement } from './instrument.js';

const STRIKE = /^(\d+)(?:[d.](\d+))?$/;
const CACHE_LIMIT = 65_536;
const caches = new WeakMap<IdConventions, Map<string, Instrument>>();
// One venue's conventions are used for most calls in a row: skip the WeakMap lookup then.
let lastConv: IdConventions | undefined;
let lastCache: Map<string, Instrument> | undefined;

/** Parse a venue id; throws RG_ERR_UNKNOWN_INSTRUMENT naming the id. Results are cached. */
export function parseInstrumentId(id: string, conv: IdConventions = DERIBIT_CONVENTIONS, field = 'instrument'): Instrument {
  let cache = conv === lastConv ? lastCache : caches.get(conv);
  if (cache === undefined) caches.set(conv, (cache = new Map()));
  lastConv = conv;
  lastCache = cache;
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  const inst = parseUncached(id, conv, field);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(id, inst);
  return inst;
}

function unknown(id: unknown, field: string, why: string): never {
  throw new RiskgridError('RG_ERR_UNKNOWN_INSTRUMENT', `${field}: unknown instrument ${JSON.stringify(id)}: ${why}`, { field, value: id });
}

function parseUncached(id: string, conv: IdConventions, field: string): Instrument {
  if (typeof id !== 'string' || id.length === 0 || id.length > 64) unknown(id, field, 'not an instrument id');
  const parts = id.split('-');
  const [base, quoted, ...extra] = parts[0]!.split('_');
  if (extra.length > 0 || !CODE.test(base!) || (quoted !== undefined && !CODE.test(quoted))) {
    unknown(id, field, 'the underlying must be CODE or CODE_QUOTE in upper-case letters and digits');
  }
  const underlying = base!;
  if (parts.length === 1) {
    if (quoted === undefined && conv.cash.has(underlying)) return make(conv, 'cash', underlying, underlying, 'linear');
    return make(conv, 'spot', underlying, quoted ?? conv.plainQuote, 'linear');
  }
  const quote = quoted ?? conv.plainQuote;
  const settlement: Settlement = quoted === undefined ? conv.plainSettlement : 'linear';
  if (parts.length === 2 && parts[1] === 'PERPETUAL') return make(conv, 'perpetual', underlying, quote, settlement);
  const expiry = parseExpiryToken(parts[1]!);
  if (expiry === undefined) unknown(id, field, `"${parts[1]}" is not an expiry such as 27DEC26 or PERPETUAL`);
  if (parts.length === 2) return make(conv, 'future', underlying, quote, settlement, expiry);
  if (parts.length !== 4) unknown(id, field, 'expected UNDERLYING-EXPIRY-STRIKE-C|P for an option');
  const m = STRIKE.exec(parts[2]!);
  const strike = m === null ? NaN : Number(m[2] === undefined ? m[1] : `${m[1]}.${m[2]}`);
  if (!(strike > 0 && strike < Infinity)) unknown(id, field, `"${parts[2]}" is not a positive strike (write 0d625 for 0.625)`);
  const type = parts[3];
  if (type !== 'C' && type !== 'P') unknown(id, field, `"${type}" is not C or P`);
  return make(conv, 'option', underlying, quote, settlement, expiry, strike, type);
}

function make(
  conv: IdConventions, kind: InstrumentKind, underlying: string, quote: string, settlement: Settlement,
  expiry?: number, strike?: number, optionType?: OptionType,
): Instrument {
  const fields = { kind, underlying, quote, settlement, strike, expiry, optionType };
  return buildInstrument(fields, conv.contractSize, conv);
}

export interface InstrumentFields {
  kind: InstrumentKind;
  underlying: string;
  quote: string;
  settlement: Settlement;
  strike?: number;
  expiry?: number;
  optionType?: OptionType;
}

// Instruments are interned: every position on one instrument shares one frozen object, so a venue
// of millions of positions holds a few thousand instruments, and hot loops read warm memory.
// Bounded so that a stream of distinct ids from untrusted input cannot grow it without limit.
const INTERN_LIMIT = 100_000;
const interned = new Map<string, Instrument>();

/** Assemble a frozen Instrument (fields already validated) with its canonical id; interned. */
export function buildInstrument(f: InstrumentFields, contractSize: number, conv: IdConventions): Instrument {
  const id = formatInstrumentId(f, conv);
  // The id carries the rest; settlement, quote and size depend on conventions, and cash and spot
  // of one code share an id.
  const key = `${f.kind}|${f.settlement}|${f.quote}|${contractSize}|${id}`;
  const hit = interned.get(key);
  if (hit !== undefined) return hit;
  const inst: Instrument = {
    id,
    kind: f.kind,
    underlying: f.underlying,
    quote: f.quote,
    settlement: f.settlement,
    settleCurrency: f.settlement === 'inverse' ? f.underlying : f.quote,
    contractSize,
  };
  if (f.expiry !== undefined) (inst as { expiry?: number }).expiry = f.expiry;
  if (f.strike !== undefined) (inst as { strike?: number }).strike = f.strike;
  if (f.optionType !== undefined) (inst as { optionType?: OptionType }).optionType = f.optionType;
  if (interned.size >= INTERN_LIMIT) interned.clear();
  interned.set(key, Object.freeze(inst));
  return inst;
}

/**
 * Canonical id of an instrument under the conventions. Throws RG_ERR_INVALID_INPUT for a
 * combination no venue id can express (an inverse instrument quoted in another than the plain
 * quote currency); such instruments are still usable when given as an explicit spec.
 */
export function formatInstrumentId(f: InstrumentFields, conv: IdConventions = DERIBIT_CONVENTIONS): string {
  if (f.kind === 'cash') return f.underlying;
  let head: string;
  if (f.kind === 'spot') {
    head = f.quote === conv.plainQuote && !conv.cash.has(f.underlying) ? f.underlying : `${f.underlying}_${f.quote}`;
    return head;
  }
  if (f.settlement === conv.plainSettlement && f.quote === conv.plainQuote) head = f.underlying;
  else if (f.settlement === 'linear') head = `${f.underlying}_${f.quote}`;
  else {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `an inverse ${f.kind} on ${f.underlying} quoted in ${f.quote} has no venue id under these conventions (plain ids are ${conv.plainSettlement} in ${conv.plainQuote})`, { field: 'settlement', value: f.settlement });
  }
  if (f.kind === 'perpetual') return `${head}-PERPETUAL`;
  const exp = formatExpiryToken(f.expiry!);
  if (f.kind === 'future') return `${head}-${exp}`;
  return `${head}-${exp}-${formatStrike(f.strike!)}-${f.optionType!}`;
}

/** Strike as plain decimal digits with `d` for the point: 60000, 0d625, 0d0000001. */
export function formatStrike(strike: number): string {
  return plainDecimal(strike).replace('.', 'd');
}

/** Shortest round-trip decimal of a positive finite number, without exponent notation. */
function plainDecimal(x: number): string {
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const exp = Number(s.slice(e + 1));
  const mantissa = s.slice(0, e);
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const pointAt = (dot < 0 ? mantissa.length : dot) + exp; // digits before the decimal point
  if (pointAt <= 0) return `0.${'0'.repeat(-pointAt)}${digits}`;
  if (pointAt >= digits.length) return digits + '0'.repeat(pointAt - digits.length);
  return `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
}
