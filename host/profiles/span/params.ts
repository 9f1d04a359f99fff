// Schema of the span parameter file (documented field by field in docs/PROFILES.md).
import { checkSchema, frac, num, numArray, pos, profileError, str, type Schema } from '../standard/schema.js';
import type { SpanParams } from './types.js';

const MONTH: Schema = { type: 'string' };

const COMMODITY: Schema = {
  type: 'object',
  fields: {
    priceScanRange: pos(),
    volScanRange: num(0, 10),
    volFloor: num(0, 10),
    premiumStyle: { type: 'boolean' },
    shortOptionMinimum: num(0),
    tiers: {
      type: 'array',
      minLength: 1,
      items: { type: 'object', fields: { name: str, fromMonth: MONTH, toMonth: MONTH, intraRate: num(0) } },
    },
    tierSpreads: {
      type: 'array',
      items: { type: 'object', fields: { tiers: { type: 'array', items: str, length: 2 }, rate: num(0) } },
    },
  },
};

const SCHEMA: Schema = {
  type: 'object',
  fields: {
    currency: str,
    priceMoves: numArray(3, 0, 1),
    extremeMultiple: num(0, 10),
    extremeCoverFraction: frac,
    volScanMode: { type: 'string', enum: ['absolute', 'relative'] },
    lookaheadDays: num(0, 30),
    compositeDeltaWeights: numArray(7, 0, 1),
    initialToMaintenance: num(1, 10),
    somMethod: { type: 'string', enum: ['max', 'sum'] },
    wprMethod: { type: 'string', enum: ['normal', 'scanRangeCap'] },
    commodities: { type: 'record', values: COMMODITY, minKeys: 1 },
    interSpreads: {
      type: 'array',
      items: {
        type: 'object',
        fields: {
          name: str,
          creditRate: frac,
          legs: {
            type: 'array',
            minLength: 2,
            items: { type: 'object', fields: { commodity: str, deltaRatio: pos(), side: { type: 'string', enum: ['A', 'B'] } } },
          },
        },
      },
    },
  },
};

/** Validate a span `params` object; throws RG_ERR_PROFILE naming the field. */
export function validateSpanParams(raw: unknown, path = 'params'): SpanParams {
  const p = checkSchema<SpanParams>(raw, SCHEMA, path);
  const [a, b, c] = p.priceMoves;
  if (!(a > 0 && a < b && b < c)) profileError(`${path}.priceMoves`, p.priceMoves, 'must be increasing and positive');
  const wsum = p.compositeDeltaWeights.reduce((x, y) => x + y, 0);
  if (Math.abs(wsum - 1) > 1e-9) profileError(`${path}.compositeDeltaWeights`, wsum, 'must sum to 1');
  for (const [name, c] of Object.entries(p.commodities)) {
    const names = new Set<string>();
    c.tiers.forEach((t, i) => {
      const tp = `${path}.commodities.${name}.tiers[${i}]`;
      if (names.has(t.name)) profileError(`${tp}.name`, t.name, 'duplicate tier name');
      names.add(t.name);
      if (t.fromMonth > t.toMonth) profileError(`${tp}.toMonth`, t.toMonth, `is before fromMonth ${t.fromMonth}`);
      // A month in two tiers would count its delta twice.
      c.tiers.slice(0, i).forEach((o) => {
        if (t.fromMonth <= o.toMonth && o.fromMonth <= t.toMonth) profileError(`${tp}.fromMonth`, t.fromMonth, `overlaps tier ${o.name} (${o.fromMonth}-${o.toMonth})`);
      });
    });
    c.tierSpreads.forEach((s, i) =>
      s.tiers.forEach((t, k) => {
        if (!names.has(t)) profileError(`${path}.commodities.${name}.tierSpreads[${i}].tiers[${k}]`, t, 'is not a tier of this commodity');
      }),
    );
  }
  p.interSpreads.forEach((s, i) => {
    s.legs.forEach((l, k) => {
      if (!(l.commodity in p.commodities)) profileError(`${path}.interSpreads[${i}].legs[${k}].commodity`, l.commodity, 'is not in params.commodities');
    });
    if (!s.legs.some((l) => l.side === 'A') || !s.legs.some((l) => l.side === 'B')) {
      profileError(`${path}.interSpreads[${i}].legs`, s.legs, 'needs at least one leg on side A and one on side B');
    }
  });
  return p;
}
