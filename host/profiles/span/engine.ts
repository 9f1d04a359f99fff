// span through the engine. The combined commodity of a position is its underlying (the profile's
// `commodities` are keyed by underlying); the contract month comes from the expiry. Scenario P&L
// is summed over commodities per risk-array scenario; SPAN moves are absolute (scan-range units),
// so `spot_shock` is 0 and the label says the move.
import type { RiskgridError } from '../../errors.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import type { ScenarioInfo } from '../../margin/result.js';
import { computeIsolated, equitiesOf, outcome, resolveBatch } from '../standard/engine-kit.js';
import { LINEAR_USD } from '../standard/engine.js';
import { spanPositionsOf } from './adapt.js';
import { computeSpan } from './index.js';
import { validateSpanParams } from './params.js';
import { N_RISK, spanScenarios } from './scenarios.js';
import type { SpanParams } from './types.js';
import { withCollateral } from '../../collateral/profile.js';

export const spanEngineMethodology: MarginMethodology<SpanParams> & { conventions: typeof LINEAR_USD } = {
  description: 'CME SPAN style: 16-scenario risk arrays, spreads, short option minimum',
  conventions: LINEAR_USD,
  validateParams: withCollateral(validateSpanParams),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(good, (b) => computeSpan(b.map((g) => ({ id: g.account.id, positions: spanPositionsOf(g.positions) })), params, ctx.evaluate), out);
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    const scenarios: ScenarioInfo[] = spanScenarios(params).map((s, index) => ({
      index,
      label: s.label,
      spot_shock: 0,
      vol_move: s.vol === 1 ? 'up' : s.vol === -1 ? 'down' : 'none',
      kind: index < 14 ? 'regular' : 'extreme',
    }));
    results.forEach((r, j) => {
      if (r === undefined) return;
      const pnl = new Array<number>(N_RISK).fill(0);
      for (const c of r.commodities) c.losses.forEach((l, s) => (pnl[s]! -= l));
      const b = r.breakdown;
      const o = outcome(
        {
          im: r.initialMargin,
          mm: r.maintenanceMargin,
          equity: eq[j]!,
          scenarioLoss: b.scanRisk,
          mmLossFactor: 1,
          imLossFactor: params.initialToMaintenance,
          contingencies: { 'mm.intra_spread': b.intraCommoditySpreadCharge, 'mm.inter_spread_credit': -b.interCommoditySpreadCredit, 'mm.short_option_minimum_uplift': b.shortOptionMinimumUplift },
          scenarios,
          scenarioPnl: pnl.map((v) => v + 0),
          detail: r,
        },
        ctx.explain === true,
      );
      // On request, the risk arrays SPAN exports: 16 losses per contract, loss positive.
      if (ctx.instrumentScenarios) o.instrument_scenarios = Object.fromEntries(r.riskArrays.map((a) => [a.id, a.riskArray]));
      out[good[j]!.slot] = o;
    });
    return out;
  },
};
