// Shared engine glue for the issue-4 methodologies (span, standard, cross-futures, deribit-pm,
// okx-pm, tims): accounts → resolved positions with per-account failures kept apart, the equity of
// an account (balances at their USD prices + position marks, option marks through the evaluator),
// and the outcome record the engine expects. Everything is in USD (the margin currency).
import { asRiskgridError, RiskgridError } from '../../errors.js';
import { KIND_OPTION } from '../../margin/plan.js';
import type { MethodologyOutcome, PlanEvaluator } from '../../margin/methodology.js';
import type { CollateralBreakdownLine, ScenarioInfo } from '../../margin/result.js';
import { breakdownOf } from '../../collateral/breakdown.js';
import { collateralMarketOf, hasCollateralSection, valuerOf } from '../../collateral/profile.js';
import type { MarketSnapshot } from '../../market/snapshot.js';
import type { Account } from '../../model/account.js';
import { PlanBuilder, ones, zeros } from '../../margin/plan-builder.js';
import { omegaOf } from './position.js';
import { resolveAccount, type ResolvedPositionEx } from './resolve.js';

export interface Resolved {
  account: Account;
  positions: ResolvedPositionEx[];
  /** Index of the account in the batch. */
  slot: number;
}

/** Resolve every account; a failing account gets its error in `out` and is left out of `good`. */
export function resolveBatch(accounts: readonly Account[], market: MarketSnapshot, out: Array<MethodologyOutcome | RiskgridError>): Resolved[] {
  const good: Resolved[] = [];
  accounts.forEach((account, slot) => {
    try {
      good.push({ account, positions: resolveAccount(account, market), slot });
    } catch (e) {
      out[slot] = asRiskgridError(e);
    }
  });
  return good;
}

export interface Equity {
  equity: number;
  parts: Record<string, number>;
  /** Per balance, as the collateral module counted it (breakdown.collateral). */
  collateral?: CollateralBreakdownLine[];
  /** The IM haircut beyond the MM one (value_mm − value_im ≥ 0): an IM-only requirement. */
  imCollateral?: number;
  /** depeg_requirement × the largest depeg held: the fraction IM and MM grow by (0: none). */
  depegFactor?: number;
}

/**
 * Equity in USD: balances × their USD price, options at their mark (Black-76 via the evaluator),
 * spot at the index, futures and perps at their unrealised P&L against avg_price (0 without one;
 * inverse: coin P&L × index), plus unrealised funding.
 */
export function equitiesOf(batch: readonly Resolved[], market: MarketSnapshot, evaluate: PlanEvaluator, params?: object): Equity[] {
  const valuer = valuerOf(params ?? NO_PARAMS);
  const own = params !== undefined && hasCollateralSection(params);
  const cm = collateralMarketOf(market);
  const b = new PlanBuilder(1);
  b.addUnderlying(ones(1));
  b.addVolGroup(ones(1), zeros(1), zeros(1));
  const idx = batch.map((r) =>
    r.positions.map((p) => {
      if (p.kind !== 'option') return -1;
      const spec = { kind: KIND_OPTION, underlying: 0, volGroup: 0, fwdFixed: 0, fwdVar: p.forward, strike: p.strike!, T: p.T, vol: p.vol!, df: p.df ?? 1, omega: omegaOf(p) } as const;
      return b.addTagged(p.id, spec);
    }),
  );
  const base = b.nInstruments > 0 ? evaluate(b.build()).base : new Float64Array(0);
  return batch.map((r, a) => {
    const parts: Record<string, number> = { cash: 0, options: 0, spot: 0, futures: 0, funding: 0 };
    const balances = Object.entries(r.account.balances).map(([asset, amount]) => ({ asset, amount }));
    // Futures and perps' unrealised P&L, per underlying: a profit counts after the profile's
    // haircut, never on a thin underlying; a loss in full.
    const upnl: Array<{ underlying: string; asset: string; amount: number }> = [];
    r.account.positions.forEach((pos) => (parts.funding! += pos.unrealisedFunding ?? 0));
    r.positions.forEach((p, k) => {
      const units = p.size * p.multiplier;
      if (p.kind === 'option') parts.options! += units * base[idx[a]![k]!]!;
      else if (p.kind === 'spot') parts.spot! += units * (p.spot ?? p.forward);
      else {
        const avg = p.avgPrice;
        if (avg === undefined) return;
        const S = p.spot ?? p.forward;
        const pnl = p.settlement === 'inverse' ? p.size * p.multiplier * (1 / avg - 1 / p.forward) * S : units * (p.forward - avg);
        parts.futures! += pnl;
        upnl.push({ underlying: p.underlying, asset: 'USD', amount: pnl });
      }
    });
    const v = valuer.value({ balances, unrealised_pnl: upnl }, cm);
    // Summed as before the module (same order, same products): no-section results are unchanged.
    for (const l of v.lines) parts.cash! += l.value;
    // Equity counts collateral at its MM value; the further IM haircut is an IM-only requirement
    // (im.collateral_haircut), so that excess = equity − requirement holds for both.
    if (own) parts.collateral_haircut = v.totals.value_mm - v.totals.value;
    const depegFactor = (valuer.params.depeg_requirement ?? 0) * v.totals.depeg_max;
    return { equity: Object.values(parts).reduce((x, y) => x + y, 0), parts, collateral: breakdownOf(v), imCollateral: v.totals.value_mm - v.totals.value_im, depegFactor };
  });
}

