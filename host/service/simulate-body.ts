// The JSON body parser of POST /v1/margin/simulate. It gives the route what Fastify's own parser
// gives (the same body for the schema, the same errors: proto-poisoning checks included) and, for
// the worker, the texts of `account` and `market` as sent. A client sends the same market with every
// account: parsing that 5 KB again for every request was most of the event loop's ~30 µs per body.
// So the body is scanned (json-members.ts) and each member parsed by Fastify's parser on its own; a
// market whose text already parsed is not parsed again, and the schema sees `{}` for it (the schema
// only asks that it be an object). Each piece parses iff the whole does, and an object is poisoned
// iff one of its members is, so the outcome is the same. Bodies that are not that simple (a key
// repeated or escaped, `__proto__` at the top) go to Fastify's parser whole.
import type { FastifyRequest } from 'fastify';
import { objectMembers } from './json-members.js';

type JsonParser = (req: FastifyRequest, body: string, done: (err: Error | null, body?: unknown) => void) => void;

/** The member texts the worker parses (simulate-answer.ts). */
export interface SimulateTexts {
  account?: string;
  market?: string;
}

/** Market texts that parsed (newest first): valid JSON objects, free of poisoned keys. */
const parsedMarkets: string[] = [];
const PARSED_MARKETS = 4;

/**
 * Parses `text` as `parseJson` (Fastify's default JSON parser) does, and calls `done` as it would.
 * `texts` receives the account's and the market's text.
 */
export function parseSimulateBody(parseJson: JsonParser, req: FastifyRequest, text: string, texts: SimulateTexts, done: (err: Error | null, body?: unknown) => void): void {
  const members = objectMembers(text, parsedMarkets);
  if (members === undefined || members.some((m) => m.key === '__proto__' || m.key === 'constructor')) {
    parseJson(req, text, (err, body) => {
      if (err === null) wholeTexts(body as Record<string, unknown>, texts);
      done(err, body);
    });
    return;
  }
  const body: Record<string, unknown> = {};
  for (const m of members) {
    const value = text.slice(m.start, m.end);
    if (m.key === 'account') texts.account = value;
    if (m.key === 'market') texts.market = value;
    if (m.known && m.key === 'market') {
      body.market = {};
      continue;
    }
    let err: Error | null = null;
    parseJson(req, value, (e, v) => ((err = e), (body[m.key] = v)));
    if (err !== null) return done(err);
    if (m.key === 'market' && value.charCodeAt(0) === 0x7b) remember(value);
  }
  done(null, body);
}

function remember(market: string): void {
  parsedMarkets.unshift(market);
  if (parsedMarkets.length > PARSED_MARKETS) parsedMarkets.pop();
}

/** A body parsed whole: the members written back (a rare body, so the cost does not matter). */
function wholeTexts(body: Record<string, unknown>, texts: SimulateTexts): void {
  if (typeof body !== 'object' || body === null) return;
  if (Object.hasOwn(body, 'account')) texts.account = JSON.stringify(body.account);
  if (Object.hasOwn(body, 'market')) texts.market = JSON.stringify(body.market);
}
