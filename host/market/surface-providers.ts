// The snapshot's two built-in surface kinds (docs/FORMATS.md, "Volatility surfaces"):
//   {"kind": "svi",  "k_min": -1, "k_max": 1, "t_min"?: 0.01,
//    "slices": [{"expiry": "27DEC26", "a": 0.01, "b": 0.05, "rho": -0.3, "m": 0, "sigma": 0.2}]}
//   {"kind": "grid", "t_min"?: 0.01,
//    "slices": [{"expiry": "27DEC26", "forward"?: 2010, "strikes": [1800, 2000], "vols": [0.6, 0.55]}]}
// `expiry` is a token (27DEC26) or UTC ms. A grid slice without `forward` uses the snapshot's
// forward for that expiry. Year fractions run from the snapshot time, so the surface answers for
// exactly the t the snapshot asks about. The reference is kept verbatim: it round-trips through
// snapshot-json and the venue engine sees a new surface as a change of that underlying alone.
import { RiskgridError } from '../errors.js';
import { parseExpiryToken } from '../model/expiry.js';
import type { JsonObject } from '../model/fields.js';
import { checkArbitrage, type ArbitrageReport } from './arbitrage.js';
import type { MarketSnapshot } from './snapshot.js';
import { GridSurface, type GridSliceInput } from './surface.js';
import { SviSurface, type SviSliceInput } from './svi.js';
import { registerSurfaceProvider, surfaceProvider, type SurfaceContext } from './vol-provider.js';

