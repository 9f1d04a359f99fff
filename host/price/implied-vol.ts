// Batched implied volatility over the WebAssembly kernel (assembly/price/implied-vol.ts).
// As in pricer.ts: structural mistakes (unknown model, missing or ragged columns) throw
// RG_ERR_INVALID_ARGUMENT; an element that is not a number (or a type that is not C/P/±1)
// throws RG_ERR_INVALID_INPUT naming field[i] and value; numbers outside their domain (NaN,
// negative, T <= 0, prices outside the no-arbitrage bounds) are per-item statuses, and the rest
// of the batch is still solved.
// Black–Scholes–Merton goes through Black-76 with F = S·e^{(r−q)T}, df = e^{−rT}.
import { RiskgridError, type ErrorCode } from '../errors.js';
import { loadWasmSync, type RiskgridWasm } from '../wasm/loader.js';
import { STATUS, statusInfo, type PricingModel } from './status.js';
import { omegaOf } from './pricer.js';

/** Per-item status codes (assembly/abi.ts, host/price/status.ts) under IV-friendly names. */
export const IV_STATUS = {
  OK: STATUS.OK,
  BAD_FORWARD: STATUS.BAD_FORWARD,
  BAD_STRIKE: STATUS.BAD_STRIKE,
  BAD_TIME: STATUS.BAD_TIME,
  BAD_DISCOUNT: STATUS.BAD_DISCOUNT,
  BAD_TYPE: STATUS.BAD_TYPE,
  BAD_RATE: STATUS.BAD_RATE,
  BAD_YIELD: STATUS.BAD_YIELD,
  BAD_PRICE: STATUS.BAD_PRICE,
  BELOW_INTRINSIC: STATUS.IV_BELOW_INTRINSIC,
  ABOVE_MAX: STATUS.IV_ABOVE_MAX,
  NO_CONVERGENCE: STATUS.IV_NO_CONVERGENCE,
} as const;

type Num = ArrayLike<number>;
/** Option type per item: +1 / −1, or 'C' / 'P' (case-insensitive). */
type Types = ArrayLike<number | string>;

export type ImpliedVolInput =
  | { model: 'black76'; F: Num; K: Num; T: Num; price: Num; df: Num; type: Types }
  | { model: 'bsm'; S: Num; K: Num; T: Num; price: Num; r: Num; q: Num; type: Types };

export interface ImpliedVolResult {
  iv: Float64Array;
  /** Per-item status (IV_STATUS); iv is NaN wherever status is not OK. */
  status: Int32Array;
  /** Number of items whose status is not OK. */
  failed: number;
}

/** The RG_ERR_* code of a per-item status (undefined for OK). */
export function ivStatusCode(status: number): ErrorCode | undefined {
  return statusInfo(status)?.code;
}

/** The input field a per-item status is about (undefined for OK). */
export function ivStatusField(status: number, model: PricingModel = 'black76'): string | undefined {
  return statusInfo(status, model)?.field;
}

/** A RiskgridError for item `index` of a batch, or undefined when it succeeded. */
export function ivItemError(result: ImpliedVolResult, index: number, input: ImpliedVolInput): RiskgridError | undefined {
  const st = result.status[index]!;
  const code = ivStatusCode(st);
  if (code === undefined) return undefined;
  const field = ivStatusField(st, input.model) ?? 'price';
  const value = (input as unknown as Record<string, ArrayLike<unknown>>)[field]?.[index];
  return new RiskgridError(code, `item ${index}: ${field} = ${String(value)}: no implied volatility (status ${st})`, { field: `${field}[${index}]`, value });
}

let shared: RiskgridWasm | undefined;

function column(input: Record<string, unknown>, name: string, n: number | undefined): Num {
  const c = input[name];
  if (c === null || typeof c !== 'object' || typeof (c as Num).length !== 'number') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impliedVolBatch: column ${name} must be an array of numbers`, { field: name, value: c });
  }
  const len = (c as Num).length;
  if (n !== undefined && len !== n) {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impliedVolBatch: column ${name} has ${len} items, expected ${n}`, { field: name, value: len });
  }
  return c as Num;
}

const num = (v: unknown): number => v as number; // elements are checked by numbers() first

/** Throws RG_ERR_INVALID_INPUT at the first element that is not a number. */
function numbers(name: string, src: Num): Num {
  if (src instanceof Float64Array) return src;
  for (let i = 0; i < src.length; i++) {
    const v: unknown = src[i];
    if (typeof v !== 'number') throw new RiskgridError('RG_ERR_INVALID_INPUT', `${name}[${i}] must be a number, got ${String(v)}`, { field: `${name}[${i}]`, value: v });
  }
  return src;
}

