// okx-pm through the engine. Scenario P&L (USD) is summed over risk units per MR1 / MR6 slot.
import type { RiskgridError } from '../../errors.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../../margin/methodology.js';
import type { ScenarioInfo } from '../../margin/result.js';
import { DERIBIT_CONVENTIONS } from '../../model/instrument.js';
import { computeIsolated, equitiesOf, outcome, resolveBatch } from '../standard/engine-kit.js';
import { computeOkxPm } from './index.js';
import { validateOkxPmParams } from './params.js';
import { okxSlots } from './scenarios.js';
import type { OkxPmParams } from './types.js';
import { withCollateral } from '../../collateral/profile.js';

export const okxPmEngineMethodology: MarginMethodology<OkxPmParams> & { conventions: typeof DERIBIT_CONVENTIONS } = {
  description: 'OKX portfolio margin (MR1-MR9, IMR = imrFactor x MMR)',
  conventions: DERIBIT_CONVENTIONS,
  validateParams: withCollateral(validateOkxPmParams),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const out: Array<MethodologyOutcome | RiskgridError> = new Array(accounts.length);
    const good = resolveBatch(accounts, market, out);
    const results = computeIsolated(good, (b) => computeOkxPm(b.map((g) => ({ id: g.account.id, positions: g.positions })), params, ctx.evaluate), out);
    const eq = equitiesOf(good, market, ctx.evaluate, params);
    const slots = okxSlots(params).filter((s) => s.kind === 'mr1' || s.kind === 'mr6');
    const scenarios: ScenarioInfo[] = slots.map((s, index) => ({
      index,
      label: s.label,
      spot_shock: s.move,
      vol_move: s.vol === 1 ? 'up' : s.vol === -1 ? 'down' : 'none',
      kind: s.kind === 'mr1' ? 'regular' : 'extreme',
    }));
    results.forEach((r, j) => {
      if (r === undefined) return;
      const pnl = new Array<number>(slots.length).fill(0);
      const c = { scenario: 0, mr3: 0, mr4: 0, mr5: 0, mr9: 0, mr7Uplift: 0 };
      for (const u of r.units) {
        u.pnl.forEach((v, s) => (pnl[s]! += v));
        const m = u.mr;
        const scen = Math.max(m.mr1, m.mr2, m.mr6);
        c.scenario += scen;
        c.mr3 += m.mr3;
        c.mr4 += m.mr4;
        c.mr5 += m.mr5;
        c.mr9 += m.mr9;
        c.mr7Uplift += u.mmr - (scen + m.mr4 + m.mr3 + m.mr5 + m.mr9);
      }
      out[good[j]!.slot] = outcome(
        {
          im: r.initialMargin,
          mm: r.maintenanceMargin,
          equity: eq[j]!,
          scenarioLoss: c.scenario,
          mmLossFactor: 1,
          imLossFactor: params.imrFactor,
          contingencies: { 'mm.mr3_vega_term': c.mr3, 'mm.mr4_basis': c.mr4, 'mm.mr5_rate': c.mr5, 'mm.mr9_depeg': c.mr9, 'mm.mr7_minimum_uplift': c.mr7Uplift },
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
