// Cascade audit log and replay (issue 7, req. 6): `riskgrid stress cascade --audit FILE` writes a
// hash-chained JSONL log; `--replay-audit FILE` verifies it, re-runs it and checks every action.
// Passes on the same inputs (auction mode with ADL, so every kind of action is in the log); fails
// on an edited line (chain), on a re-chained forgery (an action not reproduced), on another
// market and on another venue; the log itself is the same bytes run after run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../host/profiles/hash.js';
import { auditRowHash, GENESIS } from '../host/store/audit-chain.js';
import type { AuditRow } from '../host/store/store.js';

const PROFILE = 'derive-pmrm2.mainnet';

describe('riskgrid stress cascade --audit / --replay-audit', () => {
  const bin = fileURLToPath(new URL('../bin/riskgrid.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'rg-cascade-audit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  const venue = join(dir, 'v');
  const marketFile = join(venue, 'market.json');
  const run = ['stress', 'cascade', '--venue', venue, '--market', marketFile, '--shock', '-30%', '--underlying', 'ETH', '--impact', 'sqrt', '--k', '0.2', '--rounds', '5', '--liquidation', 'auction', '--adl', 'on', '--fund', '20000', '--threads', '1'];
  const replay = (log: string, ...extra: string[]) => cli('stress', 'cascade', '--venue', venue, '--threads', '2', '--replay-audit', log, ...extra);
  const rows = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRow);
  const write = (file: string, rs: AuditRow[]) => writeFileSync(file, rs.map((r) => `${JSON.stringify(r)}\n`).join(''));

  it('writes the same chained log twice; the replay reproduces every action', () => {
    const s = cli('synth', '--accounts', '1000', '--instruments', '80', '--seed', '11', '--underlyings', 'ETH,BTC', '--profile', PROFILE, '--out', venue);
    expect(s.status, s.stderr).toBe(0);
    const a = cli(...run, '--audit', join(dir, 'a.jsonl'));
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/auction liquidation \(30 s rounds\)/);
    const b = cli(...run, '--audit', join(dir, 'b.jsonl'));
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'a.jsonl'), 'utf8'));
    const log = rows(join(dir, 'a.jsonl'));
    // Chained: each line's prev_hash is the line before's hash, hash = sha256(prev + canonical row).
    let prev = GENESIS;
    for (const r of log) {
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(auditRowHash(prev, r));
      prev = r.hash;
    }
    const kinds = new Set(log.map((r) => r.kind));
    for (const k of ['inputs', 'round', 'auction', 'fee', 'draw', 'adl', 'round_end', 'result']) expect(kinds.has(k), k).toBe(true);
    expect(log[0]!.data).toMatchObject({ params: { liquidation: 'auction', round_seconds: 30, adl: 'on', fund: 20000 } });
    const ok = replay(join(dir, 'a.jsonl'));
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`${log.length} lines, chain verified; every action reproduced`));
    // Parameters come from the log, not the command line.
    const both = replay(join(dir, 'a.jsonl'), '--shock', '-10%');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--shock cannot be given with --replay-audit/);
    const exists = cli(...run, '--audit', join(dir, 'a.jsonl'));
    expect(exists.status).toBe(2);
    expect(exists.stderr).toMatch(/RG_ERR_INVALID_ARGUMENT: --audit: cannot create/);
  }, 120_000);

  it('an edited line breaks the chain: RG_ERR_INVALID_INPUT naming the line', () => {
    const log = rows(join(dir, 'a.jsonl'));
    const k = log.findIndex((r) => r.kind === 'auction');
    const edited = log.map((r, i) => (i === k ? { ...r, data: { ...r.data, fraction: 0.5 } } : r));
    write(join(dir, 'edited.jsonl'), edited);
    const r = replay(join(dir, 'edited.jsonl'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`RG_ERR_INVALID_INPUT: audit .*edited.jsonl line ${k + 1}: hash chain broken`));
    // A line removed: the next line no longer links.
    write(join(dir, 'cut.jsonl'), log.filter((_, i) => i !== k));
    expect(replay(join(dir, 'cut.jsonl')).stderr).toMatch(new RegExp(`line ${k + 1}: hash chain broken`));
    writeFileSync(join(dir, 'junk.jsonl'), `${readFileSync(join(dir, 'a.jsonl'), 'utf8')}not json\n`);
    expect(replay(join(dir, 'junk.jsonl')).stderr).toMatch(new RegExp(`RG_ERR_PARSE: audit .* line ${log.length + 1}`));
  });

  it('a forged log with a valid chain fails the replay at the forged action (exit 1)', () => {
    const log = rows(join(dir, 'a.jsonl'));
    const k = log.findIndex((r) => r.kind === 'adl');
    let prev = GENESIS;
    const forged = log.map((r, i) => {
      const row = i === k ? { ...r, data: { ...r.data, cost: (r.data.cost as number) / 2 } } : r;
      const next = { ...row, prev_hash: prev, hash: auditRowHash(prev, row) };
      prev = next.hash;
      return next;
    });
    write(join(dir, 'forged.jsonl'), forged);
    const r = replay(join(dir, 'forged.jsonl'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`line ${k + 1} is not reproduced`));
    expect(r.stdout).toContain(canonicalJson((forged[k]!.data as { cost: number }).cost));
  });

  it('another market or venue than the audited run is refused', () => {
    const m = JSON.parse(readFileSync(marketFile, 'utf8')) as { underlyings: Record<string, { index_price: number }> };
    m.underlyings.ETH!.index_price *= 1.01;
    writeFileSync(join(dir, 'other-market.json'), JSON.stringify(m));
    const r = replay(join(dir, 'a.jsonl'), '--market', join(dir, 'other-market.json'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/RG_ERR_INVALID_INPUT: market .*other-market.json is not the audited run's/);
    const other = join(dir, 'w');
    expect(cli('synth', '--accounts', '1000', '--instruments', '80', '--seed', '12', '--underlyings', 'ETH,BTC', '--profile', PROFILE, '--out', other).status).toBe(0);
    const v = cli('stress', 'cascade', '--venue', other, '--market', marketFile, '--replay-audit', join(dir, 'a.jsonl'));
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/RG_ERR_INVALID_INPUT: venue .* accounts is not the audited run's/);
  }, 60_000);
});
