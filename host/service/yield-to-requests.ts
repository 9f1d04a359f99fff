// Yielding behind requests: how the live book's long work (a re-margin after a snapshot, the
// margin runs it writes) leaves the event loop to requests (state.ts).
//
// Yielding for one turn (setImmediate) gave the book a slice in every turn however many requests
// waited: at 5,000 what-ifs a second its re-margin after a snapshot held them to turns of 7–15 ms
// (bench/service.js, a 1 ms probe timer in the server). Waiting for a turn that ran nothing else
// puts the book behind them: a request waits at most for the slice in progress.

/** A turn of the event loop shorter than this ran no request (one what-if takes ~0.1 ms). */
export const QUIET_TURN_MS = 0.05;
/** Under a request load that never leaves a quiet turn, the book still gets a slice this often. */
export const MAX_YIELD_MS = 10;

/** Resolves after a turn of the event loop in which nothing else ran, or after MAX_YIELD_MS. */
export async function yieldToRequests(): Promise<void> {
  const start = performance.now();
  for (;;) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const now = performance.now();
    if (now - t0 < QUIET_TURN_MS || now - start >= MAX_YIELD_MS) return;
  }
}
