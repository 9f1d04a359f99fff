// Picks the store backend: a postgres:// or postgresql:// URL opens PostgreSQL, no URL opens the
// SQLite file, on its own thread (sqlite-thread.ts). A URL of any other kind is an error, never a
// silent fall back to SQLite (the operator asked for a server database and would otherwise run on
// a local file unawares).
import { RiskgridError } from '../errors.js';
import { checkPostgresUrl, openPostgresStore, redactUrl } from './postgres.js';
import { openSqliteStoreOnThread } from './sqlite-thread.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** e.g. process.env.DATABASE_URL; empty or unset means SQLite. */
  databaseUrl?: string;
  /** The SQLite database file, used when there is no databaseUrl. */
  sqlitePath?: string;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const url = opts.databaseUrl?.trim() ?? '';
  if (url !== '') {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `DATABASE_URL must start with postgres:// or postgresql:// (got ${redactUrl(url)}); leave it unset to use SQLite`, { field: 'DATABASE_URL', value: redactUrl(url) });
    }
    checkPostgresUrl(url);
    return openPostgresStore(url);
  }
  if (opts.sqlitePath === undefined || opts.sqlitePath === '') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'openStore needs a databaseUrl (postgres://…) or a sqlitePath', { field: 'sqlitePath', value: opts.sqlitePath });
  }
  return openSqliteStoreOnThread(opts.sqlitePath);
}
