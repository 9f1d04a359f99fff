// Inputs shared by the risk commands (var, stress, backtest): accounts, market, the output writer
// and a progress bar on stderr (cli-progress; drawn only when stderr is a terminal).
import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { RiskgridError } from '../errors.js';
import { parseMarketSnapshot } from '../market/validate.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import { DERIBIT_CONVENTIONS, DERIVE_CONVENTIONS, type IdConventions } from '../model/instrument.js';
import { parseAccount } from '../model/validate.js';
import { readJsonFile } from './read-json.js';

export function conventionsOf(name: string | undefined): IdConventions {
  if (name === undefined || name === 'derive') return DERIVE_CONVENTIONS;
  if (name === 'deribit') return DERIBIT_CONVENTIONS;
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--conventions must be derive or deribit, got ${name}`, { field: 'conventions', value: name });
}

export function readAccounts(path: string, conv: IdConventions): Account[] {
  const json = readJsonFile(path, 'portfolio');
  const list = Array.isArray(json) ? json : [json];
  return list.map((a, i) => parseAccount(a, { conventions: conv, path: Array.isArray(json) ? `portfolio[${i}]` : 'portfolio' }));
}

export function readMarket(path: string): MarketSnapshot {
  return parseMarketSnapshot(readJsonFile(path, 'market'), { now: false });
}

export function parseLevels(s: string | undefined): number[] {
  const levels = (s ?? '0.99,0.995').split(',').map((x) => Number(x.trim()));
  for (const l of levels) if (!(l > 0 && l < 1)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--levels must be numbers in (0, 1), got ${s}`, { field: 'levels', value: s });
  return levels;
}

export function parseIntOption(name: string, s: string | undefined, dflt: number, min = 1): number {
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!Number.isInteger(v) || v < min) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--${name} must be an integer >= ${min}, got ${s}`, { field: name, value: s });
  return v;
}

export function checkFormat(f: string | undefined): 'json' | 'csv' {
  const format = f ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--format must be json or csv, got ${format}`, { field: 'format', value: format });
  return format;
}

export function writeFileOption(path: string | undefined, text: string, field: string): void {
  if (path === undefined) return;
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot write ${field} file ${path}: ${(e as Error).message}`, { field, value: path, cause: e });
  }
}

/** A progress bar on stderr; returns the update callback and a stop function. */
export function progress(label: string): { update: (done: number, total: number) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${label} [{bar}] {percentage}% | {value}/{total} accounts | {duration_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
