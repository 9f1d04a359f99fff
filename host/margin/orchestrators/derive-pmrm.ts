// The derive-pmrm (v2.0) orchestrator: account + snapshot → Derive's v2.0 portfolio struct, one
// plan for the batch, Derive's figures → MarginResult. As in v2.0, a profile margins one currency;
// the base asset is the currency held as a balance (wrapped spot), and the only other balance is
// the margin stablecoin (cash).
import { RiskgridError } from '../../errors.js';
import type { MarketSnapshot } from '../../market/snapshot.js';
import type { Account } from '../../model/account.js';
import { at, fail, isObject, str } from '../../model/fields.js';
import { DERIVE_CONVENTIONS } from '../../model/instrument.js';
import {
  buildDerivePmrmPlan,
  finishDerivePmrm,
  validateDerivePmrmParams,
  validateDerivePmrmPortfolio,
  type DerivePmrmExpiry,
  type DerivePmrmOption,
  type DerivePmrmOutput,
  type DerivePmrmParams,
  type DerivePmrmPerp,
  type DerivePmrmPortfolio,
} from '../../profiles/derive-pmrm/index.js';
import type { MarginMethodology, MethodologyContext, MethodologyOutcome } from '../methodology.js';
import type { ScenarioInfo } from '../result.js';
import { scenarioLabel } from './derive-pmrm2.js';
import { isolate } from './isolate.js';
import { derivePmrmBreakdown } from '../../collateral/breakdown.js';

export interface DerivePmrmEngineParams extends DerivePmrmParams {
  /** The underlying this manager margins; a balance of it is the base asset. */
  currency: string;
}

export function validateDerivePmrmEngineParams(raw: unknown, path = 'params'): DerivePmrmEngineParams {
  if (!isObject(raw)) fail('RG_ERR_PROFILE', path, raw, 'must be an object');
  const { currency, ...rest } = raw;
  return { ...validateDerivePmrmParams(rest, path), currency: str(currency, at(path, 'currency'), 16) };
}

export function derivePmrmPortfolioOf(account: Account, market: MarketSnapshot, params: DerivePmrmEngineParams): DerivePmrmPortfolio {
  const cur = params.currency;
  const u = market.underlying(cur);
  const marginAsset = market.stablecoin?.asset ?? 'USDC';
  const optionAmount = new Map<string, { strike: number; expiry: number; type: 'C' | 'P'; amount: number }>();
  const perps: DerivePmrmPerp[] = [];
  let funding = 0;
  account.positions.forEach((pos, k) => {
    const ins = pos.instrument;
    const field = `positions[${k}].instrument`;
    if (ins.underlying !== cur) throw new RiskgridError('RG_ERR_INVALID_INPUT', `profile margins ${cur} only; ${ins.id} is on ${ins.underlying}`, { field, value: ins.id });
    if (ins.settlement !== 'linear') throw new RiskgridError('RG_ERR_INVALID_INPUT', `derive-pmrm margins linear instruments only; ${ins.id} is inverse`, { field, value: ins.id });
    const amount = pos.size * ins.contractSize;
    if (ins.kind === 'option') {
      const key = `${ins.expiry}|${ins.strike}|${ins.optionType}`;
      const have = optionAmount.get(key);
      if (have === undefined) optionAmount.set(key, { strike: ins.strike!, expiry: ins.expiry!, type: ins.optionType!, amount });
      else have.amount += amount;
    } else if (ins.kind === 'perpetual') {
      perps.push({ amount, entryPrice: pos.avgPrice ?? market.perp(cur).value });
      funding += pos.unrealisedFunding ?? 0;
    } else {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `derive-pmrm has no ${ins.kind} positions (${ins.id}); hold the base asset as a balance`, { field, value: ins.id });
    }
  });
  const options: DerivePmrmOption[] = [];
  const expiries = new Map<number, DerivePmrmExpiry>();
  for (const o of optionAmount.values()) {
    const e = market.expiry(cur, o.expiry);
    const sec = (o.expiry - market.timestamp) / 1000;
    if (!expiries.has(o.expiry)) {
      expiries.set(o.expiry, { secToExpiry: sec, forward: e.forward.value, rate: e.rate.value, forwardConfidence: e.forward.confidence, rateConfidence: e.rate.confidence });
    }
    options.push({ secToExpiry: sec, strike: o.strike, isCall: o.type === 'C', amount: o.amount, vol: market.volFor(cur, o.expiry, o.strike, o.type), volConfidence: e.volConfidence });
  }
  let cash = 0;
  let baseAmount = 0;
  for (const [asset, amount] of Object.entries(account.balances)) {
    if (asset === marginAsset) cash += amount;
    else if (asset === cur) baseAmount += amount;
    else throw new RiskgridError('RG_ERR_INVALID_INPUT', `derive-pmrm accepts only ${marginAsset} and ${cur} balances, not ${asset}`, { field: `balances.${asset}`, value: amount });
  }
  const perp = u.perp;
  if (perps.length > 0 && perp === undefined) market.perp(cur); // throws the missing-data error
  return {
    spot: u.index.value,
    spotConfidence: u.index.confidence,
    stablePrice: market.stablecoin?.price.value ?? 1,
    cash,
    perpPrice: perp?.value ?? u.index.value,
    perpConfidence: perp?.confidence ?? 1,
    perps,
    perpFunding: funding,
    baseAmount,
    options,
    expiries: [...expiries.values()],
  };
}

