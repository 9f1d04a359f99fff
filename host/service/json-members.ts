// Where each top-level member of a JSON object sits in its text, found by scanning rather than
// parsing (simulate-body.ts). A 7.4 KB simulate body with the market in it costs ~30 µs to parse
// whole, on the event loop, for every request; its market is usually the same text request after
// request. Scanned, the market is compared with the texts already known to be valid JSON (one
// comparison, no parse), and only the rest — the account — is parsed.

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;

export interface Member {
  key: string;
  /** The value's text is `json.slice(start, end)`. */
  start: number;
  end: number;
  /** The value is one of the `known` texts. */
  known: boolean;
}

/**
 * The members of the JSON object `json`, in order. Only the object's own grammar is checked (braces,
 * keys, colons, commas, whitespace): each value's text must still be parsed, unless it is `known`.
 * Undefined when the text is not that simple: not an object, malformed, or a key that repeats or
 * has an escape or a control character. The caller then parses the whole text, which also says
 * what is wrong with it.
 * `known`: JSON object texts known to be valid; a value that begins with one of them is that value.
 */
export function objectMembers(json: string, known: readonly string[] = []): Member[] | undefined {
  const out: Member[] = [];
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(json, i + 1);
  if (json.charCodeAt(i) !== CLOSE_BRACE) {
    for (;;) {
      if (json.charCodeAt(i) !== QUOTE) return undefined;
      const keyEnd = stringEnd(json, i);
      if (keyEnd < 0) return undefined;
      const key = json.slice(i + 1, keyEnd - 1);
      if (ESCAPE_OR_CONTROL.test(key) || out.some((m) => m.key === key)) return undefined;
      i = skipSpace(json, keyEnd);
      if (json.charCodeAt(i) !== COLON) return undefined;
      const start = skipSpace(json, i + 1);
      const k = knownAt(json, start, known);
      const end = k >= 0 ? start + known[k]!.length : valueEnd(json, start);
      if (end <= start) return undefined;
      out.push({ key, start, end, known: k >= 0 });
      i = skipSpace(json, end);
      const c = json.charCodeAt(i);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return undefined;
      i = skipSpace(json, i + 1);
    }
  }
  return skipSpace(json, i + 1) === json.length ? out : undefined;
}

const ESCAPE_OR_CONTROL = /[\\\u0000-\u001f]/;

/** Which `known` text `json` holds at `i`, or −1. */
function knownAt(json: string, i: number, known: readonly string[]): number {
  for (let k = 0; k < known.length; k++) {
    const t = known[k]!;
    // slice and ===: a memcmp; startsWith compared a 5 KB market 20 times slower.
    if (json.charCodeAt(i + t.length - 1) === CLOSE_BRACE && json.slice(i, i + t.length) === t) return k;
  }
  return -1;
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Just past the closing quote of the string opening at `i`; −1 when it is not closed. */
function stringEnd(s: string, i: number): number {
  for (let from = i + 1; ; ) {
    const q = s.indexOf('"', from);
    if (q < 0) return -1;
    let escapes = 0;
    while (s.charCodeAt(q - 1 - escapes) === BACKSLASH) escapes++;
    if (escapes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Just past the value starting at `i` (its brackets balanced, its strings closed); −1 when it does not end. */
function valueEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return stringEnd(s, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s.charCodeAt(i);
      if (d === QUOTE) {
        i = stringEnd(s, i) - 1;
        if (i < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return i + 1;
    }
    return -1;
  }
  // A number, true, false or null: up to the next separator.
  for (; i < s.length; i++) {
    const d = s.charCodeAt(i);
    if (d === COMMA || d === CLOSE_BRACE || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
  }
  return i;
}