const SVI_KEYS = new Set(['kind', 'k_min', 'k_max', 't_min', 'slices']);
const GRID_KEYS = new Set(['kind', 't_min', 'slices']);
const SVI_SLICE = new Set(['expiry', 'a', 'b', 'rho', 'm', 'sigma']);
const GRID_SLICE = new Set(['expiry', 'forward', 'strikes', 'vols']);

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why}`, { field, value });
}

function only(o: JsonObject, keys: ReadonlySet<string>, path: string): void {
  for (const k in o) if (!keys.has(k)) bad(`${path}.${k}`, o[k], `unknown field "${k}"; allowed: ${[...keys].join(', ')}`);
}

function slicesOf(ref: JsonObject, path: string): JsonObject[] {
  const s = ref.slices;
  if (!Array.isArray(s) || s.length === 0) bad(`${path}.slices`, s, 'must be a non-empty array of expiry slices');
  return s.map((x, j) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) bad(`${path}.slices[${j}]`, x, 'must be an object');
    return x as JsonObject;
  });
}

function expiryMs(v: unknown, field: string): number {
  if (typeof v === 'string') {
    const e = parseExpiryToken(v);
    if (e === undefined) bad(field, v, 'is not an expiry token such as 27DEC26');
    return e;
  }
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return bad(field, v, 'must be an expiry token (27DEC26) or an integer UTC ms instant');
}

/** Errors raised while building name the snapshot field they come from. */
function rethrow(e: unknown, path: string): never {
  if (e instanceof RiskgridError && e.field !== undefined && !e.field.startsWith(path)) {
    throw new RiskgridError(e.code, `${path}.${e.field}: ${e.message}`, { field: `${path}.${e.field}`, value: e.value });
  }
  throw e;
}

function tMin(ref: JsonObject): { t_min?: number } {
  return ref.t_min === undefined ? {} : { t_min: ref.t_min as number };
}

export function buildSviSurface(ref: JsonObject, path: string, ctx: SurfaceContext): SviSurface {
  only(ref, SVI_KEYS, path);
  const slices: SviSliceInput[] = slicesOf(ref, path).map((s, j) => {
    only(s, SVI_SLICE, `${path}.slices[${j}]`);
    return { expiry_ms: expiryMs(s.expiry, `${path}.slices[${j}].expiry`), a: s.a as number, b: s.b as number, rho: s.rho as number, m: s.m as number, sigma: s.sigma as number };
  });
  try {
    return new SviSurface({ as_of_ms: ctx.asOfMs, slices, k_min: ref.k_min as number, k_max: ref.k_max as number, ...tMin(ref) });
  } catch (e) {
    return rethrow(e, path);
  }
}

export function buildGridSurface(ref: JsonObject, path: string, ctx: SurfaceContext): GridSurface {
  only(ref, GRID_KEYS, path);
  const slices: GridSliceInput[] = slicesOf(ref, path).map((s, j) => {
    const p = `${path}.slices[${j}]`;
    only(s, GRID_SLICE, p);
    const expiry_ms = expiryMs(s.expiry, `${p}.expiry`);
    const forward = s.forward ?? ctx.forward?.(expiry_ms);
    if (forward === undefined) bad(`${p}.forward`, undefined, 'no forward given and the snapshot has none for this expiry');
    return { expiry_ms, forward: forward as number, strikes: s.strikes as number[], vols: s.vols as number[] };
  });
  try {
    return new GridSurface({ as_of_ms: ctx.asOfMs, slices, ...tMin(ref) });
  } catch (e) {
    return rethrow(e, path);
  }
}

// parseMarketSnapshot's validate() builds the surface at the snapshot's time; the snapshot's first
// lookup reuses that build instead of building it twice (same reference object, same time).
const built = new WeakMap<JsonObject, { asOfMs: number; surface: SviSurface | GridSurface }>();

function cached<S extends SviSurface | GridSurface>(ref: JsonObject, path: string, ctx: SurfaceContext | undefined, make: (ref: JsonObject, path: string, ctx: SurfaceContext) => S, mode: 'validate' | 'validate-keep' | 'lookup'): S {
  const c = ctx ?? { asOfMs: 0 };
  if (mode === 'lookup') {
    const have = built.get(ref);
    if (have !== undefined) {
      built.delete(ref);
      if (have.asOfMs === c.asOfMs) return have.surface as S;
    }
    return make(ref, path, c);
  }
  // validate() always builds: the same reference may come with another snapshot.
  const s = make(ref, path, c);
  if (mode === 'validate-keep') built.set(ref, { asOfMs: c.asOfMs, surface: s });
  else built.delete(ref);
  return s;
}

function ownForwards(ref: JsonObject): boolean {
  return Array.isArray(ref.slices) && ref.slices.every((x) => x !== null && typeof x === 'object' && (x as JsonObject).forward !== undefined);
}

let registered = false;

/** Registers the `svi` and `grid` kinds (idempotent; done on import). */
export function registerBuiltinSurfaces(): void {
  if (registered) return;
  registered = true;
  // parseMarketSnapshot validates at the snapshot's time with its forwards (a provider called
  // without a context measures from time 0: shape and parameters only).
  registerSurfaceProvider('svi', {
    validate: (ref, path, ctx) => void cached(ref, path, ctx, buildSviSurface, 'validate-keep'),
    build: (ref, _u, path, ctx) => cached(ref, path, ctx, buildSviSurface, 'lookup'),
  });
  registerSurfaceProvider('grid', {
    // A grid that takes forwards from the snapshot is not kept: the same reference object may
    // serve snapshots with other forwards (the guard's combined ingest).
    validate: (ref, path, ctx) => void cached(ref, path, ctx, buildGridSurface, ownForwards(ref) ? 'validate-keep' : 'validate'),
    build: (ref, _u, path, ctx) => cached(ref, path, ctx, buildGridSurface, 'lookup'),
  });
}
registerBuiltinSurfaces();

export interface SurfaceArbitrage {
  underlying: string;
  report: ArbitrageReport;
}

/**
 * Static-arbitrage report of every built-in surface in the snapshot (butterfly, vertical and
 * calendar; arbitrage.ts). Only failing surfaces are listed. Other kinds are not checked.
 */
const checked = new WeakMap<MarketSnapshot, SurfaceArbitrage[]>();

export function snapshotArbitrage(snapshot: MarketSnapshot): readonly SurfaceArbitrage[] {
  const have = checked.get(snapshot);
  if (have !== undefined) return have;
  const out: SurfaceArbitrage[] = [];
  for (const [name, u] of snapshot.underlyings) {
    const ref = u.surface;
    if (ref === undefined || (ref.kind !== 'svi' && ref.kind !== 'grid')) continue;
    const provider = surfaceProvider(ref.kind);
    if (provider === undefined) continue;
    const built = snapshot.surface(name);
    if (!(built instanceof SviSurface) && !(built instanceof GridSurface)) continue;
    const report = checkArbitrage(built);
    if (!report.ok) out.push({ underlying: name, report });
  }
  checked.set(snapshot, out);
  return out;
}
