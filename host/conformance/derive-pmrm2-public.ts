// Routes a Derive PMRM_2 case through the public engine API: the case's portfolio and market are
// written as an ordinary account, market snapshot and profile (the JSON any user would send),
// then margined by createEngine(...).margin. Nothing of the case reaches the math by a side door.
import type { DerivePmrm2Params, DerivePmrm2Result, DerivePortfolio } from '../profiles/derive-pmrm2/index.js';
import { createEngine } from '../margin/engine.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import { derivePmrm2CaseOutputs, type CaseOutputs, type DerivePmrm2Case } from './derive-pmrm2-cases.js';

/** Any fixed instant serves: the cases give times to expiry in seconds. */
const CASE_TIME = 1_700_000_000_000;
const UNDERLYING = 'ETH';
const STABLE = 'USDC';

export interface PublicInputs {
  account: Record<string, unknown>;
  market: Record<string, unknown>;
  profile: Record<string, unknown>;
}

export function publicInputsOf(name: string, p: DerivePortfolio, params: DerivePmrm2Params): PublicInputs {
  const expiryMs = (sec: number): number => CASE_TIME + sec * 1000;
  const expiries: Record<string, Record<string, unknown>> = {};
  for (const e of p.expiries) {
    expiries[`T${e.secToExpiry}s`] = {
      expiry: expiryMs(e.secToExpiry),
      forward: e.forward,
      forward_confidence: e.forwardConfidence,
      rate: e.rate,
      rate_confidence: e.rateConfidence,
      vol_confidence: e.volConfidence,
      vols: {},
    };
  }
  const positions: Record<string, unknown>[] = p.options.map((o) => {
    const e = expiries[`T${o.secToExpiry}s`];
    if (e !== undefined) (e.vols as Record<string, number>)[`${o.strike}-${o.isCall ? 'C' : 'P'}`] = o.markVol;
    return {
      instrument: { kind: 'option', underlying: UNDERLYING, quote: STABLE, settlement: 'linear', strike: o.strike, expiry: expiryMs(o.secToExpiry), option_type: o.isCall ? 'C' : 'P' },
      size: o.amount,
    };
  });
  const balances: Record<string, number> = { [STABLE]: p.cash };
  const underlying: Record<string, unknown> = { index_price: p.spot, index_confidence: p.spotConfidence, expiries };
  const perp = p.perp;
  if (perp !== undefined && (perp.amount !== 0 || perp.unrealisedPnl !== 0 || perp.funding !== 0)) {
    underlying.perp_price = perp.price > 0 ? perp.price : p.spot; // no perp mark without a position
    underlying.perp_confidence = perp.confidence;
    // Entry price that gives the case's unrealised P&L: amount·(mark − avg) = uPnL.
    const position: Record<string, unknown> = { instrument: `${UNDERLYING}-PERPETUAL`, size: perp.amount, unrealised_funding: perp.funding };
    if (perp.amount !== 0) position.avg_price = perp.price - perp.unrealisedPnl / perp.amount;
    positions.push(position);
  }
  const collateral: Record<string, unknown> = {};
  const terms: Record<string, unknown> = {};
  for (const c of p.collaterals) {
    balances[c.name] = c.amount;
    collateral[c.name] = { price: c.price, confidence: c.confidence };
    terms[c.name] = { mmHaircut: c.mmHaircut, imHaircut: c.imHaircut, riskCancelling: c.riskCancelling };
  }
  return {
    account: { account_id: name, positions, balances },
    market: {
      snapshot_id: name,
      timestamp: CASE_TIME,
      stablecoin: { asset: STABLE, price: p.stablePrice },
      collateral,
      underlyings: { [UNDERLYING]: underlying },
    },
    profile: {
      name: `derive-pmrm2.case.${name.replace(/[^A-Za-z0-9._-]/g, '_')}`,
      methodology: 'derive-pmrm2',
      version: '1',
      description: `parameters of Derive case ${name}`,
      params: { ...params, currency: UNDERLYING, collaterals: terms },
    },
  };
}

/** The conformance `compute` function over the public engine API. */
export function computeDerivePmrm2CaseViaEngine(opts: { wasm?: RiskgridWasm; evaluator?: 'wasm' | 'ts' } = {}) {
  return (c: DerivePmrm2Case): CaseOutputs => {
    const inputs = publicInputsOf(c.name, c.portfolio, c.params);
    const engine = createEngine({ profile: inputs.profile, snapshot: { now: false }, ...opts });
    const result = engine.margin(inputs.account, inputs.market, { explain: true });
    const derive = (result.breakdown.detail as { derive: DerivePmrm2Result }).derive;
    return derivePmrm2CaseOutputs(derive, c.params);
  };
}