/** +1 / −1 per item; other numbers go to the kernel (per-item BAD_TYPE), other strings throw. */
function omegas(type: Types, dst: Float64Array): void {
  for (let i = 0; i < dst.length; i++) {
    const t: unknown = type[i];
    if (typeof t === 'number') {
      dst[i] = t;
      continue;
    }
    const w = omegaOf(t);
    if (w === undefined) throw new RiskgridError('RG_ERR_INVALID_INPUT', `type[${i}] must be 'C' or 'P' (or +1 / −1), got ${String(t)}`, { field: `type[${i}]`, value: t });
    dst[i] = w;
  }
}

/** Implied volatilities of a batch of option prices. `wasm` defaults to a shared instance. */
export function impliedVolBatch(input: ImpliedVolInput, wasm?: RiskgridWasm): ImpliedVolResult {
  if (input === null || typeof input !== 'object') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'impliedVolBatch: input must be an object', { field: 'input', value: input });
  }
  const model = (input as { model?: unknown }).model;
  if (model !== 'black76' && model !== 'bsm') {
    throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `impliedVolBatch: model must be 'black76' or 'bsm', got ${String(model)}`, { field: 'model', value: model });
  }
  const rec = input as unknown as Record<string, unknown>;
  const firstName = model === 'black76' ? 'F' : 'S';
  const n = column(rec, firstName, undefined).length;
  const first = numbers(firstName, column(rec, firstName, n));
  const K = numbers('K', column(rec, 'K', n));
  const T = numbers('T', column(rec, 'T', n));
  const price = numbers('price', column(rec, 'price', n));
  const type = column(rec, 'type', n) as Types;
  const df = model === 'black76' ? numbers('df', column(rec, 'df', n)) : undefined;
  const r = model === 'bsm' ? numbers('r', column(rec, 'r', n)) : undefined;
  const q = model === 'bsm' ? numbers('q', column(rec, 'q', n)) : undefined;

  const w = wasm ?? (shared ??= loadWasmSync());
  const mark = w.arena.mark();
  try {
    const c = w.arena.columns(n, { F: 'f64', K: 'f64', T: 'f64', price: 'f64', df: 'f64', type: 'f64', iv: 'f64', status: 'i32' });
    const vF = c.F.view as Float64Array, vDf = c.df.view as Float64Array, vT = c.T.view as Float64Array;
    const vType = c.type.view as Float64Array;
    (c.K.view as Float64Array).set(K);
    vT.set(T);
    (c.price.view as Float64Array).set(price);
    omegas(type, vType);
    if (df !== undefined) {
      vF.set(first);
      vDf.set(df);
    } else if (r !== undefined && q !== undefined) {
      for (let i = 0; i < n; i++) {
        const t = vT[i]!;
        const ri = num(r[i]);
        vF[i] = num(first[i]) * Math.exp((ri - num(q[i])) * t);
        vDf[i] = Math.exp(-ri * t);
      }
    }
    const kernel = w.variant === 'simd' ? w.exports.black76_iv_f64x2_soa! : w.exports.black76_iv_f64_soa!;
    let failed = kernel(n, c.F.ptr, c.K.ptr, c.T.ptr, c.price.ptr, c.df.ptr, c.type.ptr, c.iv.ptr, c.status.ptr);
    const iv = Float64Array.from(c.iv.view as Float64Array);
    const status = Int32Array.from(c.status.view as Int32Array);
    if (r !== undefined && q !== undefined) failed += bsmStatuses(first, r, q, status, iv);
    return { iv, status, failed };
  } finally {
    w.arena.release(mark);
  }
}

/** For BSM, report S, r and q themselves instead of the forward/discount built from them. */
function bsmStatuses(S: Num, r: Num, q: Num, status: Int32Array, iv: Float64Array): number {
  let added = 0;
  for (let i = 0; i < status.length; i++) {
    const st = status[i]!;
    let fix = 0;
    const Si = num(S[i]);
    if (!(Si > 0 && Si < Infinity)) fix = IV_STATUS.BAD_FORWARD;
    else if (!Number.isFinite(num(r[i]))) fix = IV_STATUS.BAD_RATE;
    else if (!Number.isFinite(num(q[i]))) fix = IV_STATUS.BAD_YIELD;
    if (fix === 0) continue;
    if (st === IV_STATUS.OK) added++;
    status[i] = fix;
    iv[i] = NaN;
  }
  return added;
}
