// OpenAPI for the margin service at /docs (Swagger UI) and /docs/json, generated from the route
// schemas as routes register (@fastify/swagger, dynamic mode). Summaries, tags and response
// descriptions live here, keyed by `METHOD /route`, and are merged in by `transform`, which
// shapes the document only: route schemas, and so validation and serialisation, stay untouched.
// A route missing from ROUTE_DOCS is still listed, with a summary made from its path.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ENGINE_VERSION } from '../version.js';

export const DOCS_PREFIX = '/docs';
export const SECURITY_SCHEME = 'api_key';
/** @fastify/swagger reads a response's description from here, keeping it out of the body schema. */
const DESCRIPTION = 'x-response-description';

// Every failure has this shape (http-errors.ts); one component, referenced by every failure.
const ERROR_ID = 'ErrorBody';
const ErrorBody = {
  $id: ERROR_ID,
  title: ERROR_ID,
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'RG_ERR_* (engine) or RG_HTTP_* (HTTP layer: UNAUTHORIZED, FORBIDDEN, NOT_FOUND, RATE_LIMITED)' },
        message: { type: 'string' },
        field: { type: 'string', description: 'the offending field, as a dotted path in the request' },
        value: { description: 'the offending value, when it is safe to echo' },
      },
    },
  },
} as const;

interface RouteDoc {
  summary: string;
  tag: string;
  description?: string;
  /** Success status → description (the failures below are added to every route). */
  ok: Record<number, string>;
  /** Extra failure statuses this route can answer → description. */
  fails?: Record<number, string>;
}

const MARGIN_ECHO = 'Echoes profile_hash, market_snapshot_id, engine_version and computed_at.';

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /health': { summary: 'Liveness: engine version and WebAssembly variant', tag: 'operations', ok: { 200: '{ status: "ok", engine_version, wasm_variant }' } },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    tag: 'operations',
    description: 'Request latency by route pattern and status, margin compute time by methodology, accounts by status, process metrics. Open: carries no account id, key or secret.',
    ok: { 200: 'Prometheus text exposition format' },
  },
  'POST /v1/margin/simulate': {
    summary: 'Margin an account given in the body (stateless)',
    tag: 'margin',
    description: `Initial and maintenance margin, equity, excesses, status, greeks per underlying, breakdown, worst scenario and risk matrix (scenario_pnl over scenarios) of the account on the market in the body (without one: the latest accepted snapshot, with the guard's \`degraded\`), under a built-in profile. ?detail=full adds each position's greeks. ${MARGIN_ECHO}`,
    ok: { 200: 'the margin result' },
    fails: { 404: 'unknown profile' },
  },
  'POST /v1/margin/whatif': {
    summary: 'What-if: margin of a stored account before and after trades',
    tag: 'margin',
    description: `Before / change / after, accepted and reject_reason. Nothing is stored. ${MARGIN_ECHO}`,
    ok: { 200: 'before, change, after, accepted, reject_reason' },
    fails: { 404: 'no such account (or not one this key may touch)', 409: 'no market snapshot yet' },
  },
  'POST /v1/accounts': { summary: 'Create an account', tag: 'accounts', ok: { 201: 'the stored account' }, fails: { 404: 'the key may not touch this account id', 409: 'the account exists' } },
  'GET /v1/accounts': { summary: 'List the accounts this key may read, optionally by status', tag: 'accounts', ok: { 200: '{ accounts: [...] }' } },
  'GET /v1/accounts/{id}': {
    summary: 'Account summary with its margin on the latest market',
    tag: 'accounts',
    description: MARGIN_ECHO,
    ok: { 200: 'the account and its margin' },
    fails: { 404: 'no such account (or not one this key may touch)', 409: 'no market snapshot yet' },
  },
  'PUT /v1/accounts/{id}/positions': { summary: 'Replace the positions of an account', tag: 'accounts', ok: { 200: 'the stored account' }, fails: { 404: 'no such account (or not one this key may touch)' } },
  'PATCH /v1/accounts/{id}/positions': {
    summary: 'Merge positions by instrument (size 0 removes one)',
    tag: 'accounts',
    ok: { 200: 'the stored account' },
    fails: { 404: 'no such account (or not one this key may touch)' },
  },
  'PUT /v1/accounts/{id}/balances': { summary: 'Replace the balances of an account', tag: 'accounts', ok: { 200: 'the stored account' }, fails: { 404: 'no such account (or not one this key may touch)' } },
  'POST /v1/market': { summary: 'Ingest a market snapshot (validated; ids are immutable)', tag: 'market', ok: { 201: '{ snapshot_id, ... }' } },
  'GET /v1/market/latest': { summary: 'The latest accepted market snapshot', tag: 'market', ok: { 200: 'the snapshot' }, fails: { 409: 'no market snapshot yet' } },
  'GET /v1/profiles': { summary: 'Stored profiles (versioned, content-hashed) and the built-in names', tag: 'profiles', ok: { 200: '{ profiles, builtin }' } },
  'PUT /v1/profiles': {
    summary: 'Store a profile or pick a built-in, and assign it to pools',
    tag: 'profiles',
    ok: { 200: '{ name, profile_hash, pools }' },
    fails: { 404: 'unknown built-in profile' },
  },
  'GET /v1/stream': {
    summary: 'WebSocket: margin and status events of subscribed accounts, in order, with seq',
    tag: 'stream',
    description:
      'Upgrade to WebSocket. Key in `Authorization: Bearer` on the upgrade, or (browsers) a first message {"op":"auth","key":"…"}; never in the URL. ' +
      'Then {"op":"subscribe","channel":"account","account_id":"…"} or {"op":"subscribe","channel":"events"}; every server message carries seq 1, 2, 3… per connection (host/service/stream.ts).',
    ok: { 101: 'switching to WebSocket' },
  },
};

