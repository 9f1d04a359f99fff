// The margin service (issue 6): a Fastify 5 app. buildServer() returns it ready but not
// listening (tests drive it with app.inject); start.ts listens.
//   GET  /                     the risk page (dist/web) and /browser/ (the browser bundle)
//   GET  /health               { status, engine_version, wasm_variant }
//   POST /v1/margin/simulate   stateless margin of one account
// With a store (opts.store) also the stateful API, behind API keys (auth.ts): accounts.ts,
// whatif.ts, market.ts, profiles.ts. Without a store simulate is open (a calculator, nothing to
// protect); with a store it needs a key with the `simulate` scope, like every other route.
// Operations: GET /docs (OpenAPI, openapi.ts), GET /metrics (metrics.ts), rate limits per API key
// (rate-limit.ts); close() waits for in-flight requests, then closes the store.
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ENGINE_VERSION } from '../version.js';
import { compileSync, defaultVariant } from '../wasm/loader.js';
import { EngineCache } from './engines.js';
import { httpError } from './http-errors.js';
import { registerSimulate } from './simulate.js';
import { defaultSimulateThreads, SimulatePool } from './simulate-pool.js';
import { registerWebPage } from './web-page.js';
import type { Store } from '../store/store.js';
import { registerAccounts } from './accounts.js';
import { authenticate, requireScope } from './auth.js';
import { registerMarket } from './market.js';
import { registerProfiles } from './profiles.js';
import { ServiceState } from './state.js';
import { registerStream, type StreamOptions } from './stream.js';
import { registerWhatIf } from './whatif.js';
import { registerMetrics, ServiceMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { parseRateLimit, registerRateLimit, type RateLimitOptions } from './rate-limit.js';
import { ClusterBackend, type ClusterBackendOptions } from './cluster-backend.js';
import { RiskgridError } from '../errors.js';

// host/service and dist/service both sit two levels under the package root.
const ROOT = new URL('../../', import.meta.url);

export interface ServerOptions {
  /** pino level (`info` default; `silent` in tests) or false for none. */
  logLevel?: string | false;
  /** Largest request body in bytes; larger is 413. Default 1 MiB. */
  bodyLimit?: number;
  /** The built risk page; default <package>/dist/web. */
  webDir?: string;
  /** The browser bundle served at /browser/; default <package>/dist/browser. */
  browserDir?: string;
  /** Persistence for accounts, market data, profiles, keys and the audit log; none = stateless. */
  store?: Store;
  /** Where pino writes (tests capture it); default stdout. */
  logStream?: NodeJS.WritableStream;
  /** WebSocket /v1/stream limits (stream.ts). */
  stream?: StreamOptions;
  /** Per API key (per IP without one); false for none. Default: $RISKGRID_RATE_LIMIT, else 10,000 per 1 s (rate-limit.ts). */
  rateLimit?: RateLimitOptions | false;
  /** Worker threads computing POST /v1/margin/simulate (simulate-pool.ts); 0: on the event loop. Default: $RISKGRID_SIMULATE_THREADS, else cores − 1 (at least 1). */
  simulateThreads?: number;
  /** Margins from engine nodes on NATS JetStream (cluster-backend.ts) instead of this process; needs a store. */
  cluster?: { nats: string } & Pick<ClusterBackendOptions, 'freshMs' | 'requestTimeoutMs'>;
}

export async function buildServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  // API keys never reach a log, whatever a serializer or a handler chooses to print.
  const redact = { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[redacted]' };
  const logger: FastifyServerOptions['logger'] =
    opts.logLevel === false ? false : { level: opts.logLevel ?? 'info', redact, ...(opts.logStream === undefined ? {} : { stream: opts.logStream }) };
  const app = Fastify({
    logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Reject what the schema does not allow instead of stripping or coercing it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
  });

  // Compile the module now: a service that cannot load its kernels should fail at start, not on
  // the first request. Engines instantiate it per profile.
  const variant = defaultVariant();
  compileSync(variant);

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = httpError(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'RG_HTTP_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, field: 'url', value: req.url } });
  });

  // Before any route and any other onRequest hook: the limiter runs ahead of authentication, and
  // the OpenAPI document and the latency histogram see every route registered after this point.
  const rateLimit = opts.rateLimit ?? parseRateLimit(process.env.RISKGRID_RATE_LIMIT);
  if (rateLimit !== false) await registerRateLimit(app, rateLimit);
  await registerOpenApi(app, { secured: opts.store !== undefined, ...(rateLimit === false ? {} : { rateLimit }) });
  const metrics = new ServiceMetrics();
  metrics.instrument(app);
  registerMetrics(app, metrics);
  // Shutting down, a keep-alive socket closes about a second after its in-flight request is
  // answered instead of idling for keepAliveTimeout (72 s): close() waits for every socket. Node
  // reads the timeout after each response, so no request pays for this.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });
  // close() runs this after the listener closed and in-flight requests were answered; the server
  // owns the store from here on (a second store.close() is a no-op in both stores).
  app.addHook('onClose', async () => {
    await opts.store?.close();
    app.log.info(opts.store === undefined ? 'closed' : 'closed; store closed');
  });

  if (opts.cluster !== undefined && opts.store === undefined) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'the service runs on a cluster only with a store (writes are durable in it first)', { field: 'cluster', value: opts.cluster.nats });
  app.get('/health', () => ({ status: 'ok', engine_version: ENGINE_VERSION, wasm_variant: variant }));
  const engines = new EngineCache();
  // Simulate without a market in the body margins on the stateful service's latest snapshot.
  let stateful: ServiceState | undefined;
  if (opts.store !== undefined) {
    const store = opts.store;
    // Authenticate before the body is even parsed: an unknown caller gets 401, never a schema hint.
    app.addHook('onRequest', async (req) => {
      const route = req.routeOptions.url;
      if (route === undefined || !route.startsWith('/v1/')) return;
      // A browser cannot set headers on a WebSocket: without one, stream.ts takes the key in a first message.
      if (route === '/v1/stream' && req.headers.authorization === undefined) return;
      const key = await authenticate(store, req);
      if (route === '/v1/margin/simulate') requireScope(key, 'simulate');
    });
    const backend = opts.cluster === undefined ? undefined : await ClusterBackend.connect(opts.cluster.nats, { ...opts.cluster, log: app.log });
    const state = new ServiceState(store, engines, backend);
    stateful = state;
    // The live book: every account loaded (and margined on the latest market) once, at start.
    await state.open(app.log).catch(async (e: unknown) => {
      await backend?.close();
      throw e;
    });
    metrics.watchAccounts(function* () {
      for (const e of state.book.all()) yield e.rec.status;
    });
    app.addHook('onClose', async () => state.close()); // runs before the store closes (onClose is LIFO)
    await registerStream(app, state, opts.stream);
    registerAccounts(app, state);
    registerWhatIf(app, state);
    registerMarket(app, state);
    registerProfiles(app, state);
  }
  const simulatePool = new SimulatePool(opts.simulateThreads ?? defaultSimulateThreads(), engines);
  app.addHook('onClose', async () => simulatePool.close());
  registerSimulate(app, engines, simulatePool, stateful);
  await registerWebPage(app, opts.webDir ?? fileURLToPath(new URL('dist/web', ROOT)), opts.browserDir ?? fileURLToPath(new URL('dist/browser', ROOT)));
  return app;
}
