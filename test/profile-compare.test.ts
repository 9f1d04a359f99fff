// Cross-method property: a hedged book never needs more under a portfolio method than under the
// static `standard` method with its shipped parameters (the capital portfolio margin saves).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCrossFutures } from '../host/profiles/cross-futures/index.js';
import { computeDeribitPm } from '../host/profiles/deribit-pm/index.js';
import { computeOkxPm } from '../host/profiles/okx-pm/index.js';
import { computeSpan } from '../host/profiles/span/index.js';
import type { SpanPosition } from '../host/profiles/span/types.js';
import { computeStandard } from '../host/profiles/standard/index.js';
import type { ResolvedPosition } from '../host/profiles/standard/position.js';
import { computeTims } from '../host/profiles/tims/index.js';

const params = (n: string) => JSON.parse(readFileSync(new URL(`../profiles/${n}.json`, import.meta.url), 'utf8')).params;
const STD = params('standard');

type Book = [string, ResolvedPosition[]];

// Crypto books: linear (USD-settled) BTC options and perpetual, index 60,000.
const c = (size: number, K: number, type: 'C' | 'P', days = 30): ResolvedPosition => ({
  id: `BTC-${days}-${K}-${type}`, kind: 'option', underlying: 'BTC', size, multiplier: 1, forward: 60000, spot: 60000, strike: K, optionType: type, T: days / 365, vol: 0.6, df: 1,
});
const perp = (size: number): ResolvedPosition => ({ id: 'BTC-PERP', kind: 'perpetual', underlying: 'BTC', size, multiplier: 1, forward: 60000, spot: 60000, T: 0 });
const CRYPTO: Book[] = [
  ['covered call', [perp(1), c(-1, 66000, 'C')]],
  ['delta-hedged short straddle', [c(-1, 60000, 'C'), c(-1, 60000, 'P'), perp(-0.03)]],
  ['box', [c(1, 55000, 'C'), c(-1, 65000, 'C'), c(-1, 55000, 'P'), c(1, 65000, 'P')]],
  ['calendar spread', [c(-1, 60000, 'C', 30), c(1, 60000, 'C', 90)]],
  ['hedged risk reversal', [c(1, 66000, 'C'), c(-1, 54000, 'P'), perp(-0.6)]],
  ['protective put', [perp(1), c(1, 57000, 'P')]],
];

// Index books for span (S&P futures and options on them, multiplier 50) and tims (multiplier 100).
const spx = (size: number, K: number, type: 'C' | 'P', mult: number, days = 30): SpanPosition => ({
  id: `SP-${days}-${K}-${type}`, kind: 'option', underlying: 'SPX', commodity: 'SP', month: '202612', size, multiplier: mult, forward: 5000, spot: 5000, strike: K, optionType: type, T: days / 365, vol: 0.18, df: 0.996,
});
const spFut = (size: number, mult: number): SpanPosition => ({ id: 'SPZ6', kind: 'future', underlying: 'SPX', commodity: 'SP', month: '202612', size, multiplier: mult, forward: 5000, spot: 5000, T: 0.1 });
const indexBooks = (m: number): [string, SpanPosition[]][] => [
  ['covered call', [spFut(1, m), spx(-1, 5200, 'C', m)]],
  ['delta-hedged short straddle', [spx(-1, 5000, 'C', m), spx(-1, 5000, 'P', m), spFut(-0.03, m)]],
  ['box', [spx(1, 4800, 'C', m), spx(-1, 5200, 'C', m), spx(-1, 4800, 'P', m), spx(1, 5200, 'P', m)]],
  ['calendar spread', [spx(-1, 5000, 'C', m, 30), spx(1, 5000, 'C', m, 90)]],
  ['hedged risk reversal', [spx(1, 5200, 'C', m), spx(-1, 4800, 'P', m), spFut(-0.6, m)]],
  ['protective put', [spFut(1, m), spx(1, 4900, 'P', m)]],
];

const table: string[] = [];
function compare(method: string, book: string, portfolio: number, standard: number): void {
  table.push(`${method.padEnd(14)} ${book.padEnd(28)} ${portfolio.toFixed(0).padStart(9)} vs standard ${standard.toFixed(0).padStart(9)}`);
  expect(Number.isFinite(portfolio)).toBe(true);
  expect(portfolio).toBeLessThanOrEqual(standard);
}

