// One batch of options laid out in arena columns (host/wasm/arena.ts) and the kernel that
// computes it: the zero-copy path of the pricer (pricer.columns(n, model, output)).
import { RiskgridError } from '../errors.js';
import type { RiskgridWasm, KernelFn } from '../wasm/loader.js';
import type { Column } from '../wasm/arena.js';
import { STATUS, statusInfo, type PricingModel } from './status.js';

export interface BatchOptions {
  /** Throw RiskgridError on the first item whose status is not OK. */
  strict?: boolean;
}

export type Output = 'price' | 'greeks' | 'inverse';
const GREEKS = ['delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;
/** Output columns per kind, in kernel argument order. */
export const OUT_COLS: Record<Output, readonly string[]> = {
  price: ['price'],
  greeks: ['price', ...GREEKS],
  inverse: ['value', 'deltaPa', 'dvdF'],
};
/** Input columns per model, in kernel argument order. */
export const IN_COLS: Record<PricingModel, readonly string[]> = {
  black76: ['F', 'K', 'T', 'vol', 'df', 'omega'],
  bsm: ['S', 'K', 'T', 'vol', 'r', 'q', 'omega'],
};

function invalidArg(message: string, field: string, value: unknown): RiskgridError {
  return new RiskgridError('RG_ERR_INVALID_ARGUMENT', message, { field, value });
}

/**
 * A batch laid out in the arena. Fill the input views (F or S, K, T, vol, df or r and q, omega),
 * call compute(), read the output views. Views stay valid until the arena grows again; call
 * release() when done (arena allocations are LIFO).
 */
export class ColumnBatch {
  private readonly cols: Record<string, Column>;
  private released = false;

  constructor(
    private readonly wasm: RiskgridWasm,
    readonly n: number,
    readonly model: PricingModel,
    readonly output: Output,
    private readonly mark: number,
  ) {
    const spec: Record<string, 'f64' | 'i32'> = {};
    for (const k of IN_COLS[model]) spec[k] = 'f64';
    for (const k of OUT_COLS[output]) spec[k] = 'f64';
    spec.status = 'i32';
    this.cols = wasm.arena.columns(n, spec); // one grow at most, before any kernel runs
  }

  /** Typed view of a column by name (inputs, outputs, or 'status'). */
  view(name: string): Float64Array {
    const c = this.cols[name];
    if (c === undefined || c.kind !== 'f64') throw invalidArg(`no f64 column '${name}' in a ${this.model}/${this.output} batch`, 'name', name);
    return c.view as Float64Array;
  }
  get F(): Float64Array { return this.view('F'); }
  get S(): Float64Array { return this.view('S'); }
  get K(): Float64Array { return this.view('K'); }
  get T(): Float64Array { return this.view('T'); }
  get vol(): Float64Array { return this.view('vol'); }
  get df(): Float64Array { return this.view('df'); }
  get r(): Float64Array { return this.view('r'); }
  get q(): Float64Array { return this.view('q'); }
  get omega(): Float64Array { return this.view('omega'); }
  get price(): Float64Array { return this.view('price'); }
  get delta(): Float64Array { return this.view('delta'); }
  get gamma(): Float64Array { return this.view('gamma'); }
  get vega(): Float64Array { return this.view('vega'); }
  get theta(): Float64Array { return this.view('theta'); }
  get rho(): Float64Array { return this.view('rho'); }
  get vanna(): Float64Array { return this.view('vanna'); }
  get volga(): Float64Array { return this.view('volga'); }
  get value(): Float64Array { return this.view('value'); }
  get deltaPa(): Float64Array { return this.view('deltaPa'); }
  get dvdF(): Float64Array { return this.view('dvdF'); }
  get status(): Int32Array { return this.cols.status!.view as Int32Array; }

  /** Runs the kernel over the columns; returns the number of items whose status is not OK. */
  compute(opts: BatchOptions = {}): number {
    if (this.released) throw invalidArg('this column batch was released', 'batch', 'released');
    const fn = kernelFor(this.wasm, this.model, this.output);
    const args = [...IN_COLS[this.model], ...OUT_COLS[this.output], 'status'].map((k) => this.cols[k]!.ptr);
    const failed = fn(this.n, ...args);
    if (failed > 0 && opts.strict === true) throw this.itemError(this.status.findIndex((s) => s !== STATUS.OK));
    return failed;
  }

  /** RiskgridError describing item i (undefined when its status is OK). */
  itemError(i: number): RiskgridError {
    const st = this.status[i]!;
    const info = statusInfo(st, this.model) ?? { code: 'RG_ERR_KERNEL' as const, field: 'status' };
    const name = info.field === 'type' ? 'omega' : info.field;
    const col = this.cols[name];
    const value = col !== undefined && col.kind === 'f64' ? (col.view as Float64Array)[i] : undefined;
    return new RiskgridError(info.code, `item ${i}: ${info.field} = ${String(value)} is not valid for ${this.model} (status ${st})`, {
      field: `${info.field}[${i}]`,
      value,
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.wasm.arena.release(this.mark);
  }
}

function kernelFor(wasm: RiskgridWasm, model: PricingModel, output: Output): KernelFn {
  const base = output === 'inverse' ? 'inverse_black76' : `${model}_${output}`;
  const name = `${base}_${wasm.variant === 'simd' ? 'f64x2' : 'f64'}_soa`;
  const fn = wasm.exports[name];
  if (typeof fn !== 'function') throw new RiskgridError('RG_ERR_WASM_LOAD', `the ${wasm.variant} module has no export ${name}`, { field: 'export', value: name });
  return fn;
}
