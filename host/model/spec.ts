// Instruments given as explicit JSON specs rather than bare ids, for what an id cannot say:
//   {"id": "ETH-20240628-3500-C", "settlement": "linear", "quote": "USDC"}   id plus overrides
//   {"kind": "option", "underlying": "BTC", "quote": "USD", "settlement": "inverse",
//    "strike": 60000, "expiry": 1798358400000, "option_type": "C", "contract_size": 1}
// `expiry` is a UTC instant in ms or an expiry token (27DEC26, 27DEC26T0930).
import { at, fail, onlyKeys, positive, type JsonObject } from './fields.js';
import { parseExpiryToken } from './expiry.js';
import { buildInstrument, parseInstrumentId, type InstrumentFields } from './ids.js';
import { CODE, type IdConventions, type Instrument, type InstrumentKind } from './instrument.js';

const SPEC_KEYS = new Set(['id', 'kind', 'underlying', 'quote', 'settlement', 'contract_size', 'strike', 'expiry', 'option_type']);
const KINDS: ReadonlySet<string> = new Set(['option', 'future', 'perpetual', 'spot', 'cash']);

export function instrumentFromSpec(spec: JsonObject, conv: IdConventions, path: string): Instrument {
  onlyKeys(spec, SPEC_KEYS, path);
  let f: InstrumentFields;
  let size = conv.contractSize;
  if (spec.id !== undefined) {
    const base = parseInstrumentId(spec.id as string, conv, at(path, 'id'));
    f = { kind: base.kind, underlying: base.underlying, quote: base.quote, settlement: base.settlement, strike: base.strike, expiry: base.expiry, optionType: base.optionType };
    size = base.contractSize;
  } else {
    const kind = spec.kind;
    if (typeof kind !== 'string' || !KINDS.has(kind)) fail('RG_ERR_INVALID_INPUT', at(path, 'kind'), kind, 'must be option, future, perpetual, spot or cash');
    const underlying = code(spec.underlying, at(path, 'underlying'));
    f = { kind: kind as InstrumentKind, underlying, quote: conv.plainQuote, settlement: conv.plainSettlement };
    if (kind === 'spot' || kind === 'cash') f.settlement = 'linear';
    if (kind === 'cash') f.quote = underlying;
  }
  if (spec.kind !== undefined && spec.kind !== f.kind) fail('RG_ERR_INVALID_INPUT', at(path, 'kind'), spec.kind, `contradicts the id (${f.kind})`);
  if (spec.underlying !== undefined && spec.underlying !== f.underlying) fail('RG_ERR_INVALID_INPUT', at(path, 'underlying'), spec.underlying, `contradicts the id (${f.underlying})`);
  if (spec.quote !== undefined) f.quote = code(spec.quote, at(path, 'quote'));
  if (spec.settlement !== undefined) {
    const s = spec.settlement;
    if (s !== 'linear' && s !== 'inverse') fail('RG_ERR_INVALID_INPUT', at(path, 'settlement'), s, 'must be linear or inverse');
    if (s === 'inverse' && (f.kind === 'spot' || f.kind === 'cash')) fail('RG_ERR_INVALID_INPUT', at(path, 'settlement'), s, `a ${f.kind} holding cannot be inverse`);
    f.settlement = s;
  }
  if (spec.contract_size !== undefined) size = positive(spec.contract_size, at(path, 'contract_size'));
  const dated = f.kind === 'option' || f.kind === 'future';
  if (spec.expiry !== undefined) {
    if (!dated) fail('RG_ERR_INVALID_INPUT', at(path, 'expiry'), spec.expiry, `a ${f.kind} has no expiry`);
    f.expiry = expiry(spec.expiry, at(path, 'expiry'));
  }
  if (spec.strike !== undefined) {
    if (f.kind !== 'option') fail('RG_ERR_INVALID_INPUT', at(path, 'strike'), spec.strike, `a ${f.kind} has no strike`);
    f.strike = positive(spec.strike, at(path, 'strike'));
  }
  if (spec.option_type !== undefined) {
    if (f.kind !== 'option') fail('RG_ERR_INVALID_INPUT', at(path, 'option_type'), spec.option_type, `a ${f.kind} has no option type`);
    if (spec.option_type !== 'C' && spec.option_type !== 'P') fail('RG_ERR_INVALID_INPUT', at(path, 'option_type'), spec.option_type, 'must be C or P');
    f.optionType = spec.option_type;
  }
  if (dated && f.expiry === undefined) fail('RG_ERR_INVALID_INPUT', at(path, 'expiry'), undefined, `a ${f.kind} needs an expiry`);
  if (f.kind === 'option' && f.strike === undefined) fail('RG_ERR_INVALID_INPUT', at(path, 'strike'), undefined, 'an option needs a strike');
  if (f.kind === 'option' && f.optionType === undefined) fail('RG_ERR_INVALID_INPUT', at(path, 'option_type'), undefined, 'an option needs option_type C or P');
  if (f.kind === 'cash' && f.quote !== f.underlying) fail('RG_ERR_INVALID_INPUT', at(path, 'quote'), f.quote, 'cash is quoted in itself');
  if (f.settlement === 'inverse' && f.quote !== conv.plainQuote) {
    // No venue id can say it (formatInstrumentId would refuse); name the field here instead.
    fail('RG_ERR_INVALID_INPUT', at(path, 'settlement'), 'inverse', `an inverse instrument must be quoted in ${conv.plainQuote} under these conventions (got quote ${f.quote})`);
  }
  return buildInstrument(f, size, conv);
}

function code(v: unknown, field: string): string {
  if (typeof v !== 'string' || !CODE.test(v)) fail('RG_ERR_INVALID_INPUT', field, v, 'must be an upper-case code of letters and digits (BTC, USDC)');
  return v;
}

function expiry(v: unknown, field: string): number {
  if (typeof v === 'string') {
    const t = parseExpiryToken(v);
    if (t === undefined) fail('RG_ERR_INVALID_INPUT', field, v, 'is not an expiry token such as 27DEC26 or 27DEC26T0930');
    return t;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < Date.UTC(2000, 0, 1) || v >= Date.UTC(2100, 0, 1)) {
    fail('RG_ERR_INVALID_INPUT', field, v, 'must be a UTC instant in integer ms (2000-2099) or a token such as 27DEC26');
  }
  return v;
}
