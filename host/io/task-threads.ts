// Worker threads that answer tasks through an array of slots rather than a Map: the simulate
// workers (~90 µs tasks, 5,000 a second: simulate-pool.ts) and the SQLite thread (one thread, so
// its calls run in the order they were made: store/sqlite-thread.ts).
//
// Why not Piscina here (it runs the venue engine's and the risk pools' long tasks): Piscina keeps
// each worker's tasks in a Map that lives as long as the pool, so its table is in the old
// generation, and V8 (Node 20) then allocates every rehashed table there too, each keeping the
// entries it was rehashed with until the next mark-compact. At thousands of tasks a second a
// table is rehashed every few tasks, so every task, its promise and its answer were promoted:
// 5 KB answers at 5,000/s made ~27 MB/s of old generation on the event loop, a mark-compact every
// 2 s and a simulate p99 of 14–35 ms. Here a task's slot in a preallocated array is overwritten in
// place, and an answer dies young (README.md, the service's figures).
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, errorFromJson, RiskgridError } from '../errors.js';

/** An error as it crosses threads: structured clone keeps an Error's message, not its class or code. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: unknown;
  field?: string;
  value?: unknown;
}

/** What a task thread posts: its answer or its error for a slot, or that it has loaded. */
export type TaskThreadMessage = { slot: number; value: unknown } | { slot: number; error: ThreadError } | 'ready';

/** The error a task threw, as the caller gets it: a RiskgridError again when it was one. */
function thrown(e: ThreadError): Error {
  const err = typeof e.code === 'string' && e.code in ERROR_CODES
    ? errorFromJson({ code: e.code, message: e.message, field: e.field, value: e.value })
    : Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
  err.name = e.name;
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

interface Thread {
  worker: Worker;
  /** Its tasks in flight. */
  load: number;
  /** Loaded its modules: it can be terminated (Node 20 aborts on terminating a loading worker). */
  ready: Promise<void>;
  loaded: boolean;
  /** Died before loading (a broken build): started again by the next task, not in a loop. */
  dead: boolean;
}

const INITIAL_SLOTS = 1024;

export class TaskThreads<Task, Answer> {
  private threads: Thread[] = [];
  private resolvers: (((a: Answer) => void) | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  private rejecters: (((e: unknown) => void) | undefined)[] = new Array(INITIAL_SLOTS).fill(undefined);
  /** The thread each busy slot's task went to. */
  private owner = new Int32Array(INITIAL_SLOTS);
  /** Free slots, a stack: free[0 .. freeCount). */
  private free = Int32Array.from({ length: INITIAL_SLOTS }, (_, i) => INITIAL_SLOTS - 1 - i);
  private freeCount = INITIAL_SLOTS;
  private closed = false;

  /** `file`: a worker entry that calls serveTasks (task-thread.ts); `workerData`: what each thread gets. */
  constructor(
    private readonly file: string,
    readonly size: number,
    private readonly workerData?: unknown,
  ) {
    if (!(size >= 1)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `a task pool needs at least one thread, got ${size}`, { field: 'threads', value: size });
  }

  /** Runs `task` on the thread with the fewest tasks in flight; it queues in that thread's port. */
  run(task: Task): Promise<Answer> {
    if (this.closed) return Promise.reject(new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'the task threads are closed', { field: 'threads', value: 'closed' }));
    if (this.threads.length === 0) for (let i = 0; i < this.size; i++) this.threads.push(this.start(i));
    for (let i = 0; i < this.threads.length; i++) if (this.threads[i].dead) this.threads[i] = this.start(i);
    let t = 0;
    for (let i = 1; i < this.threads.length; i++) if (this.threads[i].load < this.threads[t].load) t = i;
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount];
    this.owner[slot] = t;
    this.threads[t].load++;
    return new Promise<Answer>((resolve, reject) => {
      this.resolvers[slot] = resolve;
      this.rejecters[slot] = reject;
      this.threads[t].worker.postMessage({ slot, task });
    });
  }

  /** Terminates the threads once loaded; tasks still in flight are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const threads = this.threads;
    this.threads = [];
    await Promise.all(threads.map(async (t) => {
      await t.ready;
      await t.worker.terminate();
    }));
    const closed = new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'the task threads closed with this task in flight', { field: 'threads', value: 'closed' });
    for (let slot = 0; slot < this.resolvers.length; slot++) this.settle(slot)?.reject(closed);
  }

  private start(index: number): Thread {
    const worker = new Worker(this.file, { workerData: this.workerData });
    let loaded!: () => void;
    const thread: Thread = { worker, load: 0, ready: new Promise<void>((r) => (loaded = r)), loaded: false, dead: false };
    worker.on('message', (m: TaskThreadMessage) => {
      if (m === 'ready') {
        thread.loaded = true;
        return loaded();
      }
      thread.load--;
      if ('value' in m) this.settle(m.slot)?.resolve(m.value as Answer);
      else this.settle(m.slot)?.reject(thrown(m.error));
    });
    worker.on('error', (e) => this.failThread(index, thread, e));
    worker.on('exit', (code) => {
      loaded(); // nothing left to wait for
      this.failThread(index, thread, new RiskgridError('RG_ERR_KERNEL', `a task thread exited with code ${code}`, { field: 'thread', value: index }));
    });
    return thread;
  }

  /** Frees a slot; its resolve and reject. */
  private settle(slot: number): { resolve: (a: Answer) => void; reject: (e: unknown) => void } | undefined {
    const resolve = this.resolvers[slot];
    const reject = this.rejecters[slot];
    if (resolve === undefined || reject === undefined) return undefined;
    this.resolvers[slot] = undefined;
    this.rejecters[slot] = undefined;
    this.free[this.freeCount++] = slot;
    return { resolve, reject };
  }

  /** A thread died: its tasks in flight fail, and (unless closed) a new thread takes its place. */
  private failThread(index: number, thread: Thread, error: unknown): void {
    if (this.threads[index] !== thread || thread.dead) return; // already replaced, or closed
    for (let slot = 0; slot < this.owner.length; slot++) if (this.owner[slot] === index && this.resolvers[slot] !== undefined) this.settle(slot)!.reject(error);
    if (thread.loaded) this.threads[index] = this.start(index);
    else thread.dead = true;
  }

  private grow(): void {
    const n = this.resolvers.length;
    for (let i = 0; i < n; i++) {
      this.resolvers.push(undefined);
      this.rejecters.push(undefined);
    }
    const owner = new Int32Array(2 * n);
    owner.set(this.owner);
    this.owner = owner;
    const free = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) free[i] = 2 * n - 1 - i;
    this.free = free;
    this.freeCount = n;
  }
}
