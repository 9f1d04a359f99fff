// The work of one POST /v1/margin/simulate after its envelope passed the schema: parse the account
// and the market, margin, write the answer's JSON. It runs on a simulate worker (simulate-worker.ts)
// or, with no worker threads, on the event loop (simulate-pool.ts): the same function either way,
// so the answers are the same bytes. The account, a market in the body and the answer travel as JSON
// text, the body's own (simulate-body.ts; a worker gets the latest snapshot by key:
// simulate-worker.ts); an error comes back as its HTTP answer.
//
// The answer is a summary by default: requirements, equity, excesses, status, breakdown, worst
// scenario, the greeks per underlying, and the risk matrix (the P&L of every scenario of the
// profile, and the scenarios). `?detail=full` adds each position's greeks — two thirds of the bytes
// of a 50-option answer (16 KB → 5.6 KB), and with their computation and number formatting a
// quarter of the server's CPU per request (bench/service.js).
import { RiskgridError } from '../errors.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { MarginResult, ScenarioInfo } from '../margin/result.js';
import type { EngineCache } from './engines.js';
import { httpError, type HttpErrorBody } from './http-errors.js';
import { parseMarketCached } from './market-cache.js';
import { statusOf } from './margin-status.js';

export type SimulateDetail = 'summary' | 'full';

export interface SimulateRequest {
  profile: string;
  /** The body's `account`: its JSON text as received (the envelope passed the schema already). */
  account: string;
  /** `body`: the body's `market`, its JSON text as received; `latest`: the service's latest accepted snapshot. */
  market: { from: 'body'; text: string } | { from: 'latest'; snap: MarketSnapshot };
  detail: SimulateDetail;
  /** The market-data guard's verdict (`degraded`), judged by the event loop. */
  guarded: Record<string, unknown>;
}

export type SimulateOutcome =
  | { ok: true; json: string; seconds: number; methodology: string }
  | { ok: false; status: number; body: HttpErrorBody; stack?: string };

export function answerSimulate(req: SimulateRequest, engines: EngineCache): SimulateOutcome {
  try {
    const engine = engines.get(req.profile);
    let snap: MarketSnapshot;
    if (req.market.from === 'body') {
      try {
        snap = parseMarketCached(engine, req.market.text);
      } catch (e) {
        throw inBody(e, 'market');
      }
    } else {
      snap = req.market.snap;
    }
    const account = engine.parseAccount(JSON.parse(req.account) as Record<string, unknown>, 'account');
    const t0 = performance.now();
    let result: MarginResult;
    try {
      result = engine.margin(account, snap);
    } catch (e) {
      throw marketDataInBody(e);
    }
    const seconds = (performance.now() - t0) / 1000;
    return { ok: true, json: simulateJson(result, req.detail, new Date().toISOString(), req.guarded), seconds, methodology: engine.profile.methodology };
  } catch (e) {
    const { status, body } = httpError(e);
    return status >= 500 && e instanceof Error && e.stack !== undefined ? { ok: false, status, body, stack: e.stack } : { ok: false, status, body };
  }
}

/**
 * The answer's JSON (see the header): JSON.stringify({ ...r, status, detail, computed_at,
 * ...guarded }), the summary without `instrument_scenarios` and with only the greeks' totals,
 * byte for byte. It is joined from each field's JSON: one JSON.stringify of that spread object made
 * V8 promote ~2 KB of every answer to the old generation (600 KB per young GC of a simulate worker
 * at 5,000 req/s, and a mark-compact every ~2 s); written apart, nothing is promoted.
 */
export function simulateJson(r: MarginResult, detail: SimulateDetail, computed_at: string, guarded: object): string {
  const summary = detail === 'summary';
  let json = '{';
  for (const [k, v] of Object.entries(r)) {
    if (summary && SUMMARY_DROPS.has(k)) continue;
    json = member(json, k, k === 'scenarios' ? scenariosJson(v as ScenarioInfo[]) : JSON.stringify(v));
  }
  json = member(member(member(json, 'status', JSON.stringify(statusOf(r))), 'detail', JSON.stringify(detail)), 'computed_at', JSON.stringify(computed_at));
  for (const [k, v] of Object.entries(guarded)) json = member(json, k, JSON.stringify(v));
  if (summary) json = member(member(json, 'greeks', `{"totals":${JSON.stringify(r.greeks.totals)}}`), 'scenarios', scenariosJson(r.scenarios));
  return `${json}}`;
}

/** Left out of a summary (the greeks' totals and the scenarios go last instead). */
const SUMMARY_DROPS = new Set(['scenarios', 'instrument_scenarios', 'greeks']);

/** `json` (an object's text so far, without its closing brace) and one more member; none for an undefined value, as JSON.stringify. */
function member(json: string, key: string, value: string | undefined): string {
  if (value === undefined) return json;
  return `${json}${json.length > 1 ? ',' : ''}${JSON.stringify(key)}:${value}`;
}

/**
 * The scenario list is the same for every answer under a profile (the fast paths hand out one
 * frozen array): its JSON is written once per array. Weak: it goes with the engine.
 */
const scenarioText = new WeakMap<ScenarioInfo[], string>();
function scenariosJson(s: ScenarioInfo[]): string {
  if (!Object.isFrozen(s)) return JSON.stringify(s);
  let json = scenarioText.get(s);
  if (json === undefined) scenarioText.set(s, (json = JSON.stringify(s)));
  return json;
}

const SNAPSHOT_ROOTS = new Set(['snapshot_id', 'timestamp', 'underlyings', 'stablecoin', 'collateral']);

/** A market-data failure whose field is a snapshot path (`underlyings.ETH.expiries.25DEC26`) names it under `market`. */
function marketDataInBody(e: unknown): unknown {
  if (!(e instanceof RiskgridError) || (e.code !== 'RG_ERR_MISSING_MARKET_DATA' && e.code !== 'RG_ERR_STALE_MARKET_DATA')) return e;
  const root = e.field?.split(/[.[]/, 1)[0];
  return root !== undefined && SNAPSHOT_ROOTS.has(root) ? inBody(e, 'market') : e;
}

/** The snapshot parser names fields from the snapshot's root; in the body they sit under `market`. */
function inBody(e: unknown, key: string): unknown {
  if (!(e instanceof RiskgridError)) return e;
  const field = e.field === undefined || e.field === '' ? key : `${key}.${e.field}`;
  return new RiskgridError(e.code, e.message, { field, value: e.value, cause: e });
}
