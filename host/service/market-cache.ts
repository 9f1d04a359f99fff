// Parsed market snapshots by content, for POST /v1/margin/simulate: a client sends the same market
// with every account it simulates, and a new MarketSnapshot object also costs the engine its
// per-snapshot preparation (the derive-pmrm2 fast path builds instrument columns and scenario
// tables once per snapshot object). With this cache a 50-option simulate took 0.7–0.8 ms of server
// CPU instead of 1.3–1.4 ms (bench/service.js).
//   - keyed by the exact JSON text of the market (JSON.stringify of the body's `market`; not by
//     snapshot_id: two different markets under one id must not share a result), one cache per engine;
//   - only successful parses are kept (a bad market fails every time, with its error);
//   - at most MAX entries per engine, least recently used dropped first.
import type { Engine } from '../margin/engine.js';
import type { MarketSnapshot } from '../market/snapshot.js';

const MAX = 8; // each entry keeps its snapshot (and the engine's per-snapshot tables) alive
const caches = new WeakMap<Engine, Map<string, MarketSnapshot>>();

/** `key`: the market's JSON text. */
export function parseMarketCached(engine: Engine, key: string): MarketSnapshot {
  let cache = caches.get(engine);
  if (cache === undefined) caches.set(engine, (cache = new Map()));
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Map keeps insertion order: re-inserting marks it most recently used.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const snap = engine.parseMarket(JSON.parse(key) as Record<string, unknown>);
  if (cache.size >= MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, snap);
  return snap;
}
