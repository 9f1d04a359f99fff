// Positions and accounts after validation: every instrument resolved, every number finite.

import { formatInstrumentId } from './ids.js';
import { DERIBIT_CONVENTIONS, type IdConventions, type Instrument } from './instrument.js';

export interface Position {
  readonly instrument: Instrument;
  /** Signed number of contracts: positive long, negative short. */
  readonly size: number;
  /**
   * Average entry price as the venue quotes it, if known: the quote currency for linear
   * instruments and inverse futures/perpetuals; the underlying coin for inverse options (Deribit).
   */
  readonly avgPrice?: number;
  /** Perpetuals: funding accrued and not yet settled, in the settlement currency (part of equity). */
  readonly unrealisedFunding?: number;
}

export interface Account {
  /** Empty for a stateless (simulated) account. */
  readonly id: string;
  /** The pool names the profile the account is margined with (a venue may run several). */
  readonly pool: string;
  /** In input order; the same instrument may appear more than once (sizes then add up). */
  readonly positions: readonly Position[];
  /** Amount per asset code, signed: negative means borrowed. A null-prototype record. */
  readonly balances: Readonly<Record<string, number>>;
}

export const DEFAULT_POOL = 'default';

/**
 * The account as snake_case JSON (the inverse of parseAccount under the same conventions):
 * instruments as ids, or as specs where the id alone would not give the same instrument.
 */
export function accountToJson(account: Account, conv: IdConventions = DERIBIT_CONVENTIONS): AccountJson {
  const positions = account.positions.map((p) => {
    const out: PositionJson = { instrument: instrumentRef(p.instrument, conv), size: p.size };
    if (p.avgPrice !== undefined) out.avg_price = p.avgPrice;
    if (p.unrealisedFunding !== undefined) out.unrealised_funding = p.unrealisedFunding;
    return out;
  });
  const json: AccountJson = { account_id: account.id, pool: account.pool, positions, balances: { ...account.balances } };
  if (account.id === '') delete json.account_id;
  return json;
}

export interface PositionJson {
  instrument: string | InstrumentSpecJson;
  size: number;
  avg_price?: number;
  unrealised_funding?: number;
}

export interface InstrumentSpecJson {
  id: string;
  contract_size: number;
}

export interface AccountJson {
  account_id?: string;
  pool: string;
  positions: PositionJson[];
  balances: Record<string, number>;
}

function instrumentRef(i: Instrument, conv: IdConventions): string | InstrumentSpecJson {
  // Canonical ids carry everything but the contract size; the id must be in these conventions.
  const id = formatInstrumentId(i, conv);
  return i.contractSize === conv.contractSize ? id : { id, contract_size: i.contractSize };
}
