// Start the margin service: listen on host:port (PORT, default 8080, on 127.0.0.1), print the
// URL, and close gracefully on SIGINT / SIGTERM (in-flight requests finish first).
import type { FastifyInstance } from 'fastify';
import { RiskgridError } from '../errors.js';
import { buildServer, type ServerOptions } from './server.js';

export interface StartOptions extends ServerOptions {
  port?: number | string;
  host?: string;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
}

export function parsePort(v: number | string | undefined): number {
  if (v === undefined || v === '') return 8080;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `port must be an integer 0..65535, got ${String(v)}`, { field: 'port', value: v });
  return n;
}

export async function startServer(opts: StartOptions = {}): Promise<{ app: FastifyInstance; url: string }> {
  const port = parsePort(opts.port ?? process.env.PORT);
  const host = opts.host ?? '127.0.0.1';
  const app = await buildServer(opts);
  await app.listen({ port, host });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  if (opts.signals !== false) {
    const stop = (sig: string): void => {
      app.log.info(`${sig}: closing`);
      app.close().then(() => process.exit(0), () => process.exit(1));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return { app, url };
}
