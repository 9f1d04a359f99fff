import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RiskgridError } from '../host/errors.js';
import { DERIVE_CONVENTIONS } from '../host/model/instrument.js';
import { parseAccount, parseAccountJson } from '../host/model/validate.js';
import { accountToJson } from '../host/model/account.js';
import { checkSchema, type Schema } from '../host/model/schema.js';

function err(fn: () => unknown): { code: string; field?: string; value?: unknown; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof RiskgridError) return { code: e.code, field: e.field, value: e.value, message: e.message };
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

const example = {
  account_id: 'a1', pool: 'default',
  positions: [{ instrument: 'BTC-27DEC26-60000-C', size: -2, avg_price: 0.05 }],
  balances: { USDC: 100000, BTC: 1.5 },
};

describe('accounts', () => {
  it('parse the documented example', () => {
    const a = parseAccount(example);
    expect(a.id).toBe('a1');
    expect(a.pool).toBe('default');
    expect(a.positions).toHaveLength(1);
    expect(a.positions[0]!.instrument.id).toBe('BTC-27DEC26-60000-C');
    expect(a.positions[0]!.instrument.settlement).toBe('inverse');
    expect(a.positions[0]!.size).toBe(-2);
    expect(a.positions[0]!.avgPrice).toBe(0.05);
    expect({ ...a.balances }).toEqual({ USDC: 100000, BTC: 1.5 });
  });

  it('defaults: no id, pool "default", no positions, no balances', () => {
    const a = parseAccount({});
    expect(a).toMatchObject({ id: '', pool: 'default', positions: [] });
    expect(Object.keys(a.balances)).toEqual([]);
  });

  it('accept a map instrument → size and Deribit field names', () => {
    const a = parseAccount({ positions: { 'BTC-PERPETUAL': 1000, 'BTC-27DEC26-60000-C': -2 } });
    expect(a.positions.map((p) => [p.instrument.id, p.size])).toEqual([['BTC-PERPETUAL', 1000], ['BTC-27DEC26-60000-C', -2]]);
    const b = parseAccount({ positions: [{ instrument_name: 'ETH-PERPETUAL', size: 5, average_price: 3000 }] });
    expect(b.positions[0]).toMatchObject({ size: 5, avgPrice: 3000 });
  });

  it('accept instrument specs with explicit settlement and expiry instants', () => {
    const a = parseAccount({ positions: [
      { instrument: { id: 'ETH-27DEC26-3500-C', settlement: 'linear', quote: 'USDC' }, size: 1 },
      { instrument: { kind: 'option', underlying: 'BTC', strike: 60000, option_type: 'P', expiry: Date.UTC(2026, 11, 27, 9, 30), contract_size: 0.1 }, size: -3 },
      { instrument: { kind: 'future', underlying: 'ETH', expiry: '27DEC26', settlement: 'linear', quote: 'USDC' }, size: 2 },
    ] });
    expect(a.positions[0]!.instrument).toMatchObject({ id: 'ETH_USDC-27DEC26-3500-C', settlement: 'linear', settleCurrency: 'USDC' });
    expect(a.positions[1]!.instrument).toMatchObject({ id: 'BTC-27DEC26T0930-60000-P', contractSize: 0.1, settlement: 'inverse' });
    expect(a.positions[2]!.instrument.id).toBe('ETH_USDC-27DEC26');
    // Derive's plain ids are linear: the account parser takes the venue's conventions.
    const d = parseAccount({ positions: { 'ETH-20261227-3500-C': 1 } }, { conventions: DERIVE_CONVENTIONS });
    expect(d.positions[0]!.instrument.settlement).toBe('linear');
  });

  it('errors name the path and the value', () => {
    const positions = Array.from({ length: 5 }, () => ({ instrument: 'BTC-PERPETUAL', size: 1 }));
    positions[3] = { instrument: 'BTC-PERPETUAL', size: NaN };
    expect(err(() => parseAccount({ positions }))).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'positions[3].size' });
    expect(err(() => parseAccount({ positions }, { path: 'accounts[7]' })).field).toBe('accounts[7].positions[3].size');
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL', size: Infinity }] }))).toMatchObject({ field: 'positions[0].size', value: Infinity });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL', size: '1' }] }))).toMatchObject({ field: 'positions[0].size', value: '1' });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-NOPE', size: 1 }] }))).toMatchObject({ code: 'RG_ERR_UNKNOWN_INSTRUMENT', field: 'positions[0].instrument', value: 'BTC-NOPE' });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL', size: 1, avg_price: -1 }] }))).toMatchObject({ field: 'positions[0].avg_price', value: -1 });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL', size: 1, qty: 2 }] }))).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'positions[0].qty', value: 2 });
    expect(err(() => parseAccount({ account_id: 'x', margin: 1 }))).toMatchObject({ field: 'margin' });
    expect(err(() => parseAccount({ balances: { USDC: -Infinity } }))).toMatchObject({ field: 'balances.USDC', value: -Infinity });
    expect(err(() => parseAccount({ balances: { 'BAD KEY': 1 } }))).toMatchObject({ field: 'balances.BAD KEY' });
    expect(err(() => parseAccount({ positions: { 'BTC-PERPETUAL': NaN } }))).toMatchObject({ field: 'positions.BTC-PERPETUAL' });
    expect(err(() => parseAccount({ positions: [{ instrument: { kind: 'option', underlying: 'BTC', strike: 1, expiry: '27DEC26' }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.option_type' });
    expect(err(() => parseAccount({ positions: [{ instrument: { kind: 'spot', underlying: 'BTC', settlement: 'inverse' }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.settlement' });
    expect(err(() => parseAccount({ positions: [{ instrument: { id: 'BTC-PERPETUAL', quote: 'USDC' }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.settlement', value: 'inverse' });
    expect(err(() => parseAccount({ positions: [{ instrument: { id: 'BTC-PERPETUAL', kind: 'future' }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.kind', value: 'future' });
    expect(err(() => parseAccount({ positions: [{ instrument: { kind: 'perpetual', underlying: 'BTC', strike: 1 }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.strike' });
    expect(err(() => parseAccount({ positions: [{ instrument: { kind: 'future', underlying: 'BTC', expiry: 1.5 }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.expiry', value: 1.5 });
    expect(err(() => parseAccount({ positions: [{ instrument: { kind: 'future', underlying: 'BTC' }, size: 1 }] })))
      .toMatchObject({ field: 'positions[0].instrument.expiry' });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL' }] }))).toMatchObject({ field: 'positions[0].size' });
    expect(err(() => parseAccount({ positions: [{ size: 1 }] }))).toMatchObject({ field: 'positions[0].instrument' });
    expect(err(() => parseAccount({ positions: [{ instrument: 'BTC-PERPETUAL', instrument_name: 'ETH-PERPETUAL', size: 1 }] }))).toMatchObject({ field: 'positions[0].instrument_name' });
    expect(err(() => parseAccount({ positions: [7] }))).toMatchObject({ field: 'positions[0]', value: 7 });
    expect(err(() => parseAccount([]))).toMatchObject({ field: 'account' });
    expect(err(() => parseAccountJson('{"positions": [}'))).toMatchObject({ code: 'RG_ERR_PARSE' });
  });

  it('JSON overflow (1e999 → Infinity) is an error, never a number', () => {
    expect(err(() => parseAccountJson('{"balances": {"USDC": 1e999}}'))).toMatchObject({ field: 'balances.USDC', value: Infinity });
  });

  it('property: a non-finite number anywhere numeric is an error naming that field', () => {
    const bad = fc.constantFrom(NaN, Infinity, -Infinity);
    fc.assert(fc.property(fc.integer({ min: 0, max: 49 }), fc.constantFrom('size', 'avg_price', 'balance'), bad, (i, where, x) => {
      const acc = {
        positions: Array.from({ length: 50 }, (_, k) => ({ instrument: 'BTC-PERPETUAL', size: k - 25, avg_price: 90000 + k })),
        balances: { USDC: 1000, BTC: 1 } as Record<string, number>,
      };
      if (where === 'balance') acc.balances.BTC = x;
      else (acc.positions[i] as Record<string, unknown>)[where] = x;
      const e = err(() => parseAccount(acc));
      expect(e.code).toBe('RG_ERR_INVALID_INPUT');
      expect(e.field).toBe(where === 'balance' ? 'balances.BTC' : `positions[${i}].${where}`);
      expect(Number.isNaN(e.value) ? NaN : e.value).toEqual(x);
    }), { numRuns: 300 });
  });

  it('is cheap: a 50-position account validates in a few µs', () => {
    const ids = ['BTC-PERPETUAL', ...['27DEC26', '26MAR27', '25JUN27', '24SEP27'].flatMap((e) => Array.from({ length: 12 }, (_, k) => `BTC-${e}-${50000 + k * 5000}-${k % 2 ? 'C' : 'P'}`))];
    const acc = { account_id: 'a', positions: ids.slice(0, 50).map((id, k) => ({ instrument: id, size: k - 20, avg_price: 0.01 })), balances: { USDC: 1e5, BTC: 2 } };
    for (let i = 0; i < 2000; i++) parseAccount(acc);
    const n = 5000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parseAccount(acc);
    const us = ((performance.now() - t0) * 1000) / n;
    // Generous bound for a shared 2-core machine; the measured figure is in the report.
    expect(us).toBeLessThan(50);
  });
});

describe('account JSON out', () => {
  const ids = ['BTC-PERPETUAL', 'BTC_USDC-PERPETUAL', 'BTC-27DEC26', 'BTC-27DEC26-60000-C', 'XRP_USDC-30JUN27-0d625-P', 'ETH_USDC', 'BTC'];
  const position = fc.record({
    instrument: fc.oneof(fc.constantFrom(...ids), fc.record({ id: fc.constantFrom(...ids), contract_size: fc.constantFrom(0.1, 1, 10) })),
    size: fc.double({ noNaN: true, noDefaultInfinity: true }),
    avg_price: fc.option(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
  }).map((p) => (p.avg_price === undefined ? { instrument: p.instrument, size: p.size } : p));
  const account = fc.record({
    account_id: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
    pool: fc.constantFrom('default', 'vip'),
    positions: fc.array(position, { maxLength: 12 }),
    balances: fc.dictionary(fc.constantFrom('USDC', 'BTC', 'ETH', 'wstETH'), fc.double({ noNaN: true, noDefaultInfinity: true })),
  }).map((a) => (a.account_id === undefined ? { pool: a.pool, positions: a.positions, balances: a.balances } : a));

  it('property: parseAccount(accountToJson(a)) = a', () => {
    fc.assert(fc.property(account, (json) => {
      const a = parseAccount(json);
      const out = accountToJson(a);
      expect(parseAccount(JSON.parse(JSON.stringify(out)))).toEqual(a);
    }), { numRuns: 300 });
  });

  it('writes canonical ids, and a spec only for a non-default contract size', () => {
    const a = parseAccount({ positions: [{ instrument: 'BTC-05JAN27-60000.5-P', size: 1 }, { instrument: { id: 'ETH-PERPETUAL', contract_size: 10 }, size: -3, avg_price: 3000 }] });
    expect(accountToJson(a)).toEqual({ pool: 'default', balances: {}, positions: [
      { instrument: 'BTC-5JAN27-60000d5-P', size: 1 },
      { instrument: { id: 'ETH-PERPETUAL', contract_size: 10 }, size: -3, avg_price: 3000 },
    ] });
  });
});

describe('schema checker', () => {
  const schema: Schema = { type: 'object', fields: {
    factor: { type: 'number', min: 0, max: 2 },
    mode: { type: 'string', enum: ['a', 'b'], optional: true },
    scenarios: { type: 'array', minItems: 1, items: { type: 'object', fields: { shock: { type: 'number', min: 0, minExclusive: true } } } },
    haircuts: { type: 'record', keys: /^[A-Z]+$/, values: { type: 'number', min: 0, max: 1 }, optional: true },
  } };

  it('accepts a good object and names unknown, missing and out-of-range fields', () => {
    const good = { factor: 1, scenarios: [{ shock: 1.1 }], haircuts: { BTC: 0.1 } };
    expect(checkSchema(good, schema, 'params')).toBe(good);
    expect(err(() => checkSchema({ ...good, extra: 1 }, schema, 'params'))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'params.extra' });
    expect(err(() => checkSchema({ scenarios: [{ shock: 1 }] }, schema, 'params'))).toMatchObject({ field: 'params.factor' });
    expect(err(() => checkSchema({ ...good, factor: 3 }, schema, 'params'))).toMatchObject({ field: 'params.factor', value: 3 });
    expect(err(() => checkSchema({ ...good, scenarios: [{ shock: 1 }, { shock: 0 }] }, schema, 'params'))).toMatchObject({ field: 'params.scenarios[1].shock', value: 0 });
    expect(err(() => checkSchema({ ...good, scenarios: [] }, schema, 'params'))).toMatchObject({ field: 'params.scenarios' });
    expect(err(() => checkSchema({ ...good, mode: 'c' }, schema, 'params'))).toMatchObject({ field: 'params.mode', value: 'c' });
    expect(err(() => checkSchema({ ...good, haircuts: { btc: 0.1 } }, schema, 'params'))).toMatchObject({ field: 'params.haircuts.btc' });
    expect(err(() => checkSchema({ ...good, factor: NaN }, schema, 'params'))).toMatchObject({ field: 'params.factor' });
    expect(err(() => checkSchema({ ...good, extra: 1 }, schema, 'params')).message).toContain('expected one of: factor, mode, scenarios, haircuts');
  });
});

describe('a parsed account is recognised as validated, even without positions', () => {
  it('engine.margin takes parseAccount output with no positions (regression: it was re-parsed as JSON and refused "id")', async () => {
    const { createEngine } = await import('../host/margin/engine.js');
    const { synthVenue } = await import('../host/venue/synth.js');
    const market = synthVenue({ accounts: 1, instruments: 20, seed: 1 }).market.json;
    const engine = createEngine({ profile: 'derive-pmrm2.test', snapshot: { now: false } });
    const empty = engine.parseAccount({ account_id: 'cash-only', positions: [], balances: { USDC: 10 } });
    expect(Object.isFrozen(empty)).toBe(true);
    expect(engine.margin(empty, market).equity).toBe(10);
  });
});
