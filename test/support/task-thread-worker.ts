// Worker of task-threads.test.ts: echoes, throws, dies, or waits, as each task asks.
import { serveTasks } from '../../host/io/task-thread.js';

export type FixtureTask = { op: 'echo'; value: unknown } | { op: 'throw'; message: string } | { op: 'exit' } | { op: 'spin'; ms: number };

serveTasks((t: FixtureTask) => {
  switch (t.op) {
    case 'echo':
      return t.value;
    case 'throw':
      throw new Error(t.message);
    case 'exit':
      return process.exit(3);
    case 'spin': {
      const end = performance.now() + t.ms;
      while (performance.now() < end);
      return t.ms;
    }
  }
});
