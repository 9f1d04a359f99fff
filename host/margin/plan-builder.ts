// Assembles a ScenarioPlan (host/margin/plan.ts) from a method's scenario definitions and its
// portfolio rows. Shared by span, standard, cross-futures, deribit-pm, okx-pm and tims so each
// method only says *which* scenarios and rows it wants; the layout rules live here once.
// Instruments are deduplicated by a caller-given key (everything that sets their value).
import { KIND_LINEAR, KIND_OPTION, MODE_LINEAR, type ScenarioPlan } from './plan.js';

export interface InstrumentSpec {
  kind: typeof KIND_OPTION | typeof KIND_LINEAR;
  underlying: number;
  volGroup: number;
  fwdFixed: number;
  fwdVar: number;
  strike: number;
  T: number;
  vol: number;
  df: number;
  omega: number;
}

export class PlanBuilder {
  readonly nS: number;
  private spot: number[][] = [];
  private volMul: number[][] = [];
  private volAdd: number[][] = [];
  private volFloor: number[][] = [];
  private ins: InstrumentSpec[] = [];
  private insKey = new Map<string, number>();
  private tagged = new Map<string, number>();
  private skewRows: (number[] | undefined)[] = [];
  damp: number[];
  mode: number[];
  private posDisc: number[] = [];
  private negDisc: number[] = [];
  private aux: number[] = [];
  private rowStart: number[] = [0];
  private groupStart: number[] = [0];
  private groupId: number[] = [];
  private posInstrument: number[] = [];
  private posSize: number[] = [];

  constructor(nS: number) {
    this.nS = nS;
    this.damp = new Array<number>(nS).fill(1);
    this.mode = new Array<number>(nS).fill(MODE_LINEAR);
  }

  /** A row of spot multipliers (one per scenario); returns its index. */
  addUnderlying(mult: readonly number[]): number {
    this.checkLen(mult, 'spotMult');
    this.spot.push([...mult]);
    return this.spot.length - 1;
  }

  /** σ_s = max(σ·mul[s] + add[s], floor[s]); returns the vol group index. */
  addVolGroup(mul: readonly number[], add: readonly number[], floor: readonly number[]): number {
    this.checkLen(mul, 'volMul');
    this.checkLen(add, 'volAdd');
    this.checkLen(floor, 'volFloor');
    this.volMul.push([...mul]);
    this.volAdd.push([...add]);
    this.volFloor.push([...floor]);
    return this.volMul.length - 1;
  }

  /** Add (or find) an instrument; `skew` is its per-scenario vol multiplier (absent = 1). */
  addInstrument(key: string, spec: InstrumentSpec, skew?: readonly number[]): number {
    const found = this.insKey.get(key);
    if (found !== undefined) return found;
    if (skew !== undefined) this.checkLen(skew, 'skew');
    this.ins.push(spec);
    this.skewRows.push(skew === undefined ? undefined : [...skew]);
    this.insKey.set(key, this.ins.length - 1);
    return this.ins.length - 1;
  }

  /**
   * Add (or find) an instrument under a cheap tag (an id): a repeat whose spec is numerically
   * the same skips building the full key, the costly part of planning a large batch.
   */
  addTagged(tag: string, spec: InstrumentSpec, extra = ''): number {
    const hit = this.tagged.get(tag);
    if (hit !== undefined && sameSpec(this.ins[hit]!, spec)) return hit;
    const i = this.addInstrument(instrumentKey(spec, extra), spec);
    this.tagged.set(tag, i);
    return i;
  }

  findInstrument(key: string): number | undefined {
    return this.insKey.get(key);
  }

  get nInstruments(): number {
    return this.ins.length;
  }

  addGroupParams(posDisc = 1, negDisc = 1, aux = 0): number {
    this.posDisc.push(posDisc);
    this.negDisc.push(negDisc);
    this.aux.push(aux);
    return this.posDisc.length - 1;
  }

  /** Append one group entry (positions as [instrument, plan size]) to the row being built. */
  addGroupEntry(groupId: number, positions: readonly (readonly [number, number])[]): number {
    for (const [i, size] of positions) {
      this.posInstrument.push(i);
      this.posSize.push(size);
    }
    this.groupId.push(groupId);
    this.groupStart.push(this.posInstrument.length);
    return this.groupId.length - 1;
  }

