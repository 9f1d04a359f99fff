// GET /v1/profiles (read): stored profiles (latest version of each) with the pools that use them,
// and the built-in names. PUT /v1/profiles (admin): store a profile — validated by parseProfile,
// versioned by content hash — and optionally point pools at it. A pool may also name a
// built-in profile ({ profile: "derive-pmrm2.test", pools: [...] }).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { registerBuiltinMethodologies } from '../margin/builtin.js';
import { listProfiles, parseProfile } from '../profiles/registry.js';
import { authenticate, requireScope } from './auth.js';
import type { ServiceState } from './state.js';

const PoolName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' });

export const PutProfileBody = Type.Object(
  {
    profile: Type.Union([Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'a built-in profile name' }), Type.Record(Type.String(), Type.Unknown(), { description: 'a profile object' })]),
    pools: Type.Optional(Type.Array(PoolName, { maxItems: 256 })),
  },
  { additionalProperties: false },
);

export function registerProfiles(app: FastifyInstance, state: ServiceState): void {
  // A profile is checked against its methodology: on a fresh service none may be registered yet.
  registerBuiltinMethodologies();
  const { store } = state;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  // The built-in profiles ship with the package: listed once, not from the directory per request.
  const builtin = listProfiles();

  r.get('/v1/profiles', async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'read');
    const stored = await store.listProfiles();
    return { profiles: stored.map((p) => ({ name: p.name, version: p.version, profile_hash: p.hash, profile: p.json })), builtin };
  });

  r.put('/v1/profiles', { schema: { body: PutProfileBody } }, async (req) => {
    const key = await authenticate(store, req);
    requireScope(key, 'admin');
    let name: string;
    let out: Record<string, unknown>;
    if (typeof req.body.profile === 'string') {
      const engine = state.builtins.get(req.body.profile); // 404 for an unknown name
      name = req.body.profile;
      out = { name, version: engine.profile.version, profile_hash: engine.profile.hash, builtin: true };
    } else {
      const p = parseProfile(req.body.profile, 'profile');
      await store.putProfile({ name: p.name, version: p.version, hash: p.hash, json: req.body.profile });
      name = p.name;
      out = { name, version: p.version, profile_hash: p.hash, builtin: false };
    }
    for (const pool of req.body.pools ?? []) await store.putPool(pool, name);
    await state.profilesChanged(); // the live book re-parses and re-margins accounts whose engine changed
    await store.appendAudit({ kind: 'profile_put', account_id: null, data: { ...out, pools: req.body.pools ?? [], key_id: key.id } });
    return { ...out, pools: req.body.pools ?? [] };
  });
}
