// The accounts of a cascade: every input as loaded into the venue engine (same index rule as the
// engine: an id seen again replaces its account in place), a digest of them for the inputs hash,
// and the gross open units per underlying that the default impact depth is made from.
import { createHash } from 'node:crypto';
import type { AccountInput, MarketInput } from '../margin/engine.js';
import type { Account } from '../model/account.js';
import { FailedInput, type VenueEngine, type VenueLoadReport } from '../pool/venue-engine.js';

export interface CascadeBook {
  /** Per engine account index: the input (raw JSON or a validated Account). */
  inputs: Array<AccountInput | FailedInput>;
  index: Map<string, number>;
  /** sha256 over the inputs' JSON text, in input order. */
  digest: string;
  /** Σ |size| of the positions per underlying (the id's first `-` part), at load. */
  grossUnits: Record<string, number>;
  load: VenueLoadReport;
}

function idOf(input: AccountInput | FailedInput): string | undefined {
  if (input instanceof FailedInput) return input.account_id;
  const raw = (input as { id?: unknown }).id ?? (input as { account_id?: unknown }).account_id;
  return typeof raw === 'string' ? raw : undefined;
}

/** Streams `accounts` into `venue.load`, keeping each input for the cascade. */
export function loadCascadeBook(venue: VenueEngine, accounts: Iterable<AccountInput | FailedInput>, market: MarketInput, onProgress?: (done: number) => void): CascadeBook {
  const inputs: Array<AccountInput | FailedInput> = [];
  const index = new Map<string, number>();
  const hash = createHash('sha256');
  const gross: Record<string, number> = {};
  function* record(): Generator<AccountInput | FailedInput> {
    for (const input of accounts) {
      hash.update(input instanceof FailedInput ? `failed:${input.account_id}:${input.error.code}\n` : `${JSON.stringify(input)}\n`);
      const id = idOf(input);
      const at = id === undefined ? undefined : index.get(id);
      if (at !== undefined) inputs[at] = input;
      else {
        if (id !== undefined) index.set(id, inputs.length);
        inputs.push(input);
      }
      if (!(input instanceof FailedInput)) addGross(gross, input);
      yield input;
    }
  }
  const load = venue.load(record(), market, onProgress);
  return { inputs, index, digest: hash.digest('hex'), grossUnits: gross, load };
}

function addGross(gross: Record<string, number>, input: AccountInput): void {
  const positions = (input as { positions?: unknown }).positions;
  if (!Array.isArray(positions)) return;
  for (const p of positions as Array<{ instrument?: unknown; size?: unknown }>) {
    const ins = p?.instrument;
    const id = typeof ins === 'string' ? ins : typeof (ins as { id?: unknown } | undefined)?.id === 'string' ? (ins as { id: string }).id : undefined;
    if (id === undefined || typeof p.size !== 'number' || !Number.isFinite(p.size)) continue;
    const u = (ins as Account['positions'][number]['instrument'] | undefined)?.underlying ?? id.slice(0, Math.max(0, id.indexOf('-')));
    if (u === '') continue;
    gross[u] = (gross[u] ?? 0) + Math.abs(p.size);
  }
}
