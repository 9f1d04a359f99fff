// POST /v1/market (admin): validate a snapshot with parseMarketSnapshot — bad data is a 400 with
// the RG_ERR code and the field path under `market` — and store it; it becomes the latest.
// GET /v1/market/latest (read): the latest snapshot as stored.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RiskgridError } from '../errors.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { authenticate, requireScope } from './auth.js';
import { HttpError } from './http-errors.js';
import type { ServiceState } from './state.js';

export function registerMarket(app: FastifyInstance, state: ServiceState): void {
  const { store } = state;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/v1/market', { schema: { body: Type.Record(Type.String(), Type.Unknown(), { description: 'market snapshot JSON (docs/DESIGN.md)' }) } }, async (req, reply) => {
    const key = await authenticate(store, req);
    requireScope(key, 'admin');
    let snap;
    try {
      snap = parseMarketSnapshot(req.body);
    } catch (e) {
      if (e instanceof RiskgridError) throw new RiskgridError(e.code, `market: ${e.message}`, { field: e.field === undefined || e.field === '' ? 'market' : `market.${e.field}`, value: e.value, cause: e });
      throw e;
    }
    // Stored normalised, so what margins read back is exactly what was validated.
    await store.putSnapshot({ id: snap.id, timestamp: snap.timestamp, json: snapshotToJson(snap) });
    await store.appendAudit({ kind: 'market_ingested', account_id: null, data: { snapshot_id: snap.id, timestamp: snap.timestamp, key_id: key.id } });
    return reply.code(201).send({ snapshot_id: snap.id, timestamp: snap.timestamp, underlyings: [...snap.underlyings.keys()] });
  });

  r.get('/v1/market/latest', async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'read');
    const rec = await store.latestSnapshot();
    if (rec === undefined) throw new HttpError(404, 'RG_ERR_MISSING_MARKET_DATA', 'no market snapshot yet', 'market', null);
    return rec.json;
  });
}
