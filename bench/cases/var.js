// Monte Carlo VaR by full revaluation (host/risk) on this process's default build:
//   var.mc.1000-options  10,000 scenarios × one portfolio of 1,000 distinct options (ETH + BTC):
//                        instrument table (10 M Black-76 valuations) + aggregation + VaR / ES,
//                        single thread; items_per_s = valuations/s; wall_s_pool2 = the same on a
//                        2-thread pool (table in two slices, pool start-up included).
//   var.mc.venue         10,000 scenarios × 10,000 accounts of 10 positions over 500 instruments,
//                        table and account aggregation on a 2-thread Piscina pool (pool start-up
//                        and the table copy into the workers included); items_per_s = account-scenario
//                        P&Ls per second; also the single-thread figure.
// Scenario generation (correlated t returns, jumps, vol moves) is timed apart (gen_s); the book
// and the accounts are built outside the timing. Medians of 3 runs.
import { buildRiskBook } from '../../dist/risk/book.js';
import { generateMcScenarios } from '../../dist/risk/mc-scenarios.js';
import { revaluePool } from '../../dist/risk/pool-revalue.js';
import { revalue } from '../../dist/risk/revalue.js';
import { loadWasmSync } from '../../dist/wasm/loader.js';
import { riskAccounts, riskMarket, riskModel } from '../fixtures/risk-venue.js';
import { parseAccount } from '../../dist/model/validate.js';
import { DERIVE_CONVENTIONS } from '../../dist/model/instrument.js';
import { rng } from '../fixtures/derive-venue.js';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const LEVELS = [0.99, 0.995];

async function timeRuns(n, f) {
  const ts = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    ts.push((performance.now() - t0) / 1e3);
  }
  return median(ts);
}

export default async function cases() {
  const wasm = loadWasmSync();
  const nS = 10_000;
  return [
    {
      name: 'var.mc.1000-options',
      async run() {
        const { market, listed } = riskMarket(1000);
        const rand = rng(11);
        const account = parseAccount({ account_id: 'book', positions: listed.map((instrument) => ({ instrument, size: Math.round((rand() - 0.5) * 40) / 2 || 0.5 })), balances: {} }, { conventions: DERIVE_CONVENTIONS });
        const book = buildRiskBook([account], market, ['ETH', 'BTC']);
        const model = riskModel(nS);
        const gen_s = await timeRuns(3, () => generateMcScenarios(model, book.volGroups));
        const { scenarios } = generateMcScenarios(model, book.volGroups);
        let last;
        const wall_s = await timeRuns(3, () => (last = revalue(wasm, book, scenarios, { levels: LEVELS })));
        // The same on a 2-thread pool: the table split in two slices (pool start-up included).
        const wall_s_pool2 = await timeRuns(3, () => revaluePool(wasm, book, scenarios, { levels: LEVELS, threads: 2 }));
        const valuations = book.instruments.n * nS;
        return { variant: wasm.variant, instruments: book.instruments.n, scenarios: nS, wall_s, items_per_s: valuations / wall_s, gen_s, table_s: last.timings.table_s, wall_s_pool2, var99: last.venue.tail[0].var, target_s: 0.5 };
      },
    },
    {
      name: 'var.mc.venue',
      async run() {
        const { market, listed } = riskMarket(500);
        const accounts = riskAccounts(listed, 10_000, 10);
        const book = buildRiskBook(accounts, market, ['ETH', 'BTC']);
        const model = riskModel(nS);
        const { scenarios } = generateMcScenarios(model, book.volGroups);
        let last;
        const wall_s = await timeRuns(3, () => revaluePool(wasm, book, scenarios, { levels: LEVELS, threads: 2 }).then((r) => (last = r)));
        const wall_s_1thread = await timeRuns(3, () => revalue(wasm, book, scenarios, { levels: LEVELS }));
        return {
          variant: wasm.variant, accounts: accounts.length, positions: book.rows.posInstrument.length, instruments: book.instruments.n, scenarios: nS,
          wall_s, items_per_s: (accounts.length * nS) / wall_s, wall_s_1thread, table_s: last.timings.table_s, aggregate_s: last.timings.aggregate_s, target_s: 5,
        };
      },
    },
  ];
}
