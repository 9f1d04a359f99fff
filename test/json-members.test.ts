// json-members.ts: where it says each member's value sits is, parsed, exactly the member JSON.parse
// gives — for any JSON values, any whitespace, strings holding braces, quotes and backslashes, and
// values given as known texts. It gives up (undefined) on what it does not check itself: escaped or
// repeated keys, and anything that is not a well-formed object around its values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectMembers } from '../host/service/json-members.js';

const space = fc.constantFrom('', ' ', '\n  ', '\t', ' \r\n ');
const entries = (text: string, known: readonly string[] = []) => objectMembers(text, known)?.map((m) => [m.key, JSON.parse(text.slice(m.start, m.end)) as unknown]);
/** As an object: JSON.parse puts integer-like keys first, the text may not. */
const asObject = (text: string) => Object.fromEntries(entries(text)!) as unknown;

describe('objectMembers', () => {
  it('finds what JSON.parse reads, for any members and any layout', () => {
    const key = fc.oneof(fc.constantFrom('account', 'market', 'profile'), fc.string({ maxLength: 8 }).filter((k) => !/[\\\u0000-\u001f"]/.test(k)));
    const members = fc.uniqueArray(fc.tuple(key, fc.jsonValue({ maxDepth: 4 })), { maxLength: 8, selector: ([k]) => k });
    fc.assert(
      fc.property(members, space, space, (ms, a, b) => {
        const text = `${a}{${a}${ms.map(([k, v]) => `${JSON.stringify(k)}${b}:${a}${JSON.stringify(v, null, b.length > 1 ? 2 : 0)}`).join(`${b},${a}`)}${b}}${a}`;
        expect(asObject(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('reads strings that hold braces, quotes and backslashes', () => {
    const text = '{"profile":"a\\"}{[","market":{"s":"}\\\\","x":[1,{"y":"]"}]},"account":-1.5e3}';
    expect(entries(text)).toEqual([['profile', 'a"}{['], ['market', { s: '}\\', x: [1, { y: ']' }] }], ['account', -1500]]);
  });

  it('takes a known text whole, without scanning it', () => {
    const market = '{"a":[1,2,{"b":"}"}]}';
    const text = `{"market":${market},"account":{}}`;
    expect(objectMembers(text, ['{"a":1}', market])).toEqual([
      { key: 'market', start: 10, end: 10 + market.length, known: true },
      { key: 'account', start: 10 + market.length + 11, end: 10 + market.length + 13, known: false },
    ]);
  });

  it('gives up on what it does not check: escaped, repeated or raw control characters in keys, a bad frame', () => {
    for (const text of ['{"prof\\u0069le":1}', '{"a":1,"a":2}', '{"a\nb":1}', '[1]', '{"a":1,}', '{"a":1 "b":2}', '{"a" 1}', '{"a":1} x', '{"a":"x}', '{"a":{"b":1}', '{', '', '\ufeff{}', '{,}']) {
      expect(objectMembers(text), text).toBeUndefined();
    }
    expect(objectMembers(' { } ')).toEqual([]);
  });
});
