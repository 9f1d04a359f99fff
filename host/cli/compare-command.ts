// `riskgrid compare`: one portfolio under several profiles, and what each saves against `standard`.
import { RiskgridError } from '../errors.js';
import { compareProfiles, formatCompareTable } from '../margin/compare.js';
import { readJsonFile } from './read-json.js';

export function runCompareCommand(opts: { portfolio: string; market: string; profiles: string; format: string }, out: (s: string) => void = (s) => process.stdout.write(s)): number {
  if (opts.format !== 'table' && opts.format !== 'json') throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--format must be table or json, got ${opts.format}`, { field: 'format', value: opts.format });
  const profiles = opts.profiles.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const rows = compareProfiles(readJsonFile(opts.portfolio, 'portfolio') as Record<string, unknown>, readJsonFile(opts.market, 'market') as Record<string, unknown>, profiles, { snapshot: { now: false } });
  out(opts.format === 'json' ? JSON.stringify(rows, null, 2) + '\n' : formatCompareTable(rows) + '\n');
  return 0;
}
