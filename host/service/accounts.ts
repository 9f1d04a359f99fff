// Stored accounts: create, summary (latest margin on the latest market), replace or merge
// positions, replace balances, list by status. Every route authenticates; reading needs `read`,
// changing needs `trade`, and the key must list the account (else 404, as if it did not exist).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accountToJson } from '../model/account.js';
import { ACCOUNT_STATUSES, type AccountRecord } from '../store/store.js';
import { authenticate, canTouch, requireAccount, requireScope } from './auth.js';
import { loaded, type ServiceState } from './state.js';

const ID = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' });
const Positions = Type.Union([Type.Array(Type.Unknown()), Type.Record(Type.String(), Type.Unknown())], { description: 'a list of { instrument, size } or a map instrument → size' });
const Balances = Type.Record(Type.String(), Type.Unknown(), { description: 'amount per asset code' });
const Params = Type.Object({ id: ID });

export const CreateAccountBody = Type.Object(
  { account_id: ID, pool: Type.Optional(ID), positions: Type.Optional(Positions), balances: Type.Optional(Balances) },
  { additionalProperties: false },
);

export function registerAccounts(app: FastifyInstance, state: ServiceState): void {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = state;

  r.post('/v1/accounts', { schema: { body: CreateAccountBody } }, async (req, reply) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    const b = req.body;
    requireAccount(key, b.account_id);
    // Writes go through the live book (state.ts): one at a time per account, durable, then re-margined.
    const rec = await state.writeAccount(b.account_id, 'account_created', () => ({ pool: b.pool ?? 'default', positions: b.positions ?? [], balances: b.balances ?? {} }), { create: true });
    return reply.code(201).send(accountBody(rec));
  });

  r.get('/v1/accounts/:id', { schema: { params: Params } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'read');
    requireAccount(key, req.params.id);
    const { rec, result } = await state.marginOf(req.params.id);
    return { ...accountBody(rec), margin: result };
  });

  r.get('/v1/accounts', { schema: { querystring: Type.Object({ status: Type.Optional(Type.Union(ACCOUNT_STATUSES.map((s) => Type.Literal(s)))) }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'read');
    const all = await store.listAccounts(req.query.status === undefined ? {} : { status: req.query.status });
    return { accounts: all.filter((a) => canTouch(key, a.id)).map(accountBody) };
  });

  r.put('/v1/accounts/:id/positions', { schema: { params: Params, body: Type.Object({ positions: Positions }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    requireAccount(key, req.params.id);
    return accountBody(await state.writeAccount(req.params.id, 'positions_replaced', (cur) => ({ pool: cur!.rec.pool, positions: req.body.positions, balances: cur!.rec.balances })));
  });

  r.patch('/v1/accounts/:id/positions', { schema: { params: Params, body: Type.Object({ positions: Positions }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    requireAccount(key, req.params.id);
    // Read-modify-write under the account's write lock: two concurrent patches both apply.
    const rec = await state.writeAccount(req.params.id, 'positions_patched', (cur) => {
      const { rec, engine, account } = loaded(cur!);
      // Merge by instrument: a patched instrument's size replaces every stored entry of it; size 0 removes it.
      const patch = accountToJson(engine.parseAccount({ account_id: rec.id, pool: rec.pool, positions: req.body.positions, balances: {} }, 'body'), engine.conventions).positions;
      const keyOf = (p: { instrument: unknown }): string => JSON.stringify(p.instrument);
      const patched = new Set(patch.map(keyOf));
      const kept = accountToJson(account, engine.conventions).positions.filter((p) => !patched.has(keyOf(p)));
      return { pool: rec.pool, positions: [...kept, ...patch.filter((p) => p.size !== 0)], balances: rec.balances };
    });
    return accountBody(rec);
  });

  r.put('/v1/accounts/:id/balances', { schema: { params: Params, body: Type.Object({ balances: Balances }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    requireAccount(key, req.params.id);
    return accountBody(await state.writeAccount(req.params.id, 'balances_replaced', (cur) => ({ pool: cur!.rec.pool, positions: cur!.rec.positions, balances: req.body.balances })));
  });
}

function accountBody(a: AccountRecord): Record<string, unknown> {
  return { account_id: a.id, pool: a.pool, positions: a.positions, balances: a.balances, status: a.status, updated_at: a.updated_at };
}
