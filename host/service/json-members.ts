// Where each top-level member of a JSON object sits in its text, and whether that text is valid
// JSON, found by one scan that builds nothing (simulate-body.ts). A 7.4 KB simulate body with the
// market in it costs ~30 µs to parse whole on the event loop, and ~10 µs with the account alone,
// for every request; the worker parses the account again anyway. Scanned, a value is only checked
// (a market sent before is compared with the texts known to be valid JSON), and parsed only where
// a parse alone can judge it: a key that may be `__proto__` or `constructor`.

const QUOTE = 0x22, BACKSLASH = 0x5c, OPEN_BRACE = 0x7b, CLOSE_BRACE = 0x7d, OPEN_BRACKET = 0x5b, CLOSE_BRACKET = 0x5d, COMMA = 0x2c, COLON = 0x3a;
const MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39, LOWER_E = 0x65, UPPER_E = 0x45;

export interface Member {
  key: string;
  /** The value's text is `json.slice(start, end)`: valid JSON. */
  start: number;
  end: number;
  /** The value is one of the `known` texts. */
  known: boolean;
  /** Holds a key that only a parse can judge (`__proto__`, `constructor`, or one with an escape). */
  suspect: boolean;
}

/**
 * The members of `json`, in order, when it is a valid JSON object whose keys are plain (no escape,
 * no control character, none repeated, neither `__proto__` nor `constructor`); else undefined, and
 * the caller parses the whole text, which also says what is wrong with it. Validity is JSON.parse's.
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
      escaped = false;
      const keyEnd = stringEnd(json, i);
      if (keyEnd < 0 || escaped) return undefined;
      const key = json.slice(i + 1, keyEnd - 1);
      if (protoKey(json, i + 1, keyEnd - 1) || out.some((m) => m.key === key)) return undefined;
      i = skipSpace(json, keyEnd);
      if (json.charCodeAt(i) !== COLON) return undefined;
      const start = skipSpace(json, i + 1);
      const k = knownAt(json, start, known);
      suspect = false;
      const end = k >= 0 ? start + known[k]!.length : valueEnd(json, start);
      if (end < 0) return undefined;
      out.push({ key, start, end, known: k >= 0, suspect });
      i = skipSpace(json, end);
      const c = json.charCodeAt(i);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return undefined;
      i = skipSpace(json, i + 1);
    }
  }
  return skipSpace(json, i + 1) === json.length ? out : undefined;
}

/**
 * The text of the last top-level member named `name` in `json`, a JSON object that parsed (its
 * keys may repeat or need decoding: what objectMembers gives up on; a leading BOM is allowed, as
 * Fastify's parser strips it); undefined when there is none. The last, as JSON.parse keeps.
 */
export function lastMemberText(json: string, name: string): string | undefined {
  let out: string | undefined;
  let i = skipSpace(json, json.indexOf('{') + 1);
  while (json.charCodeAt(i) === QUOTE) {
    escaped = false;
    const keyEnd = stringEnd(json, i);
    const key = escaped ? (JSON.parse(json.slice(i, keyEnd)) as string) : json.slice(i + 1, keyEnd - 1);
    const start = skipSpace(json, skipSpace(json, keyEnd) + 1);
    const end = valueEnd(json, start);
    if (key === name) out = json.slice(start, end);
    i = skipSpace(json, end);
    if (json.charCodeAt(i) === COMMA) i = skipSpace(json, i + 1);
  }
  return out;
}

/** What the scan of a value found besides its end: a key that only a parse can judge. */
let suspect = false;
/** The last string scanned had an escape. */
let escaped = false;

/** Which `known` text `json` holds at `i`, or −1. */
function knownAt(json: string, i: number, known: readonly string[]): number {
  for (let k = 0; k < known.length; k++) {
    const t = known[k]!;
    // slice and ===: a memcmp; startsWith compared a 5 KB market 20 times slower.
    if (json.charCodeAt(i + t.length - 1) === CLOSE_BRACE && json.slice(i, i + t.length) === t) return k;
  }
  return -1;
}

