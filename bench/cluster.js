// Cluster benchmark (issue 10): `npm run bench:cluster [-- --accounts N --ticks K --json]`.
// A throwaway nats-server (JetStream, temp dir, free port) and a synthetic venue of N accounts
// (default 100,000; three pools ETH/BTC/SOL). The accounts are published once to POSITIONS; then
// for 1, 2 and 3 nodes (`riskgrid node` child processes, restarted per case) K snapshots are
// published one after another, each moving every underlying and the valuation time (a full
// re-margin of every account), and the time from publishing a snapshot to receiving the last
// result chunk of every partition is the tick latency (ticks/s = 1 / its median: ticks run
// back to back). The same snapshots are run through one in-process VenueEngine (2 threads) for
// the baseline; the added latency is cluster median − in-process median.
// The machine has 2 cores: the nodes, nats-server and this process (which decodes every result,
// as a consumer would) share them, so more nodes cannot go faster here — the per-node figures are
// what the sizing model in docs/CLUSTER.md scales from.
// Also measured: bytes per position update, per snapshot, per account result; node RSS.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const ACCOUNTS = Number(flag('accounts', '100000'));
const TICKS = Number(flag('ticks', '10'));
const NODES = flag('nodes', '1,2,3').split(',').map(Number);
const INSTRUMENTS = Number(flag('instruments', '900'));
// Leases must outlive the longest stall of a node's event loop: here, taking in 50,000 accounts on
// two oversubscribed cores takes seconds (with 3 s the leases lapsed mid-load and the nodes churned).
const LEASE_TTL = flag('lease-ttl', '10000');
const json = args.includes('--json');
const log = (s) => process.stderr.write(`${s}\n`);

