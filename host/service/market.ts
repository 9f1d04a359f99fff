// POST /v1/market (admin): market data through the guard (host/market/guard.ts). Bad data is a 400
// with the RG_ERR code and the field path under `market`; a price move beyond the band is held as
// suspect (202, audited with the snapshot, not the latest) until a second source confirms it;
// anything else is stored and becomes the latest (201). Bodies: a bare snapshot (its source is the
// API key), `{ source, snapshot }`, or `{ snapshot_id, sources: { name: snapshot, … } }` (median).
// GET /v1/market/latest (read): the latest snapshot as stored, plus `guard`: degraded or not, now.
// guardMargin(): what every margin on the latest market carries — `degraded: { reasons }` when the
// data is degraded, or 503 RG_ERR_MARKET_DEGRADED where the profile's market_data says reject.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RiskgridError, type ErrorCode } from '../errors.js';
import type { Engine } from '../margin/engine.js';
import { DEFAULT_MARKET_DATA_POLICY, ingestInputOf, type GuardReason, type MarketDataPolicy, type MarketGuard, type RejectReason } from '../market/guard.js';
import { snapshotToJson } from '../market/snapshot-json.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot } from '../market/validate.js';
import type { AuditEntry } from '../store/store.js';
import { authenticate, requireScope } from './auth.js';
import { HttpError } from './http-errors.js';
import type { ServiceState } from './state.js';

/** The policy a margin under `engine` is judged by: its profile's market_data, else the defaults. */
export function policyOf(engine: Engine): MarketDataPolicy {
  return engine.profile.market_data ?? DEFAULT_MARKET_DATA_POLICY;
}

/**
 * The `degraded` field of a margin response on `market` under `engine`'s profile: `{}` when the
 * data is sound, `{ degraded: { reasons } }` when not, or a 503 when the profile says reject.
 */
export function guardMargin(guard: MarketGuard, engine: Engine, market: MarketSnapshot, now = Date.now()): { degraded?: { reasons: GuardReason[] } } {
  // A snapshot the guard never saw (seeded into the store, or stored before a restart) is adopted
  // as the accepted one, so later ingests are banded against it.
  if (guard.latest === undefined) guard.adopt(market, now);
  const policy = policyOf(engine);
  const st = guard.status(now, policy, market);
  if (!st.degraded) return {};
  if (policy.on_degraded === 'reject') {
    const first = st.reasons[0]!;
    const more = st.reasons.length > 1 ? ` (and ${st.reasons.length - 1} more)` : '';
    throw new HttpError(503, 'RG_ERR_MARKET_DEGRADED', `market data is degraded and profile ${engine.profile.name} rejects margins on it: ${first.code} ${first.feed}: ${first.detail}${more}`, 'market', { reasons: st.reasons });
  }
  return { degraded: { reasons: st.reasons } };
}

/** The ingest policy: the `default` pool's profile's market_data (the venue's own), else the defaults. */
async function ingestPolicy(state: ServiceState): Promise<MarketDataPolicy> {
  if ((await state.store.getPool('default')) === undefined) return DEFAULT_MARKET_DATA_POLICY;
  try {
    return policyOf(await state.engineForPool('default'));
  } catch {
    return DEFAULT_MARKET_DATA_POLICY;
  }
}

/** The first reason as the HTTP error (field under `market`), the rest counted in the message. */
function rejection(reasons: readonly RejectReason[], prefix: string): RiskgridError {
  const r = reasons[0]!;
  const field = r.field === '' ? prefix : `${prefix}.${r.field}`;
  const more = reasons.length > 1 ? `; and ${reasons.length - 1} more: ${reasons.slice(1).map((x) => x.field).join(', ')}` : '';
  return new RiskgridError(r.code as ErrorCode, `market: ${r.detail}${more}`, { field, value: r.value });
}

