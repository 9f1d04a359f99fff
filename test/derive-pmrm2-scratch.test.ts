import { it } from 'vitest';
import { arrangeDerivePortfolio, buildDerivePmrm2Plan, finishDerivePmrm2, validateDerivePmrm2Params, type DerivePortfolio } from '../host/profiles/derive-pmrm2/index.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import prof from '../profiles/derive-pmrm2.test.json' with { type: 'json' };
it('timing', () => {
  const params = validateDerivePmrm2Params(prof.params);
  const secs = [2 * 86400, 9 * 86400, 30 * 86400, 90 * 86400];
  const strikes = Array.from({ length: 25 }, (_, i) => 1500 + 40 * i);
  const mk = (a: number): DerivePortfolio => ({
    spot: 2000, spotConfidence: 1, stablePrice: 1, cash: 1e5,
    perp: { amount: (a % 7) - 3, price: 2001, confidence: 1, unrealisedPnl: 0, funding: 0 },
    options: Array.from({ length: 50 }, (_, j) => ({ secToExpiry: secs[j % 4]!, strike: strikes[(j * 7 + a) % 25]!, isCall: j % 2 === 0, amount: ((a + j) % 11) - 5 || 1, markVol: 0.5 + 0.01 * (j % 5) })).filter((o, i, xs) => xs.findIndex((x) => x.secToExpiry === o.secToExpiry && x.strike === o.strike && x.isCall === o.isCall) === i),
    expiries: secs.map((s, i) => ({ secToExpiry: s, forward: 2000 + i, forwardConfidence: 1, rate: 0.05, rateConfidence: 1, volConfidence: 1 })),
    collaterals: [{ name: 'ETH', amount: 1 + (a % 3), price: 2000, confidence: 1, riskCancelling: true, mmHaircut: 0.05, imHaircut: 0.02 }, { name: 'USDT', amount: 1000, price: 1, confidence: 1, riskCancelling: false, mmHaircut: 0.02, imHaircut: 0.01 }],
  });
  const ps = Array.from({ length: 10000 }, (_, a) => mk(a));
  for (let rep = 0; rep < 3; rep++) { const t = performance.now(); for (const p of ps) arrangeDerivePortfolio(p); console.log('arrange only', (performance.now() - t).toFixed(1)); }
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    const { plan, meta } = buildDerivePmrm2Plan(ps, params);
    const tb = performance.now() - t; t = performance.now();
    const res = evaluatePlanTs(plan);
    const te = performance.now() - t; t = performance.now();
    finishDerivePmrm2(ps, params, meta, res);
    const tf = performance.now() - t;
    console.log(`10k accounts: build ${tb.toFixed(1)} ms, evaluate-ts ${te.toFixed(1)} ms, finish ${tf.toFixed(1)} ms; instruments ${plan.instruments.n}, positions ${plan.rows.posSize.length}`);
  }
  const one = [mk(1)];
  const times: number[] = [];
  for (let i = 0; i < 2000; i++) { const t = performance.now(); const { plan, meta } = buildDerivePmrm2Plan(one, params); finishDerivePmrm2(one, params, meta, evaluatePlanTs(plan)); times.push(performance.now() - t); }
  times.sort((x, y) => x - y);
  console.log(`one account (ts evaluator): p50 ${(times[1000]! * 1000).toFixed(0)} us p99 ${(times[1980]! * 1000).toFixed(0)} us`);
});
