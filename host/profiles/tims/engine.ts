// tims through the engine. Scenario P&L is summed over classes per valuation point (point k is the
// k-th move of each class's own range, so `spot_shock` is 0 and the label names the point).
import type { RiskgridError } from '../../errors.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import type { ScenarioInfo } from '../../margin/result.js';
import { computeIsolated, equitiesOf, outcome, resolveBatch } from '../standard/engine-kit.js';
import { LINEAR_USD } from '../standard/engine.js';
import { computeTims } from './index.js';
import { validateTimsParams } from './params.js';
import type { TimsParams } from './types.js';
import { withCollateral } from '../../collateral/profile.js';

export const timsEngineMethodology: MarginMethodology<TimsParams> & { conventions: typeof LINEAR_USD } = {
  description: 'FINRA 4210(g) / OCC TIMS style customer portfolio margin',
  conventions: LINEAR_USD,
  validateParams: withCollateral(validateTimsParams),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(good, (b) => computeTims(b.map((g) => ({ id: g.account.id, positions: g.positions })), params, ctx.evaluate), out);
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    const n = params.valuationPoints;
    const scenarios: ScenarioInfo[] = Array.from({ length: n }, (_, index) => ({
      index,
      label: index < n / 2 ? `down ${(n / 2 - index)}/${n / 2} of the class range` : `up ${index - n / 2 + 1}/${n / 2} of the class range`,
      spot_shock: 0,
      vol_move: 'none',
      kind: 'regular',
    }));
    results.forEach((r, j) => {
      if (r === undefined) return;
      const pnl = new Array<number>(n).fill(0);
      for (const c of r.classes) c.pnl.forEach((v, s) => (pnl[s]! += v));
      const groupLoss = r.breakdown.classLosses - r.breakdown.groupOffsets;
      out[good[j]!.slot] = outcome(
        {
          im: r.initialMargin,
          mm: r.maintenanceMargin,
          equity: eq[j]!,
          scenarioLoss: groupLoss,
          mmLossFactor: 1,
          imLossFactor: params.initialToMaintenance,
          contingencies: { 'mm.minimum_uplift': r.breakdown.minimumUplift, 'mm.concentration': r.breakdown.concentrationAddOn },
          scenarios,
          scenarioPnl: pnl.map((v) => v + 0),
          detail: r,
        },
        ctx.explain === true,
      );
    });
    return out;
  },
};
