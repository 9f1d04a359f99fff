// Worker of task-threads.test.ts: echoes (now or later), throws, dies, or waits, as each task asks.
import { serveTasks } from '../../host/io/task-thread.js';
import { RiskgridError } from '../../host/errors.js';

export type FixtureTask =
  | { op: 'echo'; value: unknown }
  | { op: 'later'; value: unknown }
  | { op: 'throw'; message: string }
  | { op: 'throw-rg' }
  | { op: 'reject-coded' }
  | { op: 'exit' }
  | { op: 'spin'; ms: number };

serveTasks((t: FixtureTask) => {
  switch (t.op) {
    case 'echo':
      return t.value;
    case 'later':
      return new Promise((resolve) => setTimeout(() => resolve(t.value), 5));
    case 'throw':
      throw new Error(t.message);
    case 'throw-rg':
      throw new RiskgridError('RG_ERR_INVALID_INPUT', 'snapshot s1 already exists', { field: 'snapshot_id', value: 's1' });
    case 'reject-coded':
      return Promise.reject(Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }));
    case 'exit':
      return process.exit(3);
    case 'spin': {
      const end = performance.now() + t.ms;
      while (performance.now() < end);
      return t.ms;
    }
  }
});
