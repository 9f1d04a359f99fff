// The text of a JSON object's top-level members, found by scanning rather than parsing: a simulate
// body is parsed once on the event loop (Fastify: proto-poisoning checks, then the schema), and its
// `account` and `market` go to the worker as text. Written back with JSON.stringify they cost the
// event loop ~50 µs a request with the market in the body (a 7.4 KB body), a third of its CPU; cut
// out of the body's own text they cost the worker ~10 µs.

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The text of each named member's value in `json` — the last one when a name repeats, as JSON.parse
 * keeps — or undefined when absent. `json` must be a valid JSON object (parse it first): the scan
 * trusts it.
 */
export function memberTexts(json: string, names: readonly string[]): Array<string | undefined> {
  const out: Array<string | undefined> = names.map(() => undefined);
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== OPEN_BRACE) throw new Error('memberTexts: not a JSON object');
  i = skipSpace(json, i + 1);
  while (json.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(json, i);
    const raw = json.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(json.slice(i, keyEnd)) as string) : raw;
    i = skipSpace(json, keyEnd);
    if (json.charCodeAt(i) !== COLON) throw new Error(`memberTexts: expected ':' at ${i}`);
    const start = skipSpace(json, i + 1);
    const end = valueEnd(json, start);
    const k = names.indexOf(key);
    if (k >= 0) out[k] = json.slice(start, end);
    i = skipSpace(json, end);
    if (json.charCodeAt(i) === COMMA) i = skipSpace(json, i + 1);
  }
  if (json.charCodeAt(i) !== CLOSE_BRACE) throw new Error(`memberTexts: expected '}' at ${i}`);
  return out;
}

function skipSpace(s: string, i: number): number {
  while (isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** Just past the closing quote of the string opening at `i`. */
function stringEnd(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  throw new Error('memberTexts: unterminated string');
}

/** Just past the value starting at `i`. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d === QUOTE) i = stringEnd(s, i) - 1;
      else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    throw new Error('memberTexts: unbalanced value');
  }
  // A number, true, false or null: up to the next separator.
  while (i < s.length) {
    const d = s.charCodeAt(i);
    if (d === COMMA || d === CLOSE_BRACE || isSpace(d)) break;
    i++;
  }
  return i;
}
