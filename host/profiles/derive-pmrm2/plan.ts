// derive-pmrm2 → scenario plan (host/margin/plan.ts). One plan row per portfolio; instruments are
// deduplicated across the batch so portfolios share one instrument table.
//
//   scenarios  params.scenarios in order (MODE_LINEAR, skew ones MODE_NEG_ABS), then the basis
//              pair (SPOT_UP, SPOT_DOWN) as MODE_BASIS_UP/DOWN: its slot value is the basis
//              contingency, so the row's worst is min(basis, every scenario) as Derive's.
//   underlying one spot row: every instrument moves with the scenario's spot shock.
//   vol groups 0 = flat (linear instruments); then one per seconds-to-expiry: up = ×volShockUp
//              floored at minVolUpShock, down = ×volShockDown; skew scenarios use `skew[i, s]`.
//   groups     0 = linear (discounts 1, no basis): the perp (value = perp price) and risk-cancelling
//              collateral (value = price / stable price); then one per (expiry, rate): the static
//              discounts and the basis factor add + mult·T.
//   forwards   below 30 minutes to expiry F = fixed + variable, only the variable part shocked.
import { KIND_LINEAR, KIND_OPTION, MODE_BASIS_DOWN, MODE_BASIS_UP, MODE_LINEAR, MODE_NEG_ABS, type ScenarioPlan } from '../../margin/plan.js';
import { InstrumentColumnsBuilder } from '../../margin/instrument-columns.js';
import { arrangeDerivePortfolio, type ArrangedPortfolio } from './arrange.js';
import { expiryShocks, skewVolMultiplier, type ExpiryShocks } from './shocks.js';
import type { DerivePmrm2Params, DerivePortfolio } from './types.js';

export interface DerivePmrm2ExpiryMeta {
  shocks: ExpiryShocks;
  /** Instrument index of each option of the expiry (ArrangedExpiry.options order). */
  instruments: number[];
}

export interface DerivePmrm2PortfolioMeta {
  arranged: ArrangedPortfolio;
  expiries: DerivePmrm2ExpiryMeta[];
}

export interface DerivePmrm2PlanMeta {
  /** params.scenarios.length; the basis pair sits at slots nScenarios and nScenarios + 1. */
  nScenarios: number;
  portfolios: DerivePmrm2PortfolioMeta[];
}

const LINEAR_GROUP = 0;
const FLAT_VOL_GROUP = 0;

class Interner {
  readonly index = new Map<string | number, number>();
  intern(key: string | number, add: () => void): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(key, i);
      add();
    }
    return i;
  }
}

/** Instruments of one (expiry, rate, forward): options keyed by strike then vol, puts and calls apart. */
interface ExpiryContext {
  shocks: ExpiryShocks;
  volGroup: number;
  group: number;
  byType: [Map<number, Map<number, number>>, Map<number, Map<number, number>>];
}

