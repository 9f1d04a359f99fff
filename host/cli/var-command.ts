// `riskgrid var`: Monte Carlo (or historical-simulation) VaR / ES of every account and the venue.
//   --model FILE      McModel JSON (underlyings, correlation, horizon_days, student_t, ...)
//   --history CSV     historical simulation instead (with --horizon days)
// Prints JSON (venue figures, worst scenarios, per-account figures, concentration, contagion of
// the venue's worst scenario when --links is given) or CSV (one line per account), and writes the
// P&L histogram as SVG with --svg.
import { RiskgridError } from '../errors.js';
import { buildRiskBook } from '../risk/book.js';
import { clusters, collateralValue, concentration, propagateShock, type AccountLinks } from '../risk/contagion.js';
import { historicalScenarios } from '../risk/historical.js';
import { parseHistoryCsv } from '../risk/history.js';
import { generateMcScenarios, type McModel } from '../risk/mc-scenarios.js';
import { revaluePool } from '../risk/pool-revalue.js';
import { revalue, type RevalueResult } from '../risk/revalue.js';
import { scenarioSubset } from '../risk/scenario-subset.js';
import { pnlHistogramSvg } from '../risk/svg-charts.js';
import { csvLine } from '../io/csv.js';
import type { ScenarioSet } from '../margin/plan.js';
import { ScenarioTable } from '../margin/scenario-table-wasm.js';
import { loadWasm } from '../wasm/loader.js';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { checkFormat, conventionsOf, parseIntOption, parseLevels, progress, readAccounts, readMarket, writeFileOption } from './risk-inputs.js';
import { readJsonFile } from './read-json.js';

export interface VarCommandOptions {
  portfolio: string;
  market: string;
  model?: string;
  history?: string;
  horizon?: string;
  scenarios?: string;
  seed?: string;
  levels?: string;
  threads?: string;
  format?: string;
  svg?: string;
  links?: string;
  conventions?: string;
  worst?: string;
}

/** McModel from its JSON file (snake_case), the CLI's scenario count and seed. */
export function mcModelFromJson(json: unknown, nScenarios: number, seed: number): McModel {
  const o = json as Record<string, unknown>;
  if (typeof o !== 'object' || o === null) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'model must be a JSON object', { field: 'model', value: json });
  const hd = o.horizon_days;
  if (typeof hd !== 'number' || !(hd > 0)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `model.horizon_days must be > 0, got ${String(hd)}`, { field: 'model.horizon_days', value: hd });
  const us = o.underlyings;
  if (!Array.isArray(us)) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'model.underlyings must be an array', { field: 'model.underlyings', value: us });
  const m: McModel = {
    underlyings: us.map((u: Record<string, unknown>) => ({
      name: String(u.name), vol: u.vol as number, drift: u.drift as number | undefined,
      volOfVol: u.vol_of_vol as number | undefined, spotVolCorr: u.spot_vol_corr as number | undefined,
      jumps: u.jumps as McModel['underlyings'][number]['jumps'],
    })),
    horizonYears: hd / 365,
    nScenarios,
    seed,
  };
  if (o.correlation !== undefined) m.correlation = o.correlation as number[][];
  if (o.student_t !== undefined) m.studentT = o.student_t as number;
  if (o.vol_term_ref_days !== undefined) m.volTermRef = (o.vol_term_ref_days as number) / 365;
  if (o.vol_term_exponent !== undefined) m.volTermExponent = o.vol_term_exponent as number;
  return m;
}

