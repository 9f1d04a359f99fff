// The worker side of task-threads.ts: answers each task posted to this thread with `fn`, in order,
// and says when it has loaded (the pool terminates a thread only then).
import { parentPort } from 'node:worker_threads';
import type { TaskThreadMessage } from './task-threads.js';

export function serveTasks<Task, Answer>(fn: (task: Task) => Answer): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks runs on a worker thread');
  port.on('message', ({ slot, task }: { slot: number; task: Task }) => {
    let m: TaskThreadMessage;
    try {
      m = { slot, value: fn(task) };
    } catch (error) {
      m = { slot, error };
    }
    port.postMessage(m);
  });
  port.postMessage('ready' satisfies TaskThreadMessage);
}
