// POST /v1/margin/simulate — stateless: margin the account in the body under a built-in profile, on
// the market in the body or, without one, on the service's latest accepted snapshot (with the
// market-data guard's `degraded`, as every margin on it; a server without a store holds none).
// The JSON schema checks the envelope only; the engine validates the account and the snapshot and
// names the exact field when one is wrong. Nothing is stored. The margin and the answer's JSON are
// computed by simulate-answer.ts, on a worker thread (simulate-pool.ts).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { EngineCache } from './engines.js';
import { HttpError } from './http-errors.js';
import { MarginResultSchema } from './margin-response.js';
import { guardMargin } from './market.js';
import { observeMarginCompute } from './metrics.js';
import type { SimulateRequest } from './simulate-answer.js';
import { parseSimulateBody, type SimulateTexts } from './simulate-body.js';
import type { SimulatePool } from './simulate-pool.js';
import type { ServiceState } from './state.js';

export const SimulateBody = Type.Object(
  {
    profile: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'built-in profile name, e.g. derive-pmrm2.test' }),
    account: Type.Record(Type.String(), Type.Unknown(), { description: 'account_id, pool, positions (a list or a map instrument → size), balances' }),
    market: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "market snapshot JSON (docs/DESIGN.md); default: the service's latest accepted snapshot" })),
  },
  { additionalProperties: false },
);

export const SimulateQuery = Type.Object(
  { detail: Type.Optional(Type.Union([Type.Literal('summary'), Type.Literal('full')], { description: "summary (default) or full: adds each position's greeks" })) },
  { additionalProperties: false },
);

declare module 'fastify' {
  interface FastifyRequest {
    /** The texts of the body's `account` and `market` as received (POST /v1/margin/simulate only). */
    simulateTexts: SimulateTexts | null;
  }
}

/** `state`: the stateful service's, whose latest snapshot a body without `market` is margined on. */
export function registerSimulate(app: FastifyInstance, engines: EngineCache, pool: SimulatePool, state?: ServiceState): void {
  // In its own scope, a JSON parser that checks the body without building the account and the
  // market, and keeps their text for the worker, which parses them (simulate-body.ts).
  void app.register(async (scope) => {
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.decorateRequest('simulateTexts', null);
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
      parseSimulateBody(parseJson, req, text as string, (req.simulateTexts = {}), done);
    });
    route(scope, engines, pool, state);
  });
}

function route(app: FastifyInstance, engines: EngineCache, pool: SimulatePool, state?: ServiceState): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/v1/margin/simulate', { schema: { body: SimulateBody, querystring: SimulateQuery, response: { 200: MarginResultSchema } } }, async (req, reply) => {
    const engine = engines.get(req.body.profile); // 404 for an unknown profile, before any work
    let market: SimulateRequest['market'];
    let guarded = {};
    if (req.body.market !== undefined) {
      market = { from: 'body', text: req.simulateTexts!.market! };
    } else if (state !== undefined) {
      const snap = await state.latestMarket();
      guarded = guardMargin(state.guard, engine, snap);
      market = { from: 'latest', snap };
    } else {
      throw new HttpError(400, 'RG_ERR_MISSING_MARKET_DATA', 'no market in the body, and this server (without a store) holds no snapshot: send `market`', 'market', null);
    }
    const out = await pool.run({ profile: req.body.profile, account: req.simulateTexts!.account!, market, detail: req.query.detail ?? 'summary', guarded });
    if (!out.ok) {
      const e = out.body.error;
      const err = new HttpError(out.status, e.code, e.message, e.field, e.value);
      if (out.stack !== undefined) err.stack = out.stack; // a 5xx is logged with where it failed, in the worker
      throw err;
    }
    observeMarginCompute(out.seconds, out.methodology);
    // The JSON is written by simulate-answer.ts rather than by the response schema's serializer:
    // its generic walk of the loose objects cost a quarter of the CPU of a simulate.
    return reply.type('application/json; charset=utf-8').send(out.json);
  });
}
