// The live book: every stored account held in memory, parsed once under its pool's engine, with
// its latest computed margin. The store stays the source of truth (a write is acknowledged only
// once it is durable there, then the book follows); the book is what requests read, so a what-if
// or an account read costs no store round trip and no parse.
//
// Two orderings keep it consistent:
//   - KeyedLock: one read-modify-write at a time per account (two concurrent PATCHes both apply);
//   - SerialQueue: one re-margin at a time for the whole book, so statuses, audit rows and pushes
//     come out in the order the events (snapshots, account changes) were accepted.
import type { Engine } from '../margin/engine.js';
import type { MarginResult } from '../margin/result.js';
import type { Account } from '../model/account.js';
import type { AccountRecord, AccountStatus } from '../store/store.js';
import type { AccountStatus as LadderStatus } from '../liquidation/ladder.js';

export interface MarginErrorJson {
  code: string;
  message: string;
  field?: string;
  value?: unknown;
}

/** The latest margin of an account: the engine's result, or why it could not be computed. */
export type LatestMargin =
  | {
      ok: true;
      status: Exclude<AccountStatus, 'error' | 'unknown'>;
      result: MarginResult;
      computed_at: string;
      /** The market-data guard's verdict when the snapshot was degraded (host/market/guard.ts). */
      degraded?: { reasons: unknown[] };
      /** The liquidation ladder's rung (host/liquidation/ladder.ts: thresholds with hysteresis). */
      ladder?: LadderStatus;
    }
  | {
      ok: false;
      status: 'error';
      error: MarginErrorJson;
      market_snapshot_id: string;
      profile_hash: string | null;
      engine_version: string;
      computed_at: string;
    };

export interface BookEntry {
  /** As stored; `status` is the last status made durable. */
  rec: AccountRecord;
  /** The pool's engine and the parsed (frozen) account; undefined with `failure` saying why. */
  engine: Engine | undefined;
  account: Account | undefined;
  failure: Error | undefined;
  /** sha256 of the canonical account JSON (a margin run's inputs), computed once per version. */
  inputsHash: string | undefined;
  margin: LatestMargin | undefined;
  /** The ladder rung last made durable (its hysteresis state; rebuilt from the audit log at start). */
  ladder?: LadderStatus;
}

export class LiveBook {
  private readonly entries = new Map<string, BookEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(id: string): BookEntry | undefined {
    return this.entries.get(id);
  }

  put(e: BookEntry): void {
    this.entries.set(e.rec.id, e);
  }

  all(): BookEntry[] {
    return [...this.entries.values()];
  }
}

/** Runs `f` for a key after every earlier call for the same key has settled. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, f: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(f, f);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await next;
    } finally {
      // Forget the key once nobody queued behind us, so the map holds only busy accounts.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** One job at a time, in the order they were queued. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(f: () => Promise<T>): Promise<T> {
    const next = this.tail.then(f, f);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Settles when everything queued so far has. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
