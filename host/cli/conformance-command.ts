// `riskgrid conformance derive-pmrm2 PATH...` / `riskgrid conformance derive-pmrm FILE`: run
// Derive's published cases through the public engine API; a line per case, then
// `N passed, M failed[, K skipped]`. Exit code 1 on any failure.
import { RiskgridError } from '../errors.js';

export async function runConformanceCommand(method: string, paths: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  if (paths.length === 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'give at least one case file or directory', { field: 'paths', value: paths });
  let summary: { reports: { line: string }[]; summary: string; failed: number };
  if (method === 'derive-pmrm2') {
    const { readDerivePmrm2CaseFiles, runDerivePmrm2Conformance } = await import('../conformance/derive-pmrm2-cases.js');
    const { computeDerivePmrm2CaseViaEngine } = await import('../conformance/derive-pmrm2-public.js');
    summary = runDerivePmrm2Conformance(await readDerivePmrm2CaseFiles(paths), computeDerivePmrm2CaseViaEngine());
  } else if (method === 'derive-pmrm') {
    const { runDerivePmrmConformanceFiles } = await import('../conformance/derive-pmrm-public.js');
    summary = await runDerivePmrmConformanceFiles(paths);
  } else {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `unknown conformance suite ${method}; known: derive-pmrm2, derive-pmrm`, { field: 'method', value: method });
  }
  for (const r of summary.reports) out(r.line + '\n');
  out(summary.summary + '\n');
  return summary.failed === 0 ? 0 : 1;
}
