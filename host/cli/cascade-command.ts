// `riskgrid stress cascade --venue DIR --shock -30% [...]`: loads a venue (riskgrid synth output)
// into the venue engine, shocks it and runs liquidation rounds in which the liquidation flow moves
// prices (host/liquidation/cascade.ts). Prints a round table (or, with --json, the result, the
// same bytes for the same inputs), writes an SVG chart, and with --replay FILE re-runs a saved
// result's parameters on the given files and checks the new result is identical. --audit FILE
// writes the run's hash-chained action log (cascade-audit.ts); --replay-audit FILE verifies such a
// log, checks the venue and market given are the ones it records (content hashes), re-runs its
// inputs and checks every action line is reproduced (exit 1 at the first that is not).
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { RiskgridError } from '../errors.js';
import { cascadeSvg } from '../liquidation/cascade-chart.js';
import { loadCascadeBook } from '../liquidation/cascade-book.js';
import { ADL_MODES, LIQUIDATION_MODES, runCascade, type AdlMode, type CascadeParams, type CascadeResult, type LiquidationMode } from '../liquidation/cascade.js';
import { auditEpoch, CascadeAuditLog, firstAuditDifference, readCascadeAudit } from '../liquidation/cascade-audit.js';
import { canonicalJson, checkImpact, IMPACT_MODELS, marketContentId, type ImpactModelName } from '../liquidation/impact.js';
import type { AuditRow } from '../store/store.js';
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
  liquidation?: string;
  roundSeconds?: string;
  adl?: string;
  audit?: string;
  replayAudit?: string;
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
  if (opts.replay !== undefined && opts.replayAudit !== undefined) bad('replay-audit', opts.replayAudit, 'cannot be given with --replay');
  const audited = opts.replayAudit === undefined ? undefined : readCascadeAudit(opts.replayAudit);
  if (audited !== undefined) {
    for (const [k, v] of [['shock', opts.shock], ['underlying', opts.underlying], ['depth', opts.depth]] as const) if (v !== undefined) bad(k, v, 'cannot be given with --replay-audit (the audit log holds the parameters)');
  }
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
    if (audited !== undefined) {
      const rec = audited[0]!.data as { params: CascadeResult['params']; detail?: boolean; accounts_digest?: string; pools_sha256?: string; market_content_id?: string };
      // The venue and market must be the audited run's: same content, whatever the file names.
      const check = (what: string, field: string, recorded: unknown, now: string) => {
        if (recorded !== now) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${what} is not the audited run's: content ${now.slice(0, 16)}, audit line 1 records ${String(recorded).slice(0, 16)}`, { field, value: now });
      };
      check(`venue ${opts.venue} accounts`, 'venue', rec.accounts_digest, book.digest);
      check(`venue ${opts.venue} pools`, 'venue.pools', rec.pools_sha256, createHash('sha256').update(canonicalJson(manifest.pools)).digest('hex'));
      check(`market ${opts.market ?? '(venue market.json)'}`, 'market', rec.market_content_id, marketContentId(market));
      const p = rec.params;
      params = {
        shock: p.shock, underlyings: p.underlyings, impact: checkImpact(p.impact), rounds: p.rounds, buffer: p.buffer, fund: p.fund, detail: rec.detail === true,
        ...(p.liquidation === undefined ? {} : { liquidation: p.liquidation }), ...(p.round_seconds === undefined ? {} : { round_seconds: p.round_seconds }), ...(p.adl === undefined ? {} : { adl: p.adl }),
      };
    } else if (previous !== undefined) {
      const p = previous.params;
      params = {
        shock: p.shock, underlyings: p.underlyings, impact: checkImpact(p.impact), rounds: p.rounds, buffer: p.buffer, fund: p.fund, detail: previous.rounds.some((r) => r.liquidations !== undefined),
        ...(p.liquidation === undefined ? {} : { liquidation: p.liquidation }), ...(p.round_seconds === undefined ? {} : { round_seconds: p.round_seconds }), ...(p.adl === undefined ? {} : { adl: p.adl }),
      };
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
      const mode = opts.liquidation ?? 'market';
      if (!LIQUIDATION_MODES.includes(mode as LiquidationMode)) bad('liquidation', mode, `must be one of ${LIQUIDATION_MODES.join(', ')}`);
      const adl = opts.adl ?? 'profile';
      if (!ADL_MODES.includes(adl as AdlMode)) bad('adl', adl, `must be one of ${ADL_MODES.join(', ')}`);
      // Defaults stay out of the params (runCascade leaves them out of the hash anyway).
      if (mode !== 'market') params.liquidation = mode as LiquidationMode;
      if (mode === 'auction') {
        const s = num('round-seconds', opts.roundSeconds ?? '30', 0);
        if (!(s > 0)) bad('round-seconds', opts.roundSeconds, 'must be > 0');
        params.round_seconds = s;
      }
      if (adl !== 'profile') params.adl = adl as AdlMode;
    }
    const log = opts.audit !== undefined || audited !== undefined ? new CascadeAuditLog(auditEpoch(market)) : undefined;
    const bar = new cliProgress.SingleBar({ stream: process.stderr, format: 'cascade  [{bar}] {value}/{total} rounds | {duration_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(params.rounds ?? 10, 0);
    const t0 = performance.now();
    let result: CascadeResult;
    try {
      result = await runCascade(venue, book, manifest.pools, market, params, (done) => bar.update(done), log === undefined ? undefined : (e) => log.add(e));
    } finally {
      bar.stop();
    }
    const wall = (performance.now() - t0) / 1000;
    writeFileOption(opts.chart, cascadeSvg(result, `Liquidation cascade: ${(params.shock * 100).toFixed(1)}% ${params.underlyings?.join(', ')}, ${params.impact.model} impact`), 'chart');
    const text = `${JSON.stringify(result, null, 2)}\n`;
    if (log !== undefined) {
      log.add({ kind: 'result', account_id: null, t_ms: result.rounds.length * (params.round_seconds ?? 30) * 1000, data: { inputs_hash: result.inputs_hash, result_sha256: createHash('sha256').update(text).digest('hex'), stopped: result.stopped, rounds: result.rounds.length } });
    }
    if (audited !== undefined) {
      const diff = firstAuditDifference(audited, log!.rows);
      if (diff !== undefined) {
        out(`replay of audit ${opts.replayAudit}: ${audited.length} lines, chain verified; line ${diff.line} is not reproduced:\n  recorded ${diff.recorded.slice(0, 400)}\n  replayed ${diff.replayed.slice(0, 400)}\n`);
        return 1;
      }
      out(`replay of audit ${opts.replayAudit}: ${audited.length} lines, chain verified; every action reproduced (inputs ${result.inputs_hash.slice(0, 12)}, ${result.rounds.length} rounds, ${countKinds(audited)})\n`);
      return 0;
    }
    if (opts.audit !== undefined) {
      try {
        // Append-only: an existing log is never overwritten.
        writeFileSync(opts.audit, log!.text(), { flag: 'wx' });
      } catch (e) {
        throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--audit: cannot create ${opts.audit}: ${(e as Error).message}`, { field: 'audit', value: opts.audit });
      }
    }
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

function countKinds(rows: readonly AuditRow[]): string {
  const n = new Map<string, number>();
  for (const r of rows) n.set(r.kind, (n.get(r.kind) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(', ');
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
    `cascade ${r.params.shock * 100}% on ${r.params.underlyings.join(', ')}, ${r.params.liquidation === 'auction' ? `auction liquidation (${r.params.round_seconds} s rounds), ` : ''}${r.params.impact.model} impact (k ${r.params.impact.k}), buffer ${r.params.buffer}, ${r.rounds.length} rounds: ${r.stopped === 'stable' ? 'stable' : 'still liquidating at the round limit'} (${wall.toFixed(2)} s)`,
    `inputs ${r.inputs_hash}`,
    `shock    ${r.shock.market_snapshot_id}  ${unds.map((u) => `${u} ${r.shock.price[u]!.toPrecision(6)}`).join('  ')}  liquidatable ${r.shock.by_status.liquidatable}, bankrupt ${r.shock.by_status.bankrupt}`,
    `round  liquidated  bankrupt  ${unds.map((u) => `${u} sold`.padStart(14)).join('')}  ${unds.map((u) => `${u} after`.padStart(12)).join('')}     shortfall     fund used`,
  ];
  for (const x of r.rounds) {
    lines.push(`${String(x.round).padStart(5)}  ${String(x.liquidated).padStart(10)}  ${String(x.bankrupt).padStart(8)}  ${unds.map((u) => money(x.notional_sold[u]!).padStart(14)).join('')}  ${unds.map((u) => x.price_after[u]!.toPrecision(6).padStart(12)).join('')}  ${money(x.shortfall).padStart(12)}  ${money(x.fund_used).padStart(12)}`);
  }
  const t = r.totals;
  lines.push(`total  ${String(t.liquidations).padStart(10)} liquidations of ${t.accounts_liquidated} accounts; sold ${unds.map((u) => `${u} ${money(t.notional_sold[u]!)}`).join(', ')}; shortfall ${money(t.shortfall)}, fund used ${money(t.fund_used)}, uncovered ${money(t.uncovered)}`);
  if (t.auctions !== undefined) lines.push(`auction ${t.auctions.solvent} solvent, ${t.auctions.insolvent} insolvent (${t.auctions.takeovers} taken over for ${money(t.auctions.takeover_paid)}); fees ${money(t.auctions.fees)} (${money(t.auctions.fee_to_fund)} to the fund), discount given up ${money(t.auctions.discount_loss)}`);
  if (t.adl !== undefined) lines.push(`adl    ${t.adl.accounts} account deleveragings, ${money(t.adl.notional)} notional, shortfall socialised ${money(t.adl.socialised)}`);
  lines.push(`end    ${unds.map((u) => `${u} ${t.price_end[u]!.toPrecision(6)} (${((100 * t.price_end[u]!) / t.price_start[u]! - 100).toFixed(2)}%)`).join('  ')}; ${Object.entries(t.by_status).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

