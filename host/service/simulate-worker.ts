// Worker thread of simulate-pool.ts: answers simulate requests with its own engines (one per
// built-in profile, as the event loop's EngineCache) and its own copies of the latest snapshots.
// A task names the latest snapshot by key; its JSON comes only when this worker asked for it
// (`needs_snapshot`), so the ~15 KB are copied once per snapshot per worker, not per request.
import { serveTasks } from '../io/task-thread.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { EngineCache } from './engines.js';
import { answerSimulate, type SimulateOutcome, type SimulateRequest } from './simulate-answer.js';

export type SimulateTask = Omit<SimulateRequest, 'market'> & {
  market: { from: 'body'; text: string } | { from: 'latest'; key: number; json?: string };
};

export type SimulateTaskOutcome = SimulateOutcome | { ok: false; needs_snapshot: true };

const engines = new EngineCache();
/** The last few latest snapshots by key (one is current; a request in flight may name the one before). */
const latest = new Map<number, MarketSnapshot>();

function simulate(task: SimulateTask): SimulateTaskOutcome {
  if (task.market.from === 'body') return answerSimulate(task as SimulateRequest, engines);
  const { key, json } = task.market;
  let snap = latest.get(key);
  if (snap === undefined) {
    if (json === undefined) return { ok: false, needs_snapshot: true };
    // Validated on ingest; the future-dating check belonged to that moment (as state.ts loads it).
    snap = parseMarketSnapshot(JSON.parse(json) as Record<string, unknown>, { now: false });
    if (latest.size >= 4) latest.delete(latest.keys().next().value!);
    latest.set(key, snap);
  }
  return answerSimulate({ ...task, market: { from: 'latest', snap } }, engines);
}

serveTasks(simulate);
