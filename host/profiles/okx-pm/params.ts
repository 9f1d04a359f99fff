import { checkSchema, frac, num, pos, profileError, type Schema } from '../standard/schema.js';
import type { OkxPmParams } from './types.js';

const tiers = (value: string): Schema => ({
  type: 'array',
  minLength: 1,
  items: { type: 'object', fields: { upTo: pos(), [value]: num(0, 100) }, optional: ['upTo'] },
});

const SCHEMA: Schema = {
  type: 'object',
  fields: {
    mr1: {
      type: 'object',
      fields: { moves: { type: 'array', minLength: 1, items: { type: 'number', above: 0, max: 0.95 } }, volUp: num(0, 10), volDown: frac, power: num(0, 2), minDays: pos(365) },
    },
    mr2: { type: 'object', fields: { days: num(0, 365) } },
    mr3: { type: 'object', fields: { shock: frac, power: num(0, 2), pivotDays: pos(3650) } },
    mr4: { type: 'object', fields: { annualMove: num(0, 10) } },
    mr5: { type: 'object', fields: { rateShock: num(0, 1) } },
    mr6: { type: 'object', fields: { move: { type: 'number', above: 0, max: 0.95 }, fraction: frac } },
    mr7: { type: 'object', fields: { futureRate: frac, optionRate: frac, tiers: tiers('multiplier') } },
    mr9: { type: 'object', fields: { tiers: tiers('rate') } },
    imrFactor: num(1, 10),
  },
};

function checkTiers(list: { upTo?: number }[], path: string): void {
  list.forEach((t, i) => {
    const last = i === list.length - 1;
    if (!last && t.upTo === undefined) profileError(`${path}[${i}].upTo`, undefined, 'only the last tier may be open-ended');
    if (last && t.upTo !== undefined) profileError(`${path}[${i}].upTo`, t.upTo, 'the last tier must be open-ended (no upTo)');
    if (i > 0 && t.upTo !== undefined && !(t.upTo > list[i - 1]!.upTo!)) profileError(`${path}[${i}].upTo`, t.upTo, 'tiers must be increasing');
  });
}

export function validateOkxPmParams(raw: unknown, path = 'params'): OkxPmParams {
  const p = checkSchema<OkxPmParams>(raw, SCHEMA, path);
  checkTiers(p.mr7.tiers, `${path}.mr7.tiers`);
  checkTiers(p.mr9.tiers, `${path}.mr9.tiers`);
  return p;
}
