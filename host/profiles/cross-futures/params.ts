import { checkInitialAtLeastMaintenance, RATE, STANDARD_FIELDS } from '../standard/params.js';
import { checkSchema } from '../standard/schema.js';
import type { CrossFuturesParams } from './types.js';

const { futureRate: _f, perpetualRate: _p, ...KEEP } = STANDARD_FIELDS;

export function validateCrossFuturesParams(raw: unknown, path = 'params'): CrossFuturesParams {
  const p = checkSchema<CrossFuturesParams>(raw, { type: 'object', fields: { ...KEEP, netRate: RATE, spreadRate: RATE } }, path);
  checkInitialAtLeastMaintenance(p, path);
  return p;
}
