// The venue re-margin benchmark, run in a child process of its own so that peak_rss_mb is the
// venue's (generation + rows + shared memory + workers), not the rest of the bench's.
//   remargin.venue.1m   1,000,000 accounts (~11 positions each) over 2,000 instruments in three
//                       derive-pmrm2 mainnet pools (ETH 50 %, BTC 35 %, SOL 15 %), 2 workers:
//                       every account re-margined; wall_s = median of 5 runs after 2 warm-ups.
//   remargin.scaling    the same venue on 1 and on 2 workers (same process, same memory).
//   remargin.tick       the ETH index, perp, forwards and the ETH-family collateral move 1 %:
//                       the ETH pool and the other pools' accounts holding ETH collateral.
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

const wall2 = await walls(5, 2, () => venue.remargin());
const totals = venue.totals();
await venue.resize(1);
const wall1 = await walls(5, 2, () => venue.remargin());
await venue.resize(2);
await walls(1, 1, () => venue.remargin());

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
const tickWall = await walls(5, 1, async () => (lastTick = await venue.tick(moved(k++ % 2 === 0 ? 1.01 : 0.99))));
await venue.close();

const peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
const common = { accounts: N, positions: load.positions, instruments: load.instruments, pools: Object.keys(multi.pools).length };
process.stdout.write(JSON.stringify([
  { name: 'remargin.venue.1m', ...common, threads: 2, wall_s: wall2, items_per_s: Math.round(N / wall2), peak_rss_mb, load_s: load.load_ms / 1e3, by_status: totals.by_status, target_s: 1.0, target_peak_rss_mb: 2048 },
  { name: 'remargin.scaling', ...common, wall_s_1: wall1, wall_s_2: wall2, speedup: wall1 / wall2, target_speedup: 1.7 },
  { name: 'remargin.tick', ...common, wall_s: tickWall, accounts_recomputed: lastTick.accounts, changed: lastTick.changed, target_s: 0.5 },
]) + '\n');
