// Derive's published cases through the public engine API (and the CLI harness): the proof that
// riskgrid's derive profiles reproduce a live venue's numbers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readDerivePmrm2CaseFiles, runDerivePmrm2Conformance } from '../host/conformance/derive-pmrm2-cases.js';
import { computeDerivePmrm2CaseViaEngine } from '../host/conformance/derive-pmrm2-public.js';
import { runDerivePmrmConformanceFiles } from '../host/conformance/derive-pmrm-public.js';

const REF = fileURLToPath(new URL('../../shared/reference/derive-v2-core/', import.meta.url));
const PMRM2 = `${REF}pmrm2`;
const V20 = `${REF}pmrm-v20/test-cases-portfolio-pm.json`;
const HAVE = existsSync(PMRM2) && existsSync(V20);
if (!HAVE) {
  if (process.env.CI === 'true') throw new Error(`Derive reference cases missing under ${REF} (required in CI)`);
  console.warn(`[conformance] reference cases not found under ${REF}: skipped`);
}
const CLI = fileURLToPath(new URL('../bin/riskgrid.js', import.meta.url));
const HAVE_CLI = existsSync(fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)));

describe.runIf(HAVE)('Derive conformance through createEngine().margin', () => {
  it('PMRM_2: 138 active cases pass on every Result field, test_67 skipped with its reason', async () => {
    const cases = await readDerivePmrm2CaseFiles([PMRM2]);
    const s = runDerivePmrm2Conformance(cases, computeDerivePmrm2CaseViaEngine());
    expect(s.reports.filter((r) => r.status === 'fail').map((r) => r.line)).toEqual([]);
    expect(s.summary).toBe('138 passed, 0 failed, 1 skipped');
    expect(s.reports.find((r) => r.status === 'skip')!.line).toContain('test_67');
  });

  it('PMRM v2.0: all 44 cases give the truncated IM and MM (±1)', async () => {
    const s = await runDerivePmrmConformanceFiles([V20]);
    expect(s.reports.filter((r) => r.status !== 'pass').map((r) => r.line)).toEqual([]);
    expect(s.summary).toBe('44 passed, 0 failed');
  });

  it.runIf(HAVE_CLI)('riskgrid conformance prints a line per case and the summary, exit 0', () => {
    const out = execFileSync(process.execPath, [CLI, 'conformance', 'derive-pmrm2', PMRM2], { encoding: 'utf8' });
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(140);
    expect(lines.at(-1)).toBe('138 passed, 0 failed, 1 skipped');
    const v20 = execFileSync(process.execPath, [CLI, 'conformance', 'derive-pmrm', V20], { encoding: 'utf8' });
    expect(v20.trim().split('\n').at(-1)).toBe('44 passed, 0 failed');
  });

  it.runIf(HAVE_CLI)('a failing case makes the harness exit non-zero', () => {
    const r = spawnSync(process.execPath, [CLI, 'conformance', 'derive-pmrm2', CLI], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });
});