export function registerMarket(app: FastifyInstance, state: ServiceState): void {
  const { store, guard } = state;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post('/v1/market', { schema: { body: Type.Record(Type.String(), Type.Unknown(), { description: 'a market snapshot (docs/FORMATS.md), { source, snapshot }, or { snapshot_id, sources: { name: snapshot } }' }) } }, async (req, reply) => {
    const key = await authenticate(store, req);
    requireScope(key, 'admin');
    const now = Date.now();
    const input = ingestInputOf(req.body, key.id);
    const prefix = 'snapshot' in req.body ? 'market.snapshot' : 'market';
    if ('rejected' in input) throw rejection(input.rejected, 'market');
    if (guard.latest === undefined) {
      const rec = await store.latestSnapshot();
      if (rec !== undefined) guard.adopt(parseMarketSnapshot(rec.json, { now: false }), now);
    }
    guard.policy = await ingestPolicy(state);
    const decision = guard.assess(input, now);
    const o = decision.outcome;
    if (o.status === 'rejected') throw rejection(o.reasons, 'sources' in input ? 'market' : prefix);
    const snap = o.snapshot;
    const json = snapshotToJson(snap);
    if (o.status === 'suspect') {
      // Held, not stored as a snapshot: the audit row keeps it whole (enough to replay the decision).
      await store.appendAudit({ kind: 'market_suspect', account_id: null, data: { snapshot_id: snap.id, timestamp: snap.timestamp, sources: [...o.sources], key_id: key.id, reasons: o.reasons.map((m) => ({ ...m })), snapshot: json } });
      guard.apply(decision);
      return reply.code(202).send({ status: 'suspect', snapshot_id: snap.id, timestamp: snap.timestamp, sources: o.sources, reasons: o.reasons, guard: guard.status(now) });
    }
    // Stored normalised, so what margins read back is exactly what was validated, with the audit
    // rows of the ingest in the same transaction (one fsync); the guard commits only once the store
    // has it (a duplicate id leaves both as they were).
    const audit: AuditEntry[] = [{ kind: 'market_ingested', account_id: null, data: { snapshot_id: snap.id, timestamp: snap.timestamp, key_id: key.id, sources: [...o.sources], degraded: o.degraded.length } }];
    if (o.confirmed !== undefined) {
      audit.push({ kind: 'market_confirmed', account_id: null, data: { snapshot_id: snap.id, suspect_id: o.confirmed.suspect_id, by: [...o.confirmed.by], moves: o.confirmed.moves.map((m) => ({ ...m })) } });
    } else if (o.dropped_suspect !== undefined) {
      audit.push({ kind: 'market_suspect_dropped', account_id: null, data: { suspect_id: o.dropped_suspect, snapshot_id: snap.id } });
    }
    await store.putSnapshot({ id: snap.id, timestamp: snap.timestamp, json }, audit);
    guard.apply(decision);
    await state.marketIngested(snap); // the latest now; the live book re-margins on it
    return reply.code(201).send({
      status: 'accepted', snapshot_id: snap.id, timestamp: snap.timestamp, underlyings: [...snap.underlyings.keys()], sources: o.sources,
      ...(o.confirmed === undefined ? {} : { confirmed: o.confirmed }), guard: guard.status(now),
    });
  });

  r.get('/v1/market/latest', async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'read');
    const rec = await store.latestSnapshot();
    if (rec === undefined) throw new HttpError(404, 'RG_ERR_MISSING_MARKET_DATA', 'no market snapshot yet', 'market', null);
    const now = Date.now();
    const policy = await ingestPolicy(state);
    // The store's latest may have come another way (the demo seed, a restart): judge what is served.
    const snap = guard.latest?.id === rec.id ? undefined : parseMarketSnapshot(rec.json, { now: false });
    if (snap !== undefined && guard.latest === undefined) guard.adopt(snap, now);
    return { ...rec.json, guard: guard.status(now, policy, snap) };
  });
}
