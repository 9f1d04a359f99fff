// yieldToRequests (host/service/yield-to-requests.ts): the live book's work waits behind requests,
// but never starves.
import { describe, expect, it } from 'vitest';
import { MAX_YIELD_MS, yieldToRequests } from '../host/service/yield-to-requests.js';

/** Busy-waits `ms` in one callback: a request being served. */
const busy = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('yieldToRequests', () => {
  it('resolves after one quiet turn when nothing else is waiting', async () => {
    const t0 = performance.now();
    await yieldToRequests();
    expect(performance.now() - t0).toBeLessThan(MAX_YIELD_MS);
  });

  it('lets work queued before and during the wait run first', async () => {
    const ran: string[] = [];
    // Three "requests", each queueing the next from its own turn: the yield resolves only after
    // the turn that ran none of them.
    const request = (n: number): void => {
      setImmediate(() => {
        busy(0.3);
        ran.push(`request ${n}`);
        if (n < 3) request(n + 1);
      });
    };
    request(1);
    await yieldToRequests();
    ran.push('book');
    expect(ran).toEqual(['request 1', 'request 2', 'request 3', 'book']);
  });

  it('under a load that never leaves a quiet turn, resolves after MAX_YIELD_MS', async () => {
    let stop = false;
    const load = (): void => {
      if (stop) return;
      busy(0.2);
      setImmediate(load);
    };
    setImmediate(load);
    const t0 = performance.now();
    await yieldToRequests();
    const waited = performance.now() - t0;
    stop = true;
    expect(waited).toBeGreaterThanOrEqual(MAX_YIELD_MS);
    expect(waited).toBeLessThan(MAX_YIELD_MS + 50);
  });
});
