// One error type with stable codes. Codes are part of the public API (docs/ERRORS.md); never
// rename one, only add. `field` and `value` name exactly what was wrong.

export const ERROR_CODES = {
  RG_ERR_INVALID_INPUT: 'a field is missing, of the wrong type, not finite or out of its domain',
  RG_ERR_INVALID_ARGUMENT: 'an API argument is not what the function accepts',
  RG_ERR_WASM_LOAD: 'the WebAssembly module could not be loaded or instantiated',
  RG_ERR_ABI_MISMATCH: 'the WebAssembly module speaks another ABI version than this host',
  RG_ERR_CAPACITY: 'a batch does not fit the memory the host may use',
  RG_ERR_KERNEL: 'a kernel reported a failure the host could not map to an input',
  RG_ERR_IV_BELOW_INTRINSIC: 'price below the discounted intrinsic value: no implied volatility',
  RG_ERR_IV_ABOVE_MAX: 'price at or above the no-arbitrage upper bound: no implied volatility',
  RG_ERR_IV_NO_CONVERGENCE: 'implied volatility iteration did not converge',
  RG_ERR_PARSE: 'input text could not be parsed',
  RG_ERR_UNKNOWN_INSTRUMENT: 'an instrument id is not known or cannot be parsed',
  RG_ERR_MISSING_MARKET_DATA: 'the market snapshot lacks a value the calculation needs',
  RG_ERR_STALE_MARKET_DATA: 'a market feed is older than the profile allows',
  RG_ERR_PROFILE: 'a profile or its parameter file is invalid',
  RG_ERR_NOT_FINITE_RESULT: 'a computed margin figure was not finite (never returned as a number)',
  RG_ERR_MARKET_DEGRADED: 'the market data is degraded (stale, too few sources, or a move awaiting confirmation) and the profile says reject',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RiskgridError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;
  readonly value?: unknown;

  constructor(code: ErrorCode, message: string, details: { field?: string; value?: unknown; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RiskgridError';
    this.code = code;
    this.field = details.field;
    this.value = details.value;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string; value?: unknown } {
    return { code: this.code, message: this.message, field: this.field, value: printable(this.value) };
  }
}

/** NaN and ±Infinity do not survive JSON; keep them readable in error payloads. */
function printable(value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** Throws RG_ERR_INVALID_INPUT unless `value` is a finite number (optionally within bounds). */
/** A RiskgridError again from its toJSON() form (a batch's per-item failure, a stored margin error). */
export function errorFromJson(e: { code: string; message: string; field?: string; value?: unknown }): RiskgridError {
  return new RiskgridError(e.code as ErrorCode, e.message, { field: e.field, value: e.value });
}

export function requireFinite(field: string, value: unknown, opts: { min?: number; minExclusive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field} must be a finite number, got ${String(value)}`, { field, value });
  }
  if (opts.min !== undefined && (value < opts.min || (opts.minExclusive === true && value === opts.min))) {
    const rel = opts.minExclusive === true ? '>' : '>=';
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field} must be ${rel} ${opts.min}, got ${value}`, { field, value });
  }
  return value;
}

/** Any thrown value as a RiskgridError: ours pass through, anything else is an unexpected failure. */
export function asRiskgridError(e: unknown): RiskgridError {
  if (e instanceof RiskgridError) return e;
  return new RiskgridError('RG_ERR_KERNEL', `unexpected failure: ${(e as Error)?.message ?? String(e)}`, { cause: e });
}
