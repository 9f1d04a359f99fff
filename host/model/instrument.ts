// What an instrument is (not how it is priced). A resolved `Instrument` is immutable and fully
// specified: every default (settlement, quote, contract size, expiry time) has been applied, so
// the pricing and margin code never guesses.

export type InstrumentKind = 'option' | 'future' | 'perpetual' | 'spot' | 'cash';
export type Settlement = 'linear' | 'inverse';
export type OptionType = 'C' | 'P';

export interface Instrument {
  /** Canonical venue-style id (see ids.ts); equal ids mean equal instruments. */
  readonly id: string;
  readonly kind: InstrumentKind;
  /** The asset whose index price drives the value: `BTC`. For cash, the currency itself. */
  readonly underlying: string;
  /** Currency that prices and strikes are quoted in: `USD` (Deribit inverse), `USDC` (linear). */
  readonly quote: string;
  /** linear: P&L in the quote currency; inverse: P&L in the underlying coin (coin-settled). */
  readonly settlement: Settlement;
  /** Currency the P&L is paid in: the quote when linear, the underlying when inverse. */
  readonly settleCurrency: string;
  /** Units of the underlying (linear) or of the quote currency (inverse) per contract. */
  readonly contractSize: number;
  /** Options only, in the quote currency. */
  readonly strike?: number;
  /** Options and futures only: UTC instant in ms. */
  readonly expiry?: number;
  /** Options only. */
  readonly optionType?: OptionType;
}

/** How a venue's plain ids (no `_QUOTE` part) settle. Deribit's BTC/ETH: inverse in USD. */
export interface IdConventions {
  /** Settlement of `BTC-...` ids. Default `inverse` (Deribit); Derive's ids are `linear`. */
  readonly plainSettlement: Settlement;
  /** Quote currency of `BTC-...` ids. Default `USD`; Derive: `USDC`. */
  readonly plainQuote: string;
  /** Contract size given to instruments parsed from ids. Default 1. */
  readonly contractSize: number;
  /** Bare codes that are cash, not a spot holding of a risky asset. */
  readonly cash: ReadonlySet<string>;
}

export const DERIBIT_CONVENTIONS: IdConventions = Object.freeze({
  plainSettlement: 'inverse',
  plainQuote: 'USD',
  contractSize: 1,
  cash: new Set(['USD', 'USDC', 'USDT', 'DAI', 'USDE', 'FDUSD', 'PYUSD', 'EUR', 'EURR']),
});

/** Derive (formerly Lyra v2): `ETH-20240628-3500-C` is a linear option settled in USDC. */
export const DERIVE_CONVENTIONS: IdConventions = Object.freeze({
  ...DERIBIT_CONVENTIONS,
  plainSettlement: 'linear',
  plainQuote: 'USDC',
});

export function conventions(overrides: Partial<IdConventions> = {}): IdConventions {
  return Object.freeze({ ...DERIBIT_CONVENTIONS, ...overrides });
}

/** Instrument code tokens: upper-case letters and digits (BTC, ETH, 1000PEPE, USDC). */
export const CODE = /^[A-Z0-9]{1,16}$/;

/** Year fraction ACT/365 between two UTC instants in ms (DESIGN.md: seconds / 31,536,000). */
export const MS_PER_YEAR = 31_536_000_000;
export function yearFraction(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}
