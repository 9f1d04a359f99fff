// `riskgrid synth`: writes a seeded synthetic venue (market.json, accounts.jsonl, venue.json).
import { RiskgridError } from '../errors.js';
import { writeSynthVenue } from '../venue/synth.js';
import { parseUnderlyings, writeSynthMultiVenue } from '../venue/synth-multi.js';

export interface SynthCommandOptions {
  accounts: string;
  instruments: string;
  seed: string;
  out?: string;
  profile?: string;
  spot?: string;
  /** ETH,BTC,SOL (name[:spot[:share]]): one derive-pmrm2 pool per underlying. */
  underlyings?: string;
}

function int(field: string, text: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v)) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--${field} must be a non-negative integer, got ${JSON.stringify(text)}`, { field, value: text });
  }
  return v;
}

export function runSynthCommand(opts: SynthCommandOptions): number {
  const spot = opts.spot === undefined ? undefined : Number(opts.spot);
  if (spot !== undefined && !(spot > 0 && Number.isFinite(spot))) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--spot must be a positive price, got ${JSON.stringify(opts.spot)}`, { field: 'spot', value: opts.spot });
  }
  const dir = opts.out ?? 'synth-venue';
  const accounts = int('accounts', opts.accounts);
  const progress = accounts >= 200_000 && process.stderr.isTTY
    ? (n: number): void => void process.stderr.write(`\rriskgrid synth: ${n.toLocaleString('en-US')} / ${accounts.toLocaleString('en-US')} accounts`)
    : undefined;
  const base = {
    accounts,
    instruments: int('instruments', opts.instruments),
    seed: int('seed', opts.seed),
    ...(opts.profile === undefined ? {} : { profile: opts.profile }),
  };
  const r = opts.underlyings === undefined
    ? writeSynthVenue(dir, { ...base, ...(spot === undefined ? {} : { spot }) }, progress)
    : writeSynthMultiVenue(dir, { ...base, underlyings: parseUnderlyings(opts.underlyings) }, progress);
  if (progress) process.stderr.write('\n');
  process.stdout.write(
    `wrote ${r.accounts} accounts and ${r.instruments} instruments to ${r.dir} in ${r.seconds.toFixed(2)} s\n` +
      `  ${r.marketFile}\n  ${r.accountsFile} (${(r.accountsBytes / 1e6).toFixed(1)} MB)\n  ${r.manifestFile}\n`,
  );
  return 0;
}
