// `riskgrid synth --underlyings` and `riskgrid remargin`: a multi-pool venue written to disk, read
// back a line at a time, re-margined on the pool; bad lines fail alone with their code and make the
// exit status 1, and every written result equals engine.margin's.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../host/margin/engine.js';

const bin = fileURLToPath(new URL('../bin/riskgrid.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rg-remargin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

describe('riskgrid remargin', () => {
  it('re-margins a synthetic three-pool venue, listing failures with their codes', () => {
    const venue = join(dir, 'v');
    const s = cli('synth', '--accounts', '3000', '--instruments', '400', '--seed', '4', '--underlyings', 'ETH,BTC:90000:0.3,SOL', '--profile', 'derive-pmrm2.mainnet', '--out', venue);
    expect(s.status, s.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(venue, 'venue.json'), 'utf8')) as { pools: Record<string, Record<string, unknown>> };
    expect(Object.keys(manifest.pools)).toEqual(['ETH', 'BTC', 'SOL']);
    appendFileSync(join(venue, 'accounts.jsonl'), '{"account_id":"typo","pool":"ETH","positions":[{"instrument":"ETH-PERPETUAL","size":"two"}],"balances":{}}\nnot json\n');
    const out = join(dir, 'out.jsonl');
    const r = cli('remargin', '--venue', venue, '--threads', '2', '--top', '4', '--out', out);
    expect(r.status, r.stderr).toBe(1); // two accounts failed
    expect(r.stdout).toMatch(/3,002 accounts \(3,000 on the pool/);
    expect(r.stdout).toMatch(/failed 2/);
    expect(r.stdout).toMatch(/typo +failed +RG_ERR_INVALID_INPUT/);
    expect(r.stdout).toMatch(/line:3002 +failed +RG_ERR_PARSE/);
    const results = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results).toHaveLength(3002);
    const market = JSON.parse(readFileSync(join(venue, 'market.json'), 'utf8')) as Record<string, unknown>;
    const engines = Object.fromEntries(Object.entries(manifest.pools).map(([p, prof]) => [p, createEngine({ profile: prof, snapshot: { now: false } })]));
    const accounts = readFileSync(join(venue, 'accounts.jsonl'), 'utf8').trim().split('\n').slice(0, 3000).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const [k, a] of accounts.entries()) {
      if (k % 10 !== 0) continue;
      const ref = engines[a.pool as string]!.margin(a, market);
      expect(results[k]).toMatchObject({ account_id: a.account_id, initial_margin: ref.initial_margin, maintenance_margin: ref.maintenance_margin, equity: ref.equity });
    }
  });

  it('rejects a directory without venue.json with a clear error', () => {
    const r = cli('remargin', '--venue', join(dir, 'nowhere'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/RG_ERR_INVALID_ARGUMENT.*venue/);
  });
});
