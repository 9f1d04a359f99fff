// POST /v1/margin/whatif — a stored account plus trades: margin before, the change, and after,
// on the latest market. Accepted when the account still meets initial margin afterwards, or when
// the trades do not raise the requirement (a risk-reducing trade is never refused).
// Needs `simulate` and the account in the key. Nothing is stored: it is a question, not a trade.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { WhatIfResult } from '../margin/result.js';
import { authenticate, requireAccount, requireScope } from './auth.js';
import type { ServiceState } from './state.js';

export const WhatIfBody = Type.Object(
  {
    account_id: Type.String({ minLength: 1, maxLength: 128 }),
    trades: Type.Union([Type.Array(Type.Unknown()), Type.Record(Type.String(), Type.Unknown())], { description: 'a list of { instrument, size } or a map instrument → size' }),
  },
  { additionalProperties: false },
);

export function acceptance(w: WhatIfResult): { accepted: boolean; reject_reason: string | null } {
  if (w.after.im_excess >= 0) return { accepted: true, reject_reason: null };
  if (w.change.initial_margin <= 0) return { accepted: true, reject_reason: null };
  return {
    accepted: false,
    reject_reason: `insufficient initial margin: after the trades im_excess would be ${w.after.im_excess} ${w.after.margin_currency} (initial_margin ${w.after.initial_margin}, equity ${w.after.equity})`,
  };
}

export function registerWhatIf(app: FastifyInstance, state: ServiceState): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/v1/margin/whatif', { schema: { body: WhatIfBody } }, async (req) => {
    const key = await authenticate(state.store, req);
    requireScope(key, 'simulate');
    requireAccount(key, req.body.account_id);
    const { engine, account } = await state.load(req.body.account_id);
    const market = await state.latestMarket();
    const w = engine.whatIf(account, market, req.body.trades);
    const computed_at = new Date().toISOString();
    const { profile_hash, market_snapshot_id, engine_version } = w.after;
    return { account_id: account.id, ...acceptance(w), profile_hash, market_snapshot_id, engine_version, computed_at, before: w.before, change: w.change, after: w.after };
  });
}
