// The derive-pmrm2 orchestrator: gathers, for each account, what Derive's PMRM_2 math needs from
// the validated account and snapshot into its plain struct (DerivePortfolio), runs the whole
// batch through one scenario plan, and turns Derive's figures into a MarginResult.
//
// Like Derive's managers, a profile margins one currency (`currency`, e.g. ETH): positions on
// another underlying are an error for that account. The margin currency is the snapshot's
// stablecoin (USDC by default); other balances are collateral valued through `collaterals`.
import { RiskgridError } from '../../errors.js';
import { isolate } from './isolate.js';
import type { MarketSnapshot } from '../../market/snapshot.js';
import type { Account } from '../../model/account.js';
import { DERIVE_CONVENTIONS, type Instrument } from '../../model/instrument.js';
import { at, fail, isObject, onlyKeys, str } from '../../model/fields.js';
import {
  arrangeDerivePortfolio,
  buildDerivePmrm2Plan,
  finishDerivePmrm2,
  validateDerivePmrm2Params,
  type DerivePmrm2Params,
  type DerivePmrm2Result,
  type DerivePortfolio,
  type DeriveCollateral,
  type DeriveOption,
  type DeriveExpiryFeed,
} from '../../profiles/derive-pmrm2/index.js';
import type { DerivePmrm2PortfolioMeta } from '../../profiles/derive-pmrm2/index.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../methodology.js';
import type { PlanResult } from '../plan.js';
import type { ScenarioInfo } from '../result.js';
import { derivePmrm2Breakdown } from '../../collateral/breakdown.js';
import { LazyBreakdown, type LinesSource } from '../lazy-breakdown.js';

export interface CollateralTerms {
  mmHaircut: number;
  imHaircut: number;
  /** Moves with the margined currency's spot in every scenario (e.g. ETH, wrapped ETH). */
  riskCancelling: boolean;
}

export interface DerivePmrm2EngineParams extends DerivePmrm2Params {
  /** The underlying this manager margins. */
  currency: string;
  /** Accepted collateral assets (not the margin currency itself) and their terms. */
  collaterals: Record<string, CollateralTerms>;
}

/** A profile's params without the engine's keys: Derive's own parameter set. */
export function derivePmrm2MethodParams(params: Record<string, unknown>): Record<string, unknown> {
  const { currency: _c, collaterals: _t, ...method } = params;
  return method;
}

export function validateDerivePmrm2EngineParams(raw: unknown, path = 'params'): DerivePmrm2EngineParams {
  if (!isObject(raw)) fail('RG_ERR_PROFILE', path, raw, 'must be an object');
  const { currency, collaterals, ...rest } = raw;
  const method = validateDerivePmrm2Params(rest);
  const cur = str(currency, at(path, 'currency'), 16);
  if (!isObject(collaterals)) fail('RG_ERR_PROFILE', at(path, 'collaterals'), collaterals, 'must be an object asset → {mmHaircut, imHaircut, riskCancelling}');
  const terms: Record<string, CollateralTerms> = Object.create(null);
  for (const [asset, t] of Object.entries(collaterals)) {
    const p = at(at(path, 'collaterals'), asset);
    if (!isObject(t)) fail('RG_ERR_PROFILE', p, t, 'must be an object');
    onlyKeys(t, new Set(['mmHaircut', 'imHaircut', 'riskCancelling']), p);
    const h = (k: 'mmHaircut' | 'imHaircut'): number => {
      const v = t[k];
      return typeof v === 'number' && v >= 0 && v <= 1 ? v : fail('RG_ERR_PROFILE', at(p, k), v, 'must be a number in [0, 1]');
    };
    const rc = t.riskCancelling;
    if (typeof rc !== 'boolean') fail('RG_ERR_PROFILE', at(p, 'riskCancelling'), rc, 'must be true or false');
    terms[asset] = { mmHaircut: h('mmHaircut'), imHaircut: h('imHaircut'), riskCancelling: rc };
  }
  return { ...method, currency: cur, collaterals: terms };
}

