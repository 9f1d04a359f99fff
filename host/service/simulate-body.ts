// The JSON body parser of POST /v1/margin/simulate. It gives the route what Fastify's own parser
// gives (the same body for the schema, the same errors: proto-poisoning checks included) and, for
// the worker, the texts of `account` and `market` as sent. The worker parses the account and the
// market; parsing them here too cost the event loop ~10 µs a request for a 50-option account, and
// ~30 µs with a 5 KB market. So the body is scanned and checked for valid JSON without building
// anything (json-members.ts), a market sent before is compared rather than checked, and the schema
// sees `{}` for the account and the market: all it asks of them is to be objects. A value with a
// key that may be `__proto__` or `constructor` is parsed by Fastify's parser on its own (an object
// is poisoned iff one of its members is), as are the small members. Bodies that are not that
// simple (invalid, a top-level key repeated, escaped, `__proto__` or `constructor`) go to Fastify's
// parser whole.
import type { FastifyRequest } from 'fastify';
import { lastMemberText, objectMembers } from './json-members.js';

type JsonParser = (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void;

/** The member texts the worker parses (simulate-answer.ts). */
export interface SimulateTexts {
  account?: string;
  market?: string;
}

/** Market texts found valid (newest first): JSON objects, free of poisoned keys. */
const checkedMarkets: string[] = [];
const CHECKED_MARKETS = 4;

/**
 * Parses `text` as `parseJson` (Fastify's default JSON parser) does, and calls `done` as it would.
 * `texts` receives the account's and the market's text.
 */
export function parseSimulateBody(parseJson: JsonParser, req: FastifyRequest, text: string, texts: SimulateTexts, done: (err: Error | null, body?: unknown) => void): void {
  const members = objectMembers(text, checkedMarkets);
  if (members === undefined) {
    parseJson(req, text, (err, body) => {
      if (err === null) wholeTexts(text, body, texts);
      done(err, body);
    });
    return;
  }
  const body: Record<string, unknown> = {};
  for (const m of members) {
    const value = text.slice(m.start, m.end);
    if (m.key === 'account') texts.account = value;
    if (m.key === 'market') texts.market = value;
    const object = value.charCodeAt(0) === 0x7b;
    if ((m.key === 'account' || m.key === 'market') && object && !m.suspect) {
      body[m.key] = {}; // valid JSON, and all the schema asks of it is to be an object
      if (m.key === 'market' && !m.known) remember(value);
      continue;
    }
    let err: Error | null = null;
    parseJson(req, value, (e, v) => ((err = e), (body[m.key] = v)));
    if (err !== null) return done(err);
    if (m.key === 'market' && object) remember(value);
  }
  done(null, body);
}

function remember(market: string): void {
  checkedMarkets.unshift(market);
  if (checkedMarkets.length > CHECKED_MARKETS) checkedMarkets.pop();
}

/**
 * A body parsed whole: the members' texts cut from it, not written back from the values read
 * (JSON.stringify writes a number beyond the double range, which parsed as Infinity, as null).
 */
function wholeTexts(text: string, body: unknown, texts: SimulateTexts): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  texts.account = lastMemberText(text, 'account');
  texts.market = lastMemberText(text, 'market');
}
