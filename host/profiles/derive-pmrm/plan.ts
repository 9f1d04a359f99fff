// derive-pmrm (v2.0) → scenario plan (host/margin/plan.ts). One row per portfolio; one group per
// expiry held (options only) plus one linear group for the perp and the base asset. Instruments
// are deduplicated across portfolios by everything that sets their value, so a batch values each
// distinct option once per scenario.
//
// Scenario slots: params.scenarios in order (MODE_LINEAR, dampening 1), then the basis pair
// (spot up, spot down, vol unshocked) as MODE_BASIS_UP / MODE_BASIS_DOWN. In the basis slots every
// expiry group gives min(V_up − V0, V_down − V0, 0)·(add + mult·T) and the linear group gives 0
// (aux 0), so both slots of a row hold the basis contingency and the row minimum is Derive's
// min(basis contingency, scenario P&Ls).
//
// v2.0 pricing: Black-76 with discount 1; vol shocked multiplicatively (no floor, no additive part);
// shocked expiry value discounted only when positive (posDisc = static discount, negDisc = 1).
import {
  KIND_LINEAR,
  KIND_OPTION,
  MODE_BASIS_DOWN,
  MODE_BASIS_UP,
  MODE_LINEAR,
  type ScenarioPlan,
} from '../../margin/plan.js';
import { validateDerivePmrmParams } from './params.js';
import { validateDerivePmrmPortfolio } from './portfolio.js';
import { basisFactor, staticDiscount, volShockMultipliers, yearFraction } from './shocks.js';
import type { DerivePmrmExpiry, DerivePmrmOption, DerivePmrmParams, DerivePmrmPortfolio } from './types.js';
import { InstrumentColumnsBuilder } from '../../margin/instrument-columns.js';

export interface DerivePmrmExpiryMeta {
  /** Index of the row's group entry in plan.rows (groupStart / groupId). */
  entry: number;
  expiry: DerivePmrmExpiry;
  T: number;
  volShockUp: number;
  volShockDown: number;
  staticDiscount: number;
  basisFactor: number;
  options: DerivePmrmOption[];
}

export interface DerivePmrmRowMeta {
  expiries: DerivePmrmExpiryMeta[];
  /** Group entry of the perp + base group, or −1 when the portfolio holds neither. */
  linearEntry: number;
}

export interface DerivePmrmPlanMeta {
  params: DerivePmrmParams;
  /** params.scenarios.length; slots [0, nScenarios) are the scenarios. */
  nScenarios: number;
  /** Slot of MODE_BASIS_UP; the next slot is MODE_BASIS_DOWN. */
  basisSlot: number;
  rows: DerivePmrmRowMeta[];
}

/** Option discount is 1 in v2.0: every instrument has df = 1; dedup by every field that sets its value. */
class InstrumentTable extends InstrumentColumnsBuilder {
  private readonly index = new Map<string, number>();

