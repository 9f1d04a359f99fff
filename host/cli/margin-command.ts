// `riskgrid margin`: margin a portfolio file (one account, or an array of accounts) on a market
// snapshot file under a profile. JSON prints the full result(s); table prints the figures a risk
// officer reads first. Exit code 1 when any account failed.
import { RiskgridError } from '../errors.js';
import { createEngine } from '../margin/engine.js';
import type { MarginOutcome, MarginResult } from '../margin/result.js';
import { readJsonFile as readJson } from './read-json.js';

export interface MarginCommandOptions {
  profile: string;
  portfolio: string;
  market: string;
  format?: string;
  explain?: boolean;
}

export function runMarginCommand(opts: MarginCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  const format = opts.format ?? 'table';
  if (format !== 'json' && format !== 'table') throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--format must be json or table, got ${format}`, { field: 'format', value: format });
  const engine = createEngine({ profile: opts.profile, snapshot: { now: false } });
  const portfolio = readJson(opts.portfolio, 'portfolio');
  const market = engine.parseMarket(readJson(opts.market, 'market') as Record<string, unknown>);
  const accounts = Array.isArray(portfolio) ? portfolio : [portfolio];
  const outcomes = engine.marginBatch(accounts as Record<string, unknown>[], market, { explain: opts.explain === true });
  if (format === 'json') {
    const body = Array.isArray(portfolio) ? outcomes : outcomes[0]!.ok ? outcomes[0]!.result : outcomes[0];
    out(JSON.stringify(body, null, 2) + '\n');
  } else {
    outcomes.forEach((o) => out(tableOf(o) + '\n'));
  }
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

const money = (x: number): string => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function tableOf(o: MarginOutcome): string {
  if (!o.ok) return `account ${o.account_id || '(unnamed)'}: FAILED ${o.error.code}: ${o.error.message}`;
  const r: MarginResult = o.result;
  const ccy = r.margin_currency;
  const lines = [
    `account ${r.account_id || '(unnamed)'}  profile ${r.profile} (${r.profile_hash.slice(0, 19)}…)  market ${r.market_snapshot_id}`,
    `  initial margin       ${money(r.initial_margin).padStart(18)} ${ccy}`,
    `  maintenance margin   ${money(r.maintenance_margin).padStart(18)} ${ccy}`,
    `  equity               ${money(r.equity).padStart(18)} ${ccy}`,
    `  IM excess            ${money(r.im_excess).padStart(18)} ${ccy}`,
    `  MM excess            ${money(r.mm_excess).padStart(18)} ${ccy}`,
    `  worst scenario       ${r.worst_scenario.label} (#${r.worst_scenario.index}): P&L ${money(r.worst_scenario.pnl)}`,
    `  contingencies`,
    ...Object.entries(r.breakdown.contingencies)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `    ${k.padEnd(26)} ${money(v).padStart(14)}`),
    `  greeks (delta, gamma per 1 unit of underlying; vega per 1.00 vol; theta per day)`,
    ...Object.entries(r.greeks.totals).map(
      ([u, g]) => `    ${u.padEnd(8)} delta ${g.delta.toFixed(4)}  gamma ${g.gamma.toExponential(4)}  vega ${g.vega.toFixed(2)}  theta/day ${g.theta_per_day.toFixed(2)}`,
    ),
  ];
  return lines.join('\n');
}