/** The key between `from` and `to` (its quotes excluded), without escapes, is `__proto__` or `constructor`. */
function protoKey(s: string, from: number, to: number): boolean {
  const n = to - from;
  if (n !== 9 && n !== 11) return false;
  const key = s.slice(from, to);
  return key === '__proto__' || key === 'constructor';
}

function skipSpace(s: string, i: number): number {
  for (;;) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Just past the closing quote of the valid string opening at `i`; −1 when it is not valid. */
function stringEnd(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      escaped = true;
      const e = s.charCodeAt(++i);
      if (e === 0x75) {
        // \uXXXX
        for (let k = 1; k <= 4; k++) if (!isHex(s.charCodeAt(i + k))) return -1;
        i += 4;
      } else if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
    }
  }
  return -1;
}

const isHex = (c: number): boolean => (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;

/** Just past the valid number at `i`; −1 when there is none. */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === MINUS) i++;
  let c = s.charCodeAt(i);
  if (c === ZERO) c = s.charCodeAt(++i);
  else if (isDigit(c)) while (isDigit((c = s.charCodeAt(++i))));
  else return -1;
  if (c === DOT) {
    if (!isDigit(s.charCodeAt(++i))) return -1;
    while (isDigit((c = s.charCodeAt(++i))));
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = s.charCodeAt(++i);
    if (c === PLUS || c === MINUS) c = s.charCodeAt(++i);
    if (!isDigit(c)) return -1;
    while (isDigit(s.charCodeAt(++i)));
  }
  return i;
}

/** Just past the valid JSON value at `i`; −1 when the text there is not one. Sets `suspect`. */
function valueEnd(s: string, i: number): number {
  // Iterative, so depth costs no stack: the open containers, innermost last.
  const open: number[] = [];
  for (;;) {
    // A value starts at i.
    const c = s.charCodeAt(i);
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const j = skipSpace(s, i + 1);
      if (s.charCodeAt(j) === c + 2) {
        i = j + 1; // {} or []: close (0x7d = 0x7b + 2, 0x5d = 0x5b + 2)
      } else {
        open.push(c);
        i = c === OPEN_BRACE ? memberValue(s, j) : j;
        if (i < 0) return -1;
        continue;
      }
    } else if (c === QUOTE) i = stringEnd(s, i);
    else if (c === MINUS || isDigit(c)) i = numberEnd(s, i);
    else if (c === 0x74) i = s.startsWith('true', i) ? i + 4 : -1;
    else if (c === 0x66) i = s.startsWith('false', i) ? i + 5 : -1;
    else if (c === 0x6e) i = s.startsWith('null', i) ? i + 4 : -1;
    else return -1;
    if (i < 0) return -1;
    // After a value: close containers, or go on to the next element or member.
    for (;;) {
      if (open.length === 0) return i;
      i = skipSpace(s, i);
      const d = s.charCodeAt(i);
      const top = open[open.length - 1]!;
      if (d === top + 2) {
        open.pop();
        i++;
        continue;
      }
      if (d !== COMMA) return -1;
      i = top === OPEN_BRACE ? memberValue(s, skipSpace(s, i + 1)) : skipSpace(s, i + 1);
      if (i < 0) return -1;
      break;
    }
  }
}

/** From a member's key at `i` to the start of its value; −1 when not valid. Sets `suspect`. */
function memberValue(s: string, i: number): number {
  if (s.charCodeAt(i) !== QUOTE) return -1;
  escaped = false;
  const keyEnd = stringEnd(s, i);
  if (keyEnd < 0) return -1;
  if (escaped || protoKey(s, i + 1, keyEnd - 1)) suspect = true;
  i = skipSpace(s, keyEnd);
  if (s.charCodeAt(i) !== COLON) return -1;
  return skipSpace(s, i + 1);
}
