// `riskgrid synth`: reproducible, exactly the instruments asked for, every account margins under
// derive-pmrm2.test, and the venue looks like one (archetypes, heavy-tailed sizes, status mix).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSynthCommand } from '../host/cli/synth-command.js';
import { RiskgridError } from '../host/errors.js';
import { createEngine } from '../host/margin/engine.js';
import { synthVenue, writeSynthVenue } from '../host/venue/synth.js';

const dir = mkdtempSync(join(tmpdir(), 'rg-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Acct = { account_id: string; positions: { instrument: string; size: number; avg_price?: number }[]; balances: Record<string, number> };
const accountsOf = (v: ReturnType<typeof synthVenue>): Acct[] => [...v.accountLines()].map((l) => JSON.parse(l) as Acct);

function listed(market: Record<string, unknown>): Set<string> {
  const u = (market.underlyings as Record<string, { perp_price?: number; expiries: Record<string, { vols: Record<string, number> }> }>).ETH!;
  const ids = new Set<string>(['ETH-PERPETUAL']);
  for (const [token, e] of Object.entries(u.expiries)) for (const k of Object.keys(e.vols)) ids.add(`ETH-${token}-${k}-C`).add(`ETH-${token}-${k}-P`);
  return ids;
}

describe('riskgrid synth', () => {
  it('is reproducible from the seed, and another seed gives another venue', () => {
    const a = synthVenue({ accounts: 300, instruments: 200, seed: 42 });
    const b = synthVenue({ accounts: 300, instruments: 200, seed: 42 });
    const c = synthVenue({ accounts: 300, instruments: 200, seed: 43 });
    expect(JSON.stringify(b.market.json)).toBe(JSON.stringify(a.market.json));
    expect([...b.accountLines()]).toEqual([...a.accountLines()]);
    // The generator restarts from the seed on every call.
    expect([...a.accountLines()]).toEqual([...b.accountLines()]);
    expect([...c.accountLines()]).not.toEqual([...a.accountLines()]);
    // The market does not depend on the account count.
    expect(JSON.stringify(synthVenue({ accounts: 5, instruments: 200, seed: 42 }).market.json)).toBe(JSON.stringify(a.market.json));
  });

  it('lists exactly the instruments asked for, and accounts hold only listed ones', () => {
    for (const m of [2, 3, 9, 101, 2000]) {
      const v = synthVenue({ accounts: 200, instruments: m, seed: m });
      const nOptions = v.market.expiries.reduce((s, e) => s + e.callIds.length + e.putIds.filter((p) => p !== undefined).length, 0);
      expect(nOptions + 1).toBe(m);
      const ids = new Set([v.market.perpId, ...v.market.expiries.flatMap((e) => [...e.callIds, ...e.putIds.filter((p): p is string => p !== undefined)])]);
      expect(ids.size).toBe(m);
      const all = listed(v.market.json);
      for (const id of ids) expect(all.has(id)).toBe(true);
      for (const a of accountsOf(v)) {
        for (const p of a.positions) {
          expect(ids.has(p.instrument)).toBe(true);
          expect(Number.isFinite(p.size) && p.size !== 0).toBe(true);
        }
        expect(new Set(a.positions.map((p) => p.instrument)).size).toBe(a.positions.length);
        for (const x of Object.values(a.balances)) expect(x).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('a small venue margins under derive-pmrm2.test with no failures', () => {
    const v = synthVenue({ accounts: 600, instruments: 400, seed: 7 });
    const accounts = accountsOf(v);
    const out = createEngine({ profile: 'derive-pmrm2.test' }).marginBatch(accounts, v.market.json);
    const failed = out.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    for (const o of out) {
      if (!o.ok) continue;
      for (const x of [o.result.initial_margin, o.result.maintenance_margin, o.result.equity]) expect(Number.isFinite(x)).toBe(true);
    }
  });

  it('looks like a venue: option books over several expiries, perps, collateral mixes, heavy tails, a status mix', () => {
    const v = synthVenue({ accounts: 1500, instruments: 800, seed: 11 });
    const accounts = accountsOf(v);
    expect(v.market.expiries.length).toBeGreaterThanOrEqual(8);
    const positions = accounts.flatMap((a) => a.positions);
    const perUser = positions.length / accounts.length;
    expect(perUser).toBeGreaterThan(7);
    expect(perUser).toBeLessThan(14);
    expect(positions.filter((p) => p.instrument === 'ETH-PERPETUAL').length / accounts.length).toBeGreaterThan(0.3);
    // Naked short options and long ones; mixed-collateral accounts; risk-cancelling collateral.
    expect(positions.some((p) => p.instrument.endsWith('-C') && p.size < 0)).toBe(true);
    expect(positions.some((p) => p.instrument.endsWith('-P') && p.size > 0)).toBe(true);
    expect(accounts.filter((a) => Object.keys(a.balances).length >= 3).length / accounts.length).toBeGreaterThan(0.1);
    expect(accounts.some((a) => (a.balances.ETH ?? 0) + (a.balances.WEETH ?? 0) + (a.balances.RSWETH ?? 0) > 0)).toBe(true);
    const sizes = positions.map((p) => Math.abs(p.size)).sort((a, b) => a - b);
    const q = (p: number): number => sizes[Math.floor(p * (sizes.length - 1))]!;
    expect(q(0.999) / q(0.5)).toBeGreaterThan(20);
    // Status mix on the reference path (Derive's published rules): most healthy, some in margin call.
    const out = createEngine({ profile: 'derive-pmrm2.test', path: 'reference' }).marginBatch(accounts, v.market.json);
    const res = out.flatMap((o) => (o.ok ? [o.result] : []));
    expect(res.length).toBe(accounts.length);
    const belowIm = res.filter((r) => r.im_excess < 0).length / res.length;
    const belowMm = res.filter((r) => r.mm_excess < 0).length / res.length;
    expect(belowIm).toBeGreaterThan(0.02);
    expect(belowIm).toBeLessThan(0.2);
    expect(belowMm).toBeLessThan(belowIm);
  }, 60_000);

  it('writes market.json, accounts.jsonl and venue.json; the CLI checks its arguments', () => {
    const out = join(dir, 'v1');
    const r = writeSynthVenue(out, { accounts: 250, instruments: 120, seed: 5 });
    const lines = readFileSync(r.accountsFile, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(250);
    expect(lines).toEqual([...synthVenue({ accounts: 250, instruments: 120, seed: 5 }).accountLines()]);
    expect(JSON.parse(readFileSync(r.marketFile, 'utf8'))).toEqual(synthVenue({ accounts: 1, instruments: 120, seed: 5 }).market.json);
    expect(JSON.parse(readFileSync(r.manifestFile, 'utf8'))).toMatchObject({ seed: 5, accounts: 250, instruments: 120, market: 'market.json', accounts_file: 'accounts.jsonl' });
    expect(r.accountsBytes).toBe(readFileSync(r.accountsFile).length);

    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(runSynthCommand({ accounts: '30', instruments: '50', seed: '1', out: join(dir, 'v2') })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(readFileSync(join(dir, 'v2', 'accounts.jsonl'), 'utf8').split('\n').length).toBe(31);
    const code = (f: () => unknown): [string, unknown] => {
      try {
        f();
      } catch (e) {
        return [(e as RiskgridError).code, (e as RiskgridError).field];
      }
      return ['none', undefined];
    };
    expect(code(() => runSynthCommand({ accounts: '-3', instruments: '50', seed: '1', out: join(dir, 'v3') }))).toEqual(['RG_ERR_INVALID_ARGUMENT', 'accounts']);
    expect(code(() => synthVenue({ accounts: 0, instruments: 50, seed: 1 }))).toEqual(['RG_ERR_INVALID_ARGUMENT', 'accounts']);
    expect(code(() => synthVenue({ accounts: 10, instruments: 1, seed: 1 }))).toEqual(['RG_ERR_INVALID_ARGUMENT', 'instruments']);
    expect(code(() => synthVenue({ accounts: 10, instruments: 10, seed: 2 ** 32 }))).toEqual(['RG_ERR_INVALID_ARGUMENT', 'seed']);
    expect(code(() => synthVenue({ accounts: 10, instruments: 10, seed: 1, spot: Number.NaN }))).toEqual(['RG_ERR_INVALID_ARGUMENT', 'spot']);
  });
});