const NO_PARAMS = Object.freeze({});

export interface OutcomeParts {
  im: number;
  mm: number;
  equity: Equity;
  scenarioLoss: number;
  mmLossFactor: number;
  imLossFactor: number;
  contingencies: Record<string, number>;
  scenarios: ScenarioInfo[];
  scenarioPnl: number[];
  detail?: unknown;
}

/** The engine's record; the worst scenario is the smallest P&L (none for a static method). */
export function outcome(o: OutcomeParts, explain: boolean): MethodologyOutcome {
  let wi = -1;
  o.scenarioPnl.forEach((v, s) => {
    if (wi < 0 || v < o.scenarioPnl[wi]!) wi = s;
  });
  const worst = wi < 0 ? { index: -1, label: 'no scenarios (static method)', spot_shock: 0, vol_move: 'none', kind: 'static', pnl: 0 } : { ...o.scenarios[wi]!, pnl: o.scenarioPnl[wi]! };
  const addOn = o.equity.imCollateral ?? 0;
  // A depeg raises both requirements by the profile's factor (collateral.depeg_requirement).
  const k = o.equity.depegFactor ?? 0;
  const imDepeg = k * o.im;
  const mmDepeg = k * o.mm;
  const im = (addOn === 0 ? o.im : o.im + addOn) + imDepeg;
  const mm = o.mm + mmDepeg;
  let contingencies = addOn === 0 ? o.contingencies : { ...o.contingencies, 'im.collateral_haircut': addOn };
  if (k !== 0) contingencies = { ...contingencies, 'mm.depeg': mmDepeg, 'im.depeg': imDepeg };
  return {
    initial_margin: im,
    maintenance_margin: mm,
    equity: o.equity.equity,
    im_excess: o.equity.equity - im,
    mm_excess: o.equity.equity - mm,
    margin_currency: 'USD',
    breakdown: {
      scenario_loss: o.scenarioLoss,
      mm_loss_factor: o.mmLossFactor,
      im_loss_factor: o.imLossFactor,
      contingencies,
      equity_parts: o.equity.parts,
      ...(explain && o.detail !== undefined ? { detail: { method: o.detail } } : {}),
      collateral: o.equity.collateral ?? [],
    },
    worst_scenario: worst,
    scenario_pnl: o.scenarioPnl,
    scenarios: o.scenarios,
  };
}

/**
 * Run a batch computation; if it throws (one account's bad position), run each account alone so
 * the failure stays in its slot and every other account gets the result it gets alone.
 */
export function computeIsolated<R>(batch: readonly Resolved[], compute: (subset: readonly Resolved[]) => R[], out: Array<MethodologyOutcome | RiskgridError>): (R | undefined)[] {
  try {
    return compute(batch);
  } catch {
    return batch.map((r) => {
      try {
        return compute([r])[0];
      } catch (e) {
        out[r.slot] = asRiskgridError(e);
        return undefined;
      }
    });
  }
}

/** Plain ids (`SPX-...`, `ES-...`) read as linear contracts quoted in USD. */
export { conventions as idConventions } from '../../model/instrument.js';