  /** Close the row being built; returns its index. */
  endRow(): number {
    this.rowStart.push(this.groupId.length);
    return this.rowStart.length - 2;
  }

  build(): ScenarioPlan {
    const n = this.ins.length;
    const nS = this.nS;
    const col = (f: (s: InstrumentSpec) => number): Float64Array => Float64Array.from(this.ins, f);
    const flat = (rows: number[][]): Float64Array => {
      const out = new Float64Array(Math.max(rows.length, 1) * nS);
      rows.forEach((r, k) => out.set(r, k * nS));
      return out;
    };
    let skew: Float64Array | undefined;
    if (this.skewRows.some((r) => r !== undefined)) {
      skew = new Float64Array(n * nS).fill(1);
      this.skewRows.forEach((r, i) => r !== undefined && skew!.set(r, i * nS));
    }
    // A plan always has at least one vol group (an all-linear plan still indexes row 0).
    if (this.volMul.length === 0) this.addVolGroup(ones(nS), zeros(nS), zeros(nS));
    if (this.spot.length === 0) this.addUnderlying(ones(nS));
    if (this.posDisc.length === 0) this.addGroupParams();
    return {
      instruments: {
        n,
        kind: Int32Array.from(this.ins, (s) => s.kind),
        underlying: Int32Array.from(this.ins, (s) => s.underlying),
        volGroup: Int32Array.from(this.ins, (s) => s.volGroup),
        fwdFixed: col((s) => s.fwdFixed),
        fwdVar: col((s) => s.fwdVar),
        strike: col((s) => s.strike),
        T: col((s) => s.T),
        vol: col((s) => s.vol),
        df: col((s) => s.df),
        omega: col((s) => s.omega),
      },
      scenarios: {
        nS,
        spotMult: flat(this.spot),
        volMul: flat(this.volMul),
        volAdd: flat(this.volAdd),
        volFloor: flat(this.volFloor),
        skew,
        damp: Float64Array.from(this.damp),
        mode: Int32Array.from(this.mode),
      },
      groups: { posDisc: Float64Array.from(this.posDisc), negDisc: Float64Array.from(this.negDisc), aux: Float64Array.from(this.aux) },
      rows: {
        nRows: this.rowStart.length - 1,
        rowStart: Int32Array.from(this.rowStart),
        groupStart: Int32Array.from(this.groupStart),
        groupId: Int32Array.from(this.groupId),
        posInstrument: Int32Array.from(this.posInstrument),
        posSize: Float64Array.from(this.posSize),
      },
    };
  }

  private checkLen(a: readonly number[], what: string): void {
    if (a.length !== this.nS) throw new RangeError(`${what} has ${a.length} entries, the plan has ${this.nS} scenarios`);
  }
}

/** Append `v` to the list under `key` (grouping positions without copying arrays). */
export function groupInto<K, V>(m: Map<K, V[]>, key: K, v: V): void {
  const list = m.get(key);
  if (list === undefined) m.set(key, [v]);
  else list.push(v);
}

export const ones = (n: number): number[] => new Array<number>(n).fill(1);
export const zeros = (n: number): number[] => new Array<number>(n).fill(0);

function sameSpec(a: InstrumentSpec, b: InstrumentSpec): boolean {
  return (
    a.kind === b.kind && a.underlying === b.underlying && a.volGroup === b.volGroup && a.fwdFixed === b.fwdFixed && a.fwdVar === b.fwdVar &&
    a.strike === b.strike && a.T === b.T && a.vol === b.vol && a.df === b.df && a.omega === b.omega
  );
}

/** Dedup key of an instrument: every field that sets its value, in exact decimal form. */
export function instrumentKey(s: InstrumentSpec, extra = ''): string {
  return `${s.kind}|${s.underlying}|${s.volGroup}|${s.fwdFixed}|${s.fwdVar}|${s.strike}|${s.T}|${s.vol}|${s.df}|${s.omega}|${extra}`;
}

export type { PlanEvaluator } from './plan.js';
