// VenueEngine's bulk result API (indicesOf, poolOf, resultColumns): every figure equal to
// engine.account's, bit for bit, for rows, reference-path accounts, failed rows and invalid inputs;
// after a tick and a setAccount too. It is what cluster nodes publish from (host/cluster).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { excessRatio, ST_NAMES } from '../host/pool/venue-layout.js';
import { VenueEngine, type VenueAccountResult, type VenueResultColumns } from '../host/pool/venue-engine.js';
import { synthMultiVenue } from '../host/venue/synth-multi.js';

type Json = Record<string, unknown>;

function columns(n: number): Required<VenueResultColumns> {
  const f = () => new Float64Array(n).fill(12345); // not a figure any account has: a missed write shows
  return { initial_margin: f(), maintenance_margin: f(), equity: f(), im_excess: f(), mm_excess: f(), excess_ratio: f(), status: new Uint8Array(n).fill(99) };
}

function rowOf(c: Required<VenueResultColumns>, k: number, id: string, pool: string, errors: Map<number, NonNullable<VenueAccountResult['error']>>): VenueAccountResult {
  const r: VenueAccountResult = {
    account_id: id, pool, status: ST_NAMES[c.status[k]!]!, initial_margin: c.initial_margin[k]!, maintenance_margin: c.maintenance_margin[k]!, equity: c.equity[k]!,
    im_excess: c.im_excess[k]!, mm_excess: c.mm_excess[k]!, excess_ratio: c.excess_ratio[k]!,
  };
  const e = errors.get(k);
  if (e !== undefined) r.error = e;
  return r;
}

describe('venue engine: bulk result columns', () => {
  const v = synthMultiVenue({ accounts: 1200, instruments: 300, seed: 8 });
  const list = [...v.accountLines()].map((l) => JSON.parse(l) as Json);
  // Failed for different reasons, and a pool of another methodology (the reference path).
  list.push({ account_id: 'bad-pool', pool: 'NOPE', positions: [] });
  list.push({ account_id: 'bad-instrument', pool: 'ETH', positions: [{ instrument: 'ETH-1JAN20-100-C', size: 1 }] });
  list.push({ account_id: 'bad-size', pool: 'ETH', positions: [{ instrument: 'ETH-PERPETUAL', size: 'x' }] });
  list.push({ account_id: 'std-1', pool: 'STD', positions: [], balances: { USDC: 1000 } });
  list.push({ account_id: 'std-2', pool: 'STD', positions: [{ instrument: 'ETH-PERPETUAL', size: 1 }], balances: { USDC: 5000 } });
  const ids = list.map((a) => a.account_id as string);
  let engine: VenueEngine;

  beforeAll(async () => {
    engine = await VenueEngine.open({ pools: { ...v.pools, STD: 'standard' }, threads: 0 });
    engine.load(list, v.market);
    await engine.remargin();
  });
  afterAll(async () => engine?.close());

  function expectSame(order: string[]): void {
    const idx = engine.indicesOf(order);
    const c = columns(order.length);
    const errors = engine.resultColumns(idx, c);
    const got = order.map((id, k) => rowOf(c, k, id, engine.poolOf(idx[k]!), errors));
    expect(got).toEqual(order.map((id) => engine.account(id)));
    // The ratio is derived: a consumer may leave the column out and compute it.
    order.forEach((_, k) => {
      if (ST_NAMES[c.status[k]!] !== 'failed') expect(Object.is(c.excess_ratio[k], excessRatio(c.mm_excess[k]!, c.maintenance_margin[k]!))).toBe(true);
    });
  }

  it('equals engine.account for every account, failed and reference ones included, in any order', () => {
    const failed = ids.filter((id) => engine.account(id)!.status === 'failed');
    expect(failed).toEqual(expect.arrayContaining(['bad-pool', 'bad-instrument', 'bad-size']));
    expect(engine.account('std-1')!.status).not.toBe('failed');
    expectSame(ids);
    expectSame([...ids].reverse().filter((_, k) => k % 3 !== 1));
  });

  it('follows ticks and single-account updates', async () => {
    const m = JSON.parse(JSON.stringify(v.market)) as Json & { timestamp: number; underlyings: Record<string, { index_price: number }> };
    m.timestamp += 60_000;
    m.underlyings.ETH!.index_price *= 1.05;
    await engine.tick(m);
    const a = list[7]!;
    engine.setAccount({ ...a, positions: (a.positions as Json[]).map((p) => ({ ...p, size: (p.size as number) * 3 })) });
    engine.setAccount({ ...list[9]!, positions: [{ instrument: 'NOPE-PERP', size: 1 }] }); // now fails
    expect(engine.account(ids[9]!)!.status).toBe('failed');
    expectSame(ids);
  });

  it('needs no ratio column, rejects bad indices and short columns', () => {
    const idx = engine.indicesOf(['bad-pool', ids[0]!, 'not-loaded']);
    expect(idx[2]).toBe(-1);
    const c = columns(2);
    const { excess_ratio: _r, ...noRatio } = c;
    const errors = engine.resultColumns(idx.subarray(0, 2), noRatio);
    expect([...errors.keys()]).toEqual([0]);
    expect(errors.get(0)!.field).toBe('pool');
    expect(c.excess_ratio[1]).toBe(12345);
    expect(c.equity[1]).toBe(engine.account(ids[0]!)!.equity);
    expect(() => engine.resultColumns(idx, columns(3))).toThrow(/no account at index -1/);
    expect(() => engine.resultColumns(idx.subarray(0, 2), columns(1))).toThrow(/hold 1 entries, 2 needed/);
  });
});
