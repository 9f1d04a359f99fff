// Typed host API over the pricing kernels (docs/ABI.md): Black-76 and Black–Scholes–Merton price
// and Greeks, and inverse (coin-settled) values, over columns.
//   priceBatch / greeksBatch / inverseBatch: arrays in, fresh arrays out (one copy each way);
//   columns(n, ...) + compute(): the caller fills arena columns directly and reads results in
//   place (no copies; memory grows at most once, in columns(), never during compute()).
// Structural mistakes throw RiskgridError at the boundary (RG_ERR_INVALID_ARGUMENT: not an
// array, wrong length, unknown model; RG_ERR_INVALID_INPUT: an element that is not a number or an
// option type, naming field, index and value). Numbers out of their domain (NaN, ±Inf, negative
// F/K/vol, df <= 0) are per-item statuses with NaN outputs; `strict: true` throws on the first.
import { RiskgridError } from '../errors.js';
import type { RiskgridWasm } from '../wasm/loader.js';
import type { PricingModel } from './status.js';
import { ColumnBatch, type BatchOptions, type Output } from './column-batch.js';

export { ColumnBatch };
export type { BatchOptions, Output };

export type OptionType = 'C' | 'P' | 'c' | 'p' | 'call' | 'put' | 1 | -1;
/** A column: one number per item, or one number for every item. */
export type NumCol = ArrayLike<number> | number;
export type TypeCol = ArrayLike<OptionType> | OptionType;

interface Common {
  K: NumCol;
  /** Years (ACT/365). T <= 0 gives the intrinsic value. */
  T: NumCol;
  /** Volatility as a decimal (0.25 = 25 %). */
  vol: NumCol;
  /** 'C' / 'P' (or +1 / −1) per item; or give `omega`. */
  type?: TypeCol;
  /** +1 call, −1 put per item (alternative to `type`). */
  omega?: NumCol;
}
export interface Black76Input extends Common {
  model: 'black76';
  F: NumCol;
  /** Discount factor to payment; default 1. */
  df?: NumCol;
}
export interface BsmInput extends Common {
  model: 'bsm';
  S: NumCol;
  /** Continuously compounded rate. */
  r: NumCol;
  /** Continuous dividend / foreign yield; default 0. */
  q?: NumCol;
}
export type PricingInput = Black76Input | BsmInput;

export interface PriceResult {
  price: Float64Array;
  /** Per-item status (STATUS); outputs are NaN wherever it is not OK. */
  status: Int32Array;
  /** Number of items whose status is not OK. */
  failed: number;
}
/** Greeks: vega, volga per 1.00 vol; theta per year (dV/dt); rho per 1.00 rate. */
export interface GreeksResult extends PriceResult {
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
  vanna: Float64Array;
  volga: Float64Array;
}
/** Inverse options: value = V/F in coin, deltaPa = Δ − V/F, dvdF = ∂(V/F)/∂F. */
export interface InverseResult {
  value: Float64Array;
  deltaPa: Float64Array;
  dvdF: Float64Array;
  status: Int32Array;
  failed: number;
}

function invalidArg(message: string, field: string, value: unknown): RiskgridError {
  return new RiskgridError('RG_ERR_INVALID_ARGUMENT', message, { field, value });
}

/** +1 / −1 for an option type cell, or undefined when it is not one. */
export function omegaOf(t: unknown): number | undefined {
  if (t === 1 || t === -1) return t;
  if (typeof t === 'string') {
    const u = t.toUpperCase();
    if (u === 'C' || u === 'CALL') return 1;
    if (u === 'P' || u === 'PUT') return -1;
  }
  return undefined;
}

/** Length of a column argument (undefined for a broadcast number); throws on anything else. */
function lengthOf(field: string, c: unknown): number | undefined {
  if (typeof c === 'number') return undefined;
  if (c !== null && typeof c === 'object' && typeof (c as ArrayLike<unknown>).length === 'number') return (c as ArrayLike<unknown>).length;
  throw invalidArg(`${field} must be an array of numbers or a number, got ${c === null ? 'null' : typeof c}`, field, c);
}

