// cross-futures through the engine.
import type { RiskgridError } from '../../errors.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import { computeIsolated, equitiesOf, outcome, resolveBatch } from '../standard/engine-kit.js';
import { LINEAR_USD } from '../standard/engine.js';
import { computeCrossFutures } from './index.js';
import { validateCrossFuturesParams } from './params.js';
import type { CrossFuturesParams } from './types.js';
import { withCollateral } from '../../collateral/profile.js';

export const crossFuturesEngineMethodology: MarginMethodology<CrossFuturesParams> & { conventions: typeof LINEAR_USD } = {
  description: 'futures and perpetuals netted per underlying; options and spot one by one',
  conventions: LINEAR_USD,
  validateParams: withCollateral(validateCrossFuturesParams),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(good, (b) => computeCrossFutures(b.map((g) => ({ id: g.account.id, positions: g.positions })), params, ctx.evaluate), out);
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    results.forEach((r, j) => {
      if (r === undefined) return;
      const contingencies: Record<string, number> = {};
      for (const [k, v] of Object.entries(r.breakdown)) {
        contingencies[`mm.${k}`] = v.maintenance;
        contingencies[`im.${k}`] = v.initial - v.maintenance;
      }
      out[good[j]!.slot] = outcome(
        { im: r.initialMargin, mm: r.maintenanceMargin, equity: eq[j]!, scenarioLoss: 0, mmLossFactor: 1, imLossFactor: 1, contingencies, scenarios: [], scenarioPnl: [], detail: r },
        ctx.explain === true,
      );
    });
    return out;
  },
};
