// The venue re-margin benchmark, run in a child process of its own so that peak_rss_mb is the
// venue's (generation + rows + shared memory + workers), not the rest of the bench's.
//   remargin.venue.1m   1,000,000 accounts (~11 positions each) over 2,000 instruments in three
//                       derive-pmrm2 mainnet pools (ETH 50 %, BTC 35 %, SOL 15 %), 2 workers:
//                       every account re-margined; wall_s = median of 5 runs (each after a warm-up).
//   remargin.scaling    the same venue on 1 and on 2 workers (same process, same memory), alternating.
//   remargin.tick       the ETH index, perp, forwards and the ETH-family collateral move 1 %:
//                       the ETH pool and the other pools' accounts holding ETH collateral
//                       (median of 7 ticks after one).
// Generating and loading the venue is not timed (load_s reports it).
import { VenueEngine } from '../../dist/pool/venue-engine.js';
import { synthMultiVenue } from '../../dist/venue/synth-multi.js';

const N = Number(process.argv[2] ?? 1_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const multi = synthMultiVenue({ accounts: N, instruments: 2000, seed: 2026 });
function* accounts() {
  for (const l of multi.accountLines()) yield JSON.parse(l);
}
const venue = await VenueEngine.open({ pools: multi.pools, threads: 2 });
const load = venue.load(accounts(), multi.market);

async function walls(runs, warm, f) {
  for (let i = 0; i < warm; i++) await f();
  const ts = [];
  for (let i = 0; i < runs; i++) ts.push((await f()).wall_ms / 1e3);
  return median(ts);
}

// 1 and 2 workers alternate (a fresh pool each time, warmed by one run), so that a burst of other
// load on this shared machine falls on both alike; each figure is the median of its 5 runs.
const one = [], two = [];
for (let k = 0; k < 5; k++) {
  await venue.resize(1);
  one.push(await walls(1, 1, () => venue.remargin()));
  await venue.resize(2);
  two.push(await walls(1, 1, () => venue.remargin()));
}
const wall1 = median(one);
const wall2 = median(two);
const totals = venue.totals();

// Ticks alternate up and down so every one is a real move.
function moved(m) {
  const next = structuredClone(multi.market);
  next.snapshot_id = `tick-${m}`;
  const u = next.underlyings.ETH;
  u.index_price *= m;
  u.perp_price *= m;
  for (const e of Object.values(u.expiries)) e.forward *= m;
  for (const a of ['ETH', 'WEETH', 'RSWETH']) if (next.collateral[a]) next.collateral[a].price *= m;
  return next;
}
let k = 0;
let lastTick;
const ticks = [];
await venue.tick(moved(1.01));
for (let i = 0; i < 7; i++) ticks.push((lastTick = await venue.tick(moved(k++ % 2 === 0 ? 0.99 : 1.01))).wall_ms / 1e3);
const tickWall = median(ticks);
await venue.close();

const peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
const common = { accounts: N, positions: load.positions, instruments: load.instruments, pools: Object.keys(multi.pools).length };
process.stdout.write(JSON.stringify([
  { name: 'remargin.venue.1m', ...common, threads: 2, wall_s: wall2, items_per_s: Math.round(N / wall2), peak_rss_mb, load_s: load.load_ms / 1e3, by_status: totals.by_status, target_s: 1.0, target_peak_rss_mb: 2048 },
  { name: 'remargin.scaling', ...common, wall_s_1: wall1, wall_s_2: wall2, speedup: wall1 / wall2, runs_1: one, runs_2: two, target_speedup: 1.7 },
  { name: 'remargin.tick', ...common, wall_s: tickWall, runs: ticks, accounts_recomputed: lastTick.accounts, changed: lastTick.changed, target_s: 0.5 },
]) + '\n');
