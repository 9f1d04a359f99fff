// The issue-4 methodologies through the public engine (createEngine / margin / marginBatch /
// whatIf), as host/margin/builtin.ts registers them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../host/margin/engine.js';

const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const account = json('examples/portfolio-btc.json');
const market = json('examples/market-btc.json');
const snapshot = { now: false } as const;
const spanBtc = (() => {
  const p = json('profiles/span.cme-example.json');
  p.name = 'span.btc-test';
  p.params.commodities = { BTC: { ...p.params.commodities.SP, priceScanRange: 15000 } };
  p.params.interSpreads = [];
  return p;
})();
const PROFILES: (string | Record<string, unknown>)[] = ['standard', 'cross-futures', 'deribit-pm', 'deribit-pm.cross', 'okx-pm', 'tims', spanBtc];

describe.each(PROFILES.map((p) => [typeof p === 'string' ? p : (p.name as string), p] as const))('engine: %s', (_name, profile) => {
  const engine = createEngine({ profile, evaluator: 'ts', snapshot });

  it('margins the example account: finite, IM ≥ MM ≥ 0, excess = equity − requirement', () => {
    const r = engine.margin(account, market);
    expect(r.initial_margin).toBeGreaterThanOrEqual(r.maintenance_margin);
    expect(r.maintenance_margin).toBeGreaterThan(0);
    expect(r.im_excess).toBeCloseTo(r.equity - r.initial_margin, 6);
    expect(r.mm_excess).toBeCloseTo(r.equity - r.maintenance_margin, 6);
    expect(r.scenario_pnl.length).toBe(r.scenarios.length);
    if (r.scenarios.length > 0) expect(r.worst_scenario.pnl).toBe(Math.min(...r.scenario_pnl));
  });

  it('cash raises both excesses by exactly its value and leaves the requirements', () => {
    const a = engine.margin(account, market);
    const more = { ...account, balances: { ...account.balances, USDC: account.balances.USDC + 10000 } };
    const b = engine.margin(more, market);
    const usdc = market.collateral.USDC.price;
    expect(b.initial_margin).toBe(a.initial_margin);
    expect(b.im_excess - a.im_excess).toBeCloseTo(10000 * usdc, 6);
    expect(b.mm_excess - a.mm_excess).toBeCloseTo(10000 * usdc, 6);
  });

  it('a bad account fails alone; the others get their results as alone', () => {
    const bad = { ...account, account_id: 'bad', positions: [{ instrument: 'BTC_USDC-25DEC26-123456-C', size: 1 }] };
    const out = engine.marginBatch([account, bad, account], market);
    expect(out[1]!.ok).toBe(false);
    const alone = engine.margin(account, market);
    for (const k of [0, 2]) {
      expect(out[k]!.ok).toBe(true);
      if (out[k]!.ok) expect(out[k]!.result.initial_margin).toBe(alone.initial_margin);
    }
  });

  it('what-if: before, change, after', () => {
    const w = engine.whatIf(account, market, [{ instrument: 'BTC_USDC-PERPETUAL', size: 1 }]);
    expect(w.change.initial_margin).toBeCloseTo(w.after.initial_margin - w.before.initial_margin, 9);
  });
});

describe('span through the engine: the exported risk arrays', () => {
  it('a long future: 0, 0, ∓1/3, ∓2/3, ∓3/3 of the scan range (loss positive), extremes at the cover fraction', () => {
    const engine = createEngine({ profile: spanBtc, snapshot });
    const fut = { account_id: 'f', positions: [{ instrument: 'BTC_USDC-25DEC26', size: 1 }], balances: { USDC: 100000 } };
    const r = engine.margin(fut, market, { instrumentScenarios: true });
    const arrays = r.instrument_scenarios!;
    const [id] = Object.keys(arrays);
    expect(id).toBe('BTC_USDC-25DEC26');
    const a = arrays[id!]!;
    expect(a.length).toBe(16);
    const range = 15000;
    const third = (spanBtc.params.priceMoves as number[])[0]!; // 0.333 in the CME example file
    expect(a[0]).toBeCloseTo(0, 9);
    expect(a[2]).toBeCloseTo(-third * range, 6); // price up a third: a gain, printed negative
    expect(a[4]).toBeCloseTo(third * range, 6);
    expect(Math.max(...a)).toBeCloseTo(r.breakdown.scenario_loss, 6); // scan risk of a lone future
  });
});

describe('compareProfiles', () => {
  it('IM and MM per profile side by side, with the saving against standard', async () => {
    const { compareProfiles, formatCompareTable } = await import('../host/margin/compare.js');
    const rows = compareProfiles(account, market, ['standard', 'cross-futures', 'deribit-pm', 'okx-pm', 'tims', spanBtc], { evaluator: 'ts', snapshot });
    expect(rows.map((r) => r.methodology)).toEqual(['standard', 'cross-futures', 'deribit-pm', 'okx-pm', 'tims', 'span']);
    const std = rows[0]!.initial_margin;
    for (const r of rows) {
      expect(r.im_saving_vs_standard).toBeCloseTo(std - r.initial_margin, 9);
      expect(r.initial_margin).toBe(createEngine({ profile: r.methodology === 'span' ? spanBtc : r.profile, evaluator: 'ts', snapshot }).margin(account, market).initial_margin);
    }
    // This example book is a hedged options book: each portfolio method saves capital.
    for (const r of rows.slice(2)) expect(r.im_saving_vs_standard!).toBeGreaterThan(0);
    const table = formatCompareTable(rows);
    expect(table.split('\n')).toHaveLength(rows.length + 1);
    if (process.env.RISKGRID_PRINT_COMPARE === '1') console.log(table);
  });
});

describe('engine on the WebAssembly kernels', () => {
  it.each(PROFILES.map((p) => [typeof p === 'string' ? p : (p.name as string), p] as const))('%s: same figures as the TypeScript evaluator', (_n, profile) => {
    const ts = createEngine({ profile, evaluator: 'ts', snapshot }).margin(account, market);
    const wasm = createEngine({ profile, snapshot }).margin(account, market);
    for (const k of ['initial_margin', 'maintenance_margin', 'equity'] as const) expect(Math.abs(wasm[k] - ts[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(ts[k])));
    wasm.scenario_pnl.forEach((v, s) => expect(Math.abs(v - ts.scenario_pnl[s]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v))));
  });
});