/** Account + snapshot → Derive's plain portfolio struct (throws for this account only). */
export function derivePortfolioOf(account: Account, market: MarketSnapshot, params: DerivePmrm2EngineParams, optionIds?: string[]): DerivePortfolio {
  const cur = params.currency;
  const u = market.underlying(cur);
  const stable = market.stablecoin;
  const marginAsset = stable?.asset ?? 'USDC';
  const options: DeriveOption[] = [];
  const expiries = new Map<number, DeriveExpiryFeed>();
  let perpAmount = 0;
  let perpCost = 0; // Σ size·avg_price where known, for the unrealised P&L
  let perpKnownAmount = 0;
  let perpFunding = 0;
  // One entry per option, in order of first appearance (sizes of repeated instruments add up; the
  // method sums in its own canonical order, so a permuted account gets a bit-identical margin).
  const optionAmount = new Map<string, { ins: Instrument; amount: number }>();
  account.positions.forEach((pos, k) => {
    const ins = pos.instrument;
    const field = `positions[${k}].instrument`;
    if (ins.underlying !== cur) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `profile margins ${cur} only; ${ins.id} is on ${ins.underlying}`, { field, value: ins.id });
    }
    if (ins.settlement !== 'linear') {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `derive-pmrm2 margins linear instruments only; ${ins.id} is inverse`, { field, value: ins.id });
    }
    const amount = pos.size * ins.contractSize;
    if (ins.kind === 'option') {
      const key = `${ins.expiry}|${ins.strike}|${ins.optionType}`;
      const have = optionAmount.get(key);
      if (have === undefined) optionAmount.set(key, { ins, amount });
      else have.amount += amount;
    } else if (ins.kind === 'perpetual') {
      perpAmount += amount;
      perpFunding += pos.unrealisedFunding ?? 0;
      if (pos.avgPrice !== undefined) {
        perpCost += amount * pos.avgPrice;
        perpKnownAmount += amount;
      }
    } else {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `derive-pmrm2 has no ${ins.kind} positions (${ins.id}); hold the asset as a balance`, { field, value: ins.id });
    }
  });
  for (const { ins, amount } of optionAmount.values()) {
    optionIds?.push(ins.id);
    const expiry = ins.expiry!;
    const sec = (expiry - market.timestamp) / 1000;
    if (!expiries.has(expiry)) {
      const e = market.expiry(cur, expiry);
      expiries.set(expiry, {
        secToExpiry: sec,
        forward: e.forward.value,
        forwardConfidence: e.forward.confidence,
        rate: e.rate.value,
        rateConfidence: e.rate.confidence,
        volConfidence: e.volConfidence,
      });
    }
    options.push({ secToExpiry: sec, strike: ins.strike!, isCall: ins.optionType === 'C', amount, markVol: market.volFor(cur, expiry, ins.strike!, ins.optionType) });
  }

  const collaterals: DeriveCollateral[] = [];
  let cash = 0;
  for (const [asset, amount] of Object.entries(account.balances)) {
    if (asset === marginAsset) {
      cash += amount;
      continue;
    }
    const terms = params.collaterals[asset];
    if (terms === undefined) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `asset ${asset} is not accepted as collateral by this profile`, { field: `balances.${asset}`, value: amount });
    }
    const feed = market.collateral.get(asset);
    if (feed === undefined) {
      throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `market snapshot has no price for collateral ${asset}`, { field: `collateral.${asset}`, value: undefined });
    }
    collaterals.push({ name: asset, amount, price: feed.value, confidence: feed.confidence, riskCancelling: terms.riskCancelling, mmHaircut: terms.mmHaircut, imHaircut: terms.imHaircut });
  }

  const portfolio: DerivePortfolio = {
    spot: u.index.value,
    spotConfidence: u.index.confidence,
    stablePrice: stable?.price.value ?? 1,
    cash,
    options,
    expiries: [...expiries.values()],
    collaterals,
  };
  if (perpAmount !== 0 || perpFunding !== 0 || perpCost !== 0) {
    const perp = market.perp(cur);
    portfolio.perp = { amount: perpAmount, price: perp.value, confidence: perp.confidence, unrealisedPnl: perpKnownAmount * perp.value - perpCost, funding: perpFunding };
  }
  return portfolio;
}

function pct(x: number): string {
  const v = Math.round((x - 1) * 1e4) / 100;
  return `${v >= 0 ? '+' : ''}${v}%`;
}

/** "spot +18% vol up", "spot -66% vol up ×0.21", "linear skew". */
export function scenarioLabel(spotShock: number, volShock: string, dampening: number): string {
  if (volShock === 'linear' || volShock === 'abs') return `${volShock} skew`;
  return `spot ${pct(spotShock)} vol ${volShock}${dampening !== 1 ? ` ×${dampening}` : ''}`;
}

export function derivePmrm2Scenarios(params: DerivePmrm2Params, kinds: string[]): ScenarioInfo[] {
  const out: ScenarioInfo[] = params.scenarios.map((s, index) => {
    const vol = s.volShock === 'linear' || s.volShock === 'abs' ? `${s.volShock} skew` : s.volShock;
    return { index, label: scenarioLabel(s.spotShock, s.volShock, s.dampening), spot_shock: s.spotShock - 1, vol_move: vol, kind: kinds[index] ?? 'regular' };
  });
  out.push({ index: out.length, label: 'basis contingency', spot_shock: 0, vol_move: 'none', kind: 'basis' });
  return out;
}

