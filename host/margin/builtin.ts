// Registers the methodologies that ship with riskgrid (idempotent).
import { registerMethodology } from '../profiles/registry.js';
import { derivePmrm2Methodology } from './orchestrators/derive-pmrm2.js';

let done = false;

export function registerBuiltinMethodologies(): void {
  if (done) return;
  done = true;
  registerMethodology('derive-pmrm2', derivePmrm2Methodology);
}
