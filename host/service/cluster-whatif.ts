// POST /v1/margin/whatif when margins come from a MarginBackend (cluster-backend.ts): the same
// body, query, scopes and response schema as the local route (whatif.ts), answered by the backend
// (the account's owning node), plus `node`: which node answered.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authenticate, requireAccount, requireScope } from './auth.js';
import { WhatIfResponseSchema } from './margin-response.js';
import type { MarginBackend, ServiceState } from './state.js';
import { WhatIfBody, WhatIfQuery } from './whatif.js';

export function registerBackendWhatIf(app: FastifyInstance, state: ServiceState, backend: MarginBackend): void {
  app.withTypeProvider<TypeBoxTypeProvider>().post('/v1/margin/whatif', { schema: { body: WhatIfBody, querystring: WhatIfQuery, response: { 200: WhatIfResponseSchema } } }, async (req) => {
    const key = await authenticate(state.store, req);
    requireScope(key, 'simulate');
    requireAccount(key, req.body.account_id);
    // The live book's entry (404 as locally); the backend margins the version it holds.
    await state.load(req.body.account_id);
    return backend.whatIf(state.book.get(req.body.account_id)!, req.body.trades, { full: req.query.detail === 'full' });
  });
}
