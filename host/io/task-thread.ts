// The worker side of task-threads.ts: answers each task posted to this thread with `fn` (its value,
// or what its promise resolves to), and says when it has loaded (the pool terminates a thread only
// then). Tasks start in the order they were posted.
import { parentPort } from 'node:worker_threads';
import type { TaskThreadMessage, ThreadError } from './task-threads.js';

export function serveTasks<Task, Answer>(fn: (task: Task) => Answer | Promise<Answer>): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks runs on a worker thread');
  const answer = (m: TaskThreadMessage): void => {
    try {
      port.postMessage(m);
    } catch (e) {
      // An answer or an error value that cannot be cloned: the task fails, it never hangs.
      if (m === 'ready') throw e;
      port.postMessage({ slot: m.slot, error: { name: 'DataCloneError', message: `a task's ${'value' in m ? 'answer' : 'error'} cannot cross threads: ${(e as Error).message}` } });
    }
  };
  port.on('message', ({ slot, task }: { slot: number; task: Task }) => {
    let value: Answer | Promise<Answer>;
    try {
      value = fn(task);
    } catch (e) {
      return answer({ slot, error: threadError(e) });
    }
    if (value instanceof Promise) value.then((v) => answer({ slot, value: v }), (e: unknown) => answer({ slot, error: threadError(e) }));
    else answer({ slot, value });
  });
  answer('ready');
}

function threadError(e: unknown): ThreadError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const { code, field, value } = e as Error & { code?: unknown; field?: string; value?: unknown };
  return { name: e.name, message: e.message, stack: e.stack, code, field, value };
}
