// Routes Derive's PMRM v2.0 cases through the public engine API: each case's portfolio and fixed
// test market are written as an ordinary account, snapshot and profile, then margined by
// createEngine(...).margin.
import { RiskgridError } from '../errors.js';
import { createEngine } from '../margin/engine.js';
import { loadProfile } from '../profiles/registry.js';
import type { DerivePmrmParams, DerivePmrmPortfolio } from '../profiles/derive-pmrm/index.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import { readDerivePmrmV20Cases, runDerivePmrmV20Case, summarizeOutcomes, type DerivePmrmV20Outcome } from './derive-pmrm-cases.js';
import { registerBuiltinMethodologies } from '../margin/builtin.js';

const CASE_TIME = 1_700_000_000_000;
const UNDERLYING = 'ETH';
const STABLE = 'USDC';

export function publicInputsOfV20(name: string, p: DerivePmrmPortfolio, params: DerivePmrmParams) {
  const expiryMs = (sec: number): number => CASE_TIME + sec * 1000;
  const expiries: Record<string, Record<string, unknown>> = {};
  for (const e of p.expiries) {
    if ((e.forwardFixed ?? 0) !== 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${name}: a fixed forward part has no public form`, { field: 'forwardFixed', value: e.forwardFixed });
    expiries[`T${e.secToExpiry}s`] = { expiry: expiryMs(e.secToExpiry), forward: e.forward, forward_confidence: e.forwardConfidence, rate: e.rate, rate_confidence: e.rateConfidence, vols: {} };
  }
  const positions: Record<string, unknown>[] = p.options.map((o) => {
    const e = expiries[`T${o.secToExpiry}s`]!;
    (e.vols as Record<string, number>)[`${o.strike}-${o.isCall ? 'C' : 'P'}`] = o.vol;
    if (e.vol_confidence !== undefined && e.vol_confidence !== o.volConfidence) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `${name}: vol confidences differ within one expiry`, { field: 'volConfidence', value: o.volConfidence });
    }
    e.vol_confidence = o.volConfidence;
    return {
      instrument: { kind: 'option', underlying: UNDERLYING, quote: STABLE, settlement: 'linear', strike: o.strike, expiry: expiryMs(o.secToExpiry), option_type: o.isCall ? 'C' : 'P' },
      size: o.amount,
    };
  });
  p.perps.forEach((q, i) => {
    const pos: Record<string, unknown> = { instrument: `${UNDERLYING}-PERPETUAL`, size: q.amount, avg_price: q.entryPrice };
    if (i === 0 && (p.perpFunding ?? 0) !== 0) pos.unrealised_funding = p.perpFunding;
    positions.push(pos);
  });
  const balances: Record<string, number> = { [STABLE]: p.cash };
  if (p.baseAmount !== 0) balances[UNDERLYING] = p.baseAmount;
  return {
    account: { account_id: name, positions, balances },
    market: {
      snapshot_id: name,
      timestamp: CASE_TIME,
      stablecoin: { asset: STABLE, price: p.stablePrice },
      underlyings: {
        [UNDERLYING]: { index_price: p.spot, index_confidence: p.spotConfidence, perp_price: p.perpPrice, perp_confidence: p.perpConfidence, expiries },
      },
    },
    profile: { name: `derive-pmrm.case.${name}`, methodology: 'derive-pmrm', version: '1', description: `Derive v2.0 test parameters (case ${name})`, params: { ...params, currency: UNDERLYING } },
  };
}

export function computeDerivePmrmCaseViaEngine(name: () => string, opts: { wasm?: RiskgridWasm; evaluator?: 'wasm' | 'ts' } = {}) {
  return (p: DerivePmrmPortfolio, params: DerivePmrmParams): { imExcess: number; mmExcess: number } => {
    const inputs = publicInputsOfV20(name(), p, params);
    const engine = createEngine({ profile: inputs.profile, snapshot: { now: false }, ...opts });
    const r = engine.margin(inputs.account, inputs.market);
    return { imExcess: r.im_excess, mmExcess: r.mm_excess };
  };
}

/** The v2.0 suite from one case file, through the public engine, with the test parameter set. */
export async function runDerivePmrmConformanceFiles(paths: string[], opts: { wasm?: RiskgridWasm; evaluator?: 'wasm' | 'ts' } = {}): Promise<{ reports: DerivePmrmV20Outcome[]; summary: string; failed: number }> {
  registerBuiltinMethodologies();
  const params = loadProfile<{ currency?: string } & DerivePmrmParams>('derive-pmrm.test').params;
  const { currency: _, ...method } = params;
  const reports: DerivePmrmV20Outcome[] = [];
  for (const path of paths) {
    for (const c of readDerivePmrmV20Cases(path, method as DerivePmrmParams)) {
      reports.push(runDerivePmrmV20Case(c, computeDerivePmrmCaseViaEngine(() => c.name, opts)));
    }
  }
  return { reports, summary: summarizeOutcomes(reports), failed: reports.filter((r) => r.status === 'fail').length };
}
