// Where a compiled worker entry lives: next to the calling module in dist/, or under dist/ when the
// caller runs from the TypeScript sources (tests), since worker threads need JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RiskgridError } from '../errors.js';

/** `dir/name.js` of host/ (e.g. 'pool', 'venue-worker'), given the caller's import.meta.url. */
export function workerFile(callerUrl: string, dir: string, name: string): string {
  const here = fileURLToPath(new URL(`./${name}.js`, callerUrl));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL(`../../dist/${dir}/${name}.js`, callerUrl));
  if (existsSync(built)) return built;
  throw new RiskgridError('RG_ERR_WASM_LOAD', `the worker ${dir}/${name} is not built (run npm run build:host)`, { field: 'worker', value: here });
}
