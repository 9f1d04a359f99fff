// Where POST /v1/margin/simulate is computed: on worker threads by default, so that a simulate —
// stateless, and for a big book milliseconds of CPU — does not hold the event loop that serves
// what-ifs, account writes and pushes, and so that simulates use more than one core. On the 2-core
// bench machine one worker raised the saturation of 50-option simulates on the latest snapshot
// from ~5,500 to ~6,300–7,000 req/s (market in the body: ~3,600 → ~4,200–4,700), for ~45 µs more
// CPU a request (the hop to the worker and back); the latency figures moved within the machine's
// noise (bench/service.js, README). With 0 threads the event loop computes them, by the same
// function (simulate-answer.ts). The threads are task-threads.ts, not Piscina: why is there.
import { availableParallelism } from 'node:os';
import { RiskgridError } from '../errors.js';
import { TaskThreads } from '../io/task-threads.js';
import { workerFile } from '../io/worker-file.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { EngineCache } from './engines.js';
import { answerSimulate, type SimulateOutcome, type SimulateRequest } from './simulate-answer.js';
import type { SimulateTask, SimulateTaskOutcome } from './simulate-worker.js';

/** $RISKGRID_SIMULATE_THREADS, else one core less than the machine has (at least one). */
export function defaultSimulateThreads(env = process.env.RISKGRID_SIMULATE_THREADS): number {
  if (env === undefined || env === '') return Math.max(1, availableParallelism() - 1);
  const n = Number(env);
  if (!/^\d+$/.test(env) || n > 256) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `RISKGRID_SIMULATE_THREADS must be an integer in [0, 256], got "${env}"`, { field: 'RISKGRID_SIMULATE_THREADS', value: env });
  return n;
}

export class SimulatePool {
  private pool: TaskThreads<SimulateTask, SimulateTaskOutcome> | undefined;
  /** Each latest snapshot's key and JSON for the workers, written once per snapshot object. */
  private readonly wire = new WeakMap<MarketSnapshot, { key: number; json: string }>();
  private nextKey = 0;
  /** Tasks on the workers now; close() waits for them. */
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private closing = false;

  /** `engines`: the event loop's, used with 0 threads. */
  constructor(
    readonly threads: number,
    private readonly engines: EngineCache,
  ) {}

  async run(req: SimulateRequest): Promise<SimulateOutcome> {
    // Closing: Fastify runs the onClose hooks while a request whose body is still arriving waits;
    // when it reaches us the workers may be gone, and it is answered on the event loop.
    if (this.threads === 0 || this.closing) return answerSimulate(req, this.engines);
    this.inFlight++;
    try {
      return await this.onWorkers(req);
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  private async onWorkers(req: SimulateRequest): Promise<SimulateOutcome> {
    if (req.market.from === 'body') return settled(await this.workers().run(req as SimulateTask));
    const snap = req.market.snap;
    let w = this.wire.get(snap);
    if (w === undefined) this.wire.set(snap, (w = { key: ++this.nextKey, json: JSON.stringify(snapshotToJson(snap)) }));
    const task: SimulateTask = { ...req, market: { from: 'latest', key: w.key } };
    const out = await this.workers().run(task);
    // A worker that has not seen this snapshot yet asks for it; the retry carries it.
    return settled('needs_snapshot' in out ? await this.workers().run({ ...task, market: { from: 'latest', key: w.key, json: w.json } }) : out);
  }

  /** After the tasks on the workers have been answered. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.pool?.close();
    this.pool = undefined;
  }

  /** The threads start with the first simulate: a service that answers none runs no extra thread. */
  private workers(): TaskThreads<SimulateTask, SimulateTaskOutcome> {
    return (this.pool ??= new TaskThreads(workerFile(import.meta.url, 'service', 'simulate-worker'), this.threads));
  }
}

function settled(out: SimulateTaskOutcome): SimulateOutcome {
  if ('needs_snapshot' in out) throw new RiskgridError('RG_ERR_KERNEL', 'a simulate worker asked for a snapshot it was sent');
  return out;
}
