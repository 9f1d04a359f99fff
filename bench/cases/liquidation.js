// Liquidation plan benchmarks (issue 7, target ≤ 5 ms per plan for a 50-position account): books of
// 49 options over 4 expiries plus a perp (bench/fixtures/derive-venue.js) under derive-pmrm2.test,
// with the USDC balance set so the account sits 30 % of its MM below maintenance.
//   liquidation.plan.50-positions        one book (seed 42), the same plan every call
//   liquidation.plan.50-positions.mixed  eight books (seeds 1–8), one per call in turn
import { createEngine } from '../../dist/index.js';
import { liquidationPlan } from '../../dist/liquidation/plan.js';
import { account, market, rng } from '../fixtures/derive-venue.js';

const DEFICIT = 0.3;
const PARAMS = { mm_buffer: 0.1 };

export default async function () {
  const engine = createEngine({ profile: 'derive-pmrm2.test', snapshot: { now: false } });
  const snap = engine.parseMarket(market());
  const book = (seed) => {
    const a = account(`liq-${seed}`, 49, rng(seed));
    const r = engine.margin(a, snap);
    return engine.parseAccount({ ...a, balances: { ...a.balances, USDC: a.balances.USDC - r.mm_excess - DEFICIT * r.maintenance_margin } });
  };
  const one = book(42);
  const mixed = Array.from({ length: 8 }, (_, i) => book(i + 1));
  // A benchmark of wrong plans is worthless: each must restore MM + buffer on the re-margined account.
  const stats = [one, ...mixed].map((a) => {
    if (a.positions.length !== 50) throw new Error(`liquidation bench: ${a.id} has ${a.positions.length} positions`);
    const plan = liquidationPlan(engine, a, snap, PARAMS);
    const end = plan.margin_after;
    if (!plan.restored || end.mm_excess < PARAMS.mm_buffer * end.mm) throw new Error(`liquidation bench: plan for ${a.id} did not restore (${plan.reason})`);
    return plan;
  });
  const first = stats[0];
  const steps = stats.slice(1).map((p) => p.steps.length);
  let k = 0;
  return [
    {
      name: 'liquidation.plan.50-positions',
      batch: 1,
      time: 2000,
      fn: () => liquidationPlan(engine, one, snap, PARAMS),
      extra: () => ({ steps: first.steps.length, candidates: first.totals.candidates_evaluated, cost: Math.round(first.totals.cost * 100) / 100 }),
    },
    {
      name: 'liquidation.plan.50-positions.mixed',
      batch: 1,
      time: 2000,
      fn: () => liquidationPlan(engine, mixed[k++ % mixed.length], snap, PARAMS),
      extra: () => ({ steps_min: Math.min(...steps), steps_max: Math.max(...steps) }),
    },
  ];
}
