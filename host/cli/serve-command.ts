// `riskgrid serve`: the margin service in the foreground, printing where it listens.
//   serve                  stateless: the risk page, /health, POST /v1/margin/simulate
//   serve --db FILE        the stateful API on a store (accounts, what-if, market, profiles, keys);
//                          also when DATABASE_URL or RISKGRID_DB is set
//   serve --demo           the same, seeded with the demo venue (demo-venue.ts) and a new operator
//                          key — what `npm start` runs
//   serve --nats URL       the stateful API with margins from engine nodes on NATS JetStream
//                          (`riskgrid node`; docs/CLUSTER.md); also when RISKGRID_NATS_URL is set
// The store: DATABASE_URL=postgres://… selects PostgreSQL; otherwise SQLite at --db, else
// $RISKGRID_DB, else ./riskgrid.db.
import { resolve } from 'node:path';
import { RiskgridError } from '../errors.js';
import { seedDemoVenue, type DemoSeed } from '../service/demo-venue.js';
import { withKeyCache } from '../service/key-cache.js';
import { startServer } from '../service/start.js';
import { openStore } from '../store/open.js';
import { redactUrl } from '../store/postgres.js';
import type { Store } from '../store/store.js';

export interface ServeCommandOptions {
  port?: string;
  host?: string;
  demo?: boolean;
  db?: string;
  logLevel?: string;
  nats?: string;
}

export const DEFAULT_DB = './riskgrid.db';

/** The one place the service picks its store (host/store/open.ts: PostgreSQL for a postgres:// URL). */
export async function openServiceStore(opts: { db?: string; env?: NodeJS.ProcessEnv }): Promise<{ store: Store; where: string }> {
  const env = opts.env ?? process.env;
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  const db = opts.db ?? (env.RISKGRID_DB || DEFAULT_DB);
  // SQLite's in-memory database (gone when the service stops), not a file named ":memory:".
  const sqlitePath = db === ':memory:' ? db : resolve(db);
  const store = await openStore({ databaseUrl, sqlitePath });
  return { store, where: databaseUrl !== '' ? `PostgreSQL ${redactUrl(databaseUrl)}` : `SQLite ${sqlitePath}` };
}

export async function runServeCommand(opts: ServeCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const env = process.env;
  const nats = (opts.nats ?? env.RISKGRID_NATS_URL ?? '').trim();
  if (nats !== '' && !/^(nats|tls|wss?):\/\/|^[\w.-]+:\d+$/.test(nats)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--nats must be a NATS URL like nats://127.0.0.1:4222, got ${JSON.stringify(nats)}`, { field: 'nats', value: nats });
  // On a cluster writes are durable in the store first: cluster mode is always stateful.
  const stateful = nats !== '' || opts.demo === true || opts.db !== undefined || Boolean(env.DATABASE_URL?.trim()) || Boolean(env.RISKGRID_DB);
  const opened = stateful ? await openServiceStore({ db: opts.db }) : undefined;
  let seed: DemoSeed | undefined;
  try {
    if (opened !== undefined && opts.demo === true) seed = await seedDemoVenue(opened.store);
  } catch (e) {
    await opened?.store.close();
    throw e;
  }
  // The demo prints its four lines alone; request logs on request (--log-level info).
  const logLevel = opts.logLevel ?? (opts.demo === true ? 'warn' : undefined);
  let url: string;
  try {
    ({ url } = await startServer({
      port: opts.port ?? process.env.PORT,
      host: opts.host ?? '127.0.0.1',
      ...(logLevel === undefined ? {} : { logLevel }),
      // Keys looked up from memory (key-cache.ts): every request authenticates.
      ...(opened === undefined ? {} : { store: withKeyCache(opened.store) }),
      ...(nats === '' ? {} : { cluster: { nats } }),
    }));
  } catch (e) {
    await opened?.store.close();
    const code = (e as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot listen on ${opts.host ?? '127.0.0.1'}:${opts.port ?? process.env.PORT ?? 8080} (${code}); choose another with PORT=… or --port`, { field: 'port', value: opts.port ?? process.env.PORT ?? 8080, cause: e });
    }
    throw e;
  }
  if (seed !== undefined) {
    out(demoBanner(url, seed));
    return;
  }
  out(`riskgrid service listening on ${url}\n  risk page  ${url}/\n  docs       ${url}/docs\n  health     ${url}/health\n  simulate   POST ${url}/v1/margin/simulate\n`);
  if (opened !== undefined) out(`  store      ${opened.where}\n`);
  if (nats !== '') out(`  cluster    ${nats} (margins from its engine nodes)\n`);
}

/** Exactly four lines: the URL, the docs URL, the demo API key and a curl to try. */
export function demoBanner(url: string, seed: DemoSeed): string {
  const body = JSON.stringify({ account_id: seed.example.account_id, trades: { [seed.example.instrument]: 1 } });
  return (
    `riskgrid margin service: ${url}\n` +
    `API docs: ${url}/docs\n` +
    `demo API key: ${seed.secret} (a new key at every start, stored hashed; ${seed.accounts_written > 0 ? `demo venue seeded: ${seed.accounts_written} accounts` : 'demo venue already seeded'})\n` +
    `try: curl -s -X POST ${url}/v1/margin/whatif -H 'authorization: Bearer ${seed.secret}' -H 'content-type: application/json' -d '${body}'\n`
  );
}
