// Accounts on a market snapshot → the plan's columns for P&L revaluation: every distinct
// instrument held (options, futures, perpetuals, spot, and balances of an underlying's coin) once
// in the instrument table, one CSR row per account with a single plain group (no discounts), so
// that a row's scenario value is Σ size·contract·(V_s − V_0): the account's P&L in quote currency.
//   option     Black-76 on the expiry forward; df = e^{−r·t}; mark vol of the strike
//   future     the expiry forward;  perpetual  the perp mark (index if none);  spot / coin  the index
// Cash and stablecoin balances do not move (the snapshot's depeg is a margin contingency, not a
// market scenario here). Inverse (coin-settled) instruments are not linear in the forward and are
// refused. The P&L is instantaneous: the horizon enters through the size of the moves only.
import { RiskgridError } from '../errors.js';
import { KIND_LINEAR, KIND_OPTION, type GroupParams, type InstrumentColumns, type PortfolioRows } from '../margin/plan.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import type { Account } from '../model/account.js';
import type { Instrument } from '../model/instrument.js';
import type { VolGroupSpec } from './mc-scenarios.js';

export interface RiskBook {
  instruments: InstrumentColumns;
  groups: GroupParams;
  rows: PortfolioRows;
  /** Underlying names, index = row of spotMult. */
  underlyings: string[];
  /** Vol groups (one per underlying for linear instruments, then one per underlying × expiry). */
  volGroups: VolGroupSpec[];
  instrumentIds: string[];
  accountIds: string[];
}

interface Draft {
  kind: number;
  u: number;
  g: number;
  fwd: number;
  strike: number;
  T: number;
  vol: number;
  df: number;
  omega: number;
}