export function buildDerivePmrm2Plan(portfolios: DerivePortfolio[], params: DerivePmrm2Params): { plan: ScenarioPlan; meta: DerivePmrm2PlanMeta } {
  const n = params.scenarios.length;
  const nS = n + 2;

  const ins = new InstrumentColumnsBuilder();
  const addInstrument = ins.add.bind(ins);
  // Dedup without string keys per position: one context per (expiry, rate, forward), number-keyed maps inside.
  // Keyed (secToExpiry → rate → fwdVar → fwdFixed): number keys, no string formatting per expiry.
  const contexts = new Map<number, Map<number, Map<number, Map<number, ExpiryContext>>>>();
  const level = <V>(m: Map<number, V>, k: number, make: () => V): V => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = make()));
    return v;
  };
  const linearByValue = new Map<number, number>();
  const linearInstrument = (value: number): number => {
    let k = linearByValue.get(value);
    if (k === undefined) {
      k = addInstrument(KIND_LINEAR, FLAT_VOL_GROUP, 0, value, 0, 0, 0, 1, 0);
      linearByValue.set(value, k);
    }
    return k;
  };

  const volGroupShocks: (ExpiryShocks | null)[] = [null];
  const volGroups = new Interner();
  volGroups.intern('flat', () => {});
  const grp = { posDisc: [1], negDisc: [1], aux: [0] };
  const groups = new Interner();
  groups.intern('linear', () => {});

  // Upper bounds known up front: CSR columns are filled in place (no growth, no copy).
  let maxPos = 0;
  let maxEntries = 0;
  for (const p of portfolios) {
    maxPos += p.options.length + 1 + p.collaterals.length;
    maxEntries += p.expiries.length + 1;
  }
  const rowStart = new Int32Array(portfolios.length + 1);
  const groupStart = new Int32Array(maxEntries + 1);
  const groupId = new Int32Array(maxEntries);
  const posInstrument = new Int32Array(maxPos);
  const posSize = new Float64Array(maxPos);
  let nPos = 0;
  let nEntries = 0;
  const meta: DerivePmrm2PortfolioMeta[] = new Array(portfolios.length);

  for (let r = 0; r < portfolios.length; r++) {
    const p = portfolios[r]!;
    const path = `portfolios[${r}]`;
    const arranged = arrangeDerivePortfolio(p, path);
    const expiries: DerivePmrm2ExpiryMeta[] = new Array(arranged.expiries.length);
    for (const j of arranged.expiryOrder) {
      const e = arranged.expiries[j]!;
      const byFixed = level(level(level(contexts, e.secToExpiry, () => new Map()), e.rate, () => new Map()), e.fwdVar, () => new Map<number, ExpiryContext>());
      let ctx = byFixed.get(e.fwdFixed);
      if (ctx === undefined) {
        const shocks = expiryShocks(e, params, `${path}.options[${e.options[0]}].secToExpiry`);
        ctx = {
          shocks,
          volGroup: volGroups.intern(e.secToExpiry, () => volGroupShocks.push(shocks)),
          group: groups.intern(`${e.secToExpiry}|${e.rate}`, () => {
            grp.posDisc.push(shocks.discPos);
            grp.negDisc.push(shocks.discNeg);
            grp.aux.push(shocks.basisFactor);
          }),
          byType: [new Map(), new Map()],
        };
        byFixed.set(e.fwdFixed, ctx);
      }
      const list: number[] = new Array(e.options.length);
      for (let q = 0; q < e.options.length; q++) {
        const o = p.options[e.options[q]!]!;
        const byStrike = ctx.byType[o.isCall ? 1 : 0];
        let byVol = byStrike.get(o.strike);
        if (byVol === undefined) byStrike.set(o.strike, (byVol = new Map()));
        let k = byVol.get(o.markVol);
        if (k === undefined) {
          k = addInstrument(KIND_OPTION, ctx.volGroup, e.fwdFixed, e.fwdVar, o.strike, e.T, o.markVol, e.df, o.isCall ? 1 : -1);
          byVol.set(o.markVol, k);
        }
        list[q] = k;
        posInstrument[nPos] = k;
        posSize[nPos++] = o.amount;
      }
      groupId[nEntries++] = ctx.group;
      groupStart[nEntries] = nPos;
      expiries[j] = { shocks: ctx.shocks, instruments: list };
    }
    // Perp and risk-cancelling collateral: linear in the spot shock, undiscounted.
    let linear = 0;
    if (arranged.perpAmount !== 0) {
      posInstrument[nPos] = linearInstrument(p.perp!.price);
      posSize[nPos++] = arranged.perpAmount;
      linear++;
    }
    for (const ci of arranged.collateralOrder) {
      const c = p.collaterals[ci]!;
      if (!c.riskCancelling) continue;
      posInstrument[nPos] = linearInstrument(c.price / p.stablePrice);
      posSize[nPos++] = c.amount;
      linear++;
    }
    if (linear > 0) {
      groupId[nEntries++] = LINEAR_GROUP;
      groupStart[nEntries] = nPos;
    }
    rowStart[r + 1] = nEntries;
    meta[r] = { arranged, expiries };
  }

  const nIns = ins.n;
  const nVol = volGroupShocks.length;
  const spotMult = new Float64Array(nS);
  const damp = new Float64Array(nS);
  const mode = new Int32Array(nS);
  const volMul = new Float64Array(nVol * nS).fill(1);
  const volAdd = new Float64Array(nVol * nS);
  const volFloor = new Float64Array(nVol * nS);
  const hasSkew = params.scenarios.some((s) => s.volShock === 'linear' || s.volShock === 'abs');
  const skew = hasSkew ? new Float64Array(nIns * nS).fill(1) : undefined;

  params.scenarios.forEach((sc, s) => {
    spotMult[s] = sc.spotShock;
    damp[s] = sc.dampening;
    const isSkew = sc.volShock === 'linear' || sc.volShock === 'abs';
    mode[s] = isSkew ? MODE_NEG_ABS : MODE_LINEAR;
    for (let g = 1; g < nVol; g++) {
      const sh = volGroupShocks[g]!;
      if (sc.volShock === 'up') {
        volMul[g * nS + s] = sh.volUp;
        volFloor[g * nS + s] = params.volShock.minVolUpShock;
      } else if (sc.volShock === 'down') {
        volMul[g * nS + s] = sh.volDown;
      }
    }
    if (isSkew && skew !== undefined) {
      for (let i = 0; i < nIns; i++) {
        if (ins.kind[i] !== KIND_OPTION) continue;
        const F = ins.fwdFixed[i]! + ins.fwdVar[i]!;
        skew[i * nS + s] = skewVolMultiplier(sc.volShock as 'linear' | 'abs', ins.strike[i]!, F, ins.T[i]!, params, `params.scenarios[${s}]`);
      }
    }
  });
  spotMult[n] = params.basisContingency.scenarioSpotUp;
  spotMult[n + 1] = params.basisContingency.scenarioSpotDown;
  damp[n] = 1;
  damp[n + 1] = 1;
  mode[n] = MODE_BASIS_UP;
  mode[n + 1] = MODE_BASIS_DOWN;

  const plan: ScenarioPlan = {
    instruments: ins.pack(),
    scenarios: { nS, spotMult, volMul, volAdd, volFloor, skew, damp, mode },
    groups: { posDisc: Float64Array.from(grp.posDisc), negDisc: Float64Array.from(grp.negDisc), aux: Float64Array.from(grp.aux) },
    rows: {
      nRows: portfolios.length,
      rowStart,
      groupStart: groupStart.subarray(0, nEntries + 1),
      groupId: groupId.subarray(0, nEntries),
      posInstrument: posInstrument.subarray(0, nPos),
      posSize: posSize.subarray(0, nPos),
    },
  };
  return { plan, meta: { nScenarios: n, portfolios: meta } };
}
