// Liquidation cascade (issue 7): liquidation.cascade.100k — a 100,000-account synthetic venue
// (three derive-pmrm2 mainnet pools, ETH 50 %, BTC 35 %, SOL 15 %, 2,000 instruments), ETH −30 %,
// 10 rounds, linear impact with k = 1 and depth = 20 % of the venue's gross open notional per
// underlying (at the CLI's default depth, 100 %, this venue is stable after 4 rounds; at 20 % it is
// still liquidating in round 10, so all 10 rounds run), 2 worker threads. Generating, loading and the first re-margin are not timed; wall_s
// is the median of 3 cascades, each on a freshly loaded venue (a cascade changes its accounts).
// RISKGRID_BENCH_CASCADE_ACCOUNTS overrides the account count (e.g. for a quick look).
// liquidation.cascade.auction.100k: the same in auction mode (Derive Dutch auctions, mainnet
// auction parameters, 30 s rounds); liquidation.cascade.auction_adl.100k adds ADL forced on with
// an empty fund (the venue scanned for counterparties in every round with a bankrupt account).
import { VenueEngine } from '../../dist/pool/venue-engine.js';
import { synthMultiVenue } from '../../dist/venue/synth-multi.js';
import { loadCascadeBook } from '../../dist/liquidation/cascade-book.js';
import { runCascade } from '../../dist/liquidation/cascade.js';

const N = Number(process.env.RISKGRID_BENCH_CASCADE_ACCOUNTS ?? 100_000);
const RUNS = 3;
const DEPTH_FRACTION = 0.2;

async function once(multi, lines, extra) {
  const venue = await VenueEngine.open({ pools: multi.pools, threads: 2 });
  try {
    const book = loadCascadeBook(venue, lines.map((l) => JSON.parse(l)), multi.market);
    await venue.remargin();
    const depth = Object.fromEntries(Object.keys(multi.market.underlyings).map((u) => [u, Math.max(1, DEPTH_FRACTION * (book.grossUnits[u] ?? 0) * multi.market.underlyings[u].index_price)]));
    const t0 = performance.now();
    const r = await runCascade(venue, book, multi.pools, multi.market, { shock: -0.3, underlyings: ['ETH'], impact: { model: 'linear', k: 1, depth }, rounds: 10, ...extra });
    return { wall_s: (performance.now() - t0) / 1000, r, load_s: book.load.load_ms / 1000 };
  } finally {
    await venue.close();
  }
}

let venueData;
function venue() {
  if (venueData === undefined) {
    const multi = synthMultiVenue({ accounts: N, instruments: 2000, seed: 2026 });
    venueData = { multi, lines: [...multi.accountLines()] };
  }
  return venueData;
}

function cascadeCase(name, extra) {
  return {
    name,
    run: async () => {
      const { multi, lines } = venue();
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(multi, lines, extra));
      const walls = runs.map((x) => x.wall_s).sort((a, b) => a - b);
      const r = runs[0].r;
      const same = runs.every((x) => JSON.stringify(x.r) === JSON.stringify(r));
      return {
        accounts: N, threads: 2, shock: -0.3, depth_fraction: DEPTH_FRACTION, ...extra, wall_s: walls[RUNS >> 1], wall_s_runs: runs.map((x) => x.wall_s), load_s: runs[0].load_s,
        rounds: r.rounds.length, stopped: r.stopped, liquidations: r.totals.liquidations, accounts_liquidated: r.totals.accounts_liquidated,
        liquidated_per_round: r.rounds.map((x) => x.liquidated), eth_end: r.totals.price_end.ETH, identical_runs: same, target_s: 10,
        ...(r.totals.auctions ? { auctions: r.totals.auctions } : {}), ...(r.totals.adl ? { adl_totals: r.totals.adl, uncovered: r.totals.uncovered } : {}),
      };
    },
  };
}

export default async function cases() {
  return [
    cascadeCase('liquidation.cascade.100k', {}),
    cascadeCase('liquidation.cascade.auction.100k', { liquidation: 'auction' }),
    cascadeCase('liquidation.cascade.auction_adl.100k', { liquidation: 'auction', adl: 'on', fund: 0 }),
  ];
}
