// `riskgrid stress`: user-defined stress scenarios (JSON, see host/risk/stress.ts) through the
// kernels: the venue's and every account's P&L per scenario, with the broken accounts (collateral
// + P&L < 0) and, with --links, the contagion of each scenario. JSON or CSV (account × scenario).
import { readJsonFile } from './read-json.js';
import { csvLine } from '../io/csv.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import { buildRiskBook } from '../risk/book.js';
import { clusters, collateralValue, propagateShock, type AccountLinks } from '../risk/contagion.js';
import { venueRow } from '../risk/revalue.js';
import { stressScenarios } from '../risk/stress.js';
import { loadWasm } from '../wasm/loader.js';
import { checkFormat, conventionsOf, progress, readAccounts, readMarket } from './risk-inputs.js';

export interface StressCommandOptions {
  portfolio: string;
  market: string;
  scenarios: string;
  format?: string;
  links?: string;
  conventions?: string;
}

export async function runStressCommand(opts: StressCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const format = checkFormat(opts.format);
  const accounts = readAccounts(opts.portfolio, conventionsOf(opts.conventions));
  const market = readMarket(opts.market);
  const book = buildRiskBook(accounts, market);
  const { scenarios, names } = stressScenarios(readJsonFile(opts.scenarios, 'scenarios'), book.underlyings, book.volGroups);
  const wasm = await loadWasm();
  const bar = progress('stressing');
  const nS = scenarios.nS;
  const t = ScenarioTable.build(wasm, book.instruments, scenarios, book.groups);
  let pnl: Float64Array;
  let venue: Float64Array;
  try {
    const packed = t.packRows(book.rows);
    pnl = t.aggregate(packed).pnl.slice();
    bar.update(accounts.length, accounts.length);
    packed.release();
    const v = t.packRows(venueRow(book));
    venue = t.aggregate(v).pnl.slice();
  } finally {
    t.dispose();
    bar.stop();
  }
  if (format === 'csv') {
    out(csvLine(['account', ...names]) + '\n');
    out(csvLine(['VENUE', ...venue]) + '\n');
    book.accountIds.forEach((id, r) => out(csvLine([id, ...pnl.subarray(r * nS, (r + 1) * nS)]) + '\n'));
    return 0;
  }
  const collateral = collateralValue(accounts, market);
  const links = opts.links === undefined ? undefined : (readJsonFile(opts.links, 'links') as Record<string, AccountLinks>);
  const cl = clusters(book.accountIds, links ?? {});
  const result = names.map((name, s) => {
    const col = Float64Array.from(book.accountIds, (_, r) => pnl[r * nS + s]!);
    const shock = propagateShock(book.accountIds, cl, collateral, col);
    return {
      scenario: name,
      venue_pnl: venue[s],
      accounts: Object.fromEntries(book.accountIds.map((id, r) => [id, col[r]])),
      broken: shock.direct,
      ...(links ? { contagion: shock.contagion, uncovered: shock.uncovered } : {}),
    };
  });
  out(JSON.stringify({ scenarios: result }, null, 2) + '\n');
  return 0;
}
