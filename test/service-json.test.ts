// The what-if and simulate answers are written with JSON.stringify (whatif.ts, simulate.ts), not by
// Fastify's serializer compiled from their response schemas: both must write the same document,
// on seven methodologies (a result field the schema drops, or one it writes differently, fails here).
import { readFileSync } from 'node:fs';
import fastJson from 'fast-json-stringify';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../host/margin/engine.js';
import { MarginResultSchema, WhatIfResponseSchema } from '../host/service/margin-response.js';
import { simulateJson } from '../host/service/simulate-answer.js';
import { statusOf } from '../host/service/margin-status.js';
import { marginSummary, whatIfSummaryJson } from '../host/service/whatif.js';

const json = (p: string): Record<string, unknown> => JSON.parse(readFileSync(p, 'utf8'));
const bySchema = (schema: unknown) => fastJson(schema as Parameters<typeof fastJson>[0]);
// SPAN on BTC: the example profile's commodity renamed (as test/profile-engine.test.ts does).
const spanBtc = (() => {
  const p = json('profiles/span.cme-example.json') as { name: string; params: { commodities: Record<string, Record<string, unknown>>; interSpreads: unknown[] } };
  p.name = 'span.btc-test';
  p.params.commodities = { BTC: { ...p.params.commodities.SP, priceScanRange: 15000 } };
  p.params.interSpreads = [];
  return p as unknown as Record<string, unknown>;
})();
const ETH = ['examples/portfolio-eth.json', 'examples/market-eth.json'] as const;
const BTC = ['examples/portfolio-btc.json', 'examples/market-btc.json'] as const;
const CASES: Array<[string, string | Record<string, unknown>, readonly [string, string]]> = [
  ['derive-pmrm2.test', 'derive-pmrm2.test', ETH],
  ...['standard', 'cross-futures', 'deribit-pm', 'okx-pm', 'tims'].flatMap((p) => [[p, p, ETH], [p, p, BTC]] as Array<[string, string, readonly [string, string]]>),
  ['span (BTC)', spanBtc, BTC],
];

describe('hand-written answers equal the response schemas', () => {
  for (const [name, profile, [account, market]] of CASES) {
    it(`${name}: ${account}`, () => {
      const engine = createEngine({ profile, snapshot: { now: false } });
      const w = engine.whatIf(json(account), json(market), [{ instrument: (json(account).positions as Array<{ instrument: string }>)[0]!.instrument, size: 1 }]);
      const at = '2026-11-30T00:00:00.000Z';
      for (const detail of ['summary', 'full'] as const) {
        const written = JSON.parse(simulateJson(w.after, detail, at, {})) as Record<string, unknown>;
        expect(written).toEqual(JSON.parse(bySchema(MarginResultSchema)(written)));
        const { greeks, ...rest } = JSON.parse(JSON.stringify({ ...w.after, status: statusOf(w.after), detail, computed_at: at })) as Record<string, unknown> & { greeks: { totals: unknown } };
        expect(written).toEqual({ ...rest, greeks: detail === 'full' ? greeks : { totals: greeks.totals } });
      }
      // Joined from each field's JSON, the text is the one JSON.stringify of the whole, byte for byte.
      const r = w.after;
      const guarded = { degraded: { reasons: [{ code: 'stale', feed: 'market', detail: 'x"y' }] } };
      expect(simulateJson(r, 'full', at, guarded)).toBe(JSON.stringify({ ...r, status: statusOf(r), detail: 'full', computed_at: at, ...guarded }));
      const { scenarios, instrument_scenarios: _, greeks, ...fields } = r;
      const summary = JSON.stringify({ ...fields, status: statusOf(r), detail: 'summary', computed_at: at, ...guarded, greeks: { totals: greeks.totals } });
      expect(simulateJson(r, 'summary', at, guarded)).toBe(`${summary.slice(0, -1)},"scenarios":${JSON.stringify(scenarios)}}`);
      expect(simulateJson(r, 'summary', at, {})).toBe(JSON.stringify({ ...fields, status: statusOf(r), detail: 'summary', computed_at: at, greeks: { totals: greeks.totals }, scenarios }));
      const answer = { account_id: 'a', accepted: true, reject_reason: null, profile: name, detail: 'summary', change: w.change, after: marginSummary(w.after), before: marginSummary(w.before) };
      expect(JSON.parse(JSON.stringify(answer))).toEqual(JSON.parse(bySchema(WhatIfResponseSchema)(answer)));
      // The handler's text, joined from parts, is the one JSON.stringify of the whole, byte for byte.
      const head = { account_id: 'a', accepted: true, reject_reason: null, profile: name, profile_hash: w.after.profile_hash, computed_at: at, degraded: { reasons: [{ code: 'stale', feed: 'market', detail: 'x"y' }] } };
      expect(whatIfSummaryJson(head, w)).toBe(JSON.stringify({ ...head, detail: 'summary', change: w.change, after: marginSummary(w.after), before: marginSummary(w.before) }));
    });
  }
});