/** Fastify's `:id` → OpenAPI's `{id}`, the key ROUTE_DOCS uses. */
const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Routes that are files, not API: the risk page and the browser bundle. */
const isFileRoute = (url: string): boolean => url === '/' || url === '/*' || url.startsWith('/browser/');

export interface OpenApiOptions {
  /** API keys are enforced on /v1 (a store is configured); else simulate is open. */
  secured: boolean;
  /** Rate limit to state in the description, if any. */
  rateLimit?: { max: number; timeWindow: number };
}

export async function registerOpenApi(app: FastifyInstance, opts: OpenApiOptions): Promise<void> {
  const common: Record<number, string> = { 400: 'invalid input (code and field say which)', 413: 'body over the size limit' };
  if (opts.secured) Object.assign(common, { 401: 'missing or unknown API key', 403: 'the key lacks the scope' });
  if (opts.rateLimit !== undefined) common[429] = 'rate limited (per API key, else per IP); Retry-After says when to retry';
  const limits = opts.rateLimit === undefined ? '' : ` Rate limit: ${opts.rateLimit.max} requests per ${opts.rateLimit.timeWindow / 1000} s per API key (per IP without one); 429 RG_HTTP_RATE_LIMITED beyond it.`;

  app.addSchema(ErrorBody);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'riskgrid margin service',
        version: ENGINE_VERSION,
        description: `Portfolio margin over HTTP. Units and sign conventions: docs/DESIGN.md. Errors: { error: { code, message, field, value } }.${limits}`,
      },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: { type: 'http', scheme: 'bearer', bearerFormat: 'API key (rg_...)', description: 'Authorization: Bearer <api key>; scopes read, simulate, trade, admin; a key only reaches its own accounts' },
        },
      },
    },
    // Shared schemas keep their $id as the component name (the default is def-N).
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform({ schema, url, route }) {
      if (isFileRoute(url)) return { schema: { ...schema, hide: true }, url };
      // @fastify/websocket hides its routes; the stream is API, so it is listed (a GET that upgrades).
      const listed: Record<string, unknown> = { ...schema };
      if ((route as { websocket?: boolean }).websocket === true) delete listed.hide;
      const path = openapiPath(url);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const doc = ROUTE_DOCS[`${methods[0]} ${path}`];
      const api = url.startsWith('/v1/');
      const responses: Record<string, unknown> = {};
      for (const [status, d] of Object.entries(doc?.ok ?? { 200: 'success' })) {
        const body = url === '/metrics' ? { content: { 'text/plain': { schema: { type: 'string' } } } } : status === '101' ? { type: 'null' } : { type: 'object' };
        responses[status] = { [DESCRIPTION]: d, ...body };
      }
      // Failures carry the house error body; /health and /metrics have none to speak of.
      if (api) {
        for (const [status, d] of Object.entries({ ...common, ...doc?.fails })) {
          responses[status] = { description: d, $ref: `${ERROR_ID}#`, ...(status === '429' ? { headers: { 'retry-after': { type: 'integer', description: 'seconds until the window resets' } } } : {}) };
        }
      }
      const out: Record<string, unknown> = {
        ...listed,
        summary: doc?.summary ?? `${methods.join(', ')} ${path}`,
        tags: [doc?.tag ?? (api ? (url.split('/')[2] ?? 'v1') : 'operations')],
        response: responses,
      };
      if (doc?.description !== undefined) out.description = doc.description;
      if (api && opts.secured) out.security = [{ [SECURITY_SCHEME]: [] }];
      return { schema: out, url };
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: true } });
}
