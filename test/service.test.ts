// The margin service through fastify.inject (no sockets): the risk page and its .wasm at `/`,
// /health, and POST /v1/margin/simulate returning exactly what the engine computes, with the
// error contract (400 + RG_ERR code and field, 404 unknown profile, 413 oversize body).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../host/index.js';
import { buildServer } from '../host/service/server.js';
import { parsePort, startServer } from '../host/service/start.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (f: string): Record<string, unknown> => JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Record<string, unknown>;
const portfolioEth = read('portfolio-eth.json');
const marketEth = read('market-eth.json');
const PROFILE = 'derive-pmrm2.test';
const variant = process.env.RISKGRID_NO_SIMD === '1' ? 'scalar' : 'simd';
// The page's files as buildWeb lays them out (index.html, style.css, the two .wasm), copied from
// their sources into a private folder: the browser e2e test rebuilds dist/web while this runs.
const fixture = mkdtempSync(join(tmpdir(), 'riskgrid-service-'));
const webDir = join(fixture, 'web');
const browserDir = join(fixture, 'browser');

let app: FastifyInstance;
let engine: Engine;

beforeAll(async () => {
  for (const dir of [webDir, browserDir]) {
    mkdirSync(dir);
    for (const v of ['simd', 'scalar']) copyFileSync(join(root, `build/wasm/riskgrid.${v}.wasm`), join(dir, `riskgrid.${v}.wasm`));
  }
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(webDir, f));
  app = await buildServer({ logLevel: 'silent', webDir, browserDir });
  engine = createEngine({ profile: PROFILE });
});
afterAll(async () => {
  await app?.close();
  rmSync(fixture, { recursive: true, force: true });
});

const simulate = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/margin/simulate', payload: payload as Record<string, unknown> });
const errorOf = (body: string): { code: string; message: string; field?: string; value?: unknown } => (JSON.parse(body) as { error: { code: string; message: string; field?: string } }).error;