export async function runVarCommand(opts: VarCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const format = checkFormat(opts.format);
  const levels = parseLevels(opts.levels);
  if ((opts.model === undefined) === (opts.history === undefined)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'give exactly one of --model and --history', { field: 'model', value: opts.model });
  const accounts = readAccounts(opts.portfolio, conventionsOf(opts.conventions));
  const market = readMarket(opts.market);
  let model: McModel | undefined;
  if (opts.model !== undefined) model = mcModelFromJson(readJsonFile(opts.model, 'model'), parseIntOption('scenarios', opts.scenarios, 10_000), parseIntOption('seed', opts.seed, 1, 0));
  const book = buildRiskBook(accounts, market, model?.underlyings.map((u) => u.name));
  let scenarios: ScenarioSet;
  let labels: string[] | undefined;
  if (model) scenarios = generateMcScenarios(model, book.volGroups).scenarios;
  else {
    let text: string;
    try {
      text = readFileSync(opts.history!, 'utf8');
    } catch (e) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot read history file ${opts.history}: ${(e as Error).message}`, { field: 'history', value: opts.history, cause: e });
    }
    const hs = historicalScenarios(parseHistoryCsv(text), book.underlyings, book.volGroups, parseIntOption('horizon', opts.horizon, 1));
    scenarios = hs.scenarios;
    labels = hs.labels;
  }
  // auto: the pool when the aggregation is worth its start-up (≥ 10 M account-scenario P&Ls).
  const threads = opts.threads === undefined || opts.threads === 'auto'
    ? (book.rows.nRows * scenarios.nS >= 1e7 ? Math.min(4, availableParallelism()) : 1)
    : parseIntOption('threads', opts.threads, 1);
  const wasm = await loadWasm();
  const bar = progress('revaluing');
  const ropts = { levels, worst: parseIntOption('worst', opts.worst, 10), onProgress: bar.update };
  let res: RevalueResult;
  try {
    res = threads > 1 ? await revaluePool(wasm, book, scenarios, { ...ropts, threads }) : revalue(wasm, book, scenarios, ropts);
  } finally {
    bar.stop();
  }
  writeFileOption(opts.svg, pnlHistogramSvg(res.venue.pnl, res.venue.tail, `Venue P&L, ${res.nS} scenarios, ${accounts.length} accounts`), 'svg');
  if (format === 'csv') {
    const head = ['account', ...levels.flatMap((l) => [`var_${l}`, `es_${l}`]), 'worst_pnl', 'worst_scenario'];
    out(csvLine(head) + '\n');
    res.accountIds.forEach((id, r) => out(csvLine([id, ...levels.flatMap((_, l) => [res.accounts.var[l]![r], res.accounts.es[l]![r]]), res.accounts.worstPnl[r], res.accounts.worstScenario[r]]) + '\n'));
    return res.nanAccounts > 0 ? 1 : 0;
  }
  // Base values and the accounts' P&L in the venue's worst scenario, for concentration and contagion.
  const worstS = res.venue.worst[0]!.scenario;
  const shock = scenarioSubset(scenarios, [worstS]);
  const t = ScenarioTable.build(wasm, book.instruments, shock, book.groups);
  let base: Float64Array;
  let shockPnl: Float64Array;
  try {
    base = t.base.slice();
    const packed = t.packRows(book.rows);
    shockPnl = t.aggregate(packed).pnl.slice();
  } finally {
    t.dispose();
  }
  const body: Record<string, unknown> = {
    scenarios: res.nS,
    source: model ? { kind: 'monte-carlo', seed: model.seed, horizon_days: model.horizonYears * 365, student_t: model.studentT ?? null } : { kind: 'historical', file: opts.history },
    venue: {
      tail: res.venue.tail,
      worst: res.venue.worst.map((w) => ({ ...w, ...(labels ? { window: labels[w.scenario] } : {}) })),
    },
    accounts: res.accountIds.map((id, r) => ({
      account: id,
      ...Object.fromEntries(levels.flatMap((l, k) => [[`var_${l}`, res.accounts.var[k]![r]], [`es_${l}`, res.accounts.es[k]![r]]])),
      worst_pnl: res.accounts.worstPnl[r],
      worst_scenario: res.accounts.worstScenario[r],
    })),
    concentration: concentration(book, base, res.accounts.worstPnl),
    timings: res.timings,
  };
  if (opts.links !== undefined) {
    const links = readJsonFile(opts.links, 'links') as Record<string, AccountLinks>;
    body.contagion = { scenario: worstS, ...propagateShock(book.accountIds, clusters(book.accountIds, links), collateralValue(accounts, market), shockPnl) };
  }
  out(JSON.stringify(body, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  return res.nanAccounts > 0 ? 1 : 0;
}