const { ClusterClient } = await import(join(root, 'dist/cluster/client.js'));
const { startLocalNats } = await import(join(root, 'dist/cluster/local-server.js'));
const { VenueEngine } = await import(join(root, 'dist/pool/venue-engine.js'));
const { synthMultiVenue } = await import(join(root, 'dist/venue/synth-multi.js'));
const { readResults } = await import(join(root, 'dist/cluster/engine-results.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Snapshot k: every underlying and its collateral family moved, 1 s later. */
function snapshot(base, id, k) {
  const m = JSON.parse(JSON.stringify(base));
  m.snapshot_id = id;
  m.timestamp = base.timestamp + 1000 * (k + 1);
  const f = 1 + 0.002 * (((k * 7) % 5) - 2);
  for (const u of Object.values(m.underlyings)) {
    u.index_price *= f;
    if (u.perp_price !== undefined) u.perp_price *= f;
    for (const e of Object.values(u.expiries)) e.forward *= f;
  }
  return m;
}

const rss = (pid) => {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
};

log(`generating ${ACCOUNTS} accounts, ${INSTRUMENTS} instruments…`);
const venue = synthMultiVenue({ accounts: ACCOUNTS, instruments: INSTRUMENTS, seed: 2026 });
const lines = [...venue.accountLines()];
const accounts = lines.map((l) => JSON.parse(l));
const out = { machine: { cores: (await import('node:os')).availableParallelism(), node: process.version }, accounts: ACCOUNTS, instruments: INSTRUMENTS, ticks: TICKS, sizes: {}, in_process: {}, cluster: [] };

// ---- in-process baseline --------------------------------------------------------------------
{
  const v = await VenueEngine.open({ pools: venue.pools, threads: 2 });
  let t = performance.now();
  v.load(accounts, venue.market);
  const loadMs = performance.now() - t;
  await v.remargin();
  const lat = [];
  for (let k = 0; k < TICKS; k++) {
    const m = snapshot(venue.market, `inproc-${k}`, k);
    t = performance.now();
    await v.tick(m);
    lat.push(performance.now() - t);
  }
  // What a node adds per tick on top of the engine: reading every result out (engine-results.ts).
  const ids = accounts.map((a) => a.account_id);
  t = performance.now();
  readResults(v, ids);
  const readMs = performance.now() - t;
  out.in_process = { threads: 2, load_ms: round(loadMs), tick_ms_median: round(median(lat)), tick_ms: lat.map((x) => round(x)), read_all_results_ms: round(readMs) };
  log(`in-process: load ${round(loadMs)} ms, tick median ${round(median(lat))} ms, reading every result ${round(readMs)} ms`);
  await v.close();
}

// ---- cluster --------------------------------------------------------------------------------
const nats = await startLocalNats();
const children = new Set();
process.on('exit', () => {
  for (const p of children) p.kill('SIGKILL');
  nats.proc.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(1));
writeFileSync(join(nats.dir, 'venue.json'), JSON.stringify({ pools: venue.pools }));
const client = await ClusterClient.connect(nats.url);
{
  const t = performance.now();
  for (let i = 0; i < accounts.length; i += 1000) await Promise.all(accounts.slice(i, i + 1000).map((a) => client.putAccount(a, 1)));
  const s = (performance.now() - t) / 1000;
  const bytes = accounts.reduce((n, a) => n + JSON.stringify({ account_id: a.account_id, seq: 1, account: a }).length, 0);
  out.sizes.position_update_bytes_mean = round(bytes / accounts.length);
  out.sizes.snapshot_bytes = JSON.stringify(snapshot(venue.market, 'x', 0)).length;
  out.publish = { accounts_per_s: round(accounts.length / s), seconds: round(s) };
  log(`published ${accounts.length} accounts in ${round(s)} s (${round(accounts.length / s)} acknowledged updates/s)`);
}

let resultBytes = 0;
let resultMsgs = 0;
const sizeSub = client.nc.subscribe('results.*', { callback: (_e, m) => { resultBytes += m.data.length; resultMsgs++; } });
const done = new Map();
client.streamResults({ onTick: (t) => done.set(t.snapshot_id, t) });
const waitTick = async (id, ms) => {
  const end = Date.now() + ms;
  while (!done.has(id)) {
    if (Date.now() > end) throw new Error(`tick ${id} did not complete in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
  return done.get(id);
};

for (const n of NODES) {
  const threads = n === 1 ? 2 : 1;
  const procs = Array.from({ length: n }, (_, k) => spawn(process.execPath, [join(root, 'bin/riskgrid.js'), 'node', '--nats', nats.url, '--pools', join(nats.dir, 'venue.json'), '--threads', String(threads), '--lease-ttl', LEASE_TTL, '--id', `b${n}-${k}`, ...(process.env.BENCH_NODE_LOGS ? ['--log-ticks'] : ['--quiet'])], { stdio: ['ignore', 'ignore', 'inherit'] }));
  for (const p of procs) children.add(p);
  // Warm-up tick: nodes claim, replay POSITIONS and margin everything once.
  let t = performance.now();
  const warm = `n${n}-warm`;
  await client.publishSnapshot(snapshot(venue.market, warm, 99));
  await waitTick(warm, 600_000);
  const startS = (performance.now() - t) / 1000;
  // Let a rebalance settle (every node at its share, no partition re-published) before measuring.
  for (let k = 0; k < 20; k++) {
    await new Promise((r) => setTimeout(r, 2000));
    resultBytes = 0;
    const id = `n${n}-settle${k}`;
    await client.publishSnapshot(snapshot(venue.market, id, 50 + k));
    await waitTick(id, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    if (resultBytes < 70 * accounts.length) break; // one copy of each partition's results (~64 B an account)
  }
  const lat = [];
  resultBytes = 0;
  resultMsgs = 0;
  const t0 = performance.now();
  for (let k = 0; k < TICKS; k++) {
    const id = `n${n}-t${k}`;
    await client.publishSnapshot(snapshot(venue.market, id, k));
    const r = await waitTick(id, 120_000);
    if (r.results.size !== accounts.length) throw new Error(`tick ${id}: ${r.results.size} results for ${accounts.length} accounts`);
    lat.push(r.latency_ms);
  }
  const wall = (performance.now() - t0) / 1000;
  const mem = procs.map((p) => round(rss(p.pid)));
  const row = {
    nodes: n, threads_per_node: threads, startup_s: round(startS), tick_latency_ms_median: round(median(lat)), tick_latency_ms: lat.map((x) => round(x)),
    ticks_per_s: round(TICKS / wall, 2), added_latency_ms: round(median(lat) - out.in_process.tick_ms_median),
    result_bytes_per_account: round(resultBytes / (TICKS * accounts.length), 2), result_msgs_per_tick: round(resultMsgs / TICKS), node_rss_mb: mem,
  };
  out.cluster.push(row);
  log(`${n} node(s): startup ${row.startup_s} s, tick latency median ${row.tick_latency_ms_median} ms (added ${row.added_latency_ms} ms), ${row.ticks_per_s} ticks/s, ${row.result_bytes_per_account} B/account, RSS ${mem.join(', ')} MB`);
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)))));
  // Clean stops hand leases back at once; wait for the keys to go so the next case starts even.
  await new Promise((r) => setTimeout(r, 500));
}
sizeSub.unsubscribe();
await client.close();
await nats.stop();
process.stdout.write(`${JSON.stringify(out, null, json ? 0 : 1)}\n`);
