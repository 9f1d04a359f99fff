// POST /v1/margin/whatif — a stored account plus trades: margin before, the change, and after,
// on the latest market. Accepted when the account still meets initial margin afterwards, or when
// the trades do not raise the requirement (a risk-reducing trade is never refused).
// Needs `simulate` and the account in the key. Nothing is stored: it is a question, not a trade.
// On a cluster (state.backend) the account's owning node computes it, and the answer names the `node`.
//
// The answer is a summary by default: before and after carry the requirements, equity, excesses,
// breakdown and worst scenario — what a pre-trade check decides on. The per-scenario P&L, the
// scenario list (the same for every answer under a profile) and the greeks are behind
// `?detail=full`: they are ~94 % of the bytes (34 KB → 2 KB for a 50-option account), and with
// the per-position greeks (computed on first read) they took two thirds of the server's CPU per
// request at load (bench/service.js --detail full: ~740 µs against ~250 µs for the summary) — on
// an endpoint meant to answer thousands of times a second.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Engine } from '../margin/engine.js';
import type { MarginResult, WhatIfResult } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import { parsePositions } from '../model/validate.js';
import { authenticate, requireAccount, requireScope } from './auth.js';
import { WhatIfResponseSchema } from './margin-response.js';
import { guardMargin } from './market.js';
import { statusOf } from './margin-status.js';
import type { BookEntry } from './live-book.js';
import type { ServiceState } from './state.js';

export const WhatIfBody = Type.Object(
  {
    account_id: Type.String({ minLength: 1, maxLength: 128 }),
    trades: Type.Union([Type.Array(Type.Unknown()), Type.Record(Type.String(), Type.Unknown())], { description: 'a list of { instrument, size } or a map instrument → size' }),
  },
  { additionalProperties: false },
);

export const WhatIfQuery = Type.Object(
  { detail: Type.Optional(Type.Union([Type.Literal('summary'), Type.Literal('full')], { description: 'summary (default) or full: before and after as complete margin results (adds scenario_pnl, scenarios, greeks)' })) },
  { additionalProperties: false },
);

/** The decision-relevant part of a margin result (see the header). */
export function marginSummary(r: MarginResult): Record<string, unknown> {
  return {
    initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, equity: r.equity, im_excess: r.im_excess, mm_excess: r.mm_excess,
    margin_currency: r.margin_currency, status: statusOf(r), breakdown: r.breakdown, worst_scenario: r.worst_scenario,
  };
}

/**
 * `before` is the stored account on the latest snapshot: between a write and the next snapshot every
 * what-if on the account asks for the same margin. A frozen account (the live book's, one object
 * per stored version) on the same snapshot object under the same engine margins the same, so it is
 * computed once and only `after` per request. One snapshot at a time: a new one drops every entry
 * (an entry keeps its snapshot alive), and accounts are held weakly (a replaced version drops out).
 * `known`: the live book's margin of this account version on this snapshot, when it has one — the
 * same computation (marginBatch with collateral lines, as whatIf), so after a snapshot the book's
 * re-margin, not the account's first what-if, pays for `before`.
 */
let current: { market: MarketSnapshot; befores: WeakMap<Account, { engine: Engine; result: MarginResult }> } | undefined;

export function whatIfReusingBefore(engine: Engine, account: Account, market: MarketSnapshot, trades: unknown, known?: MarginResult): WhatIfResult {
  if (current?.market !== market) current = { market, befores: new WeakMap() };
  let hit = current.befores.get(account);
  if (hit?.engine !== engine) hit = undefined;
  if (hit === undefined && known !== undefined && Object.isFrozen(account)) current.befores.set(account, (hit = { engine, result: known }));
  if (hit === undefined) {
    const w = engine.whatIf(account, market, trades);
    // Only a frozen account (as parseAccount returns it): the book keeps one per stored version
    // and never edits one in place, so the same object means the same positions.
    if (Object.isFrozen(account)) current.befores.set(account, { engine, result: w.before });
    return w;
  }
  // As engine.whatIf composes it: the stored positions, then the trades.
  const added = parsePositions(trades, engine.conventions, 'trades');
  const after = engine.margin({ ...account, positions: [...account.positions, ...added] }, market);
  const b = hit.result;
  return {
    before: b,
    after,
    change: {
      initial_margin: after.initial_margin - b.initial_margin,
      maintenance_margin: after.maintenance_margin - b.maintenance_margin,
      equity: after.equity - b.equity,
      im_excess: after.im_excess - b.im_excess,
      mm_excess: after.mm_excess - b.mm_excess,
    },
  };
}

