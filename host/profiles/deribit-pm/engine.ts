// deribit-pm through the engine. Balances become X:PM collateral (USD prices from the snapshot).
// The account figures are in USD: S:PM coin units are valued at the index (their own-currency
// figures are in the detail). Scenario P&L is summed over units per grid / extended slot.
import type { RiskgridError } from '../../errors.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import type { ScenarioInfo } from '../../margin/result.js';
import { DERIBIT_CONVENTIONS } from '../../model/instrument.js';
import { computeIsolated, equitiesOf, outcome, resolveBatch } from '../standard/engine-kit.js';
import { computeDeribitPm } from './index.js';
import { validateDeribitPmParams } from './params.js';
import { deribitSlots } from './scenarios.js';
import type { DeribitPmParams } from './types.js';
import { defaultCollateralParams, hasCollateralSection, withCollateral } from '../../collateral/profile.js';

export const deribitPmEngineMethodology: MarginMethodology<DeribitPmParams> & { conventions: typeof DERIBIT_CONVENTIONS } = {
  description: 'Deribit portfolio margin (S:PM / X:PM)',
  conventions: DERIBIT_CONVENTIONS,
  // X:PM without a collateral section: its own haircut table (unlisted assets count 0).
  validateParams: withCollateral(validateDeribitPmParams, (p) => (p.mode === 'cross' ? defaultCollateralParams(p.haircuts, 1) : defaultCollateralParams())),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(
      good,
      (b) =>
        computeDeribitPm(
          b.map((g) => ({
            id: g.account.id,
            positions: g.positions,
            collateral: Object.entries(g.account.balances).map(([asset, amount]) => ({ asset, amount, price: market.assetPrice(asset).value })),
          })),
          params,
          ctx.evaluate,
        ),
      out,
    );
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    const slots = deribitSlots(params).filter((s) => s.kind === 'grid' || s.kind === 'extended');
    const scenarios: ScenarioInfo[] = slots.map((s, index) => ({
      index,
      label: s.label,
      spot_shock: s.move,
      vol_move: s.vol === 1 ? 'up' : s.vol === -1 ? 'down' : 'none',
      kind: s.kind === 'grid' ? 'regular' : 'extreme',
    }));
    results.forEach((r, j) => {
      if (r === undefined) return;
      const pnl = new Array<number>(slots.length).fill(0);
      let loss = 0,
        delta = 0,
        roll = 0,
        minUplift = 0;
      for (const u of r.units) {
        const usd = u.currency === 'USD' ? 1 : u.indexPrice;
        u.pnl.forEach((v, s) => (pnl[s]! += v * usd));
        const b = u.breakdown;
        loss += b.scenarioLoss * usd;
        delta += b.deltaShock * usd;
        roll += b.rollShock * usd;
        minUplift += Math.max(b.optionMinimum - (b.scenarioLoss + b.deltaShock + b.rollShock), 0) * usd;
      }
      const equity = { ...eq[j]! };
      if (params.mode === 'cross' && !hasCollateralSection(params)) {
        // X:PM counts collateral after haircuts.
        equity.parts = { ...equity.parts, haircut: -r.collateral.haircut };
        equity.equity -= r.collateral.haircut;
      }
      out[good[j]!.slot] = outcome(
        {
          im: r.initialMargin,
          mm: r.maintenanceMargin,
          equity,
          scenarioLoss: loss,
          mmLossFactor: params.mmFactor,
          imLossFactor: 1,
          contingencies: { 'im.delta_shock': delta, 'im.roll_shock': roll, 'im.option_minimum_uplift': minUplift },
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