function outcomeOf(r: DerivePmrmOutput, scenarios: ScenarioInfo[], marginCurrency: string, explain: boolean): MethodologyOutcome {
  const c = r.contingencies;
  const w = r.worst;
  return {
    initial_margin: r.initialMargin,
    maintenance_margin: r.maintenanceMargin,
    equity: r.equity,
    im_excess: r.imExcess,
    mm_excess: r.mmExcess,
    margin_currency: marginCurrency,
    breakdown: {
      scenario_loss: Math.max(0, -w.pnl),
      mm_loss_factor: 1,
      im_loss_factor: c.imFactor,
      contingencies: { 'mm.base': c.base, 'mm.perp': c.perp, 'mm.option': c.option, 'im.oracle_confidence': c.confidence },
      equity_parts: { cash: r.equity - r.mtm, options: r.optionMtm, perps: r.perpMtm, base: r.baseMtm },
      ...(explain ? { detail: { derive: r } } : {}),
    },
    worst_scenario: { ...scenarios[w.index]!, pnl: w.pnl },
    scenario_pnl: [...r.scenarioPnl, c.basis],
    scenarios,
  };
}

export const derivePmrmMethodology: MarginMethodology<DerivePmrmEngineParams> & { conventions: typeof DERIVE_CONVENTIONS } = {
  description: "Derive's portfolio margin v2.0 (PMRM)",
  conventions: DERIVE_CONVENTIONS,
  validateParams: (raw, path) => validateDerivePmrmEngineParams(raw, path),
  marginAccounts(accounts, market, params, ctx: MethodologyContext & { explain?: boolean }) {
    const { out, good, slot } = isolate(accounts, (a) => validateDerivePmrmPortfolio(derivePmrmPortfolioOf(a, market, params)));
    if (good.length > 0) {
      const { currency: _, ...method } = params;
      const { plan, meta } = buildDerivePmrmPlan(good, method);
      const results = finishDerivePmrm(good, plan, meta, ctx.evaluate(plan));
      const scenarios: ScenarioInfo[] = params.scenarios.map((s, index) => ({ index, label: scenarioLabel(s.spotShock, s.volShock, 1), spot_shock: s.spotShock - 1, vol_move: s.volShock, kind: 'regular' }));
      scenarios.push({ index: scenarios.length, label: 'basis contingency', spot_shock: 0, vol_move: 'none', kind: 'basis' });
      const ccy = market.stablecoin?.asset ?? 'USDC';
      results.forEach((r, j) => {
        const o = outcomeOf(r, scenarios, ccy, ctx.explain === true);
        o.breakdown.collateral = derivePmrmBreakdown(accounts[slot[j]!]!.balances, market, ccy, params.currency);
        out[slot[j]!] = o;
      });
    }
    return out;
  },
};
