// `riskgrid remargin --venue DIR [--market FILE]`: loads a venue (venue.json's pools, accounts.jsonl
// streamed a line at a time) into the venue engine, re-margins every account on the worker pool with
// a progress bar, and prints the totals, the timings and the accounts closest to liquidation.
// A line that is not JSON, or an account that cannot margin, fails alone: it is counted, listed with
// its code, and makes the exit status 1; every other account is still computed.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RiskgridError } from '../errors.js';
import { FailedInput, VenueEngine, type VenueAccountResult } from '../pool/venue-engine.js';
import { readJsonFile } from './read-json.js';
import { progress } from './risk-inputs.js';

export interface RemarginCommandOptions {
  venue: string;
  market?: string;
  threads: string;
  top: string;
  out?: string;
}

function int(field: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || v < min || v > max) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--${field} must be an integer in [${min}, ${max}], got ${JSON.stringify(text)}`, { field, value: text });
  return v;
}

/** JSON lines of a file, read in 4 MB chunks; an unparsable line yields a FailedInput (RG_ERR_PARSE, its line number). */
export function* jsonLines(file: string): Generator<Record<string, unknown> | FailedInput> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot read accounts file ${file}: ${(e as Error).message}`, { field: 'venue', value: file, cause: e });
  }
  const buf = Buffer.alloc(4 << 20);
  let rest = '';
  let line = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = rest + buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      rest = n === 0 ? '' : lines.pop()!;
      for (const l of lines) {
        line++;
        if (l.trim() === '') continue;
        try {
          yield JSON.parse(l) as Record<string, unknown>;
        } catch (e) {
          yield new FailedInput(`line:${line}`, new RiskgridError('RG_ERR_PARSE', `line ${line} of ${file} is not JSON: ${(e as Error).message}`, { field: `line:${line}`, value: l.slice(0, 80) }));
        }
      }
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

const fmt = (x: number, dp = 2) => x.toLocaleString('en-US', { minimumFractionDigits: dp, maximumFractionDigits: dp });

export async function runRemarginCommand(opts: RemarginCommandOptions): Promise<number> {
  const threads = int('threads', opts.threads, 0, 256);
  const top = int('top', opts.top, 0, 100_000);
  const manifest = readJsonFile(join(opts.venue, 'venue.json'), 'venue') as { pools?: Record<string, string | Record<string, unknown>>; accounts?: number; accounts_file?: string; market?: string };
  if (manifest === null || typeof manifest !== 'object' || manifest.pools === undefined) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${join(opts.venue, 'venue.json')} has no "pools" (pool → profile): write the venue with riskgrid synth`, { field: 'venue.pools', value: null });
  }
  const market = readJsonFile(opts.market ?? join(opts.venue, manifest.market ?? 'market.json'), 'market') as Record<string, unknown>;
  const venue = await VenueEngine.open({ pools: manifest.pools, threads });
  try {
    const total = typeof manifest.accounts === 'number' ? manifest.accounts : 0;
    const loadBar = progress('load    ');
    const load = venue.load(jsonLines(join(opts.venue, manifest.accounts_file ?? 'accounts.jsonl')), market, (n) => loadBar.update(n, Math.max(n, total)));
    loadBar.update(load.accounts, load.accounts);
    loadBar.stop();
    const bar = progress('remargin');
    const run = await venue.remargin(undefined, (done, all) => bar.update(done, all));
    bar.stop();
    const t = venue.totals();
    const out = process.stdout;
    out.write(`venue ${opts.venue}: ${load.accounts.toLocaleString('en-US')} accounts (${load.rows.toLocaleString('en-US')} on the pool, ${load.reference} on the reference path), ${load.positions.toLocaleString('en-US')} positions, ${load.instruments} instruments, snapshot ${run.market_snapshot_id}\n`);
    out.write(`load    ${fmt(load.load_ms / 1000)} s\n`);
    out.write(`remargin ${fmt(run.wall_ms / 1000, 3)} s on ${threads === 0 ? 'this thread' : `${threads} workers`} (tables ${fmt(run.table_ms, 1)} ms, accounts ${fmt(run.rows_ms, 1)} ms): ${Math.round(run.accounts / (run.wall_ms / 1000)).toLocaleString('en-US')} accounts/s${run.retried > 0 ? `, ${run.retried} slices retried after a worker died` : ''}\n`);
    out.write(`status  ${Object.entries(t.by_status).map(([s, n]) => `${s} ${n.toLocaleString('en-US')}`).join(', ')}\n`);
    out.write(`totals  initial_margin ${fmt(t.initial_margin)}  maintenance_margin ${fmt(t.maintenance_margin)}  equity ${fmt(t.equity)}\n`);
    if (top > 0) {
      out.write(`closest to liquidation (mm_excess / maintenance_margin):\n`);
      for (const r of venue.ranked(Math.min(top, venue.size))) out.write(`  ${line(r)}\n`);
    }
    if (opts.out !== undefined) writeResults(opts.out, venue);
    return t.by_status.failed > 0 ? 1 : 0;
  } finally {
    await venue.close();
  }
}

function line(r: VenueAccountResult): string {
  if (r.error !== undefined) return `${r.account_id.padEnd(16)} failed  ${r.error.code}: ${r.error.message}`;
  return `${r.account_id.padEnd(16)} ${r.status.padEnd(12)} ratio ${r.excess_ratio.toFixed(4).padStart(9)}  equity ${fmt(r.equity).padStart(14)}  IM ${fmt(r.initial_margin).padStart(13)}  MM ${fmt(r.maintenance_margin).padStart(13)}`;
}

function writeResults(file: string, venue: VenueEngine): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    for (let i = 0; i < venue.size; i++) {
      chunk += `${JSON.stringify(venue.accountAt(i))}\n`;
      if (chunk.length >= 4 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}
