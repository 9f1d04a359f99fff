import { checkSchema, frac, num, profileError, type Schema } from '../standard/schema.js';
import type { TimsParams } from './types.js';

const SCHEMA: Schema = {
  type: 'object',
  fields: {
    valuationPoints: { type: 'number', integer: true, min: 2, max: 100 },
    classes: { type: 'record', minKeys: 1, values: { type: 'object', fields: { group: { type: 'string' }, up: { type: 'number', above: 0, max: 10 }, down: { type: 'number', above: 0, max: 0.99 } } } },
    groups: { type: 'record', values: { type: 'object', fields: { offset: frac } } },
    minimumPerContract: num(0),
    concentration: { type: 'object', fields: { threshold: num(0), rate: frac } },
    initialToMaintenance: num(1, 10),
  },
};

export function validateTimsParams(raw: unknown, path = 'params'): TimsParams {
  const p = checkSchema<TimsParams>(raw, SCHEMA, path);
  if (p.valuationPoints % 2 !== 0) profileError(`${path}.valuationPoints`, p.valuationPoints, 'must be even (half up, half down)');
  for (const [name, c] of Object.entries(p.classes)) {
    if (!(c.group in p.groups)) profileError(`${path}.classes.${name}.group`, c.group, 'is not in params.groups');
  }
  return p;
}