describe('hedged books: portfolio methods never need more than standard', () => {
  it.each(CRYPTO)('deribit-pm, okx-pm, cross-futures: %s', (name, book) => {
    const std = computeStandard([{ id: name, positions: book }], STD)[0]!.initialMargin;
    compare('deribit-pm', name, computeDeribitPm([{ id: name, positions: book }], params('deribit-pm'))[0]!.initialMargin, std);
    compare('okx-pm', name, computeOkxPm([{ id: name, positions: book }], params('okx-pm'))[0]!.initialMargin, std);
    compare('cross-futures', name, computeCrossFutures([{ id: name, positions: book }], params('cross-futures'))[0]!.initialMargin, std);
  });

  it.each(indexBooks(50))('span: %s', (name, book) => {
    const std = computeStandard([{ id: name, positions: book }], STD)[0]!.initialMargin;
    compare('span', name, computeSpan([{ id: name, positions: book }], params('span.cme-example'))[0]!.initialMargin, std);
  });

  it.each(indexBooks(100))('tims: %s', (name, book) => {
    const std = computeStandard([{ id: name, positions: book }], STD)[0]!.initialMargin;
    compare('tims', name, computeTims([{ id: name, positions: book }], params('tims'))[0]!.initialMargin, std);
  });

  it('prints the comparison', () => {
    if (process.env.RISKGRID_PRINT_COMPARE === '1') console.log(table.join('\n'));
    expect(table.length).toBe(6 * 3 + 6 + 6);
  });
});

// Against `standard` the portfolio methods promise relief for the classic hedges above, not for
// every book: with the shipped files a long-dated low-vol covered call can need slightly more
// under deribit-pm (its up-shock vol floor of 0.5 reprices the short call) — found by fast-check.
// What every scenario method does promise is that netting never costs: margining two portfolios
// together needs no more than margining them apart (the worst of a sum is at most the sum of the
// worsts; delta shock, per-strike minima and group offsets are subadditive too).
describe('portfolio margin is subadditive (fast-check)', () => {
  const leg = fc.record({
    K: fc.double({ min: 0.6, max: 1.6, noNaN: true }),
    type: fc.constantFrom<'C' | 'P'>('C', 'P'),
    size: fc.double({ min: -5, max: 5, noNaN: true }),
    days: fc.integer({ min: 1, max: 400 }),
    vol: fc.double({ min: 0.1, max: 1.5, noNaN: true }),
    perp: fc.double({ min: -3, max: 3, noNaN: true }),
  });
  const book = (legs: { K: number; type: 'C' | 'P'; size: number; days: number; vol: number; perp: number }[]) =>
    legs.flatMap((l, i) => [{ ...c(l.size, Math.round(60000 * l.K), l.type, l.days), id: `o${i}`, vol: l.vol }, { ...perp(l.perp), id: `p${i}` }]);
  const books = fc.tuple(fc.array(leg, { minLength: 1, maxLength: 3 }), fc.array(leg, { minLength: 1, maxLength: 3 }));
  const atMost = (together: number, apart: number) => expect(together).toBeLessThanOrEqual(apart * (1 + 1e-12) + 1e-9);

  it('deribit-pm IM, okx-pm MR1, tims MM, span scan risk', () => {
    fc.assert(
      fc.property(books, ([a, b]) => {
        const A = book(a);
        const B = book(b);
        const both = [{ id: 'a', positions: A }, { id: 'b', positions: B }, { id: 'ab', positions: [...A, ...B] }];
        const d = computeDeribitPm(both, params('deribit-pm'));
        atMost(d[2]!.initialMargin, d[0]!.initialMargin + d[1]!.initialMargin);
        // Summed over the book's risk units (one per underlying; none when every size is 0).
        const o = computeOkxPm(both, params('okx-pm')).map((r) => r.units.reduce((sum, u) => sum + u.mr.mr1, 0));
        atMost(o[2]!, o[0]! + o[1]!);
        const t = computeTims(both, params('tims'));
        atMost(t[2]!.maintenanceMargin, t[0]!.maintenanceMargin + t[1]!.maintenanceMargin);
        const sp = (ps: ResolvedPosition[]): SpanPosition[] => ps.map((q) => ({ ...q, underlying: 'SPX', commodity: 'SP', month: '202612', multiplier: 50, forward: 5000, spot: 5000, strike: q.strike === undefined ? undefined : q.strike / 12 }));
        const s3 = computeSpan([{ id: 'a', positions: sp(A) }, { id: 'b', positions: sp(B) }, { id: 'ab', positions: sp([...A, ...B]) }], params('span.cme-example'));
        atMost(s3[2]!.breakdown.scanRisk, s3[0]!.breakdown.scanRisk + s3[1]!.breakdown.scanRisk);
      }),
      { numRuns: 60 },
    );
  });
});
