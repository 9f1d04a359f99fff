// Per-item kernel status codes (mirror of assembly/abi.ts; docs/ABI.md lists them) and their
// mapping to RiskgridError codes and input fields.
import type { ErrorCode } from '../errors.js';

export const STATUS = {
  OK: 0,
  BAD_FORWARD: 1,
  BAD_STRIKE: 2,
  BAD_TIME: 3,
  BAD_VOL: 4,
  BAD_DISCOUNT: 5,
  BAD_TYPE: 6,
  BAD_RATE: 7,
  BAD_YIELD: 8,
  BAD_PRICE: 9,
  IV_BELOW_INTRINSIC: 10,
  IV_ABOVE_MAX: 11,
  IV_NO_CONVERGENCE: 12,
} as const;

export type PricingModel = 'black76' | 'bsm';

const FIELD: Record<number, readonly [black76: string, bsm: string]> = {
  1: ['F', 'S'],
  2: ['K', 'K'],
  3: ['T', 'T'],
  4: ['vol', 'vol'],
  5: ['df', 'r'],
  6: ['type', 'type'],
  7: ['r', 'r'],
  8: ['q', 'q'],
  9: ['price', 'price'],
  10: ['price', 'price'],
  11: ['price', 'price'],
  12: ['price', 'price'],
};

export interface StatusInfo {
  /** Stable RG_ERR_* code. */
  code: ErrorCode;
  /** Input field the status is about (F or S, K, T, vol, df, type, r, q, price). */
  field: string;
}

/** What a non-OK status means; undefined for OK. Unknown codes map to RG_ERR_KERNEL. */
export function statusInfo(status: number, model: PricingModel = 'black76'): StatusInfo | undefined {
  if (status === STATUS.OK) return undefined;
  const f = FIELD[status];
  if (f === undefined) return { code: 'RG_ERR_KERNEL', field: 'status' };
  const field = f[model === 'bsm' ? 1 : 0];
  if (status === STATUS.IV_BELOW_INTRINSIC) return { code: 'RG_ERR_IV_BELOW_INTRINSIC', field };
  if (status === STATUS.IV_ABOVE_MAX) return { code: 'RG_ERR_IV_ABOVE_MAX', field };
  if (status === STATUS.IV_NO_CONVERGENCE) return { code: 'RG_ERR_IV_NO_CONVERGENCE', field };
  return { code: 'RG_ERR_INVALID_INPUT', field };
}
