// The margin service (issue 6): a Fastify 5 app. buildServer() returns it ready but not
// listening (tests drive it with app.inject); start.ts listens.
//   GET  /                     the risk page (dist/web) and /browser/ (the browser bundle)
//   GET  /health               { status, engine_version, wasm_variant }
//   POST /v1/margin/simulate   stateless margin of one account
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ENGINE_VERSION } from '../version.js';
import { compileSync, defaultVariant } from '../wasm/loader.js';
import { EngineCache } from './engines.js';
import { httpError } from './http-errors.js';
import { registerSimulate } from './simulate.js';
import { registerWebPage } from './web-page.js';

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
}

export async function buildServer(opts: ServerOptions = {}): Promise<FastifyInstance> {
  const logger: FastifyServerOptions['logger'] = opts.logLevel === false ? false : { level: opts.logLevel ?? 'info' };
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

  app.get('/health', () => ({ status: 'ok', engine_version: ENGINE_VERSION, wasm_variant: variant }));
  registerSimulate(app, new EngineCache());
  await registerWebPage(app, opts.webDir ?? fileURLToPath(new URL('dist/web', ROOT)), opts.browserDir ?? fileURLToPath(new URL('dist/browser', ROOT)));
  return app;
}
