// Margin engine benchmarks (issue 3): one account's latency, what-if latency, and a 10,000-account
// batch under derive-pmrm2 with its test parameters (31 scenarios).
import { createEngine } from '../../dist/index.js';
import { account, market, rng } from '../fixtures/derive-venue.js';

export default async function () {
  const engine = createEngine({ profile: 'derive-pmrm2.test', snapshot: { now: false } });
  const snap = engine.parseMarket(market());
  const rand = rng(42);
  const one = engine.parseAccount(account('one', 50, rand));
  const oneJson = account('json', 50, rng(42));
  const batch = Array.from({ length: 10_000 }, (_, i) => engine.parseAccount(account(`a${i}`, 5 + Math.floor(rand() * 45), rand)));
  const trade = [{ instrument: 'ETH-PERPETUAL', size: -2 }];
  // A benchmark of wrong numbers is worthless: check the batch against the reference path first.
  const reference = createEngine({ profile: 'derive-pmrm2.test', snapshot: { now: false }, path: 'reference' });
  const outcomes = engine.marginBatch(batch, snap);
  outcomes.forEach((o, i) => {
    if (!o.ok) throw new Error(`margin.batch: account ${i} failed: ${o.error.code}`);
    if (i % 97 === 0 && reference.margin(batch[i], snap).initial_margin !== o.result.initial_margin) throw new Error(`margin.batch: account ${i} differs from the reference path`);
  });
  return [
    { name: 'margin.account.derive-pmrm2', batch: 1, time: 2000, fn: () => engine.margin(one, snap) },
    { name: 'margin.account-json.derive-pmrm2', batch: 1, time: 1000, fn: () => engine.margin(oneJson, snap) },
    { name: 'margin.whatif.derive-pmrm2', batch: 1, time: 2000, fn: () => engine.whatIf(one, snap, trade) },
    { name: 'margin.batch.derive-pmrm2', batch: batch.length, time: 3000, iterations: 5, fn: () => engine.marginBatch(batch, snap) },
  ];
}
