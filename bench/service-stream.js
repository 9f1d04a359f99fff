// Market snapshot ingest → last WebSocket push, for a venue of 10,000 accounts (issue 6 target:
// ≤ 250 ms on the 2-core machine). `node bench/service-stream.js [--accounts N] [--mode events|accounts|both] [--json]`
// [--default-gc] after `npm run build`; `npm run bench:service` runs it too (run() below).
//
// The service runs as its own process (`riskgrid serve --db`, SQLite in a temp dir) seeded here
// with a synthetic derive-pmrm2.mainnet ETH venue (host/venue/synth.ts) and its market; this
// process is the client. Each ingest POSTs the venue's market moved ±1.5 % (so accounts cross
// their margin lines) under a new snapshot id, timed from just before the POST to the last push of
// that snapshot:
//   events    (default) ONE connection, an operator key, the `events` channel — what a venue's
//             liquidation engine runs: every margin call / status change of the snapshot, then
//             `snapshot_margined`, the snapshot's last push (sent after all of them).
//   accounts  4 connections that between them subscribe to every account (the worst case of
//             account holders' screens all open): the snapshot's last `margin` push of 10,000.
// wall_ms = median over the timed ingests (2 warm-ups, then `runs`, at least 5) of the time to
// the last push; max_ms = the slowest of them; p50_ms = median over every push of its latency.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { createEngine } from '../dist/margin/engine.js';
import { accountToJson } from '../dist/model/account.js';
import { newApiKey } from '../dist/service/auth.js';
import { SqliteStore } from '../dist/store/sqlite.js';
import { synthVenue } from '../dist/venue/synth.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PROFILE = 'derive-pmrm2.mainnet';
const HOUR = 3_600_000;
const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const say = (s) => process.stderr.write(`${s}\n`);

