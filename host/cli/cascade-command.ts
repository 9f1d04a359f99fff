// `riskgrid stress cascade --venue DIR --shock -30% [...]`: loads a venue (riskgrid synth output)
// into the venue engine, shocks it and runs liquidation rounds in which the liquidation flow moves
// prices (host/liquidation/cascade.ts). Prints a round table (or, with --json, the result, the
// same bytes for the same inputs), writes an SVG chart, and with --replay FILE re-runs a saved
// result's parameters on the given files and checks the new result is identical.
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { RiskgridError } from '../errors.js';
import { cascadeSvg } from '../liquidation/cascade-chart.js';
import { loadCascadeBook } from '../liquidation/cascade-book.js';
import { runCascade, type CascadeParams, type CascadeResult } from '../liquidation/cascade.js';
import { checkImpact, IMPACT_MODELS, type ImpactModelName } from '../liquidation/impact.js';
import { VenueEngine } from '../pool/venue-engine.js';
import { readJsonFile } from './read-json.js';
import { jsonLines } from './remargin-command.js';
import { progress, writeFileOption } from './risk-inputs.js';

export interface CascadeCommandOptions {
  venue: string;
  market?: string;
  shock?: string;
  underlying?: string;
  impact: string;
  k: string;
  depth?: string;
  rounds: string;
  buffer: string;
  fund: string;
  threads: string;
  chart?: string;
  json?: boolean;
  detail?: boolean;
  replay?: string;
}

const bad = (field: string, text: unknown, why: string): never => {
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--${field} ${why}, got ${JSON.stringify(text)}`, { field, value: text });
};

/** `-30%` → −0.3; a plain number is a fraction (`-0.3`). */
export function parseMove(text: string): number {
  const m = /^\s*([+-]?\d+(?:\.\d+)?)(%?)\s*$/.exec(text);
  if (m === null) return bad('shock', text, 'must be a move like -30% or -0.3');
  const v = Number(m[1]) / (m[2] === '%' ? 100 : 1);
  if (!(v > -1)) bad('shock', text, 'must be above -100%');
  return v;
}

function num(field: string, text: string, min: number, integer = false): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) bad(field, text, `must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
  return v;
}

/** `5e8` (every underlying) or `ETH=5e8,BTC=2e9` (the rest from `dflt`). */
function parseDepth(text: string | undefined, dflt: Record<string, number>): Record<string, number> {
  if (text === undefined) return dflt;
  if (!text.includes('=')) {
    const d = num('depth', text, 0);
    if (!(d > 0)) bad('depth', text, 'must be > 0');
    return Object.fromEntries(Object.keys(dflt).map((u) => [u, d]));
  }
  const out = { ...dflt };
  for (const part of text.split(',')) {
    const [u, v] = part.split('=');
    if (u === undefined || v === undefined || !(u.trim() in dflt)) bad('depth', text, `must be U=USD pairs over the market's underlyings (${Object.keys(dflt).join(', ')})`);
    const d = num('depth', v!, 0);
    if (!(d > 0)) bad('depth', text, 'must be > 0');
    out[u!.trim()] = d;
  }
  return out;
}

