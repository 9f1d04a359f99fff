// Operating the margin service (issue 6, requirements 2, 6, 7): the OpenAPI document at /docs
// lists every route; /metrics (latency by route pattern and status, margin compute time,
// accounts by status, process metrics) never names an account or a key; rate limits per API key
// answer 429 in the house error shape; oversize bodies are 413; keys never reach the log; and
// `riskgrid serve` shuts down on SIGTERM finishing in-flight requests (a real child process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey, hashSecret } from '../host/service/auth.js';
import { observeMarginCompute } from '../host/service/metrics.js';
import { ROUTE_DOCS } from '../host/service/openapi.js';
import { DEFAULT_RATE_LIMIT, parseRateLimit, rateLimitKey } from '../host/service/rate-limit.js';
import { buildServer, type ServerOptions } from '../host/service/server.js';
import { openSqliteStore, type SqliteStore } from '../host/store/sqlite.js';
import type { AccountStatus, Scope } from '../host/store/store.js';
import { ENGINE_VERSION } from '../host/version.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, unknown>;
const portfolio = read('portfolio-eth.json');
const market = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-ops-'));
const noWeb = { webDir: join(dir, 'noweb'), browserDir: join(dir, 'nobrowser') };
const json = (r: { body: string }): Record<string, any> => JSON.parse(r.body) as Record<string, any>;

/** A server on a fresh SQLite store with keys; log captured. */
async function stateful(name: string, opts: Partial<ServerOptions> = {}, keys: Record<string, [Scope[], string[]]> = {}) {
  const store = openSqliteStore(join(dir, `${name}.db`));
  const secrets: Record<string, string> = {};
  const ids: Record<string, string> = {};
  for (const [who, [scopes, accounts]] of Object.entries(keys)) {
    const k = newApiKey(scopes, accounts);
    await store.putApiKey(k.record);
    secrets[who] = k.secret;
    ids[who] = k.record.id;
  }
  const log = { text: '' };
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { log.text += chunk.toString(); cb(); } });
  const app = await buildServer({ logLevel: 'info', logStream: sink, store, ...noWeb, ...opts });
  const as = (who: string | null) => (who === null ? {} : { authorization: `Bearer ${secrets[who] ?? who}` });
  return { app, store, secrets, ids, log, as };
}

