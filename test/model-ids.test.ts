import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RiskgridError } from '../host/errors.js';
import { formatExpiryToken, parseExpiryToken } from '../host/model/expiry.js';
import { formatInstrumentId, formatStrike, parseInstrumentId, type InstrumentFields } from '../host/model/ids.js';
import { conventions, DERIBIT_CONVENTIONS, DERIVE_CONVENTIONS, yearFraction } from '../host/model/instrument.js';

const DEC27_2026_0800 = Date.UTC(2026, 11, 27, 8);

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e instanceof RiskgridError ? { code: e.code, field: e.field, value: e.value } : e;
  }
  return 'no error';
}

describe('expiry tokens', () => {
  it('read Deribit and Derive forms at 08:00 UTC', () => {
    expect(parseExpiryToken('27DEC26')).toBe(DEC27_2026_0800);
    expect(parseExpiryToken('20261227')).toBe(DEC27_2026_0800);
    expect(parseExpiryToken('5JAN27')).toBe(Date.UTC(2027, 0, 5, 8));
    expect(parseExpiryToken('05JAN27')).toBe(Date.UTC(2027, 0, 5, 8));
    expect(parseExpiryToken('27DEC26T0930')).toBe(Date.UTC(2026, 11, 27, 9, 30));
    expect(parseExpiryToken('27DEC26T093015.250')).toBe(Date.UTC(2026, 11, 27, 9, 30, 15, 250));
  });

  it('reject days that do not exist and malformed tokens', () => {
    for (const t of ['31FEB26', '29FEB25', '0JAN26', '27DEX26', '27dec26', '27DEC26T2400', '27DEC26T0960', '20261327', 'PERPETUAL', '']) {
      expect(parseExpiryToken(t), t).toBeUndefined();
    }
    expect(parseExpiryToken('29FEB28')).toBe(Date.UTC(2028, 1, 29, 8));
  });

  it('format writes the time only when it is not 08:00', () => {
    expect(formatExpiryToken(DEC27_2026_0800)).toBe('27DEC26');
    expect(formatExpiryToken(Date.UTC(2027, 0, 5, 8))).toBe('5JAN27');
    expect(formatExpiryToken(Date.UTC(2026, 11, 27, 0))).toBe('27DEC26T0000');
    expect(formatExpiryToken(Date.UTC(2026, 11, 27, 9, 30, 1))).toBe('27DEC26T093001');
    expect(formatExpiryToken(Date.UTC(2026, 11, 27, 9, 30, 1, 7))).toBe('27DEC26T093001.007');
  });

  it('round trip: parse(format(t)) = t for every instant in 2000-2099', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) - 1 }), (t) => {
      expect(parseExpiryToken(formatExpiryToken(t))).toBe(t);
    }), { numRuns: 2000 });
  });
});

