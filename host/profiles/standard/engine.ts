// standard through the engine: accounts → resolved positions → computeStandard → MarginResult.
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import type { RiskgridError } from '../../errors.js';
import { computeIsolated, equitiesOf, idConventions, outcome, resolveBatch } from './engine-kit.js';
import { computeStandard } from './index.js';
import { validateStandardParams } from './params.js';
import type { StandardParams } from './types.js';
import { withCollateral } from '../../collateral/profile.js';

export const LINEAR_USD = idConventions({ plainSettlement: 'linear', plainQuote: 'USD' });

export const standardEngineMethodology: MarginMethodology<StandardParams> & { conventions: typeof LINEAR_USD } = {
  description: 'static position-by-position margin (no offsets)',
  conventions: LINEAR_USD,
  validateParams: withCollateral(validateStandardParams),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(good, (b) => computeStandard(b.map((g) => ({ id: g.account.id, positions: g.positions })), params, ctx.evaluate), out);
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    results.forEach((r, j) => {
      if (r === undefined) return;
      const b = r.breakdown;
      out[good[j]!.slot] = outcome(
        {
          im: r.initialMargin,
          mm: r.maintenanceMargin,
          equity: eq[j]!,
          scenarioLoss: 0,
          mmLossFactor: 1,
          imLossFactor: 1,
          contingencies: {
            'mm.linear': b.linear.maintenance,
            'mm.short_options': b.shortOptions.maintenance,
            'mm.long_options': b.longOptions.maintenance,
            'im.linear': b.linear.initial - b.linear.maintenance,
            'im.short_options': b.shortOptions.initial - b.shortOptions.maintenance,
            'im.long_options': b.longOptions.initial - b.longOptions.maintenance,
          },
          scenarios: [],
          scenarioPnl: [],
          detail: r,
        },
        ctx.explain === true,
      );
    });
    return out;
  },
};
