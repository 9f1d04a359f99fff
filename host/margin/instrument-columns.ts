// Instrument columns of a scenario plan, grown one instrument at a time and packed once. Callers
// decide deduplication (by id, by key, by context); this only keeps the columns in step.
import type { InstrumentColumns } from './plan.js';

export class InstrumentColumnsBuilder {
  readonly kind: number[] = [];
  readonly volGroup: number[] = [];
  readonly fwdFixed: number[] = [];
  readonly fwdVar: number[] = [];
  readonly strike: number[] = [];
  readonly T: number[] = [];
  readonly vol: number[] = [];
  readonly df: number[] = [];
  readonly omega: number[] = [];

  get n(): number {
    return this.kind.length;
  }

  /** Appends an instrument and returns its index. */
  add(kind: number, volGroup: number, fwdFixed: number, fwdVar: number, strike: number, T: number, vol: number, df: number, omega: number): number {
    this.kind.push(kind);
    this.volGroup.push(volGroup);
    this.fwdFixed.push(fwdFixed);
    this.fwdVar.push(fwdVar);
    this.strike.push(strike);
    this.T.push(T);
    this.vol.push(vol);
    this.df.push(df);
    this.omega.push(omega);
    return this.kind.length - 1;
  }

  /** The packed columns; every instrument on spot row 0 (one underlying). */
  pack(): InstrumentColumns {
    const n = this.n;
    return {
      n,
      kind: Int32Array.from(this.kind),
      underlying: new Int32Array(n),
      volGroup: Int32Array.from(this.volGroup),
      fwdFixed: Float64Array.from(this.fwdFixed),
      fwdVar: Float64Array.from(this.fwdVar),
      strike: Float64Array.from(this.strike),
      T: Float64Array.from(this.T),
      vol: Float64Array.from(this.vol),
      df: Float64Array.from(this.df),
      omega: Float64Array.from(this.omega),
    };
  }
}
