// Parsed market snapshots by content, for POST /v1/margin/simulate: a client sends the same market
// with every account it simulates, and a new MarketSnapshot object also costs the engine its
// per-snapshot preparation (the derive-pmrm2 fast path builds instrument columns and scenario
// tables once per snapshot object). With this cache a 50-option simulate took 0.7–0.8 ms of server
// CPU instead of 1.3–1.4 ms (bench/service.js).
//   - keyed by the exact JSON text of the market (the body's `market` as sent: simulate-body.ts; not
//     by snapshot_id: two different markets under one id must not share a result), one cache per
//     engine;
//   - only successful parses are kept (a bad market fails every time, with its error);
//   - at most MAX entries per engine, least recently used dropped first; a hit on the newest entry
//     (the usual case: one market for many accounts) leaves the Map alone. Moving it to the end on
//     every hit rehashed the long-lived Map's table every few requests, and V8 allocates the new
//     tables of an old Map in the old generation, each holding its keys (the request bodies).
import type { Engine } from '../margin/engine.js';
import type { MarketSnapshot } from '../market/snapshot.js';

const MAX = 8; // each entry keeps its snapshot (and the engine's per-snapshot tables) alive
const caches = new WeakMap<Engine, { map: Map<string, MarketSnapshot>; newest: string | undefined }>();

/** `key`: the market's JSON text. */
export function parseMarketCached(engine: Engine, key: string): MarketSnapshot {
  let cache = caches.get(engine);
  if (cache === undefined) caches.set(engine, (cache = { map: new Map(), newest: undefined }));
  const { map } = cache;
  const hit = map.get(key);
  if (hit !== undefined) {
    if (key === cache.newest) return hit;
    // Map keeps insertion order: re-inserting marks it most recently used.
    map.delete(key);
    map.set(key, hit);
    cache.newest = key;
    return hit;
  }
  const snap = engine.parseMarket(JSON.parse(key) as Record<string, unknown>);
  if (map.size >= MAX) map.delete(map.keys().next().value!);
  map.set(key, snap);
  cache.newest = key;
  return snap;
}
