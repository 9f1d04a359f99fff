// Benchmark runner. Every file in bench/cases/ default-exports an async function returning case
// definitions:
//   { name, batch, fn, time?, iterations?, setup? }  timed by tinybench; fn processes `batch` items
//   { name, run }                                    custom: run() returns the case's fields
// Reports medians (p50) and p99 per call; items_per_s = batch / median call time.
// `npm run bench -- --json` prints {"cases":[...]} to stdout; `--filter SUBSTR` selects cases.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { Bench } from 'tinybench';

// Batches keep thousands of results alive until they return; a 64 MiB young generation (what a
// throughput service would run with) keeps them from being copied into the old generation.
const YOUNG = '--max-semi-space-size=64';
if (!process.execArgv.some((a) => a.startsWith('--max-semi-space-size'))) {
  const r = spawnSync(process.execPath, [YOUNG, ...process.execArgv, new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;

const dir = new URL('./cases/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
const results = [];

for (const file of files) {
  const mod = await import(new URL(file, dir).href);
  const defs = await mod.default();
  for (const def of defs) {
    if (filter && !def.name.includes(filter)) continue;
    process.stderr.write(`bench ${def.name} ...\n`);
    if (def.setup) await def.setup();
    const result = def.run ? { name: def.name, ...(await def.run()) } : await timed(def);
    results.push(result);
    if (def.teardown) await def.teardown();
  }
}

async function timed(def) {
  const bench = new Bench({ time: def.time ?? 1000, iterations: def.iterations ?? 5, warmupTime: def.warmupTime ?? 200 });
  bench.add(def.name, def.fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw new Error(`${def.name}: ${r.error?.stack ?? r.state}`);
  const p50ms = r.latency.p50;
  return {
    name: def.name,
    batch: def.batch,
    items_per_s: Math.round(def.batch / (p50ms / 1000)),
    p50_us: round3(p50ms * 1000),
    p99_us: round3(r.latency.p99 * 1000),
    samples: r.latency.samplesCount ?? r.latency.samples?.length,
    ...(def.extra ? def.extra() : {}),
  };
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

if (json) {
  process.stdout.write(JSON.stringify({ cases: results }) + '\n');
} else {
  const rows = results.map((r) => ({ ...r }));
  console.table(rows);
}
