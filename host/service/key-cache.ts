// API-key lookups from memory: every request authenticates, and a store round trip (a prepared
// SQLite query, or a PostgreSQL query over the network) per request is most of a what-if's
// non-engine time. Keyed by sha256(secret), as stored, so the cache never holds a secret.
//   - only found keys are cached (random bearer tokens cannot fill memory), at most MAX of them;
//   - any key write through this store (putApiKey, and any later *ApiKey* mutation) clears it;
//   - an entry lives at most ttlMs, which bounds how long a key changed by ANOTHER process (a
//     second service on the same PostgreSQL) is still honoured here.
import type { ApiKeyRecord, Store } from '../store/store.js';

const MAX = 10_000;

export function withKeyCache(store: Store, ttlMs = 5_000): Store {
  const cache = new Map<string, { key: ApiKeyRecord; until: number }>();
  const lookup = async (secretHash: string): Promise<ApiKeyRecord | undefined> => {
    const now = Date.now();
    const hit = cache.get(secretHash);
    if (hit !== undefined && hit.until > now) return hit.key;
    const key = await store.getApiKeyByHash(secretHash);
    if (key === undefined) {
      cache.delete(secretHash);
      return undefined;
    }
    if (cache.size >= MAX) cache.clear();
    cache.set(secretHash, { key, until: now + ttlMs });
    return key;
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'getApiKeyByHash') return lookup;
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      if (typeof prop === 'string' && /ApiKey/.test(prop)) {
        return async (...args: unknown[]) => {
          cache.clear();
          try {
            return await (v as (...a: unknown[]) => unknown).apply(target, args);
          } finally {
            cache.clear(); // a lookup racing the write must not keep the old record
          }
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
