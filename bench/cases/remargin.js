// Venue re-margin (issue 5): remargin.venue.1m, remargin.scaling and remargin.tick, measured by
// one child process (bench/remargin/child.js) so that peak memory is the venue's alone.
// RISKGRID_BENCH_ACCOUNTS overrides the account count (e.g. for a quick look).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let results;
function measure() {
  if (results !== undefined) return results;
  const accounts = process.env.RISKGRID_BENCH_ACCOUNTS ?? '1000000';
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../remargin/child.js', import.meta.url)), accounts], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`remargin bench child failed with status ${r.status}`);
  results = new Map(JSON.parse(r.stdout).map((c) => [c.name, c]));
  return results;
}

export default async function cases() {
  return ['remargin.venue.1m', 'remargin.scaling', 'remargin.tick'].map((name) => ({
    name,
    run: () => {
      const { name: _n, ...fields } = measure().get(name);
      return fields;
    },
  }));
}
