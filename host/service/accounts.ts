// Stored accounts: create, summary (latest margin on the latest market), replace or merge
// positions, replace balances, list by status. Every route authenticates; reading needs `read`,
// changing needs `trade`, and the key must list the account (else 404, as if it did not exist).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { accountToJson } from '../model/account.js';
import { ACCOUNT_STATUSES, type AccountRecord, type AccountStatus } from '../store/store.js';
import { authenticate, canTouch, requireAccount, requireScope } from './auth.js';
import { HttpError } from './http-errors.js';
import type { ServiceState } from './state.js';

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

  /** Validate through the pool's engine and store the normalised JSON; audited. */
  const save = async (id: string, pool: string, positions: unknown, balances: unknown, kind: string, status: AccountStatus): Promise<AccountRecord> => {
    const engine = await state.engineForPool(pool);
    const parsed = engine.parseAccount({ account_id: id, pool, positions, balances });
    const json = accountToJson(parsed, engine.conventions);
    const rec: AccountRecord = { id, pool, positions: json.positions, balances: json.balances, status, updated_at: new Date().toISOString() };
    await store.putAccount(rec);
    await store.appendAudit({ kind, account_id: id, data: { pool, positions: rec.positions.length, balances: Object.keys(rec.balances).length } });
    return rec;
  };

  r.post('/v1/accounts', { schema: { body: CreateAccountBody } }, async (req, reply) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    const b = req.body;
    requireAccount(key, b.account_id);
    if ((await store.getAccount(b.account_id)) !== undefined) throw new HttpError(409, 'RG_ERR_INVALID_INPUT', `account ${b.account_id} already exists`, 'account_id', b.account_id);
    const rec = await save(b.account_id, b.pool ?? 'default', b.positions ?? [], b.balances ?? {}, 'account_created', 'unknown');
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
    const { rec } = await state.load(req.params.id);
    return accountBody(await save(rec.id, rec.pool, req.body.positions, rec.balances, 'positions_replaced', rec.status));
  });

  r.patch('/v1/accounts/:id/positions', { schema: { params: Params, body: Type.Object({ positions: Positions }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    requireAccount(key, req.params.id);
    const { rec, engine, account } = await state.load(req.params.id);
    // Merge by instrument: a patched instrument's size replaces every stored entry of it; size 0 removes it.
    const patch = accountToJson(engine.parseAccount({ account_id: rec.id, pool: rec.pool, positions: req.body.positions, balances: {} }, 'body'), engine.conventions).positions;
    const keyOf = (p: { instrument: unknown }): string => JSON.stringify(p.instrument);
    const patched = new Set(patch.map(keyOf));
    const kept = accountToJson(account, engine.conventions).positions.filter((p) => !patched.has(keyOf(p)));
    const merged = [...kept, ...patch.filter((p) => p.size !== 0)];
    return accountBody(await save(rec.id, rec.pool, merged, rec.balances, 'positions_patched', rec.status));
  });

  r.put('/v1/accounts/:id/balances', { schema: { params: Params, body: Type.Object({ balances: Balances }, { additionalProperties: false }) } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'trade');
    requireAccount(key, req.params.id);
    const { rec } = await state.load(req.params.id);
    return accountBody(await save(rec.id, rec.pool, rec.positions, req.body.balances, 'balances_replaced', rec.status));
  });
}

function accountBody(a: AccountRecord): Record<string, unknown> {
  return { account_id: a.id, pool: a.pool, positions: a.positions, balances: a.balances, status: a.status, updated_at: a.updated_at };
}
