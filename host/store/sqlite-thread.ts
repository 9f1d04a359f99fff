// The SQLite store on its own thread: what the service opens. better-sqlite3 is synchronous, so on
// the event loop every commit held requests for its fsync (0.3–5 ms here), and a re-margin's runs
// for their inserts (~6 ms for a 500-account book), which set the simulate tail after each market
// snapshot (bench/service.js). Here one worker thread owns the database (sqlite.ts, unchanged) and
// runs the calls one at a time in the order they were made, so writes stay in order and a read sees
// every write made before it; a call resolves once its transaction is committed (acknowledged =
// durable, as before).
import { RiskgridError } from '../errors.js';
import { TaskThreads } from '../io/task-threads.js';
import { workerFile } from '../io/worker-file.js';
import type { Store } from './store.js';

type StoreMethod = Exclude<keyof Store, 'close'>;
/** `open`: open and migrate, answer the schema version. */
export interface StoreCall {
  method: 'open' | keyof Store;
  args: unknown[];
}

// Every Store method but close, as a Record so that the compiler fails when one is added and not here.
const METHOD_SET: Record<StoreMethod, true> = {
  putAccount: true, getAccount: true, listAccounts: true, setAccountStatus: true, putPool: true, getPool: true, putProfile: true, getProfile: true, listProfiles: true,
  putSnapshot: true, getSnapshot: true, latestSnapshot: true, recordMarginRun: true, writeMargins: true, listMarginRuns: true, putApiKey: true, getApiKeyByHash: true,
  appendAudit: true, listAudit: true, verifyAudit: true,
};
const METHODS = Object.keys(METHOD_SET) as StoreMethod[];

export interface SqliteThreadStore extends Store {
  readonly path: string;
  schemaVersion(): Promise<number>;
}

/** Opens (and migrates) the database at `path` on a new thread; an open error rejects here. */
export async function openSqliteStoreOnThread(path: string): Promise<SqliteThreadStore> {
  const thread = new TaskThreads<StoreCall, unknown>(workerFile(import.meta.url, 'store', 'sqlite-worker'), 1, path);
  const call = (method: StoreCall['method'], args: unknown[]): Promise<unknown> => thread.run({ method, args });
  try {
    await call('open', []);
  } catch (e) {
    await thread.close();
    throw e;
  }
  let closed = false;
  const store = Object.fromEntries(METHODS.map((m) => [m, (...args: unknown[]) => (closed ? Promise.reject(closedError(path)) : call(m, args))])) as unknown as Store;
  return Object.assign(store, {
    path,
    schemaVersion: () => call('open', []) as Promise<number>,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await call('close', []);
      } finally {
        await thread.close();
      }
    },
  });
}

function closedError(path: string): RiskgridError {
  return new RiskgridError('RG_ERR_INVALID_ARGUMENT', `the SQLite store ${path} is closed`, { field: 'database', value: path });
}
