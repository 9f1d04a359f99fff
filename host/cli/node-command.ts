// `riskgrid node --nats URL [--pools venue.json] [--threads N]`: one engine node of a cluster
// (host/cluster/node.ts). Runs until SIGINT/SIGTERM, then hands its partitions back at once.
// Logs a line per claim, release and partition ready on stderr; with --status-every, a status line.
import { RiskgridError } from '../errors.js';
import { ClusterNode } from '../cluster/node.js';
import { readJsonFile } from './read-json.js';

export interface NodeCommandOptions {
  nats: string;
  pools?: string;
  threads: string;
  partitions?: string;
  leaseTtl: string;
  id?: string;
  quiet?: boolean;
  logTicks?: boolean;
}

function int(field: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(String(text).trim()) || v < min || v > max) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`, { field, value: text });
  return v;
}

/** venue.json (riskgrid synth: its `pools`) or a plain { pool: profile } map; default one derive-pmrm2.mainnet pool. */
function readPools(file: string | undefined): Record<string, string | Record<string, unknown>> {
  if (file === undefined) return { default: 'derive-pmrm2.mainnet' };
  const j = readJsonFile(file, 'pools') as Record<string, unknown>;
  const pools = (j !== null && typeof j === 'object' && 'pools' in j ? j.pools : j) as Record<string, string | Record<string, unknown>>;
  if (pools === null || typeof pools !== 'object' || Array.isArray(pools) || Object.keys(pools).length === 0) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--pools ${file} must hold a pools map (pool → profile)`, { field: 'pools', value: file });
  }
  return pools;
}

export async function runNodeCommand(opts: NodeCommandOptions): Promise<void> {
  if (!/^(nats|tls|wss?):\/\/|^[\w.-]+:\d+$/.test(opts.nats)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--nats must be a NATS URL like nats://127.0.0.1:4222, got ${JSON.stringify(opts.nats)}`, { field: 'nats', value: opts.nats });
  const ttl = int('lease-ttl', opts.leaseTtl, 500, 600_000);
  const node = await ClusterNode.start({
    nats: opts.nats,
    pools: readPools(opts.pools),
    threads: int('threads', opts.threads, 0, 256),
    leaseTtlMs: ttl,
    leaseIntervalMs: Math.max(100, Math.floor(ttl / 6)),
    ...(opts.partitions === undefined ? {} : { partitions: int('partitions', opts.partitions, 1, 65536) }),
    ...(opts.id === undefined ? {} : { nodeId: opts.id }),
    logTicks: opts.logTicks === true,
    ...(opts.quiet === true ? {} : { log: (l: string) => process.stderr.write(`${new Date().toISOString()} ${l}\n`) }),
  });
  process.stdout.write(`${JSON.stringify({ node: node.id, partitions: node.partitions, nats: opts.nats })}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      // A clean stop hands the leases back at once; if it hangs (server gone), leave anyway: the leases lapse.
      const hard = setTimeout(() => process.exit(0), 5000);
      hard.unref();
      node.stop().then(resolve, resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Stopped: leave even if a library keeps a handle open.
  process.exit(0);
}
