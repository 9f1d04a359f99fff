// Rate limits (issue 6, security): a fixed window per API key, per client IP for requests
// without a bearer token. Runs as the first onRequest hook, before authentication, so floods of
// 401s and of large bodies are limited too and cost no store lookup beyond the limit.
// The bucket key is sha256(token) (auth.ts tokenHash, computed once per distinct token), never
// the token: the limiter's buckets are then as harmless as the store's api_keys table. /health and /metrics are exempt (load balancers and Prometheus
// poll them from shared addresses; neither touches the engine or the store beyond a count).
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RiskgridError } from '../errors.js';
import { tokenHash } from './auth.js';
import { HttpError } from './http-errors.js';

export interface RateLimitOptions {
  /** Requests allowed per key (or IP) per window. */
  max: number;
  /** Window length in ms. */
  timeWindow: number;
}

/**
 * Default: 10,000 requests per second per key. Above the single-node what-if target (5,000/s,
 * issue 6), so a benchmark or a busy market maker is never refused, while a runaway client loop
 * is bounded. A 1 s window, not a minute, so the limit also bounds bursts.
 */
export const DEFAULT_RATE_LIMIT: RateLimitOptions = { max: 10_000, timeWindow: 1000 };

const EXEMPT = new Set(['/health', '/metrics']);

/**
 * RISKGRID_RATE_LIMIT: `off`, or `<max>/<window>` with the window in ms or with a unit
 * (`500/1s`, `100000/1m`, `20/250ms`). Unset or empty: the default.
 */
export function parseRateLimit(v: string | undefined): RateLimitOptions | false {
  if (v === undefined || v.trim() === '') return DEFAULT_RATE_LIMIT;
  const s = v.trim();
  if (s === 'off' || s === 'false' || s === '0') return false;
  const m = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)?$/.exec(s);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[3] ?? 'ms') as 'ms'];
  const max = m === null ? NaN : Number(m[1]);
  const timeWindow = m === null ? NaN : Number(m[2]) * unit;
  if (!(max >= 1) || !Number.isSafeInteger(max) || !(timeWindow >= 1) || !Number.isSafeInteger(timeWindow)) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `RISKGRID_RATE_LIMIT must be "off" or "<max>/<window>" like "10000/1s" (max ≥ 1, window ≥ 1 ms), got "${v}"`, { field: 'RISKGRID_RATE_LIMIT', value: v });
  }
  return { max, timeWindow };
}

function checkOptions(o: RateLimitOptions): void {
  for (const [field, value] of [['max', o.max], ['timeWindow', o.timeWindow]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `rateLimit.${field} must be an integer ≥ 1, got ${String(value)}`, { field: `rateLimit.${field}`, value });
  }
}

/** The bucket of a request: the key's hash when it carries a bearer token, else its IP. */
export function rateLimitKey(req: FastifyRequest): string {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.startsWith('Bearer ') && h.length > 7) return `key:${tokenHash(h.slice(7))}`;
  return `ip:${req.ip}`;
}

/** Install the limiter; call before any other onRequest hook (authentication) is added. */
export async function registerRateLimit(app: FastifyInstance, o: RateLimitOptions): Promise<void> {
  checkOptions(o);
  // global: false and one app-level hook (below) instead of the plugin's per-route hooks, which
  // Fastify runs after app-level ones, i.e. after authentication.
  await app.register(fastifyRateLimit, {
    global: false,
    max: o.max,
    timeWindow: o.timeWindow,
    // Buckets in memory (LRU): enough that spraying made-up tokens hardly ever evicts (resets) a real key's.
    cache: 20_000,
    keyGenerator: rateLimitKey,
    // X-RateLimit-* on every answer cost ~10 µs a request under inject (a tenth of a what-if);
    // a 429 still carries them and Retry-After, and the limit is in /docs.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    allowList: (req) => EXEMPT.has(req.routeOptions.url ?? ''),
    errorResponseBuilder: (_req, ctx) =>
      new HttpError(429, 'RG_HTTP_RATE_LIMITED', `rate limit exceeded: at most ${ctx.max} requests per ${o.timeWindow} ms per API key (per IP without one); retry in ${ctx.after}`, 'rate_limit', { max: ctx.max, window_ms: o.timeWindow, retry_after_s: Math.ceil(ctx.ttl / 1000) }),
  });
  app.addHook('onRequest', app.rateLimit());
}
