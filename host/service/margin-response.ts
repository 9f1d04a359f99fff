// Response schemas of the margin answers (simulate, what-if). Fastify compiles them with
// fast-json-stringify, which writes the known fields without JSON.stringify's generic walk, and
// /docs shows them. Nothing is `required` (a missing optional field is left out instead of failing
// the reply), and every object keeps additionalProperties: true — a field added to MarginResult
// later is still sent, generically, rather than silently dropped — except the items of the long
// arrays (per-position greeks, scenarios): looking for extra keys on each of them cost more than
// JSON.stringify saves, and their fields are the fixed ones of host/margin/result.ts.
import { Type, type TSchema } from 'typebox';

/** An object whose listed fields are all optional and whose unlisted fields pass through. */
function loose(props: Record<string, TSchema>, description?: string, extra = true): TSchema {
  const opt: Record<string, TSchema> = {};
  for (const [k, v] of Object.entries(props)) opt[k] = Type.Optional(v);
  return Type.Object(opt, { ...(extra ? { additionalProperties: true } : {}), ...(description === undefined ? {} : { description }) });
}

/** An array item: the listed fields only (see the header). */
function item(props: Record<string, TSchema>): TSchema {
  return loose(props, undefined, false);
}

const N = Type.Number();
const S = Type.String();
const Amounts = Type.Record(Type.String(), Type.Number());

const GreekSet = loose({ delta: N, gamma: N, vega: N, theta: N, theta_per_day: N }, 'delta and gamma per 1 unit of the underlying price, vega per 1.00 of vol, theta per year (theta_per_day = theta / 365)');
const PositionGreeks = item({ instrument: S, size: N, value: N, delta: N, gamma: N, vega: N, theta: N, theta_per_day: N });
const scenarioFields = { index: N, label: S, spot_shock: N, vol_move: Type.Unknown({ description: '"up", "none", "down", "linear skew", "abs skew", or a signed absolute vol move' }), kind: S };
const ScenarioInfo = item(scenarioFields);
const WorstScenario = loose({ ...scenarioFields, pnl: N }, 'the scenario that sets the requirement; pnl < 0 is a loss');
// `collateral` named: Derive results carry their lines as a getter (host/margin/lazy-breakdown.ts).
const Breakdown = loose({ scenario_loss: N, mm_loss_factor: N, im_loss_factor: N, contingencies: Amounts, equity_parts: Amounts, detail: Type.Unknown(), collateral: Type.Unknown() });

const Status = Type.Union([Type.Literal('ok'), Type.Literal('im_breach'), Type.Literal('mm_breach')], { description: 'ok; im_breach: equity below initial margin (no new risk); mm_breach: below maintenance margin (margin call, liquidatable)' });

/** The figures of one margin answer that a what-if summary keeps. */
const summaryFields = {
  initial_margin: N, maintenance_margin: N, equity: N, im_excess: N, mm_excess: N, margin_currency: S, status: Status,
  breakdown: Breakdown, worst_scenario: WorstScenario,
  greeks: loose({ totals: Type.Record(Type.String(), GreekSet, { description: 'per underlying' }), positions: Type.Array(PositionGreeks, { description: 'per position: simulate with ?detail=full' }) }),
};

/** A full MarginResult (host/margin/result.ts). */
export const MarginResultSchema = loose({
  account_id: S, profile: S, profile_hash: S, methodology: S, market_snapshot_id: S, engine_version: S, computed_at: S,
  detail: Type.Union([Type.Literal('summary'), Type.Literal('full')]),
  ...summaryFields,
  scenario_pnl: Type.Array(N, { description: 'the risk matrix: P&L per scenario of the profile (spot shock × vol move; negative = loss), in the order of `scenarios`' }),
  scenarios: Type.Array(ScenarioInfo),
  instrument_scenarios: Type.Record(Type.String(), Type.Array(N)),
});

/** One side of a what-if: the summary by default, the full MarginResult with ?detail=full. */
export const WhatIfSideSchema = loose({
  ...summaryFields,
  account_id: S, profile: S, profile_hash: S, methodology: S, market_snapshot_id: S, engine_version: S,
  scenario_pnl: Type.Array(N), scenarios: Type.Array(ScenarioInfo),
});

export const WhatIfResponseSchema = loose({
  account_id: S, accepted: Type.Boolean(), reject_reason: Type.Union([S, Type.Null()]),
  profile: S, profile_hash: S, market_snapshot_id: S, engine_version: S, computed_at: S,
  detail: Type.Union([Type.Literal('summary'), Type.Literal('full')]),
  before: WhatIfSideSchema,
  change: loose({ initial_margin: N, maintenance_margin: N, equity: N, im_excess: N, mm_excess: N }, 'after − before'),
  after: WhatIfSideSchema,
  node: Type.String({ description: 'the engine node that answered (cluster mode: riskgrid serve --nats)' }),
});