export function buildRiskBook(accounts: readonly Account[], market: MarketSnapshot, underlyingOrder?: readonly string[]): RiskBook {
  const uIndex = new Map<string, number>();
  const underlyings: string[] = [];
  underlyingOrder?.forEach((u) => {
    uIndex.set(u, underlyings.length);
    underlyings.push(u);
  });
  const volGroups: VolGroupSpec[] = [];
  const gIndex = new Map<string, number>();
  const byId = new Map<string, number>();
  const drafts: Draft[] = [];
  const ids: string[] = [];

  const underlyingOf = (name: string, field: string): number => {
    let u = uIndex.get(name);
    if (u === undefined) {
      if (underlyingOrder) throw new RiskgridError('RG_ERR_INVALID_INPUT', `underlying ${name} is held but not in the scenario model`, { field, value: name });
      market.underlying(name); // missing-data error when absent
      u = underlyings.length;
      uIndex.set(name, u);
      underlyings.push(name);
    }
    return u;
  };
  const groupOf = (u: number, expiry: number | undefined, T: number): number => {
    const key = `${u}|${expiry ?? 'linear'}`;
    let g = gIndex.get(key);
    if (g === undefined) {
      g = volGroups.length;
      gIndex.set(key, g);
      volGroups.push({ underlying: u, T });
    }
    return g;
  };
  const intern = (key: string, field: string, make: () => Draft): number => {
    let i = byId.get(key);
    if (i === undefined) {
      const d = make();
      for (const [k, v] of Object.entries(d)) {
        if (!Number.isFinite(v)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${key}: ${k} is ${v}`, { field, value: v });
      }
      i = drafts.length;
      byId.set(key, i);
      drafts.push(d);
      ids.push(key);
    }
    return i;
  };
  const linear = (u: number, fwd: number): Draft => ({ kind: KIND_LINEAR, u, g: groupOf(u, undefined, 0), fwd, strike: 0, T: 0, vol: 0, df: 1, omega: 1 });

  const instrumentIndex = (ins: Instrument, field: string): number | undefined => {
    if (ins.kind === 'cash') return undefined;
    if (ins.settlement === 'inverse' && ins.kind !== 'spot') {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `${ins.id}: inverse (coin-settled) instruments are not supported by risk revaluation`, { field, value: ins.id });
    }
    return intern(ins.id, field, () => {
      const u = underlyingOf(ins.underlying, field);
      if (ins.kind === 'option') {
        const e = market.expiry(ins.underlying, ins.expiry!);
        return {
          kind: KIND_OPTION, u, g: groupOf(u, ins.expiry, e.t), fwd: e.forward.value, strike: ins.strike!, T: e.t,
          vol: market.volFor(ins.underlying, ins.expiry!, ins.strike!, ins.optionType), df: Math.exp(-e.rate.value * e.t), omega: ins.optionType === 'C' ? 1 : -1,
        };
      }
      if (ins.kind === 'future') return linear(u, market.expiry(ins.underlying, ins.expiry!).forward.value);
      if (ins.kind === 'perpetual') return linear(u, (market.underlying(ins.underlying).perp ?? market.index(ins.underlying)).value);
      return linear(u, market.index(ins.underlying).value);
    });
  };

  const rowStart = new Int32Array(accounts.length + 1);
  const groupStart = new Int32Array(accounts.length + 1);
  const posInstrument: number[] = [];
  const posSize: number[] = [];
  const accountIds: string[] = [];
  accounts.forEach((a, r) => {
    accountIds.push(a.id === '' ? String(r) : a.id);
    const sizes = new Map<number, number>();
    a.positions.forEach((p, k) => {
      const i = instrumentIndex(p.instrument, `accounts[${r}].positions[${k}]`);
      if (i !== undefined) sizes.set(i, (sizes.get(i) ?? 0) + p.size * p.instrument.contractSize);
    });
    for (const [asset, amount] of Object.entries(a.balances)) {
      // A coin balance moves with its underlying's index when the snapshot lists that underlying.
      if (amount === 0 || !market.underlyings.has(asset)) continue;
      if (underlyingOrder && !uIndex.has(asset)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `balance in ${asset} moves with an underlying not in the scenario model`, { field: `accounts[${r}].balances.${asset}`, value: amount });
      const u = underlyingOf(asset, `accounts[${r}].balances.${asset}`);
      const i = intern(`${asset}:spot`, `accounts[${r}].balances.${asset}`, () => linear(u, market.index(asset).value));
      sizes.set(i, (sizes.get(i) ?? 0) + amount);
    }
    for (const [i, s] of sizes) {
      if (s === 0) continue;
      posInstrument.push(i);
      posSize.push(s);
    }
    rowStart[r + 1] = r + 1;
    groupStart[r + 1] = posInstrument.length;
  });

  const n = drafts.length;
  const col = (f: (d: Draft) => number): Float64Array => Float64Array.from(drafts, f);
  const instruments: InstrumentColumns = {
    n,
    kind: Int32Array.from(drafts, (d) => d.kind),
    underlying: Int32Array.from(drafts, (d) => d.u),
    volGroup: Int32Array.from(drafts, (d) => d.g),
    fwdFixed: new Float64Array(n),
    fwdVar: col((d) => d.fwd),
    strike: col((d) => d.strike),
    T: col((d) => d.T),
    vol: col((d) => d.vol),
    df: col((d) => d.df),
    omega: col((d) => d.omega),
  };
  const rows: PortfolioRows = {
    nRows: accounts.length,
    rowStart,
    groupStart,
    groupId: new Int32Array(accounts.length),
    posInstrument: Int32Array.from(posInstrument),
    posSize: Float64Array.from(posSize),
  };
  return {
    instruments,
    groups: plainGroups(),
    rows,
    underlyings,
    volGroups,
    instrumentIds: ids,
    accountIds,
  };
}

/** The one group every row uses: no discount, no auxiliary factor. */
export function plainGroups(): GroupParams {
  return { posDisc: Float64Array.of(1), negDisc: Float64Array.of(1), aux: Float64Array.of(0) };
}