function fillNum(field: string, dst: Float64Array, src: NumCol): void {
  if (typeof src === 'number') {
    dst.fill(src);
  } else if (src instanceof Float64Array) {
    dst.set(src);
  } else {
    for (let i = 0; i < dst.length; i++) {
      const v = src[i];
      if (typeof v !== 'number') throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}[${i}] must be a number, got ${String(v)}`, { field: `${field}[${i}]`, value: v });
      dst[i] = v;
    }
  }
}

function fillType(dst: Float64Array, type: TypeCol | undefined, omega: NumCol | undefined): void {
  if (omega !== undefined) return fillNum('omega', dst, omega);
  if (type === undefined) throw invalidArg("give the option type: 'type' ('C'/'P') or 'omega' (+1/−1)", 'type', type);
  if (typeof type !== 'object') {
    const w = omegaOf(type);
    if (w === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `type must be 'C' or 'P', got ${String(type)}`, { field: 'type', value: type });
    return void dst.fill(w);
  }
  for (let i = 0; i < dst.length; i++) {
    const w = omegaOf(type[i]);
    if (w === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `type[${i}] must be 'C' or 'P', got ${String(type[i])}`, { field: `type[${i}]`, value: type[i] });
    dst[i] = w;
  }
}

export interface Pricer {
  readonly wasm: RiskgridWasm;
  priceBatch(input: PricingInput, opts?: BatchOptions): PriceResult;
  greeksBatch(input: PricingInput, opts?: BatchOptions): GreeksResult;
  /** Inverse (coin-settled) options; Black-76 inputs (F = the index/forward the venue marks). */
  inverseBatch(input: Black76Input, opts?: BatchOptions): InverseResult;
  /** Zero-copy path: arena columns for n items. */
  columns(n: number, model: PricingModel, output?: Output): ColumnBatch;
}

export function createPricer(wasm: RiskgridWasm): Pricer {
  if (wasm === null || typeof wasm !== 'object' || wasm.arena === undefined || typeof wasm.exports !== 'object') {
    throw invalidArg('createPricer needs a loaded RiskgridWasm (loadWasm / loadWasmSync)', 'wasm', wasm);
  }

  function columns(n: number, model: PricingModel, output: Output = 'price'): ColumnBatch {
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw invalidArg(`n must be a non-negative integer, got ${n}`, 'n', n);
    if (model !== 'black76' && model !== 'bsm') throw invalidArg(`model must be 'black76' or 'bsm', got ${String(model)}`, 'model', model);
    if (output !== 'price' && output !== 'greeks' && output !== 'inverse') throw invalidArg(`output must be 'price', 'greeks' or 'inverse', got ${String(output)}`, 'output', output);
    if (output === 'inverse' && model !== 'black76') throw invalidArg('inverse options take Black-76 inputs (F, df)', 'model', model);
    return new ColumnBatch(wasm, n, model, output, wasm.arena.mark());
  }

  /** Validates the input's shape, copies it into a fresh column batch and computes. */
  function run<R>(input: PricingInput, output: Output, opts: BatchOptions | undefined, read: (b: ColumnBatch, failed: number) => R): R {
    if (input === null || typeof input !== 'object') throw invalidArg('input must be an object', 'input', input);
    const model = (input as { model?: unknown }).model;
    if (model !== 'black76' && model !== 'bsm') throw invalidArg(`model must be 'black76' or 'bsm', got ${String(model)}`, 'model', model);
    const rec = input as unknown as Record<string, unknown>;
    const names = model === 'black76' ? ['F', 'K', 'T', 'vol', 'df', 'omega', 'type'] : ['S', 'K', 'T', 'vol', 'r', 'q', 'omega', 'type'];
    const optional = new Set(['df', 'q', 'omega', 'type']);
    let n: number | undefined;
    let nFrom = '';
    for (const k of names) {
      if (rec[k] === undefined) {
        if (optional.has(k)) continue;
        throw invalidArg(`${model} input needs column ${k}`, k, undefined);
      }
      if (k === 'type' && typeof rec[k] === 'string') continue;
      const len = lengthOf(k, rec[k]);
      if (len === undefined) continue;
      if (n === undefined) {
        n = len;
        nFrom = k;
      } else if (len !== n) throw invalidArg(`column ${k} has ${len} items, ${nFrom} has ${n}`, k, len);
    }
    const b = columns(n ?? 1, model, output);
    try {
      if (model === 'black76') {
        const i = input as Black76Input;
        fillNum('F', b.F, i.F);
        fillNum('df', b.df, i.df ?? 1);
      } else {
        const i = input as BsmInput;
        fillNum('S', b.S, i.S);
        fillNum('r', b.r, i.r);
        fillNum('q', b.q, i.q ?? 0);
      }
      fillNum('K', b.K, input.K);
      fillNum('T', b.T, input.T);
      fillNum('vol', b.vol, input.vol);
      fillType(b.omega, input.type, input.omega);
      const failed = b.compute(opts);
      return read(b, failed);
    } finally {
      b.release();
    }
  }

  return {
    wasm,
    columns,
    priceBatch: (input, opts) => run(input, 'price', opts, (b, failed) => ({ price: b.price.slice(), status: b.status.slice(), failed })),
    greeksBatch: (input, opts) =>
      run(input, 'greeks', opts, (b, failed) => ({
        price: b.price.slice(),
        delta: b.delta.slice(),
        gamma: b.gamma.slice(),
        vega: b.vega.slice(),
        theta: b.theta.slice(),
        rho: b.rho.slice(),
        vanna: b.vanna.slice(),
        volga: b.volga.slice(),
        status: b.status.slice(),
        failed,
      })),
    inverseBatch: (input, opts) => {
      if (input !== null && typeof input === 'object' && (input as { model?: unknown }).model !== 'black76') {
        throw invalidArg("inverse options take Black-76 inputs: model 'black76' with F (and df)", 'model', (input as { model?: unknown }).model);
      }
      return run(input, 'inverse', opts, (b, failed) => ({ value: b.value.slice(), deltaPa: b.deltaPa.slice(), dvdF: b.dvdF.slice(), status: b.status.slice(), failed }));
    },
  };
}
