// API keys: `Authorization: Bearer <secret>`. Only sha256(secret) is stored or compared; the
// secret never reaches a log (server.ts redacts the header). A key carries scopes and the list of
// accounts it may touch; per-account checks never consult scopes, so even an admin key cannot
// read an account outside its list (operators get `*`).
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { sha256Hex } from '../store/audit-chain.js';
import type { ApiKeyRecord, Scope, Store } from '../store/store.js';
import { HttpError } from './http-errors.js';

export function hashSecret(secret: string): string {
  return sha256Hex(secret);
}

// sha256 of a bearer token, once per distinct token: the rate limiter and the key lookup both need
// it on every request, and a client sends the same token thousands of times a second. An LRU of
// at most TOKEN_HASHES entries (a Map in insertion order, a hit moved to the end), in memory only:
// the raw tokens here are the ones the request headers already hold, and nothing logs this map.
// A spray of made-up tokens only evicts; a real client's token is hashed again at worst.
const TOKEN_HASHES = 4096;
const tokenHashes = new Map<string, string>();

/** How many token hashes the LRU holds (tests check the bound). */
export function tokenHashCacheSize(): number {
  return tokenHashes.size;
}

// The last token seen: the rate limiter and the key lookup ask for the same one back to back,
// and a busy client repeats it; a string compare is cheaper than the LRU's get + move.
let lastToken: string | undefined;
let lastHash = '';

/** sha256Hex(token), from the LRU when this token was seen recently. */
export function tokenHash(token: string): string {
  if (token === lastToken) return lastHash;
  let h = tokenHashes.get(token);
  if (h !== undefined) {
    tokenHashes.delete(token); // to the most recent end
  } else {
    h = sha256Hex(token);
    if (tokenHashes.size >= TOKEN_HASHES) tokenHashes.delete(tokenHashes.keys().next().value!);
  }
  tokenHashes.set(token, h);
  lastToken = token;
  lastHash = h;
  return h;
}

/** A new key: the secret (shown once, to its owner) and the record to store. */
export function newApiKey(scopes: Scope[], accountIds: string[]): { secret: string; record: ApiKeyRecord } {
  const id = `key_${randomBytes(6).toString('hex')}`;
  const secret = `rg_${randomBytes(24).toString('base64url')}`;
  return { secret, record: { id, secret_hash: hashSecret(secret), scopes: [...scopes], account_ids: [...accountIds] } };
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{8,256})$/;

const seen = new WeakMap<FastifyRequest, ApiKeyRecord>();

/** The key of this request, or 401 (looked up once per request: the onRequest hook, then handlers). */
export async function authenticate(store: Store, req: FastifyRequest): Promise<ApiKeyRecord> {
  const hit = seen.get(req);
  if (hit !== undefined) return hit;
  const key = await lookup(store, req);
  seen.set(req, key);
  return key;
}

async function lookup(store: Store, req: FastifyRequest): Promise<ApiKeyRecord> {
  const h = req.headers.authorization;
  if (h === undefined) throw new HttpError(401, 'RG_HTTP_UNAUTHORIZED', 'missing Authorization: Bearer <api key>', 'authorization', null);
  const m = BEARER.exec(h);
  // The value is never echoed back: it may be a real secret in the wrong format.
  if (m === null) throw new HttpError(401, 'RG_HTTP_UNAUTHORIZED', 'Authorization must be "Bearer <api key>"', 'authorization', null);
  const key = await store.getApiKeyByHash(tokenHash(m[1]!));
  if (key === undefined) throw new HttpError(401, 'RG_HTTP_UNAUTHORIZED', 'unknown API key', 'authorization', null);
  return key;
}

export function requireScope(key: ApiKeyRecord, scope: Scope): void {
  if (!key.scopes.includes(scope)) throw new HttpError(403, 'RG_HTTP_FORBIDDEN', `API key ${key.id} lacks the "${scope}" scope`, 'scope', scope);
}

export function canTouch(key: ApiKeyRecord, accountId: string): boolean {
  return key.account_ids.includes('*') || key.account_ids.includes(accountId);
}

/**
 * 404 (not 403) for an account outside the key: a key must not learn which other accounts exist.
 */
export function requireAccount(key: ApiKeyRecord, accountId: string): void {
  if (!canTouch(key, accountId)) throw new HttpError(404, 'RG_HTTP_NOT_FOUND', `no account ${accountId}`, 'account_id', accountId);
}
