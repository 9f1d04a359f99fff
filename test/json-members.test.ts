// json-members.ts: the text it cuts out of a JSON object is, parsed, exactly the member JSON.parse
// gives — for any JSON values, any whitespace, escaped keys, strings holding braces, quotes and
// backslashes, and repeated names (the last one wins, as in JSON.parse).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberTexts } from '../host/service/json-members.js';

const names = ['account', 'market', 'profile'] as const;
const parsed = (t: string | undefined): unknown => (t === undefined ? undefined : JSON.parse(t));

describe('memberTexts', () => {
  it('cuts out what JSON.parse reads, for any members and any layout', () => {
    const key = fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 }));
    const members = fc.array(fc.tuple(key, fc.jsonValue({ maxDepth: 4 })), { maxLength: 8 });
    const space = fc.constantFrom('', ' ', '\n  ', '\t', ' \r\n ');
    fc.assert(
      fc.property(members, space, space, (ms, a, b) => {
        const text = `${a}{${a}${ms.map(([k, v]) => `${JSON.stringify(k)}${b}:${a}${JSON.stringify(v, null, b.length > 1 ? 2 : 0)}`).join(`${b},${a}`)}${b}}${a}`;
        const obj = JSON.parse(text) as Record<string, unknown>;
        const got = memberTexts(text, names);
        names.forEach((n, i) => expect(parsed(got[i])).toEqual(Object.hasOwn(obj, n) ? obj[n] : undefined));
      }),
      { numRuns: 500 },
    );
  });

  it('reads escaped keys, and strings that hold braces, quotes and backslashes', () => {
    const text = '{"prof\\u0069le":"a\\"}{[","market":{"s":"}\\\\","x":[1,{"y":"]"}]},"account":-1.5e3}';
    expect(memberTexts(text, names).map(parsed)).toEqual([-1500, { s: '}\\', x: [1, { y: ']' }] }, 'a"}{[']);
  });

  it('takes the last of a repeated name, as JSON.parse does', () => {
    expect(memberTexts('{"market":1,"market":{"a":2}}', ['market'])).toEqual(['{"a":2}']);
  });

  it('refuses what is not an object', () => {
    expect(() => memberTexts('[1]', names)).toThrow(/not a JSON object/);
  });
});
