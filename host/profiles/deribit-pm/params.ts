import { checkSchema, frac, num, pos, profileError, type Schema } from '../standard/schema.js';
import type { DeribitPmParams } from './types.js';

const SCHEMA: Schema = {
  type: 'object',
  fields: {
    mode: { type: 'string', enum: ['segregated', 'cross'] },
    priceRange: { type: 'number', above: 0, max: 0.95 },
    pricePoints: { type: 'number', integer: true, min: 3, max: 101 },
    volRangeUp: num(0, 10),
    volRangeDown: num(0, 1),
    shortPower: num(0, 2),
    longPower: num(0, 2),
    minVolUp: num(0, 10),
    minDays: pos(365),
    extended: { type: 'array', items: { type: 'object', fields: { move: { type: 'number', above: -1, max: 100 }, fraction: frac } } },
    extendedDampener: frac,
    deltaShock: frac,
    rollShock: num(0, 10),
    minPerOption: num(0, 1),
    mmFactor: frac,
    haircuts: { type: 'record', values: frac },
  },
};

export function validateDeribitPmParams(raw: unknown, path = 'params'): DeribitPmParams {
  const p = checkSchema<DeribitPmParams>(raw, SCHEMA, path);
  if (p.pricePoints % 2 !== 1) profileError(`${path}.pricePoints`, p.pricePoints, 'must be odd (the grid includes the unchanged price)');
  return p;
}
