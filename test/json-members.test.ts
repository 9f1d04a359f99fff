// json-members.ts: where it says each member's value sits is, parsed, exactly the member JSON.parse
// gives, and it finds a text valid exactly when JSON.parse does — for any JSON values, any
// whitespace, strings holding braces, quotes and escapes, numbers in every form, and texts broken
// one character at a time. A value is `suspect` whenever it holds a key that may parse to
// `__proto__` or `constructor`. It gives up (undefined) on top-level keys it does not judge itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lastMemberText, objectMembers } from '../host/service/json-members.js';

const space = fc.constantFrom('', ' ', '\n  ', '\t', ' \r\n ');
const entries = (text: string, known: readonly string[] = []) => objectMembers(text, known)?.map((m) => [m.key, JSON.parse(text.slice(m.start, m.end)) as unknown]);
/** As an object: JSON.parse puts integer-like keys first, the text may not. */
const asObject = (text: string) => Object.fromEntries(entries(text)!) as unknown;
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
/** Valid as `objectMembers` judges a value: the value alone inside an object. */
const valid = (value: string): boolean => objectMembers(`{"v":${value}}`) !== undefined;

/** JSON texts, some with numbers written every way JSON allows, broken one character at a time. */
const number = fc.tuple(fc.constantFrom('', '-'), fc.constantFrom('0', '7', '10', '123456789'), fc.constantFrom('', '.0', '.25', '.'), fc.constantFrom('', 'e5', 'E+10', 'e-3', 'e', 'E+')).map((p) => p.join(''));
const jsonText = fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v, null, 1)), number, fc.constantFrom('"\\u00e9\\n\\/\\"\\\\"', '"\\ud800"', '[[[[]]]]', '{"a":{}}', 'true', 'false', 'null'));
const broken = fc.tuple(jsonText, fc.nat(), fc.constantFrom('', '"', '{', '}', '[', ']', ',', ':', '\\', 'x', '\u0001', '\u001f', '\u007f', ' ', '0', '-', '.', 'e', 'u', 'tru', '\\u12')).map(([t, i, c]) => {
  const at = i % (t.length + 1);
  return c === '' ? t.slice(0, at) + t.slice(at + 1) : t.slice(0, at) + c + t.slice(at);
});

describe('objectMembers', () => {
  it('finds what JSON.parse reads, for any members and any layout', () => {
    const key = fc.oneof(fc.constantFrom('account', 'market', 'profile'), fc.string({ maxLength: 8 }).filter((k) => !/[\\\u0000-\u001f"]/.test(k) && k !== '__proto__' && k !== 'constructor'));
    const members = fc.uniqueArray(fc.tuple(key, fc.jsonValue({ maxDepth: 4 })), { maxLength: 8, selector: ([k]) => k });
    fc.assert(
      fc.property(members, space, space, (ms, a, b) => {
        const text = `${a}{${a}${ms.map(([k, v]) => `${JSON.stringify(k)}${b}:${a}${JSON.stringify(v, null, b.length > 1 ? 2 : 0)}`).join(`${b},${a}`)}${b}}${a}`;
        expect(asObject(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('finds a value valid exactly when JSON.parse does', () => {
    fc.assert(
      fc.property(fc.oneof(jsonText, broken), (t) => {
        expect(valid(t), t).toBe(parses(t));
      }),
      { numRuns: 5000 },
    );
    const cases = ['0', '-0', '01', '1.', '.5', '1e', '1e+', '1E+5', '-', '--1', '1.5e-3', 'tru', 'nulls', 'true ', '"\\x"', '"\\u12G4"', '"\t"', '"a', '[1,]', '[1 2]', '{"a":1,}', '{"a" 1}', '{"a":}', '{1:2}', '[}', '{]', '[', '{', '', ' ', '"\\/\\b\\f\\n\\r\\t"', '\u00a01'];
    for (const t of cases) expect(valid(t), t).toBe(parses(t));
  });

  it('marks a value suspect when it holds a key that may be __proto__ or constructor', () => {
    const suspectOf = (value: string) => objectMembers(`{"v":${value}}`)?.[0]?.suspect;
    expect(suspectOf('{"a":[{"__proto__":1}]}')).toBe(true);
    expect(suspectOf('{"constructor":{"prototype":{}}}')).toBe(true);
    expect(suspectOf('{"\\u005f_proto__":1}')).toBe(true);
    expect(suspectOf('{"a\\n":1}')).toBe(true); // any escaped key: only a parse says what it is
    expect(suspectOf('{"a":"__proto__","b":["constructor"]}')).toBe(false);
    expect(suspectOf('{"__proto_":1,"constructors":2}')).toBe(false);
  });

  it('reads strings that hold braces, quotes and backslashes', () => {
    const text = '{"profile":"a\\"}{[","market":{"s":"}\\\\","x":[1,{"y":"]"}]},"account":-1.5e3}';
    expect(entries(text)).toEqual([['profile', 'a"}{['], ['market', { s: '}\\', x: [1, { y: ']' }] }], ['account', -1500]]);
  });

  it('takes a known text whole, without scanning it', () => {
    const market = '{"a":[1,2,{"b":"}"}]}';
    const text = `{"market":${market},"account":{}}`;
    expect(objectMembers(text, ['{"a":1}', market])).toEqual([
      { key: 'market', start: 10, end: 10 + market.length, known: true, suspect: false },
      { key: 'account', start: 10 + market.length + 11, end: 10 + market.length + 13, known: false, suspect: false },
    ]);
  });

  it('lastMemberText: the last member of a name, escaped keys decoded, in a text that parsed', () => {
    const text = ' {"a":1,"b":[{"a":2}],"\\u0061":"x}","a" : {"c":3} } ';
    expect(lastMemberText(text, 'a')).toBe('{"c":3}');
    expect(lastMemberText(text, 'b')).toBe('[{"a":2}]');
    expect(lastMemberText(text, 'z')).toBeUndefined();
    expect(lastMemberText('{}', 'a')).toBeUndefined();
  });

  it('gives up on top-level keys escaped, repeated, __proto__ or constructor, and on what is not a valid object', () => {
    for (const text of ['{"prof\\u0069le":1}', '{"a":1,"a":2}', '{"__proto__":{}}', '{"constructor":1}', '{"a\nb":1}', '[1]', '{"a":1,}', '{"a":1} x', '{"a":01}', '{', '', '\ufeff{}', '{,}']) {
      expect(objectMembers(text), text).toBeUndefined();
    }
    expect(objectMembers(' { } ')).toEqual([]);
  });
});
