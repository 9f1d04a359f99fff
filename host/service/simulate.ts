// POST /v1/margin/simulate — stateless: margin the account in the body under a built-in profile, on
// the market in the body or, without one, on the service's latest accepted snapshot (with the
// market-data guard's `degraded`, as every margin on it; a server without a store holds none).
// The JSON schema checks the envelope only; the engine validates the account and the snapshot and
// names the exact field when one is wrong. Nothing is stored.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RiskgridError } from '../errors.js';
import type { MarginResult } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { EngineCache } from './engines.js';
import { HttpError } from './http-errors.js';
import { MarginResultSchema } from './margin-response.js';
import { guardMargin } from './market.js';
import type { ServiceState } from './state.js';
import { parseMarketCached } from './market-cache.js';
import { timeMarginCompute } from './metrics.js';

export const SimulateBody = Type.Object(
  {
    profile: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'built-in profile name, e.g. derive-pmrm2.test' }),
    account: Type.Record(Type.String(), Type.Unknown(), { description: 'account_id, pool, positions (a list or a map instrument → size), balances' }),
    market: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "market snapshot JSON (docs/DESIGN.md); default: the service's latest accepted snapshot" })),
  },
  { additionalProperties: false },
);

/** `state`: the stateful service's, whose latest snapshot a body without `market` is margined on. */
export function registerSimulate(app: FastifyInstance, engines: EngineCache, state?: ServiceState): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/v1/margin/simulate', { schema: { body: SimulateBody, response: { 200: MarginResultSchema } } }, async (req, reply) => {
    const engine = engines.get(req.body.profile);
    let snap: MarketSnapshot;
    let guarded = {};
    if (req.body.market !== undefined) {
      try {
        snap = parseMarketCached(engine, req.body.market);
      } catch (e) {
        throw inBody(e, 'market');
      }
    } else if (state !== undefined) {
      snap = await state.latestMarket();
      guarded = guardMargin(state.guard, engine, snap);
    } else {
      throw new HttpError(400, 'RG_ERR_MISSING_MARKET_DATA', 'no market in the body, and this server (without a store) holds no snapshot: send `market`', 'market', null);
    }
    const account = engine.parseAccount(req.body.account, 'account');
    let result: MarginResult;
    try {
      result = timeMarginCompute(engine.profile.methodology, () => engine.margin(account, snap));
    } catch (e) {
      throw marketDataInBody(e);
    }
    // Written with JSON.stringify rather than by the response schema's serializer: its generic walk
    // of the loose objects cost a quarter of the CPU of a simulate (bench/service.js; as whatif.ts).
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ ...result, computed_at: new Date().toISOString(), ...guarded }));
  });
}

const SNAPSHOT_ROOTS = new Set(['snapshot_id', 'timestamp', 'underlyings', 'stablecoin', 'collateral']);

/** A market-data failure whose field is a snapshot path (`underlyings.ETH.expiries.25DEC26`) names it under `market`. */
function marketDataInBody(e: unknown): unknown {
  if (!(e instanceof RiskgridError) || (e.code !== 'RG_ERR_MISSING_MARKET_DATA' && e.code !== 'RG_ERR_STALE_MARKET_DATA')) return e;
  const root = e.field?.split(/[.[]/, 1)[0];
  return root !== undefined && SNAPSHOT_ROOTS.has(root) ? inBody(e, 'market') : e;
}

/** The snapshot parser names fields from the snapshot's root; in the body they sit under `market`. */
function inBody(e: unknown, key: string): unknown {
  if (!(e instanceof RiskgridError)) return e;
  const field = e.field === undefined || e.field === '' ? key : `${key}.${e.field}`;
  return new RiskgridError(e.code, e.message, { field, value: e.value, cause: e });
}