describe('static risk page', () => {
  it('GET / returns the page HTML', async () => {
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
    expect(r.body).toBe(readFileSync(join(webDir, 'index.html'), 'utf8'));
    expect(r.body).toContain('src="./app.js"');
  });

  it('serves the .wasm as application/wasm (streaming compile) with the exact bytes', async () => {
    for (const v of ['simd', 'scalar']) {
      const r = await app.inject({ method: 'GET', url: `/riskgrid.${v}.wasm` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/wasm');
      expect(Buffer.compare(r.rawPayload, readFileSync(join(webDir, `riskgrid.${v}.wasm`)))).toBe(0);
    }
    const css = await app.inject({ method: 'GET', url: '/style.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('serves the package browser bundle folder under /browser/', async () => {
    const r = await app.inject({ method: 'GET', url: '/browser/riskgrid.scalar.wasm' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/wasm');
    expect((await app.inject({ method: 'GET', url: '/browser/index.html' })).statusCode).toBe(404); // not the page's folder
  });

  it('unknown paths are a JSON 404, and a file next to the page folder is never served', async () => {
    writeFileSync(join(fixture, 'secret.txt'), 'SECRET-OUTSIDE-WEB');
    for (const url of ['/nope.js', '/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/browser/../../secret.txt', '/v1/nothing']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(r.body, url).not.toContain('SECRET-OUTSIDE-WEB');
    }
    expect((await app.inject({ method: 'GET', url: '/nope.js' })).statusCode).toBe(404);
    expect(errorOf((await app.inject({ method: 'GET', url: '/v1/nothing' })).body).code).toBe('RG_HTTP_NOT_FOUND');
  });

  it('a service whose page is not built answers / with a clear 503', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'riskgrid-noweb-'));
    const bare = await buildServer({ logLevel: 'silent', webDir: empty });
    try {
      for (const url of ['/', '/app.js']) {
        const r = await bare.inject({ method: 'GET', url });
        expect(r.statusCode).toBe(503);
        const e = errorOf(r.body);
        expect(e.code).toBe('RG_HTTP_NOT_BUILT');
        expect(e.message).toContain('npm run build:browser');
      }
      expect((await bare.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('GET /health', () => {
  it('reports ok, the engine version of package.json and the WebAssembly variant in use', async () => {
    const r = await app.inject({ method: 'GET', url: '/health' });
    expect(r.statusCode).toBe(200);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(r.json()).toEqual({ status: 'ok', engine_version: pkg.version, wasm_variant: variant });
  });
});

describe('POST /v1/margin/simulate', () => {
  it('?detail=full returns exactly the engine result for the ETH example, plus status, detail and computed_at', async () => {
    const t0 = Date.now();
    const r = await app.inject({ method: 'POST', url: '/v1/margin/simulate?detail=full', payload: { profile: PROFILE, account: portfolioEth, market: marketEth } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    const { computed_at, status, detail, ...got } = r.json() as Record<string, unknown>;
    const want = engine.margin(portfolioEth, marketEth);
    // JSON round-trips doubles exactly: equality here is to the last bit.
    expect(got).toEqual(JSON.parse(JSON.stringify(want)));
    expect(detail).toBe('full');
    expect(status).toBe(want.mm_excess < 0 ? 'mm_breach' : want.im_excess < 0 ? 'im_breach' : 'ok');
    expect(got.initial_margin).toBe(want.initial_margin);
    expect(got.maintenance_margin).toBe(want.maintenance_margin);
    expect(got.initial_margin).toBeGreaterThan(0);
    expect(got.profile).toBe(PROFILE);
    expect(new Date(computed_at as string).toISOString()).toBe(computed_at);
    expect(Date.parse(computed_at as string)).toBeGreaterThanOrEqual(t0 - 1);
    expect(Date.parse(computed_at as string)).toBeLessThanOrEqual(Date.now() + 1);
    // A second call hits the cached engine and answers the same numbers.
    const again = (await simulate({ profile: PROFILE, account: portfolioEth, market: marketEth })).json() as Record<string, unknown>;
    expect(again.initial_margin).toBe(want.initial_margin);
  });

  it('the default answer is the summary: the full answer without per-position greeks', async () => {
    const body = { profile: PROFILE, account: portfolioEth, market: marketEth };
    const { computed_at: _a, ...summary } = (await simulate(body)).json() as Record<string, unknown>;
    const { computed_at: _b, ...full } = (await app.inject({ method: 'POST', url: '/v1/margin/simulate?detail=full', payload: body })).json() as Record<string, unknown>;
    const fullGreeks = full.greeks as { totals: unknown; positions: unknown[] };
    expect(fullGreeks.positions.length).toBeGreaterThan(0);
    expect(summary).toEqual({ ...full, detail: 'summary', greeks: { totals: fullGreeks.totals } });
    expect(Object.keys(summary)).toEqual(expect.arrayContaining(['initial_margin', 'maintenance_margin', 'equity', 'im_excess', 'mm_excess', 'status', 'greeks', 'breakdown', 'worst_scenario', 'scenario_pnl', 'scenarios']));
    const bad = await app.inject({ method: 'POST', url: '/v1/margin/simulate?detail=all', payload: body });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad.body)).toMatchObject({ code: 'RG_ERR_INVALID_INPUT' });
  });

  it('accepts positions as a map instrument → size, equal to the same positions as a list', async () => {
    const trades = { 'ETH-PERPETUAL': 3, 'ETH-20261228-2200-C': -2 };
    const asList = { account_id: 'm', positions: Object.entries(trades).map(([instrument, size]) => ({ instrument, size })), balances: { USDC: 50_000 } };
    const asMap = { account_id: 'm', positions: trades, balances: { USDC: 50_000 } };
    const a = await simulate({ profile: PROFILE, account: asMap, market: marketEth });
    expect(a.statusCode, a.body).toBe(200);
    const b = await simulate({ profile: PROFILE, account: asList, market: marketEth });
    const want = engine.margin(asList, marketEth);
    for (const r of [a, b]) {
      const j = r.json() as { initial_margin: number; maintenance_margin: number; equity: number };
      expect([j.initial_margin, j.maintenance_margin, j.equity]).toEqual([want.initial_margin, want.maintenance_margin, want.equity]);
    }
  });

  it('a bad account is 400 with the RG_ERR code and the field inside the body', async () => {
    const bad = structuredClone(portfolioEth) as { positions: Array<{ size: unknown }> };
    bad.positions[1]!.size = 'ten';
    const r = await simulate({ profile: PROFILE, account: bad, market: marketEth });
    expect(r.statusCode).toBe(400);
    const e = errorOf(r.body);
    expect(e.code).toBe('RG_ERR_INVALID_INPUT');
    expect(e.field).toBe('account.positions[1].size');
    expect(e.value).toBe('ten');
    expect(e.message).toContain('positions[1].size');
  });

  it('a bad market is 400 naming the field under market', async () => {
    const bad = structuredClone(marketEth) as { underlyings: { ETH: { index_price: unknown } } };
    bad.underlyings.ETH.index_price = -5;
    const r = await simulate({ profile: PROFILE, account: portfolioEth, market: bad });
    expect(r.statusCode).toBe(400);
    const e = errorOf(r.body);
    expect(e.code).toBe('RG_ERR_INVALID_INPUT');
    expect(e.field).toBe('market.underlyings.ETH.index_price');
    expect(e.value).toBe(-5);
  });

  it('market data the account needs but the snapshot lacks is 400 naming the snapshot path under market', async () => {
    const r = await simulate({ profile: PROFILE, account: { positions: { 'ETH-20261225-2200-C': 1 } }, market: marketEth });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body)).toMatchObject({ code: 'RG_ERR_MISSING_MARKET_DATA', field: 'market.underlyings.ETH.expiries.25DEC26' });
  });

  it('an unknown profile is 404 RG_ERR_PROFILE; a path instead of a name is refused by the schema', async () => {
    const r = await simulate({ profile: 'no-such-profile', account: portfolioEth, market: marketEth });
    expect(r.statusCode).toBe(404);
    const e = errorOf(r.body);
    expect(e).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'profile', value: 'no-such-profile' });
    expect(e.message).toContain(PROFILE); // lists the built-in ones
    const p = await simulate({ profile: '../package.json', account: portfolioEth, market: marketEth });
    expect(p.statusCode).toBe(400);
    expect(errorOf(p.body)).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'profile' });
  });

  it('the envelope schema: missing, extra or mistyped top-level fields are 400 naming them', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ profile: PROFILE, account: portfolioEth, market: marketEth, trades: [] }, 'trades'],
      [{ profile: PROFILE, account: [], market: marketEth }, 'account'],
      [{ profile: 7, account: portfolioEth, market: marketEth }, 'profile'],
    ];
    for (const [body, field] of cases) {
      const r = await simulate(body);
      expect(r.statusCode, field).toBe(400);
      expect(errorOf(r.body)).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field });
    }
  });

  it('without a market, a server without a store (no latest snapshot) answers 400 naming market', async () => {
    const r = await simulate({ profile: PROFILE, account: portfolioEth });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body)).toMatchObject({ code: 'RG_ERR_MISSING_MARKET_DATA', field: 'market' });
  });

  it('malformed JSON is 400 RG_ERR_PARSE', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: { 'content-type': 'application/json' }, payload: '{"profile": ' });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body).code).toBe('RG_ERR_PARSE');
  });

  it('a market sent again is judged as the first time: same answer, and poisoned or broken bodies around it refused', async () => {
    const market = JSON.stringify(marketEth);
    const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: { 'content-type': 'application/json' }, payload });
    const body = (account: string) => `{"profile":"${PROFILE}","account":${account},"market":${market}}`;
    const answers = [await post(body(JSON.stringify(portfolioEth))), await post(body(JSON.stringify(portfolioEth)))];
    for (const r of answers) expect(r.statusCode).toBe(200);
    const [first, second] = answers.map((r) => ({ ...(JSON.parse(r.body) as Record<string, unknown>), computed_at: 0 }));
    expect(second).toEqual(first);
    const refused: Array<[string, string]> = [
      [body('{"__proto__":{"admin":true}}'), 'RG_ERR_PARSE'],
      [body('{"a":{"constructor":{"prototype":{}}}}'), 'RG_ERR_PARSE'],
      [`${body(JSON.stringify(portfolioEth)).slice(0, -1)},}`, 'RG_ERR_PARSE'],
      [`{"market":${market},"profile":"${PROFILE}","account":${JSON.stringify(portfolioEth)},"x":1}`, 'RG_ERR_INVALID_INPUT'],
      [`{"market":${market},"profile":"${PROFILE}"}`, 'RG_ERR_INVALID_INPUT'],
    ];
    for (const [payload, code] of refused) {
      const r = await post(payload);
      expect(r.statusCode, payload.slice(-60)).toBe(400);
      expect(errorOf(r.body).code).toBe(code);
    }
  });

  it('a body over 1 MiB is 413; just under the limit is read and judged on its content', async () => {
    const pad = (n: number): string => JSON.stringify({ profile: PROFILE, account: portfolioEth, market: marketEth, pad: 'x'.repeat(n) });
    const base = Buffer.byteLength(pad(0));
    const over = await app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: { 'content-type': 'application/json' }, payload: pad(1024 * 1024 - base + 1) });
    expect(over.statusCode).toBe(413);
    expect(errorOf(over.body)).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'body' });
    const at = await app.inject({ method: 'POST', url: '/v1/margin/simulate', headers: { 'content-type': 'application/json' }, payload: pad(1024 * 1024 - base) });
    expect(at.statusCode).toBe(400); // parsed: rejected for the extra `pad` field, not for size
    expect(errorOf(at.body).field).toBe('pad');
  });
});

describe('startServer (riskgrid serve)', () => {
  it('listens on 127.0.0.1, reports its URL and answers over a real socket', async () => {
    const { app: live, url } = await startServer({ port: 0, logLevel: 'silent', signals: false, webDir, browserDir });
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url.endsWith(':0')).toBe(false);
      const r = await fetch(`${url}/health`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { status: string }).status).toBe('ok');
    } finally {
      await live.close();
    }
  });

  it('PORT defaults to 8080; a port that is not an integer 0..65535 is RG_ERR_INVALID_ARGUMENT', () => {
    expect(parsePort(undefined)).toBe(8080);
    expect(parsePort('')).toBe(8080);
    expect(parsePort('9090')).toBe(9090);
    expect(parsePort(0)).toBe(0);
    for (const bad of ['65536', 'abc', '-1', '80.5', 70000]) {
      expect(() => parsePort(bad), String(bad)).toThrow(expect.objectContaining({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'port' }));
    }
  });
});