  addUnique(kind: number, volGroup: number, fwdFixed: number, fwdVar: number, strike: number, T: number, vol: number, omega: number): number {
    // Exact decimal forms in the key, so no false merges.
    const key = `${kind}|${volGroup}|${fwdFixed}|${fwdVar}|${strike}|${T}|${vol}|${omega}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.add(kind, volGroup, fwdFixed, fwdVar, strike, T, vol, 1, omega);
      this.index.set(key, i);
    }
    return i;
  }
}

export function buildDerivePmrmPlan(
  portfolios: readonly DerivePmrmPortfolio[],
  rawParams: DerivePmrmParams,
): { plan: ScenarioPlan; meta: DerivePmrmPlanMeta } {
  const params = validateDerivePmrmParams(rawParams);
  portfolios.forEach((p, i) => validateDerivePmrmPortfolio(p, `portfolios[${i}]`));

  const nReg = params.scenarios.length;
  const basisSlot = nReg;
  const nS = nReg + 2;
  const shocks = params.scenarios.map((s) => s.spotShock);
  shocks.push(params.basisContingency.scenarioSpotUp, params.basisContingency.scenarioSpotDown);

  // Vol group 0 is the identity row (linear instruments never read it); then one row per distinct expiry.
  const volRows: Array<{ up: number; down: number } | null> = [null];
  const volGroupOf = new Map<number, number>();
  const volGroup = (sec: number): number => {
    let g = volGroupOf.get(sec);
    if (g === undefined) {
      g = volRows.length;
      volGroupOf.set(sec, g);
      volRows.push(volShockMultipliers(sec, params.volShock));
    }
    return g;
  };

  // Group params: one per (expiry, rate) for options, one shared linear group.
  const posDisc: number[] = [];
  const negDisc: number[] = [];
  const aux: number[] = [];
  const groupOf = new Map<string, number>();
  const groupParams = (key: string, pos: number, aux_: number): number => {
    let g = groupOf.get(key);
    if (g === undefined) {
      g = posDisc.length;
      groupOf.set(key, g);
      posDisc.push(pos);
      negDisc.push(1);
      aux.push(aux_);
    }
    return g;
  };

  const ins = new InstrumentTable();
  const rowStart: number[] = [0];
  const groupStart: number[] = [0];
  const groupId: number[] = [];
  const posInstrument: number[] = [];
  const posSize: number[] = [];
  const rows: DerivePmrmRowMeta[] = [];

  for (const p of portfolios) {
    const row: DerivePmrmRowMeta = { expiries: [], linearEntry: -1 };
    // Expiries in order of first appearance among the options (as the contract arranges them).
    const bySec = new Map<number, DerivePmrmOption[]>();
    for (const o of p.options) {
      const list = bySec.get(o.secToExpiry);
      if (list === undefined) bySec.set(o.secToExpiry, [o]);
      else list.push(o);
    }
    for (const [sec, options] of bySec) {
      const expiry = p.expiries.find((e) => e.secToExpiry === sec)!;
      const rate = Math.max(expiry.rate, 0); // the contract floors rates at 0
      const disc = staticDiscount(sec, rate, params.margin);
      const bf = basisFactor(sec, params.basisContingency);
      const T = yearFraction(sec);
      const vg = volGroup(sec);
      const fixed = expiry.forwardFixed ?? 0;
      const variable = expiry.forward - fixed;
      const entry = groupId.length;
      groupId.push(groupParams(`${sec}|${rate}`, disc, bf));
      for (const o of options) {
        posInstrument.push(ins.addUnique(KIND_OPTION, vg, fixed, variable, o.strike, T, o.vol, o.isCall ? 1 : -1));
        posSize.push(o.amount);
      }
      groupStart.push(posInstrument.length);
      const m = volRows[vg]!;
      row.expiries.push({ entry, expiry, T, volShockUp: m.up, volShockDown: m.down, staticDiscount: disc, basisFactor: bf, options });
    }

    const perpAmount = p.perps.reduce((s, q) => s + q.amount, 0);
    if (perpAmount !== 0 || p.baseAmount !== 0) {
      row.linearEntry = groupId.length;
      groupId.push(groupParams('linear', 1, 0));
      // Perp P&L = amount·(shock − 1)·perpPrice; base value = amount·spot·shock / stable.
      if (perpAmount !== 0) {
        posInstrument.push(ins.addUnique(KIND_LINEAR, 0, 0, p.perpPrice, 0, 0, 0, 0));
        posSize.push(perpAmount);
      }
      if (p.baseAmount !== 0) {
        posInstrument.push(ins.addUnique(KIND_LINEAR, 0, 0, p.spot / p.stablePrice, 0, 0, 0, 0));
        posSize.push(p.baseAmount);
      }
      groupStart.push(posInstrument.length);
    }
    rowStart.push(groupId.length);
    rows.push(row);
  }

  const nVG = volRows.length;
  const volMul = new Float64Array(nVG * nS).fill(1);
  for (let g = 1; g < nVG; g++) {
    const m = volRows[g]!;
    for (let s = 0; s < nReg; s++) {
      const dir = params.scenarios[s]!.volShock;
      volMul[g * nS + s] = dir === 'up' ? m.up : dir === 'down' ? m.down : 1;
    }
  }
  const mode = new Int32Array(nS).fill(MODE_LINEAR);
  mode[basisSlot] = MODE_BASIS_UP;
  mode[basisSlot + 1] = MODE_BASIS_DOWN;
  const plan: ScenarioPlan = {
    instruments: ins.pack(),
    scenarios: {
      nS,
      spotMult: Float64Array.from(shocks),
      volMul,
      volAdd: new Float64Array(nVG * nS),
      volFloor: new Float64Array(nVG * nS),
      damp: new Float64Array(nS).fill(1),
      mode,
    },
    groups: { posDisc: Float64Array.from(posDisc), negDisc: Float64Array.from(negDisc), aux: Float64Array.from(aux) },
    rows: {
      nRows: portfolios.length,
      rowStart: Int32Array.from(rowStart),
      groupStart: Int32Array.from(groupStart),
      groupId: Int32Array.from(groupId),
      posInstrument: Int32Array.from(posInstrument),
      posSize: Float64Array.from(posSize),
    },
  };
  return { plan, meta: { params, nScenarios: nReg, basisSlot, rows } };
}
