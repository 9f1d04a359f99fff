// simulate-body.ts gives the simulate route what Fastify's own JSON parser gives — the same body
// for the schema, the same error — for any body: valid or not, poisoned (`__proto__`, `constructor`
// with a `prototype`) at any depth, with a market seen before or not. An account or a market that
// is an object reaches the schema as `{}` (all it checks is that they are objects); their texts
// parse to the body's members.
import fc from 'fast-check';
import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parseSimulateBody, type SimulateTexts } from '../host/service/simulate-body.js';

const parseJson = Fastify().getDefaultJsonParser('error', 'error');
const req = {} as FastifyRequest;

type Outcome = { err: string } | { body: unknown; texts: SimulateTexts };
const whole = (text: string): Outcome => {
  let out: Outcome = { err: 'no answer' };
  parseJson(req, text, (err, body) => (out = err === null ? { body, texts: {} } : { err: (err as Error & { code: string }).code }));
  return out;
};
const skimmed = (text: string): Outcome => {
  let out: Outcome = { err: 'no answer' };
  const texts: SimulateTexts = {};
  parseSimulateBody(parseJson, req, text, texts, (err, body) => (out = err === null ? { body, texts } : { err: (err as Error & { code: string }).code }));
  return out;
};

/** Same outcome; an account or market object may be `{}` in the body, its text being the member. */
function expectSame(text: string): void {
  const a = whole(text);
  const b = skimmed(text);
  if ('err' in a || 'err' in b) return void expect(b, text).toEqual(a);
  const body = a.body as Record<string, unknown>;
  const got = b.body as Record<string, unknown>;
  expect(Object.keys(got), text).toEqual(Object.keys(body));
  for (const k of Object.keys(body)) {
    const placeholder = (k === 'account' || k === 'market') && JSON.stringify(got[k]) === '{}';
    if (placeholder) expect(typeof body[k] === 'object' && body[k] !== null && !Array.isArray(body[k]), text).toBe(true);
    else expect(got[k], text).toEqual(body[k]);
  }
  for (const k of ['account', 'market'] as const) expect(b.texts[k] === undefined ? undefined : JSON.parse(b.texts[k]), text).toEqual(body[k]);
}

const poison = fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"constructor":1}', '[{"\\u005f_proto__":2}]', '"__proto__"');
const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), poison, poison.map((p) => `{"a":[1,${p}]}`));
const key = fc.constantFrom('profile', 'account', 'market', 'x', '__proto__', 'constructor', 'prof\\u0069le');
const body = fc.array(fc.tuple(key, value), { maxLength: 5 }).map((ms) => `{${ms.map(([k, v]) => `"${k}":${v}`).join(',')}}`);
/** A body with one character dropped, doubled or replaced by a JSON delimiter. */
const broken = fc.tuple(body, fc.nat(), fc.constantFrom('', '"', '{', '}', '[', ']', ',', ':', '\\', ' x')).map(([t, i, c]) => {
  const at = i % (t.length + 1);
  return c === '' ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + c + t.slice(at);
});

describe('parseSimulateBody', () => {
  it("gives Fastify's outcome for any body, poisoned or broken, with its market seen before or not", () => {
    fc.assert(
      fc.property(fc.oneof(body, broken), (text) => {
        expectSame(text); // the market new, or the last case's
        expectSame(text); // the market seen just now
      }),
      { numRuns: 3000 },
    );
  });

  it('hands the account and the market to the schema as {} and keeps their texts', () => {
    const market = '{"snapshot_id":"m1","underlyings":{"ETH":{"spot":3000}}}';
    const text = `{"profile":"p","account":{"account_id":"a"},"market":${market}}`;
    expect(skimmed(text)).toEqual({ body: { profile: 'p', account: {}, market: {} }, texts: { market, account: '{"account_id":"a"}' } });
    expect(skimmed(`{"market":${market},"profile":"p","account":[1]}`)).toEqual({ body: { market: {}, profile: 'p', account: [1] }, texts: { market, account: '[1]' } });
    // A key that may be poisoned is judged by Fastify's parser: allowed here, refused below.
    expect(skimmed('{"account":{"id":"a","constructor":2}}')).toEqual({ body: { account: { id: 'a', constructor: 2 } }, texts: { account: '{"id":"a","constructor":2}' } });
    // The same market with its members poisoned is another text: parsed, and refused.
    expect(skimmed(`{"market":${market.slice(0, -1)},"__proto__":1}}`)).toEqual({ err: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  });

  it('cuts the texts out of a body parsed whole, the last of a repeated or escaped key, a number past the double range kept as written', () => {
    expectSame('{"market":[[1.170,2221745112761e+297]],"constructor":""}'); // found by fast-check: JSON.stringify wrote Infinity as null
    const text = '\ufeff{"account":{"a":1},"\\u0061ccount":{"b":2e400},"market":{"m":1},"market":{"m":2}}';
    expect(skimmed(text)).toMatchObject({ texts: { account: '{"b":2e400}', market: '{"m":2}' } });
    expectSame(text);
  });

  it('answers an empty body as Fastify does', () => {
    expect(skimmed('')).toEqual(whole(''));
  });
});
