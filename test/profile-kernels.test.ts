// Every methodology of issue 4 runs on the same WebAssembly risk kernels as Derive's: each plan is
// evaluated by the kernels and by the TypeScript specification, and the finished margins agree.
// (Run with RISKGRID_NO_SIMD=1 for the scalar build.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { evaluatePlanWasm } from '../host/margin/evaluate-wasm.js';
import type { PlanEvaluator } from '../host/margin/plan.js';
import { loadWasmSync } from '../host/wasm/loader.js';
import { computeCrossFutures } from '../host/profiles/cross-futures/index.js';
import { computeDeribitPm } from '../host/profiles/deribit-pm/index.js';
import { computeOkxPm } from '../host/profiles/okx-pm/index.js';
import { computeSpan } from '../host/profiles/span/index.js';
import type { SpanPosition } from '../host/profiles/span/types.js';
import { computeStandard } from '../host/profiles/standard/index.js';
import type { ResolvedPosition } from '../host/profiles/standard/position.js';
import { computeTims } from '../host/profiles/tims/index.js';

const params = (n: string) => JSON.parse(readFileSync(new URL(`../profiles/${n}.json`, import.meta.url), 'utf8')).params;
const instance = loadWasmSync();
const wasm: PlanEvaluator = (plan) => evaluatePlanWasm(instance, plan);

const o = (size: number, K: number, type: 'C' | 'P', over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({
  id: `BTC-${K}-${type}-${over.T ?? 0.1}`, kind: 'option', underlying: 'BTC', size, multiplier: 1, forward: 60500, spot: 60000, strike: K, optionType: type, T: 0.1, vol: 0.55, df: 0.995, ...over,
});
const f = (size: number, over: Partial<ResolvedPosition> = {}): ResolvedPosition => ({ id: `BTC-F-${over.T ?? 0.3}-${over.settlement ?? 'l'}`, kind: 'future', underlying: 'BTC', size, multiplier: 1, forward: 61500, spot: 60000, T: 0.3, ...over });
const BOOKS = [
  [o(-2, 66000, 'C'), o(1, 52000, 'P', { T: 0.4 }), f(0.5)],
  [o(-1, 60000, 'C', { settlement: 'inverse' }), o(-1, 60000, 'P', { settlement: 'inverse' }), f(-3000, { settlement: 'inverse', multiplier: 10 })],
  [f(2), f(-1.5, { T: 0.8, kind: 'future' }), { ...f(0.2), id: 'BTC-PERP', kind: 'perpetual' as const, T: 0 }],
  [],
];

function close(a: number, b: number): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
}

describe('issue-4 methodologies on the WebAssembly kernels = the TypeScript spec', () => {
  const portfolios = BOOKS.map((positions, k) => ({ id: `p${k}`, positions }));

  it('standard, cross-futures', () => {
    for (const [compute, p] of [[computeStandard, params('standard')], [computeCrossFutures, params('cross-futures')]] as const) {
      const a = (compute as typeof computeStandard)(portfolios, p, evaluatePlanTs);
      const b = (compute as typeof computeStandard)(portfolios, p, wasm);
      a.forEach((r, k) => {
        close(r.initialMargin, b[k]!.initialMargin);
        close(r.maintenanceMargin, b[k]!.maintenanceMargin);
      });
    }
  });

  it('deribit-pm (S:PM and X:PM), okx-pm', () => {
    for (const p of [params('deribit-pm'), params('deribit-pm.cross')]) {
      const a = computeDeribitPm(portfolios, p, evaluatePlanTs);
      const b = computeDeribitPm(portfolios, p, wasm);
      a.forEach((r, k) => r.units.forEach((u, j) => {
        close(u.initialMargin, b[k]!.units[j]!.initialMargin);
        u.pnl.forEach((v, s) => close(v, b[k]!.units[j]!.pnl[s]!));
      }));
    }
    const a = computeOkxPm(portfolios, params('okx-pm'), evaluatePlanTs);
    const b = computeOkxPm(portfolios, params('okx-pm'), wasm);
    a.forEach((r, k) => r.units.forEach((u, j) => Object.entries(u.mr).forEach(([m, v]) => close(v, b[k]!.units[j]!.mr[m as keyof typeof u.mr]))));
  });

  it('span (valued and given risk arrays), tims', () => {
    const sp = (pos: ResolvedPosition): SpanPosition => ({ ...pos, underlying: 'SP', commodity: 'SP', month: '202612', multiplier: 50, forward: pos.forward / 12, spot: 5000, strike: pos.strike === undefined ? undefined : pos.strike / 12, settlement: 'linear' });
    const given: SpanPosition = { ...sp(f(1)), id: 'given', riskArray: [460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500], compositeDelta: 0.5, price: 100 };
    const spanBooks = BOOKS.map((b, k) => ({ id: `s${k}`, positions: [...b.map(sp), ...(k === 0 ? [given] : [])] }));
    const a = computeSpan(spanBooks, params('span.cme-example'), evaluatePlanTs);
    const b = computeSpan(spanBooks, params('span.cme-example'), wasm);
    a.forEach((r, k) => {
      close(r.maintenanceMargin, b[k]!.maintenanceMargin);
      r.commodities.forEach((c, j) => c.losses.forEach((v, s) => close(v, b[k]!.commodities[j]!.losses[s]!)));
    });
    const ta = computeTims(portfolios, params('tims'), evaluatePlanTs);
    const tb = computeTims(portfolios, params('tims'), wasm);
    ta.forEach((r, k) => close(r.maintenanceMargin, tb[k]!.maintenanceMargin));
  });
});
