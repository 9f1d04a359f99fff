// Registers the methodologies that ship with riskgrid (idempotent).
import { registerMethodology, type Methodology } from '../profiles/registry.js';
import { crossFuturesEngineMethodology } from '../profiles/cross-futures/engine.js';
import { deribitPmEngineMethodology } from '../profiles/deribit-pm/engine.js';
import { okxPmEngineMethodology } from '../profiles/okx-pm/engine.js';
import { spanEngineMethodology } from '../profiles/span/engine.js';
import { standardEngineMethodology } from '../profiles/standard/engine.js';
import { timsEngineMethodology } from '../profiles/tims/engine.js';
import { derivePmrmMethodology } from './orchestrators/derive-pmrm.js';
import { derivePmrm2Methodology } from './orchestrators/derive-pmrm2.js';

const BUILTIN: Record<string, Methodology> = {
  'derive-pmrm2': derivePmrm2Methodology,
  'derive-pmrm': derivePmrmMethodology,
  span: spanEngineMethodology,
  tims: timsEngineMethodology,
  'deribit-pm': deribitPmEngineMethodology,
  'okx-pm': okxPmEngineMethodology,
  standard: standardEngineMethodology,
  'cross-futures': crossFuturesEngineMethodology,
} as Record<string, Methodology>;

let done = false;

export function registerBuiltinMethodologies(): void {
  if (done) return;
  done = true;
  for (const [name, m] of Object.entries(BUILTIN)) registerMethodology(name, m);
}
