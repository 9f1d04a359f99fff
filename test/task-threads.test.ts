// task-threads.ts: tasks reach the least-loaded thread and come back to their own caller (answers
// matched by slot, past the preallocated slots too), a promise's value comes back, a thrown error
// comes back as the rejection of its task only (a RiskgridError with its code, field and value), a
// thread that dies fails its tasks in flight and is replaced, and close() ends the threads and
// refuses new tasks.
import { buildSync } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { TaskThreads } from '../host/io/task-threads.js';
import type { FixtureTask } from './support/task-thread-worker.js';

// Vitest transforms test files but not worker entry points: bundle the TypeScript worker once.
const dir = mkdtempSync(join(tmpdir(), 'rg-task-threads-'));
const workerFile = join(dir, 'worker.mjs');
buildSync({ entryPoints: [fileURLToPath(new URL('./support/task-thread-worker.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: workerFile, logLevel: 'error' });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TaskThreads', () => {
  it('answers every task with its own answer, beyond the initial slots, on two threads', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 2);
    const n = 3000; // more in flight at once than the 1,024 preallocated slots
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => pool.run({ op: 'echo', value: { i, text: `task ${i}` } })));
    expect(answers).toEqual(Array.from({ length: n }, (_, i) => ({ i, text: `task ${i}` })));
    await pool.close();
  });

  it('rejects a task whose function threw, and only that one', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 1);
    const [bad, good] = await Promise.allSettled([pool.run({ op: 'throw', message: 'no such account' }), pool.run({ op: 'echo', value: 7 })]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(((bad as PromiseRejectedResult).reason as Error).message).toBe('no such account');
    expect(good).toEqual({ status: 'fulfilled', value: 7 });
    await pool.close();
  });

  it('answers with what a promise resolves to, and carries the class, code, field and value of an error', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 1);
    expect(await pool.run({ op: 'later', value: [1, 'two'] })).toEqual([1, 'two']);
    const rg = await pool.run({ op: 'throw-rg' }).then(() => undefined, (e: unknown) => e);
    expect(rg).toBeInstanceOf(RiskgridError);
    expect(rg).toMatchObject({ code: 'RG_ERR_INVALID_INPUT', field: 'snapshot_id', value: 's1', message: 'snapshot s1 already exists' });
    expect((rg as Error).stack).toMatch(/task-thread-worker|worker\.mjs/); // where it was thrown, on the thread
    await expect(pool.run({ op: 'reject-coded' })).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed' });
    await pool.close();
  });

  it('fails the tasks in flight on a thread that died, and replaces the thread', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 1);
    expect(await pool.run({ op: 'echo', value: 'warm' })).toBe('warm');
    const inFlight = [pool.run({ op: 'spin', ms: 50 }), pool.run({ op: 'exit' }), pool.run({ op: 'echo', value: 'queued behind the exit' })];
    const settled = await Promise.allSettled(inFlight);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 50 });
    for (const s of settled.slice(1)) {
      expect(s.status).toBe('rejected');
      expect(String((s as PromiseRejectedResult).reason)).toMatch(/RG_ERR_KERNEL|exited with code 3/);
    }
    expect(await pool.run({ op: 'echo', value: 'after' })).toBe('after');
    await pool.close();
  });

  it('refuses tasks after close', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 1);
    expect(await pool.run({ op: 'echo', value: 1 })).toBe(1);
    await pool.close();
    await expect(pool.run({ op: 'echo', value: 2 })).rejects.toThrow(/closed/);
  });

  it('closes a pool whose threads are still loading (Node aborts a worker terminated then)', async () => {
    const pool = new TaskThreads<FixtureTask, unknown>(workerFile, 2);
    const task = pool.run({ op: 'spin', ms: 300 });
    await pool.close();
    await expect(task).rejects.toThrow(/closed/);
  });
});
