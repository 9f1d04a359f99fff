// `riskgrid backtest`: a price history (CSV: date, <U>, <U>_vol, optional margin) and positions
// held throughout → each day's margin vs the realised P&L over the margin period, exceptions,
// Kupiec POF and the traffic light. JSON report or CSV of the days; --svg draws the exceptions.
import { readFileSync } from 'node:fs';
import { RiskgridError } from '../errors.js';
import { csvLine } from '../io/csv.js';
import { backtest } from '../risk/backtest.js';
import { backtestDays } from '../risk/backtest-positions.js';
import { parseHistoryCsv } from '../risk/history.js';
import { backtestSvg } from '../risk/svg-charts.js';
import { checkFormat, conventionsOf, parseIntOption, parseLevels, readAccounts, writeFileOption } from './risk-inputs.js';

export interface BacktestCommandOptions {
  history: string;
  portfolio: string;
  horizon?: string;
  level?: string;
  window?: string;
  format?: string;
  svg?: string;
  conventions?: string;
}

export function runBacktestCommand(opts: BacktestCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const format = checkFormat(opts.format);
  const level = parseLevels(opts.level ?? '0.99');
  if (level.length !== 1) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--level takes one level, got ${opts.level}`, { field: 'level', value: opts.level });
  let text: string;
  try {
    text = readFileSync(opts.history, 'utf8');
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot read history file ${opts.history}: ${(e as Error).message}`, { field: 'history', value: opts.history, cause: e });
  }
  const accounts = readAccounts(opts.portfolio, conventionsOf(opts.conventions));
  const positions = accounts.flatMap((a) => a.positions);
  const days = backtestDays(parseHistoryCsv(text), positions, { horizonDays: parseIntOption('horizon', opts.horizon, 1), level: level[0]!, window: parseIntOption('window', opts.window, 250) });
  const report = backtest(days, level[0]!);
  writeFileOption(opts.svg, backtestSvg(days, `Backtest: ${report.exceptions} exceptions in ${report.observations} days (${report.zone})`), 'svg');
  if (format === 'csv') {
    out('date,margin,pnl,exception\n');
    for (const d of days) out(csvLine([d.date, d.margin, d.pnl, -d.pnl > d.margin ? 1 : 0]) + '\n');
  } else out(JSON.stringify(report, null, 2) + '\n');
  return 0;
}