/** Every route the app registered, as [METHOD, url], from Fastify's own route tree. */
function registeredRoutes(app: FastifyInstance): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*)(\S+)(?: \(([A-Z, -]+)\))?$/.exec(line);
    if (m === null || m[2] === undefined) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack[depth - 1] = (depth > 1 ? stack[depth - 2]! : '') + m[2];
    const url = stack[depth - 1]!.replace(/^\/\//, '/');
    for (const method of (m[3] ?? '').split(', ')) if (/^[A-Z]+$/.test(method) && method !== 'HEAD') out.push([method, url]);
  }
  return out;
}
const openapiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OpenAPI at /docs', () => {
  let s: Awaited<ReturnType<typeof stateful>>;
  let spec: Record<string, any>;
  beforeAll(async () => {
    s = await stateful('docs');
    const r = await s.app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    spec = json(r);
  });
  afterAll(() => s.app.close());

  it('serves Swagger UI at /docs and an OpenAPI 3.1 document at /docs/json, without a key', async () => {
    const ui = await s.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.body).toMatch(/swagger/i);
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.info.version).toBe(ENGINE_VERSION);
    expect((await s.app.inject({ method: 'GET', url: '/docs/yaml' })).body).toMatch(/^openapi: 3\.1\.0/m);
  });

  it('declares the bearer API-key scheme and requires it on every /v1 operation', () => {
    expect(spec.components.securitySchemes.api_key).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, ops] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (path.startsWith('/v1/')) expect(op.security, `${method} ${path}`).toEqual([{ api_key: [] }]);
        else expect(op.security, `${method} ${path}`).toBeUndefined();
      }
    }
  });

  it('lists every registered /v1 route (and /health, /metrics) with a summary, a tag and described responses', () => {
    const routes = registeredRoutes(s.app);
    const api = routes.filter(([, u]) => u.startsWith('/v1/') || u === '/health' || u === '/metrics');
    // The tree parse itself is checked: it found the routes we know are there.
    expect(api).toEqual(expect.arrayContaining([['GET', '/v1/accounts/:id'], ['PATCH', '/v1/accounts/:id/positions'], ['POST', '/v1/margin/simulate'], ['GET', '/metrics']]));
    expect(api.length).toBeGreaterThanOrEqual(14);
    for (const [method, url] of api) {
      const op = spec.paths[openapiPath(url)]?.[method.toLowerCase()];
      expect(op, `${method} ${url} missing from /docs/json`).toBeDefined();
      // Documented in ROUTE_DOCS, not the fallback summary made from the path.
      expect(ROUTE_DOCS[`${method} ${openapiPath(url)}`], `${method} ${url} has no entry in ROUTE_DOCS (host/service/openapi.ts)`).toBeDefined();
      expect(op.summary).toBe(ROUTE_DOCS[`${method} ${openapiPath(url)}`]!.summary);
      expect(op.tags.length).toBe(1);
      for (const [status, resp] of Object.entries(op.responses as Record<string, { description: string }>)) {
        expect(resp.description, `${method} ${url} ${status}`).not.toBe('Default Response');
      }
      if (url.startsWith('/v1/')) {
        expect(op.responses['429'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorBody');
        expect(op.responses['401']).toBeDefined();
      }
    }
    // And nothing in the document that the app does not serve; the page's file routes stay out.
    for (const [path, ops] of Object.entries(spec.paths as Record<string, object>)) {
      for (const method of Object.keys(ops)) expect(s.app.hasRoute({ method: method.toUpperCase() as 'GET', url: path.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${path}`).toBe(true);
    }
    expect(spec.paths['/']).toBeUndefined();
    expect(spec.paths['/*']).toBeUndefined();
    expect(spec.components.schemas.ErrorBody.properties.error.required).toEqual(['code', 'message']);
  });

  it('request bodies come from the route schemas (simulate: profile, account, market; no extras)', () => {
    const body = spec.paths['/v1/margin/simulate'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties).sort()).toEqual(['account', 'market', 'profile']);
    expect(body.additionalProperties).toBe(false);
    const params = spec.paths['/v1/accounts/{id}'].get.parameters as Array<{ in: string; name: string }>;
    expect(params).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'path', name: 'id' })]));
  });

  it('without a store simulate is open, and the document says so (no security, no 401)', async () => {
    const app = await buildServer({ logLevel: false, ...noWeb });
    try {
      const doc = json(await app.inject({ method: 'GET', url: '/docs/json' }));
      const op = doc.paths['/v1/margin/simulate'].post;
      expect(op.security).toBeUndefined();
      expect(op.responses['401']).toBeUndefined();
      expect(doc.paths['/v1/accounts']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('/metrics', () => {
  let s: Awaited<ReturnType<typeof stateful>>;
  beforeAll(async () => {
    s = await stateful('metrics', {}, { admin: [['read', 'simulate', 'trade', 'admin'], ['*']], alice: [['read', 'simulate'], ['alice']] });
  });
  afterAll(() => s.app.close());
  const scrape = async (app = s.app): Promise<string> => {
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.body;
  };
  /** The value of one sample line (`name{labels} value`), or undefined. */
  const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const body = line.slice(name.length + 1, line.lastIndexOf('}'));
      const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v) && Object.keys(got).length === Object.keys(labels).length) return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return undefined;
  };

  it('needs no key, and is plain Prometheus text with the process metrics', async () => {
    const text = await scrape();
    expect(text).toMatch(/^# HELP process_cpu_user_seconds_total/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(text).toMatch(/^# TYPE riskgrid_http_request_duration_seconds histogram/m);
    expect(text).toMatch(/^# TYPE riskgrid_margin_compute_seconds histogram/m);
    expect(text).toMatch(/^# TYPE riskgrid_accounts gauge/m);
  });

  it('request latency is counted by route pattern and status, never by the URL with its ids', async () => {
    const before = await scrape();
    const n = (t: string, status: string) => sample(t, 'riskgrid_http_request_duration_seconds_count', { method: 'GET', route: '/v1/accounts/:id', status_code: status }) ?? 0;
    for (const id of ['alice', 'secret-account-7', 'secret-account-8']) await s.app.inject({ method: 'GET', url: `/v1/accounts/${id}`, headers: s.as('alice') });
    await s.app.inject({ method: 'GET', url: '/v1/accounts/alice', headers: s.as(null) });
    // No route at all (GET would be the page's /* route): one shared label, not the path.
    await s.app.inject({ method: 'POST', url: '/no/such/secret-path-9' });
    const after = await scrape();
    // alice exists nowhere yet (404), the other two are not alice's (404); no key is 401.
    expect(n(after, '404') - n(before, '404')).toBe(3);
    expect(n(after, '401') - n(before, '401')).toBe(1);
    expect(sample(after, 'riskgrid_http_request_duration_seconds_count', { method: 'POST', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    for (const leak of ['secret-account', 'secret-path', 'alice', ...Object.values(s.secrets), ...Object.values(s.ids)]) expect(after).not.toContain(leak);
    // Buckets are cumulative and end at the count.
    const inf = sample(after, 'riskgrid_http_request_duration_seconds_bucket', { le: '+Inf', method: 'GET', route: '/v1/accounts/:id', status_code: '404' });
    expect(inf).toBe(n(after, '404'));
  });

  it('margin compute time: one observation per simulate under the profile\'s methodology, none when the input is refused', async () => {
    const count = (t: string) => sample(t, 'riskgrid_margin_compute_seconds_count', { methodology: 'derive-pmrm2' }) ?? 0;
    const sum = (t: string) => sample(t, 'riskgrid_margin_compute_seconds_sum', { methodology: 'derive-pmrm2' }) ?? 0;
    const before = await scrape();
    for (let k = 0; k < 3; k++) {
      const r = await s.app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: s.as('alice'), payload: { profile: PROFILE, account: portfolio, market } });
      expect(r.statusCode, r.body).toBe(200);
    }
    const bad = await s.app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: s.as('alice'), payload: { profile: PROFILE, account: { ...portfolio, balances: 'x' }, market } });
    expect(bad.statusCode).toBe(400);
    // Refused inside the engine (an expiry the snapshot lacks): no compute time either.
    const missing = await s.app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: s.as('alice'), payload: { profile: PROFILE, account: { positions: { 'ETH-20261225-2200-C': 1 } }, market } });
    expect(json(missing).error.code).toBe('RG_ERR_MISSING_MARKET_DATA');
    const after = await scrape();
    expect(count(after) - count(before)).toBe(3);
    expect(sum(after)).toBeGreaterThan(sum(before));
    // The helper others call: a NaN or negative duration is dropped, not summed.
    observeMarginCompute(Number.NaN, 'derive-pmrm2');
    observeMarginCompute(-1, 'derive-pmrm2');
    observeMarginCompute(0.002, 'test-methodology');
    const last = await scrape();
    expect(count(last)).toBe(count(after));
    expect(sample(last, 'riskgrid_margin_compute_seconds_sum', { methodology: 'test-methodology' })).toBeCloseTo(0.002, 12);
  });

  it('accounts by status: the live book\'s statuses, equal to what GET /v1/accounts?status= lists', async () => {
    const call = (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown) =>
      s.app.inject({ method, url, headers: s.as('admin'), ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
    expect((await call('PUT', '/v1/profiles', { profile: PROFILE, pools: ['default'] })).statusCode).toBe(200);
    // USDC from none to ample (the example's IM ≈ 1255, MM ≈ 950, equity ≈ USDC − 1673): the
    // margin decides each status; what is checked is that the gauge agrees with the listing.
    const funding = [0, 2000, 2775, 2800, 5000, 25000];
    for (const [i, usdc] of funding.entries()) {
      const r = await call('POST', '/v1/accounts', { account_id: `acct-${i}`, positions: portfolio.positions, balances: { USDC: usdc } });
      expect(r.statusCode, r.body).toBe(201);
    }
    const unknown = sample(await scrape(), 'riskgrid_accounts', { status: 'unknown' });
    expect(unknown).toBe(funding.length); // no market yet
    expect((await call('POST', '/v1/market', market)).statusCode).toBe(201);
    const text = await scrape();
    let total = 0;
    let distinct = 0;
    for (const status of ['ok', 'im_breach', 'mm_breach', 'error', 'unknown']) {
      const listed = json(await call('GET', `/v1/accounts?status=${status}`)).accounts.length as number;
      expect(sample(text, 'riskgrid_accounts', { status }), status).toBe(listed);
      total += listed;
      if (listed > 0) distinct++;
    }
    expect(total).toBe(funding.length);
    expect(distinct).toBe(3); // ok, im_breach and mm_breach all reached
    expect(text).not.toContain('acct-');
  });

  it('each server has its own request metrics (tests and embedders build many)', async () => {
    const other = await buildServer({ logLevel: false, ...noWeb });
    try {
      await other.inject({ method: 'GET', url: '/health' });
      await other.inject({ method: 'GET', url: '/health' });
      const mine = await scrape();
      const theirs = await scrape(other);
      const health = (t: string) => sample(t, 'riskgrid_http_request_duration_seconds_count', { method: 'GET', route: '/health', status_code: '200' });
      expect(health(theirs)).toBe(2);
      expect(health(mine)).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('rate limits', () => {
  let s: Awaited<ReturnType<typeof stateful>>;
  const MAX = 3;
  beforeAll(async () => {
    s = await stateful('limits', { rateLimit: { max: MAX, timeWindow: 60_000 } }, { alice: [['read'], ['alice']], bob: [['read'], ['bob']] });
  });
  afterAll(() => s.app.close());
  const get = (who: string | null, url = '/v1/profiles') => s.app.inject({ method: 'GET', url, headers: s.as(who) });

  it('per API key: the request after max is 429 in the house error shape with Retry-After; another key is unaffected', async () => {
    for (let k = 0; k < MAX; k++) {
      const r = await get('alice');
      expect(r.statusCode).toBe(200);
      expect(r.headers['x-ratelimit-remaining']).toBeUndefined(); // not on every answer (rate-limit.ts)
    }
    const r = await get('alice');
    expect(r.statusCode).toBe(429);
    expect(json(r).error).toMatchObject({ code: 'RG_HTTP_RATE_LIMITED', field: 'rate_limit', value: { max: MAX, window_ms: 60_000 } });
    expect(json(r).error.message).toMatch(/at most 3 requests per 60000 ms/);
    expect(r.headers).toMatchObject({ 'x-ratelimit-limit': String(MAX), 'x-ratelimit-remaining': '0' });
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get('bob')).statusCode).toBe(200);
    // Limited on every route, not per route.
    expect((await get('alice', '/v1/market/latest')).statusCode).toBe(429);
  });

  it('runs before authentication: a guessed key and a keyless client are limited too (keyless per IP)', async () => {
    const guess = 'rg_not-a-real-key-but-well-formed';
    for (let k = 0; k < MAX; k++) expect((await get(guess)).statusCode).toBe(401);
    expect((await get(guess)).statusCode).toBe(429);
    for (let k = 0; k < MAX; k++) expect((await get(null)).statusCode).toBe(401);
    const r = await get(null);
    expect(r.statusCode).toBe(429);
    expect(json(r).error.code).toBe('RG_HTTP_RATE_LIMITED');
    // /docs is keyless, so it shares the IP bucket that is now empty.
    expect((await s.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(429);
  });

  it('/health and /metrics are never limited (load balancers and Prometheus poll them)', async () => {
    for (let k = 0; k < MAX * 3; k++) {
      expect((await s.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect((await s.app.inject({ method: 'GET', url: '/metrics', headers: s.as('alice') })).statusCode).toBe(200);
    }
  });

  it('the bucket is sha256 of the token, never the token; keys never reach the log, a 429 or /metrics', async () => {
    const fake = { headers: { authorization: `Bearer ${s.secrets.alice}` }, ip: '10.0.0.1' } as unknown as Parameters<typeof rateLimitKey>[0];
    expect(rateLimitKey(fake)).toBe(`key:${hashSecret(s.secrets.alice!)}`);
    expect(rateLimitKey({ headers: {}, ip: '10.0.0.1' } as unknown as Parameters<typeof rateLimitKey>[0])).toBe('ip:10.0.0.1');
    let limited = await get('alice');
    for (let k = 0; k < MAX; k++) limited = await get('alice'); // over the limit whatever ran before
    expect(limited.statusCode).toBe(429);
    const metrics = (await s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/route="\/v1\/profiles",status_code="429"/);
    for (const secret of Object.values(s.secrets)) {
      for (const text of [s.log.text, limited.body, JSON.stringify(limited.headers), metrics]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(hashSecret(secret));
      }
    }
    expect(s.log.text.length).toBeGreaterThan(0); // the log was written (requests logged at info)
  });

  it('rateLimit: false turns it off; RISKGRID_RATE_LIMIT parses "off" and "<max>/<window>", else RG_ERR_INVALID_ARGUMENT', async () => {
    const off = await stateful('limits-off', { rateLimit: false }, { alice: [['read'], []] });
    try {
      for (let k = 0; k < 20; k++) expect((await off.app.inject({ method: 'GET', url: '/v1/profiles', headers: off.as('alice') })).statusCode).toBe(200);
    } finally {
      await off.app.close();
    }
    expect(parseRateLimit(undefined)).toEqual(DEFAULT_RATE_LIMIT);
    expect(parseRateLimit('')).toEqual(DEFAULT_RATE_LIMIT);
    expect(parseRateLimit('off')).toBe(false);
    expect(parseRateLimit('500/1s')).toEqual({ max: 500, timeWindow: 1000 });
    expect(parseRateLimit('100000/1m')).toEqual({ max: 100_000, timeWindow: 60_000 });
    expect(parseRateLimit('20/250ms')).toEqual({ max: 20, timeWindow: 250 });
    expect(parseRateLimit('20/250')).toEqual({ max: 20, timeWindow: 250 });
    for (const bad of ['x', '10', '0/1s', '10/0', '-1/1s', '1.5/1s', '10/1d']) {
      expect(() => parseRateLimit(bad), bad).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'RISKGRID_RATE_LIMIT' }));
    }
    await expect(buildServer({ logLevel: false, ...noWeb, rateLimit: { max: 0, timeWindow: 1000 } })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'rateLimit.max' });
  });
});

describe('body size limit', () => {
  it('a body over bodyLimit is 413 in the house shape; without a key it is 401 before the body is read', async () => {
    const s = await stateful('body', { bodyLimit: 2048 }, { ops: [['admin'], []] });
    try {
      const big = { ...market, snapshot_id: 'big', pad: 'x'.repeat(4096) };
      const r = await s.app.inject({ method: 'POST', url: '/v1/market', headers: s.as('ops'), payload: big });
      expect(r.statusCode).toBe(413);
      expect(json(r).error).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'body', value: 'FST_ERR_CTP_BODY_TOO_LARGE' });
      const anon = await s.app.inject({ method: 'POST', url: '/v1/market', payload: big });
      expect(anon.statusCode).toBe(401);
      expect(await s.store.getSnapshot('big')).toBeUndefined();
    } finally {
      await s.app.close();
    }
  });
});

describe('close', () => {
  it('app.close() closes the store after the server, and logs that it closed', async () => {
    const s = await stateful('close');
    expect(s.store.db.open).toBe(true);
    await s.app.close();
    expect(s.store.db.open).toBe(false);
    expect(s.log.text).toMatch(/"msg":"closed; store closed"/);
  });
});

// ---- a real process: `node bin/riskgrid.js serve --db FILE` ----

function newestMtime(d: string): number {
  let t = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** A POST whose body is sent in two parts, so the request is in flight until the second. */
function slowPost(port: number, path: string, headers: Record<string, string>, body: string): { socket: Socket; finish: () => void; response: Promise<{ status: number; text: string }> } {
  const socket = connect(port, '127.0.0.1');
  const bytes = Buffer.from(body);
  const head = Object.entries({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`POST ${path} HTTP/1.1\r\n${head}\r\n`);
  socket.write(bytes.subarray(0, bytes.length >> 1));
  let raw = '';
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    socket.on('data', (d: Buffer) => (raw += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1] ?? 0), text: raw.slice(raw.indexOf('\r\n\r\n') + 4) }));
  });
  // The rest of the body without a FIN: Node's http server aborts the request of a client that
  // half-closes (httpAllowHalfOpen is off), which no shutdown could then answer.
  return { socket, finish: () => socket.write(bytes.subarray(bytes.length >> 1)), response };
}

const refused = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve('connected'); });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });

describe('graceful shutdown of `riskgrid serve` (SIGTERM)', () => {
  let child: ChildProcess | undefined;
  beforeAll(() => {
    const main = join(root, 'dist/cli/serve-command.js');
    if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'host'))) {
      const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
      // tsc still emits when another module has a type error; only a missing output is fatal here.
      if (!existsSync(main)) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
    }
  }, 120_000);
  afterAll(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  it('finishes in-flight requests with 200, refuses new connections, closes the store, logs it and exits 0', async () => {
    const db = join(dir, 'serve.db');
    const store = openSqliteStore(db);
    const key = newApiKey(['simulate', 'trade'], ['late-account']);
    await store.putApiKey(key.record);
    await store.putPool('default', PROFILE);
    await store.close();

    child = spawn(process.execPath, [join(root, 'bin/riskgrid.js'), 'serve', '--db', db, '--port', '0', '--log-level', 'info'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', PORT: '', RISKGRID_RATE_LIMIT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) => child!.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    const waitFor = async (re: RegExp, ms: number): Promise<RegExpExecArray> => {
      const until = Date.now() + ms;
      for (;;) {
        const m = re.exec(out);
        if (m !== null) return m;
        if (Date.now() > until || child!.exitCode !== null) throw new Error(`no ${re} in ${ms} ms; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const port = Number((await waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 30_000))[1]);

    // Warm: the first simulate builds the engine; in-flight requests should be about shutdown, not JIT.
    const body = JSON.stringify({ profile: PROFILE, account: portfolio, market });
    const auth = { authorization: `Bearer ${key.secret}` };
    const warm = await fetch(`http://127.0.0.1:${port}/v1/margin/simulate`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
    expect(warm.status).toBe(200);
    const expected = ((await warm.json()) as { initial_margin: number }).initial_margin;

    // Two margin computations and one store write in flight: the store must outlive them.
    const inflight = [0, 1].map(() => slowPost(port, '/v1/margin/simulate', auth, body));
    const write = slowPost(port, '/v1/accounts', auth, JSON.stringify({ account_id: 'late-account', positions: portfolio.positions, balances: portfolio.balances }));
    await new Promise((r) => setTimeout(r, 300)); // headers read: the requests have started
    const t0 = Date.now();
    child.kill('SIGTERM');
    await waitFor(/SIGTERM: closing/, 5_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(child.exitCode).toBeNull(); // still serving the three
    expect(await refused(port)).toBe('ECONNREFUSED');

    for (const p of [...inflight, write]) p.finish();
    for (const p of inflight) {
      const r = await p.response;
      expect(r.status, r.text).toBe(200);
      expect((JSON.parse(r.text) as { initial_margin: number }).initial_margin).toBe(expected);
    }
    const w = await write.response;
    expect(w.status, w.text).toBe(201);
    const exit = await exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - t0).toBeLessThan(5_000);
    expect(out).toMatch(/"msg":"closed; store closed"/);
    // The store was closed cleanly (SQLite checkpoints and removes the WAL on the last close).
    expect(existsSync(`${db}-wal`)).toBe(false);
    const again = openSqliteStore(db);
    expect(await again.getApiKeyByHash(hashSecret(key.secret))).toBeDefined();
    expect((await again.getAccount('late-account'))?.pool).toBe('default'); // the acknowledged write
    await again.close();
    expect(out).not.toContain(key.secret);
  }, 60_000);
});