// The server gets a 64 MiB young generation, as bench/run.js gives batches and as a throughput
// service would run: a re-margin keeps 10,000 results alive (`serverArgs: []` for node's default).
export async function run({ accounts = 10_000, mode = 'events', runs = 5, warmups = 2, instruments = 500, seed = 2026, serverArgs = ['--max-semi-space-size=64'] } = {}) {
  if (runs < 5) throw new Error('runs must be at least 5 (the figure is a median)');
  const dir = mkdtempSync(join(tmpdir(), 'riskgrid-bench-stream-'));
  const db = join(dir, 'stream.db');
  let child;
  const sockets = [];
  try {
    const { secret, market, ids } = await seed_(db, { accounts, instruments, seed });
    child = spawn(process.execPath, [...serverArgs, join(root, 'bin/riskgrid.js'), 'serve', '--db', db, '--port', '0', '--log-level', 'warn'], {
      env: { ...process.env, DATABASE_URL: '', PORT: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await listening(child);
    const wsUrl = `${url.replace(/^http/, 'ws')}/v1/stream`;
    const auth = { authorization: `Bearer ${secret}` };

    // Arrivals per snapshot id: count and the time of the last one.
    const seen = new Map();
    const latencies = [];
    const sent = new Map(); // snapshot id → send time
    const waiters = new Map();
    const onPush = (m) => {
      const id = m.market_snapshot_id;
      const t0 = sent.get(id);
      if (t0 === undefined) return;
      const now = performance.now();
      if (m.type === 'margin' || m.type === 'margin_call' || m.type === 'status_change') latencies.push(now - t0);
      const s = seen.get(id) ?? { margins: 0, events: 0, done: false, last: 0 };
      seen.set(id, s);
      if (m.type === 'margin') s.margins++;
      else if (m.type === 'snapshot_margined') s.done = true;
      else s.events++;
      const complete = mode === 'events' ? s.done : s.margins === accounts;
      if (complete) {
        s.last = now;
        waiters.get(id)?.();
      }
    };
    const conns = mode === 'events' ? 1 : 4;
    for (let k = 0; k < conns; k++) {
      const ws = new WebSocket(wsUrl, { headers: auth, perMessageDeflate: false });
      sockets.push(ws);
      // Listening from the start: `authenticated` (seq 1) may arrive with the upgrade.
      let lastSeq = 0;
      let acks = 0;
      let subscribedNow;
      const subscribed = new Promise((resolve) => (subscribedNow = resolve));
      const want = mode === 'events' ? 1 : Math.ceil((ids.length - k) / conns);
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.seq !== lastSeq + 1) throw new Error(`seq ${m.seq} after ${lastSeq}`);
        lastSeq = m.seq;
        if (m.type === 'error') throw new Error(`stream error ${JSON.stringify(m)}`);
        if (m.type === 'subscribed' && ++acks === want) subscribedNow();
        else onPush(m);
      });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      if (mode === 'events') ws.send(JSON.stringify({ op: 'subscribe', channel: 'events' }));
      else for (let i = k; i < ids.length; i += conns) ws.send(JSON.stringify({ op: 'subscribe', channel: 'account', account_id: ids[i] }));
      await subscribed;
    }

    const walls = [];
    let changes = 0;
    for (let i = 0; i < warmups + runs; i++) {
      // Alternate up and down moves around the seeded market; fresh timestamps (the guard's staleness limits).
      const m = moved(market, i % 2 === 0 ? 1.015 : 1 / 1.015, `bench-stream-${i}`, Date.now() - 50);
      const done = new Promise((resolve) => waiters.set(m.snapshot_id, resolve));
      const body = JSON.stringify(m);
      const t0 = performance.now();
      sent.set(m.snapshot_id, t0);
      const r = await fetch(`${url}/v1/market`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body });
      if (r.status !== 201) throw new Error(`POST /v1/market: ${r.status} ${await r.text()}`);
      await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`no last push for ${m.snapshot_id} in 30 s`)), 30_000))]);
      const s = seen.get(m.snapshot_id);
      const wall = s.last - t0;
      if (i >= warmups) {
        walls.push(wall);
        changes += s.events;
      } else latencies.length = 0;
      say(`bench: ${mode} ingest ${i < warmups ? 'warm-up' : i - warmups + 1} → last push ${wall.toFixed(1)} ms (${s.margins} margin pushes, ${s.events} events)`);
    }
    return {
      name: 'service.ingest_to_last_push',
      accounts,
      mode,
      connections: conns,
      server_node_args: serverArgs.join(' '),
      wall_ms: round1(median(walls)),
      p50_ms: round1(median(latencies)),
      max_ms: round1(Math.max(...walls)),
      runs_ms: walls.map(round1),
      events_per_ingest: Math.round(changes / runs),
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (x) => Math.round(x * 10) / 10;

/** A SQLite store with the pool, the venue's accounts (normalised as POST /v1/accounts would), its market and an operator key. */
async function seed_(path, { accounts, instruments, seed }) {
  const store = new SqliteStore(path);
  const venue = synthVenue({ accounts, instruments, seed, profile: PROFILE, timestamp: Math.floor((Date.now() - HOUR) / HOUR) * HOUR });
  const engine = createEngine({ profile: PROFILE });
  const ids = [];
  const now = new Date().toISOString();
  await store.putPool('default', PROFILE);
  store.db.exec('BEGIN');
  for (const line of venue.accountLines()) {
    const raw = JSON.parse(line);
    const json = accountToJson(engine.parseAccount({ ...raw, pool: 'default' }), engine.conventions);
    await store.putAccount({ id: raw.account_id, pool: 'default', positions: json.positions, balances: json.balances, status: 'unknown', updated_at: now });
    ids.push(raw.account_id);
  }
  store.db.exec('COMMIT');
  const market = venue.market.json;
  await store.putSnapshot({ id: market.snapshot_id, timestamp: market.timestamp, json: market });
  const key = newApiKey(['read', 'simulate', 'trade', 'admin'], ['*']);
  await store.putApiKey(key.record);
  await store.close();
  return { secret: key.secret, market, ids };
}

/** The venue's market with the underlying (index, perp, forwards) and its collateral family moved by `f`. */
function moved(market, f, id, timestamp) {
  const m = structuredClone(market);
  m.snapshot_id = id;
  m.timestamp = timestamp;
  for (const u of Object.values(m.underlyings)) {
    u.index_price *= f;
    u.perp_price *= f;
    for (const e of Object.values(u.expiries)) e.forward *= f;
  }
  const spot = market.underlyings.ETH.index_price;
  // ETH and its liquid-staking tokens move with it; stablecoins and BTC do not.
  for (const [asset, c] of Object.entries(m.collateral)) if (Math.abs(market.collateral[asset].price / spot - 1) < 0.1) c.price *= f;
  return m;
}

function listening(proc) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`riskgrid serve printed no URL in 120 s:\n${out}`)), 120_000);
    proc.once('exit', (code) => reject(new Error(`riskgrid serve exited ${code}:\n${out}`)));
    proc.stdout.on('data', (b) => {
      out += b.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve(url);
      }
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const flag = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const modes = flag('mode', 'events') === 'both' ? ['events', 'accounts'] : [flag('mode', 'events')];
  const cases = [];
  const serverArgs = args.includes('--default-gc') ? [] : undefined;
  for (const mode of modes) cases.push(await run({ accounts: Number(flag('accounts', '10000')), mode, runs: Number(flag('runs', '5')), ...(serverArgs === undefined ? {} : { serverArgs }) }));
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ cases })}\n`);
  else for (const c of cases) process.stdout.write(`${JSON.stringify(c)}\n`);
}
