// Cluster benchmark (issue 10): `npm run bench:cluster [-- --accounts N --ticks K --json]`.
// A throwaway nats-server (JetStream, temp dir, free port) and a synthetic venue of N accounts
// (default 100,000; three pools ETH/BTC/SOL). The accounts are published once to POSITIONS; then
// for 1, 2 and 3 nodes (`riskgrid node` child processes, restarted per case) K snapshots are
// published one after another, each moving every underlying and the valuation time (a full
// re-margin of every account), and the time from publishing a snapshot to receiving the last
// result chunk of every partition is the tick latency (ticks/s = 1 / its mean: ticks back to
// back). The same snapshots are run through one in-process VenueEngine (2 threads) for
// the baseline, first alone and then interleaved with the cluster's ticks (in-process tick k, then
// cluster tick k, on the same snapshot): the machine is shared and its load drifts within a run, so
// the added latency is the median of the paired differences (cluster k − in-process k); the
// difference of the medians is reported too. Also per tick: the first
// chunk's arrival, and (outside the latency) the client's decoding of every result into objects.
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
const { readResults, TickEncoder } = await import(join(root, 'dist/cluster/engine-results.js'));
const { TICK_BYTES_PER_ACCOUNT } = await import(join(root, 'dist/cluster/results-codec.js'));

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
const v = await VenueEngine.open({ pools: venue.pools, threads: 2 });
{
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
  const ids = accounts.map((a) => a.account_id).sort();
  t = performance.now();
  readResults(v, ids);
  const readMs = performance.now() - t;
  // What a node adds per tick on top of the engine: reading every result into tick chunks (64 partitions' worth).
  const idx = v.indicesOf(ids);
  const enc = new TickEncoder();
  const encMs = [];
  for (let rep = 0; rep < 5; rep++) {
    t = performance.now();
    const size = Math.ceil(ids.length / 64);
    for (let first = 0; first < ids.length; first += size) {
      enc.encode(v, idx.subarray(first, Math.min(ids.length, first + size)), { snapshot_id: 'x', partition: 0, node: 'n', epoch: 1, roster: 1, chunk: 0, chunks: 1, total: ids.length, first });
    }
    encMs.push(performance.now() - t);
  }
  out.in_process = { threads: 2, load_ms: round(loadMs), tick_ms_median: round(median(lat)), tick_ms: lat.map((x) => round(x)), read_all_results_as_objects_ms: round(readMs), encode_all_tick_chunks_ms_median: round(median(encMs)) };
  log(`in-process: load ${round(loadMs)} ms, tick median ${round(median(lat))} ms, every result as objects ${round(readMs)} ms, every result into tick chunks ${round(median(encMs))} ms`);
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

// Result bytes from the client connection's counters (a second subscription to results.* would make
// the server send every result twice to this process); rosters on their own (small) subscription.
const inbound = () => client.nc.stats();
let mark = inbound();
const sinceMark = () => ({ bytes: inbound().inBytes - mark.inBytes, msgs: inbound().inMsgs - mark.inMsgs });
let rosterBytes = 0;
let rosterMsgs = 0;
const rosterSub = client.nc.subscribe('roster.*', { callback: (_e, m) => { rosterBytes += m.data.length; rosterMsgs++; } });
const done = new Map();
const firstChunk = new Map();
client.streamResults({ onTick: (t) => done.set(t.snapshot_id, t), onChunk: (h) => { if (!firstChunk.has(h.snapshot_id)) firstChunk.set(h.snapshot_id, performance.now()); } });
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
    mark = inbound();
    const id = `n${n}-settle${k}`;
    await client.publishSnapshot(snapshot(venue.market, id, 50 + k));
    await waitTick(id, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    if (sinceMark().bytes < 1.5 * TICK_BYTES_PER_ACCOUNT * accounts.length) break; // one copy of each partition's results
  }
  const lat = [];
  const inproc = [];
  const first = [];
  const decode = [];
  mark = inbound();
  const rosterMsgs0 = rosterMsgs;
  for (let k = 0; k < TICKS; k++) {
    const id = `n${n}-t${k}`;
    const ti = performance.now();
    await v.tick(snapshot(venue.market, `inproc-${id}`, k));
    inproc.push(performance.now() - ti);
    const tp = performance.now();
    await client.publishSnapshot(snapshot(venue.market, id, k));
    const r = await waitTick(id, 120_000);
    lat.push(r.latency_ms);
    first.push(firstChunk.get(id) - tp);
    // A consumer taking every result as an object (outside the latency; it delays the next tick).
    const td = performance.now();
    if (r.results.size !== accounts.length) throw new Error(`tick ${id}: ${r.results.size} results for ${accounts.length} accounts`);
    decode.push(performance.now() - td);
  }
  const { bytes: resultBytes, msgs: resultMsgs } = sinceMark();
  const mem = procs.map((p) => round(rss(p.pid)));
  const row = {
    nodes: n, threads_per_node: threads, startup_s: round(startS), tick_latency_ms_median: round(median(lat)), tick_latency_ms: lat.map((x) => round(x)),
    in_process_tick_ms_median: round(median(inproc)), in_process_tick_ms: inproc.map((x) => round(x)),
    added_latency_ms: round(median(lat.map((x, k) => x - inproc[k]))), added_latency_of_medians_ms: round(median(lat) - median(inproc)),
    // Back to back: the next snapshot published as the last one completes (interleaved work and decoding excluded).
    ticks_per_s: round((1000 * TICKS) / lat.reduce((x, y) => x + y, 0), 2),
    first_chunk_ms_median: round(median(first)), client_decode_all_ms_median: round(median(decode)),
    result_bytes_per_account: round(resultBytes / (TICKS * accounts.length), 2), result_msgs_per_tick: round(resultMsgs / TICKS), rosters_during_ticks: rosterMsgs - rosterMsgs0, node_rss_mb: mem,
  };
  out.cluster.push(row);
  log(`${n} node(s): startup ${row.startup_s} s, tick latency median ${row.tick_latency_ms_median} ms, in-process interleaved ${row.in_process_tick_ms_median} ms (added: paired median ${row.added_latency_ms} ms, of medians ${row.added_latency_of_medians_ms} ms; first chunk ${row.first_chunk_ms_median} ms), ${row.ticks_per_s} ticks/s, ${row.result_bytes_per_account} B/account, ${row.rosters_during_ticks} rosters during the ticks, client decode ${row.client_decode_all_ms_median} ms, RSS ${mem.join(', ')} MB`);
  for (const p of procs) p.kill('SIGTERM');
  await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)))));
  // Clean stops hand leases back at once; wait for the keys to go so the next case starts even.
  await new Promise((r) => setTimeout(r, 500));
}
rosterSub.unsubscribe();
out.sizes.roster_bytes_per_account = round(rosterBytes / Math.max(1, rosterMsgs) / (accounts.length / client.partitions), 1);
out.sizes.rosters_published = rosterMsgs;
await client.close();
await nats.stop();
await v.close();
process.stdout.write(`${JSON.stringify(out, null, json ? 0 : 1)}\n`);