export function outcomeOf(r: DerivePmrm2Result, scenarios: ScenarioInfo[], marginCurrency: string, explain: boolean, lines: LinesSource<Readonly<Record<string, number>>> | undefined, balances: Readonly<Record<string, number>>): MethodologyOutcome {
  const scenario_pnl = [...r.scenarioPnl, r.basisContingency];
  const w = r.worst;
  const worstInfo = scenarios[w.index]!;
  const c = r.contingencies;
  const contingencies = {
    'mm.perp': c.mmPerp,
    'mm.option': c.mmOption,
    'mm.collateral_haircut': c.mmCollateral,
    'im.perp': c.imPerp,
    'im.option': c.imOption,
    'im.collateral_haircut': c.imCollateral,
    'im.oracle_confidence': c.oracle,
    'im.depeg': r.depegAddOn * Math.max(0, -w.pnl),
  };
  const equity_parts = { cash: r.cash, options: r.optionMtm, collateral: r.collateralMtm, perp_unrealised_pnl: r.perpUnrealisedPnl, perp_funding: r.perpFunding };
  const detail = explain ? { derive: r } : undefined;
  return {
    initial_margin: r.initialMargin,
    maintenance_margin: r.maintenanceMargin,
    equity: r.equity,
    im_excess: r.imExcess,
    mm_excess: r.mmExcess,
    margin_currency: marginCurrency,
    breakdown: lines !== undefined
      ? new LazyBreakdown(Math.max(0, -w.pnl), r.mmLossFactor, r.imLossFactor, contingencies, equity_parts, lines, balances, detail)
      : { scenario_loss: Math.max(0, -w.pnl), mm_loss_factor: r.mmLossFactor, im_loss_factor: r.imLossFactor, contingencies, equity_parts, ...(detail === undefined ? {} : { detail }) },
    worst_scenario: { ...worstInfo, pnl: w.pnl },
    scenario_pnl,
    scenarios,
  };
}

export const derivePmrm2Methodology: MarginMethodology<DerivePmrm2EngineParams> & { conventions: typeof DERIVE_CONVENTIONS } = {
  description: "Derive's on-chain portfolio margin, PMRM_2 (v2.x)",
  conventions: DERIVE_CONVENTIONS,
  validateParams: (raw, path) => validateDerivePmrm2EngineParams(raw, path),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean; collateralLines?: boolean }) {
    const { out, good: converted, slot } = isolate(accounts, (a) => {
      const optionIds: string[] = [];
      const p = derivePortfolioOf(a, market, params, optionIds);
      arrangeDerivePortfolio(p); // validates this portfolio alone, before it joins the batch
      return { p, optionIds };
    });
    const good = converted.map((c) => c.p);
    const ids = converted.map((c) => c.optionIds);
    if (good.length > 0) {
      const { plan, meta } = buildDerivePmrm2Plan(good, params);
      const evaluated = ctx.evaluate(plan);
      const results = finishDerivePmrm2(good, params, meta, evaluated);
      const kinds = results[0]!.scenarioKinds;
      const scenarios = derivePmrm2Scenarios(params, kinds);
      const marginCurrency = market.stablecoin?.asset ?? 'USDC';
      results.forEach((r, j) => {
        const stable = good[j]!.stablePrice;
        const lines = { lines: (balances: Readonly<Record<string, number>>) => derivePmrm2Breakdown(balances, market, marginCurrency, params.collaterals, stable) };
        const o = outcomeOf(r, scenarios, marginCurrency, ctx.explain === true, ctx.collateralLines === true ? lines : undefined, accounts[slot[j]!]!.balances);
        if (ctx.instrumentScenarios) o.instrument_scenarios = optionScenarios(meta.portfolios[j]!, ids[j]!, evaluated, plan.scenarios.nS, params.scenarios.length);
        out[slot[j]!] = o;
      });
    }
    return out;
  },
};

/** Each option's value per scenario (the instrument table row; the basis pair's two legs dropped). */
function optionScenarios(meta: DerivePmrm2PortfolioMeta, optionIds: string[], res: PlanResult, nS: number, n: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  meta.arranged.expiries.forEach((e, k) => {
    e.options.forEach((optionIndex, j) => {
      const row = meta.expiries[k]!.instruments[j]!;
      out[optionIds[optionIndex]!] = Array.from(res.table.subarray(row * nS, row * nS + n));
    });
  });
  return out;
}