/**
 * JSON of marginSummary(r) for a `before` result: the same object answers every what-if on the
 * account until its next write or snapshot, so its JSON is written once. Weak: it goes with it.
 */
const summaryJson = new WeakMap<MarginResult, string>();
function beforeSummaryJson(r: MarginResult): string {
  let json = summaryJson.get(r);
  if (json === undefined) summaryJson.set(r, (json = JSON.stringify(marginSummary(r))));
  return json;
}

/**
 * The summary answer: JSON.stringify({ ...head, detail: 'summary', change, after, before }) with
 * `after` and `before` as marginSummary, byte for byte. It is written here, not by the response
 * schema's serializer, whose generic walk of the loose breakdown objects was a quarter of the
 * server's CPU per request at load; `before` is written once per account and snapshot
 * (beforeSummaryJson). The parts are joined as text: one JSON.stringify of the spread object made
 * V8 promote ~1 KB of every what-if to the old generation (300 KB per young GC at 5,000 req/s, a
 * mark-compact every ~2 s); stringified apart, nothing is promoted.
 */
export function whatIfSummaryJson(head: Record<string, unknown>, w: WhatIfResult): string {
  const h = JSON.stringify(head);
  return `${h.slice(0, -1)},"detail":"summary","change":${JSON.stringify(w.change)},"after":${JSON.stringify(marginSummary(w.after))},"before":${beforeSummaryJson(w.before)}}`;
}

export function acceptance(w: WhatIfResult): { accepted: boolean; reject_reason: string | null } {
  if (w.after.im_excess >= 0) return { accepted: true, reject_reason: null };
  if (w.change.initial_margin <= 0) return { accepted: true, reject_reason: null };
  return {
    accepted: false,
    reject_reason: `insufficient initial margin: after the trades im_excess would be ${w.after.im_excess} ${w.after.margin_currency} (initial_margin ${w.after.initial_margin}, equity ${w.after.equity})`,
  };
}

/** Margins from this process, or from state.backend (the account's owning node; the answer adds `node`). */
export function registerWhatIf(app: FastifyInstance, state: ServiceState): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/v1/margin/whatif', { schema: { body: WhatIfBody, querystring: WhatIfQuery, response: { 200: WhatIfResponseSchema } } }, async (req, reply) => {
    const key = await authenticate(state.store, req);
    requireScope(key, 'simulate');
    requireAccount(key, req.body.account_id);
    const { engine, account } = await state.load(req.body.account_id);
    const market = await state.latestMarket();
    const guarded = guardMargin(state.guard, engine, market);
    const backend = state.backend;
    const entry = state.book.get(account.id);
    const w: WhatIfResult & { node?: string } = backend === undefined ? whatIfReusingBefore(engine, account, market, req.body.trades, bookMargin(entry, engine, account, market)) : await backend.whatIf(entry!, market, req.body.trades);
    const computed_at = new Date().toISOString();
    const { profile_hash, market_snapshot_id, engine_version } = w.after;
    const head = { account_id: account.id, ...acceptance(w), profile: w.after.profile, profile_hash, market_snapshot_id, engine_version, computed_at, ...guarded, ...(w.node === undefined ? {} : { node: w.node }) };
    if (req.query.detail === 'full') return { ...head, detail: 'full', before: { ...w.before, status: statusOf(w.before) }, change: w.change, after: { ...w.after, status: statusOf(w.after) } };
    return reply.type('application/json; charset=utf-8').send(whatIfSummaryJson(head, w));
  });
}

/** The book's margin of this account version under this engine on `market`, if that is what the entry holds. */
function bookMargin(e: BookEntry | undefined, engine: Engine, account: Account, market: MarketSnapshot): MarginResult | undefined {
  const m = e?.margin;
  return e?.account === account && e.engine === engine && m?.ok === true && m.result.market_snapshot_id === market.id ? m.result : undefined;
}
