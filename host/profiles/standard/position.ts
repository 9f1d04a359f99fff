// The plain input every non-Derive methodology starts from: positions already resolved against
// the market (instrument facts + the market figures that value them). Each method extends it with
// its own fields (SPAN's combined commodity, TIMS' class). Validation is the one choke point:
// a bad field is RG_ERR_INVALID_INPUT naming `portfolios[i].positions[j].field` and the value.
import { RiskgridError } from '../../errors.js';

export type PositionKind = 'option' | 'future' | 'perpetual' | 'spot';

export interface ResolvedPosition {
  /** Instrument id (venue style); equal ids must mean equal instruments. */
  id: string;
  kind: PositionKind;
  /** The asset whose price drives the value (`BTC`, `ES`). */
  underlying: string;
  /** Signed number of contracts (negative = short). */
  size: number;
  /**
   * Options (either settlement) and linear futures/perps/spot: units of the underlying per
   * contract. Inverse futures and perpetuals: quote-currency notional per contract (Deribit: 10 USD).
   */
  multiplier: number;
  /** linear: P&L in the quote currency; inverse: P&L in the underlying coin. Default linear. */
  settlement?: 'linear' | 'inverse';
  /** Forward (futures price) of this instrument's expiry; the mark for perpetuals and spot. */
  forward: number;
  /** Index (spot) price of the underlying; default = forward. */
  spot?: number;
  strike?: number;
  optionType?: 'C' | 'P';
  /** Years to expiry (ACT/365); 0 for perpetuals and spot. */
  T: number;
  /** Mark volatility (options). */
  vol?: number;
  /** Discount factor to the option's expiry; default 1. */
  df?: number;
}

export interface Portfolio<P extends ResolvedPosition = ResolvedPosition> {
  id: string;
  positions: P[];
}

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: ${why} (got ${String(value)})`, { field, value });
}

const KINDS: ReadonlySet<string> = new Set(['option', 'future', 'perpetual', 'spot']);

// Paths are built only on failure: validation runs once per position of every batch.
function finite(v: unknown, path: string, key: string, min?: number, strict = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`${path}.${key}`, v, 'must be a finite number');
  if (min !== undefined && (v < min || (strict && v === min))) bad(`${path}.${key}`, v, `must be ${strict ? '>' : '>='} ${min}`);
}

/** Check one position's common fields (path = `portfolios[i].positions[j]`). */
export function validatePosition(p: ResolvedPosition, path: string): void {
  if (typeof p !== 'object' || p === null) bad(path, p, 'must be an object');
  if (typeof p.id !== 'string' || p.id.length === 0) bad(`${path}.id`, p.id, 'must be a non-empty string');
  if (!KINDS.has(p.kind)) bad(`${path}.kind`, p.kind, 'must be option, future, perpetual or spot');
  if (typeof p.underlying !== 'string' || p.underlying.length === 0) bad(`${path}.underlying`, p.underlying, 'must be a non-empty string');
  finite(p.size, path, 'size');
  finite(p.multiplier, path, 'multiplier', 0, true);
  if (p.settlement !== undefined && p.settlement !== 'linear' && p.settlement !== 'inverse') bad(`${path}.settlement`, p.settlement, 'must be linear or inverse');
  finite(p.forward, path, 'forward', 0, true);
  if (p.spot !== undefined) finite(p.spot, path, 'spot', 0, true);
  finite(p.T, path, 'T', 0);
  if (p.df !== undefined) finite(p.df, path, 'df', 0, true);
  if (p.kind === 'option') {
    finite(p.strike, path, 'strike', 0, true);
    if (p.optionType !== 'C' && p.optionType !== 'P') bad(`${path}.optionType`, p.optionType, 'must be C or P');
    finite(p.vol, path, 'vol', 0);
  }
}

export function validatePortfolios<P extends ResolvedPosition>(portfolios: readonly Portfolio<P>[], extra?: (p: P, path: string) => void): void {
  if (!Array.isArray(portfolios)) bad('portfolios', portfolios, 'must be an array');
  portfolios.forEach((pf, a) => {
    if (typeof pf !== 'object' || pf === null || !Array.isArray(pf.positions)) bad(`portfolios[${a}].positions`, pf?.positions, 'must be an array');
    const list: readonly P[] = pf.positions;
    const prefix = `portfolios[${a}].positions[`;
    for (let j = 0; j < list.length; j++) {
      const path = prefix + j + ']';
      validatePosition(list[j]!, path);
      extra?.(list[j]!, path);
    }
  });
}

/** A finite result or RG_ERR_NOT_FINITE_RESULT: NaN never becomes a margin number. */
export function requireFiniteResult(v: number, field: string): number {
  if (!Number.isFinite(v)) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `${field} is not finite (${v})`, { field, value: v });
  return v;
}

export const isOption = (p: ResolvedPosition): boolean => p.kind === 'option';
export const omegaOf = (p: ResolvedPosition): number => (p.optionType === 'P' ? -1 : 1);
