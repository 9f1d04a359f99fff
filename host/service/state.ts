// The stateful side of the service: the store plus what is derived from it and worth caching —
// an engine per profile (built-in by name, or stored by content hash) and the parsed latest
// market snapshot. Margins computed here are recorded as margin runs (enough to replay them) and
// status changes go to the hash-chained audit log.
import type { Engine } from '../margin/engine.js';
import { createEngine } from '../margin/engine.js';
import type { MarginResult } from '../margin/result.js';
import type { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot } from '../market/validate.js';
import { accountToJson, type Account } from '../model/account.js';
import { canonicalJson } from '../profiles/hash.js';
import { sha256Hex } from '../store/audit-chain.js';
import type { AccountRecord, AccountStatus, Store } from '../store/store.js';
import { EngineCache } from './engines.js';
import { HttpError } from './http-errors.js';

export function statusOf(r: Pick<MarginResult, 'im_excess' | 'mm_excess'>): AccountStatus {
  return r.mm_excess < 0 ? 'mm_breach' : r.im_excess < 0 ? 'im_breach' : 'ok';
}

export class ServiceState {
  private readonly stored = new Map<string, Engine>();
  private snap: MarketSnapshot | undefined;

  constructor(readonly store: Store, readonly builtins: EngineCache) {}

  /** The engine for a pool: its profile stored via PUT /v1/profiles, else a built-in of that name. */
  async engineForPool(pool: string): Promise<Engine> {
    const name = await this.store.getPool(pool);
    if (name === undefined) throw new HttpError(400, 'RG_ERR_PROFILE', `pool "${pool}" has no profile; assign one with PUT /v1/profiles { profile, pools: ["${pool}"] }`, 'pool', pool);
    const rec = await this.store.getProfile(name);
    if (rec === undefined) return this.builtins.get(name);
    let e = this.stored.get(rec.hash);
    if (e === undefined) this.stored.set(rec.hash, (e = createEngine({ profile: rec.json })));
    return e;
  }

  /** The latest ingested snapshot, or 409 when none was ever sent. */
  async latestMarket(): Promise<MarketSnapshot> {
    const rec = await this.store.latestSnapshot();
    if (rec === undefined) throw new HttpError(409, 'RG_ERR_MISSING_MARKET_DATA', 'no market snapshot yet; POST /v1/market first', 'market', null);
    if (this.snap?.id !== rec.id) {
      // Validated on ingest; the future-dating check belonged to that moment, not to now.
      this.snap = parseMarketSnapshot(rec.json, { now: false });
    }
    return this.snap;
  }

  /** Parse a stored account under its pool's engine. */
  async load(id: string): Promise<{ rec: AccountRecord; engine: Engine; account: Account }> {
    const rec = await this.store.getAccount(id);
    if (rec === undefined) throw new HttpError(404, 'RG_HTTP_NOT_FOUND', `no account ${id}`, 'account_id', id);
    const engine = await this.engineForPool(rec.pool);
    const account = engine.parseAccount({ account_id: rec.id, pool: rec.pool, positions: rec.positions, balances: rec.balances });
    return { rec, engine, account };
  }

  /** Margin on the latest market, recorded as a run; a status change is audited. */
  async marginOf(id: string): Promise<{ rec: AccountRecord; result: MarginResult & { computed_at: string } }> {
    const { rec, engine, account } = await this.load(id);
    const market = await this.latestMarket();
    const result = { ...engine.margin(account, market), computed_at: new Date().toISOString() };
    await this.store.recordMarginRun({
      account_id: id, inputs_hash: inputsHash(account, engine), profile_hash: result.profile_hash, snapshot_id: result.market_snapshot_id,
      engine_version: result.engine_version, result: JSON.parse(JSON.stringify(result)) as Record<string, unknown>, computed_at: result.computed_at,
    });
    const status = statusOf(result);
    if (status !== rec.status) {
      await this.store.setAccountStatus(id, status);
      await this.store.appendAudit({ kind: status === 'mm_breach' ? 'margin_call' : 'status_change', account_id: id, data: { from: rec.status, to: status, im_excess: result.im_excess, mm_excess: result.mm_excess, market_snapshot_id: result.market_snapshot_id, profile_hash: result.profile_hash } });
      rec.status = status;
    }
    return { rec, result };
  }
}

/** sha256 of the canonical account JSON: the `inputs` of a margin run. */
export function inputsHash(account: Account, engine: Engine): string {
  return `sha256:${sha256Hex(canonicalJson(accountToJson(account, engine.conventions)))}`;
}