export async function runCascadeCommand(opts: CascadeCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const previous = opts.replay === undefined ? undefined : (readJsonFile(opts.replay, 'replay') as CascadeResult);
  if (previous !== undefined && (previous === null || typeof previous !== 'object' || typeof previous.inputs_hash !== 'string' || previous.params === undefined)) {
    bad('replay', opts.replay, 'must be a file written by riskgrid stress cascade --json');
  }
  if (previous !== undefined) {
    // The saved result's parameters are the run's: a second set on the command line would be ignored.
    for (const [k, v] of [['shock', opts.shock], ['underlying', opts.underlying], ['depth', opts.depth]] as const) if (v !== undefined) bad(k, v, 'cannot be given with --replay (the saved result holds the parameters)');
  }
  const threads = num('threads', opts.threads, 0, true);
  const manifest = readJsonFile(join(opts.venue, 'venue.json'), 'venue') as { pools?: Record<string, string | Record<string, unknown>>; accounts?: number; accounts_file?: string; market?: string };
  if (manifest === null || typeof manifest !== 'object' || manifest.pools === undefined) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${join(opts.venue, 'venue.json')} has no "pools" (pool → profile): write the venue with riskgrid synth`, { field: 'venue.pools', value: null });
  }
  const market = readJsonFile(opts.market ?? join(opts.venue, manifest.market ?? 'market.json'), 'market') as Record<string, unknown>;
  const unds = Object.keys((market.underlyings ?? {}) as Record<string, unknown>).sort();
  const venue = await VenueEngine.open({ pools: manifest.pools, threads });
  try {
    const total = typeof manifest.accounts === 'number' ? manifest.accounts : 0;
    const loadBar = progress('load    ');
    const book = loadCascadeBook(venue, jsonLines(join(opts.venue, manifest.accounts_file ?? 'accounts.jsonl')), market, (n) => loadBar.update(n, Math.max(n, total)));
    loadBar.update(book.load.accounts, book.load.accounts);
    loadBar.stop();
    await venue.remargin();
    let params: CascadeParams;
    if (previous !== undefined) {
      const p = previous.params;
      params = { shock: p.shock, underlyings: p.underlyings, impact: checkImpact(p.impact), rounds: p.rounds, buffer: p.buffer, fund: p.fund, detail: previous.rounds.some((r) => r.liquidations !== undefined) };
    } else {
      if (opts.shock === undefined) bad('shock', undefined, 'is required (e.g. --shock -30%)');
      const shocked = opts.underlying === undefined ? unds : opts.underlying.split(',').map((u) => u.trim());
      for (const u of shocked) if (!unds.includes(u)) bad('underlying', opts.underlying, `must name underlyings of the market (${unds.join(', ')})`);
      if (!IMPACT_MODELS.includes(opts.impact as ImpactModelName)) bad('impact', opts.impact, `must be one of ${IMPACT_MODELS.join(', ')}`);
      // Default depth: the venue's gross open units of each underlying at the pre-shock index,
      // so selling 1 % of everything open moves ln p by k % (linear).
      const index = (u: string) => (market.underlyings as Record<string, { index_price: number }>)[u]!.index_price;
      const dflt = Object.fromEntries(unds.map((u) => [u, Math.max(1, (book.grossUnits[u] ?? 0) * index(u))]));
      params = {
        shock: parseMove(opts.shock!), underlyings: shocked, rounds: num('rounds', opts.rounds, 1, true), buffer: num('buffer', opts.buffer, 0), fund: num('fund', opts.fund, 0),
        impact: { model: opts.impact as ImpactModelName, k: num('k', opts.k, 0), depth: parseDepth(opts.depth, dflt) }, detail: opts.detail === true,
      };
    }
    const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'cascade  [{bar}] {value}/{total} rounds | {duration_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(params.rounds ?? 10, 0);
    const t0 = performance.now();
    let result: CascadeResult;
    try {
      result = await runCascade(venue, book, manifest.pools, market, params, (done) => bar.update(done));
    } finally {
      bar.stop();
    }
    const wall = (performance.now() - t0) / 1000;
    writeFileOption(opts.chart, cascadeSvg(result, `Liquidation cascade: ${(params.shock * 100).toFixed(1)}% ${params.underlyings?.join(', ')}, ${params.impact.model} impact`), 'chart');
    const text = `${JSON.stringify(result, null, 2)}\n`;
    if (previous !== undefined) {
      const before = `${JSON.stringify(previous, null, 2)}\n`;
      const same = before === text;
      out(`replay of ${opts.replay}: inputs ${previous.inputs_hash === result.inputs_hash ? 'identical' : `differ (${previous.inputs_hash.slice(0, 12)} → ${result.inputs_hash.slice(0, 12)})`}; result ${same ? 'identical' : `differs (${firstDifference(before, text)})`}\n`);
      return same ? 0 : 1;
    }
    if (opts.json === true) out(text);
    else out(summary(result, wall));
    return 0;
  } finally {
    await venue.close();
  }
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n'), lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return `line ${i + 1}: ${(la[i] ?? '').trim()} → ${(lb[i] ?? '').trim()}`;
  return 'none';
}

const money = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

function summary(r: CascadeResult, wall: number): string {
  const unds = Object.keys(r.totals.price_start);
  const lines = [
    `cascade ${r.params.shock * 100}% on ${r.params.underlyings.join(', ')}, ${r.params.impact.model} impact (k ${r.params.impact.k}), buffer ${r.params.buffer}, ${r.rounds.length} rounds: ${r.stopped === 'stable' ? 'stable' : 'still liquidating at the round limit'} (${wall.toFixed(2)} s)`,
    `inputs ${r.inputs_hash}`,
    `shock    ${r.shock.market_snapshot_id}  ${unds.map((u) => `${u} ${r.shock.price[u]!.toPrecision(6)}`).join('  ')}  liquidatable ${r.shock.by_status.liquidatable}, bankrupt ${r.shock.by_status.bankrupt}`,
    `round  liquidated  bankrupt  ${unds.map((u) => `${u} sold`.padStart(14)).join('')}  ${unds.map((u) => `${u} after`.padStart(12)).join('')}     shortfall     fund used`,
  ];
  for (const x of r.rounds) {
    lines.push(`${String(x.round).padStart(5)}  ${String(x.liquidated).padStart(10)}  ${String(x.bankrupt).padStart(8)}  ${unds.map((u) => money(x.notional_sold[u]!).padStart(14)).join('')}  ${unds.map((u) => x.price_after[u]!.toPrecision(6).padStart(12)).join('')}  ${money(x.shortfall).padStart(12)}  ${money(x.fund_used).padStart(12)}`);
  }
  const t = r.totals;
  lines.push(`total  ${String(t.liquidations).padStart(10)} liquidations of ${t.accounts_liquidated} accounts; sold ${unds.map((u) => `${u} ${money(t.notional_sold[u]!)}`).join(', ')}; shortfall ${money(t.shortfall)}, fund used ${money(t.fund_used)}, uncovered ${money(t.uncovered)}`);
  lines.push(`end    ${unds.map((u) => `${u} ${t.price_end[u]!.toPrecision(6)} (${((100 * t.price_end[u]!) / t.price_start[u]! - 100).toFixed(2)}%)`).join('  ')}; ${Object.entries(t.by_status).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