describe('instrument ids', () => {
  it('parse a Deribit inverse option', () => {
    const i = parseInstrumentId('BTC-27DEC26-60000-C');
    expect(i).toEqual({
      id: 'BTC-27DEC26-60000-C', kind: 'option', underlying: 'BTC', quote: 'USD', settlement: 'inverse',
      settleCurrency: 'BTC', contractSize: 1, strike: 60000, expiry: DEC27_2026_0800, optionType: 'C',
    });
    expect(Object.isFrozen(i)).toBe(true);
  });

  it('parse linear options with a decimal strike', () => {
    const i = parseInstrumentId('XRP_USDC-30JUN23-0d625-C');
    expect(i).toMatchObject({ kind: 'option', underlying: 'XRP', quote: 'USDC', settlement: 'linear', settleCurrency: 'USDC', strike: 0.625, expiry: Date.UTC(2023, 5, 30, 8), optionType: 'C' });
  });

  it('parse perpetuals, futures, spot and cash', () => {
    expect(parseInstrumentId('ETH-PERPETUAL')).toMatchObject({ kind: 'perpetual', underlying: 'ETH', settlement: 'inverse', quote: 'USD', settleCurrency: 'ETH' });
    expect(parseInstrumentId('BTC_USDC-PERPETUAL')).toMatchObject({ kind: 'perpetual', underlying: 'BTC', settlement: 'linear', quote: 'USDC', settleCurrency: 'USDC' });
    const fut = parseInstrumentId('BTC-27DEC26');
    expect(fut).toMatchObject({ kind: 'future', expiry: DEC27_2026_0800, settlement: 'inverse' });
    expect(fut.strike).toBeUndefined();
    expect(parseInstrumentId('BTC_USDC')).toMatchObject({ id: 'BTC_USDC', kind: 'spot', underlying: 'BTC', quote: 'USDC', settlement: 'linear' });
    expect(parseInstrumentId('BTC')).toMatchObject({ id: 'BTC', kind: 'spot', underlying: 'BTC', quote: 'USD' });
    expect(parseInstrumentId('USDC')).toMatchObject({ id: 'USDC', kind: 'cash', underlying: 'USDC', quote: 'USDC', settleCurrency: 'USDC' });
  });

  it('canonicalise equivalent spellings', () => {
    expect(parseInstrumentId('BTC-05JAN27-60000.5-P').id).toBe('BTC-5JAN27-60000d5-P');
    expect(parseInstrumentId('BTC-20261227-60000-C').id).toBe('BTC-27DEC26-60000-C');
    expect(parseInstrumentId('BTC_USD').id).toBe('BTC');
    expect(parseInstrumentId('BTC-27DEC26-060000-C').id).toBe('BTC-27DEC26-60000-C');
  });

  it('follow venue conventions: Derive plain ids are linear in USDC', () => {
    const i = parseInstrumentId('ETH-20240628-3500-C', DERIVE_CONVENTIONS);
    expect(i).toMatchObject({ id: 'ETH-28JUN24-3500-C', settlement: 'linear', quote: 'USDC', settleCurrency: 'USDC' });
    // The same instrument under Deribit conventions is written with its quote.
    expect(formatInstrumentId(i, DERIBIT_CONVENTIONS)).toBe('ETH_USDC-28JUN24-3500-C');
    expect(parseInstrumentId('ETH-PERPETUAL', conventions({ contractSize: 10 })).contractSize).toBe(10);
  });

  it('bad ids are RG_ERR_UNKNOWN_INSTRUMENT naming the id', () => {
    for (const id of ['', 'btc-PERPETUAL', 'BTC-27DEC26-60000', 'BTC-27DEC26-60000-X', 'BTC-31FEB26-1-C', 'BTC-27DEC26-0-C',
      'BTC-27DEC26--C', 'BTC-27DEC26-1e5-C', 'BTC-PERPETUAL-1', 'BTC_USDC_X-PERPETUAL', 'BTC-FOO', 'BTC-27DEC26-1-C-X', '-PERPETUAL', 'BTC-27DEC26-1d-C']) {
      expect(codeOf(() => parseInstrumentId(id, DERIBIT_CONVENTIONS, 'positions[3].instrument')), id).toEqual({ code: 'RG_ERR_UNKNOWN_INSTRUMENT', field: 'positions[3].instrument', value: id });
    }
    expect((codeOf(() => parseInstrumentId(42 as unknown as string)) as { code: string }).code).toBe('RG_ERR_UNKNOWN_INSTRUMENT');
    try {
      parseInstrumentId('BTC-27DEC26-60000-X');
    } catch (e) {
      expect((e as Error).message).toContain('BTC-27DEC26-60000-X');
    }
  });

  it('an inverse instrument in a non-plain quote has no id', () => {
    const f: InstrumentFields = { kind: 'perpetual', underlying: 'BTC', quote: 'USDC', settlement: 'inverse' };
    expect((codeOf(() => formatInstrumentId(f)) as { code: string }).code).toBe('RG_ERR_INVALID_INPUT');
  });

  it('strikes: plain decimals, no exponent', () => {
    expect(formatStrike(60000)).toBe('60000');
    expect(formatStrike(0.625)).toBe('0d625');
    expect(formatStrike(1e-7)).toBe('0d0000001');
    expect(formatStrike(1.5e-7)).toBe('0d00000015');
    expect(formatStrike(1e21)).toBe('1000000000000000000000');
    expect(formatStrike(1.25e22)).toBe('12500000000000000000000');
  });

  const code = fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}$/);
  const fields: fc.Arbitrary<InstrumentFields> = fc.oneof(
    fc.record({
      kind: fc.constant('option' as const), underlying: code, quote: fc.constantFrom('USD', 'USDC', 'USDT'), settlement: fc.constantFrom('linear' as const, 'inverse' as const),
      expiry: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) - 1 }),
      strike: fc.double({ min: 1e-9, max: 1e12, noNaN: true, noDefaultInfinity: true }).filter((x) => x > 0),
      optionType: fc.constantFrom('C' as const, 'P' as const),
    }),
    fc.record({ kind: fc.constant('future' as const), underlying: code, quote: fc.constantFrom('USD', 'USDC'), settlement: fc.constantFrom('linear' as const, 'inverse' as const), expiry: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) - 1 }) }),
    fc.record({ kind: fc.constant('perpetual' as const), underlying: code, quote: fc.constantFrom('USD', 'USDC'), settlement: fc.constantFrom('linear' as const, 'inverse' as const) }),
    fc.record({ kind: fc.constant('spot' as const), underlying: code, quote: fc.constantFrom('USD', 'USDC'), settlement: fc.constant('linear' as const) }),
  ).filter((f) => !(f.settlement === 'inverse' && f.quote !== 'USD'));

  it('round trip: parse(format(spec)) = spec, and format(parse(id)) = id', () => {
    fc.assert(fc.property(fields, (f) => {
      const id = formatInstrumentId(f);
      const back = parseInstrumentId(id);
      expect(back.id).toBe(id);
      expect(back.kind).toBe(f.kind);
      // A spot code that is also a cash code keeps its quote in the id, so it stays spot.
      expect(back.underlying).toBe(f.underlying);
      expect(back.quote).toBe(f.quote);
      expect(back.settlement).toBe(f.settlement);
      expect(back.expiry).toBe(f.expiry);
      expect(back.strike).toBe(f.strike);
      expect(back.optionType).toBe(f.optionType);
      expect(formatInstrumentId(back)).toBe(id);
    }), { numRuns: 3000 });
  });

  it('year fractions are ACT/365 in ms', () => {
    expect(yearFraction(0, 31_536_000_000)).toBe(1);
    expect(yearFraction(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2))).toBeCloseTo(1 / 365, 15);
  });
});

describe('instrument interning', () => {
  it('one frozen object per instrument; conventions, kind and size keep instruments apart', () => {
    const a = parseInstrumentId('BTC-27DEC26-60000-C', DERIBIT_CONVENTIONS);
    expect(parseInstrumentId('BTC-27DEC26-60000-C', DERIBIT_CONVENTIONS)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    const linear = parseInstrumentId('BTC-27DEC26-60000-C', DERIVE_CONVENTIONS);
    expect(linear).not.toBe(a);
    expect(linear.settlement).toBe('linear');
    expect(a.settlement).toBe('inverse');
    const big = parseInstrumentId('BTC-27DEC26-60000-C', conventions({ contractSize: 10 }));
    expect(big.contractSize).toBe(10);
    expect(a.contractSize).toBe(1);
  });
});
