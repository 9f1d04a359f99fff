// The thread of sqlite-thread.ts: owns the database (a SqliteStore, opened on the first call so
// that an open error reaches the caller as an error of that call) and runs the calls in order.
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../io/task-thread.js';
import { SqliteStore } from './sqlite.js';
import type { StoreCall } from './sqlite-thread.js';

let store: SqliteStore | undefined;

serveTasks(({ method, args }: StoreCall) => {
  store ??= new SqliteStore(workerData as string);
  if (method === 'open') return store.schemaVersion();
  return (store[method] as (...a: unknown[]) => Promise<unknown>)(...args);
});
