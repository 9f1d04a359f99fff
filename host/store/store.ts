// The persistence interface of the margin service (issue 6). Every method is async so a
// PostgreSQL implementation can follow behind the same interface; the SQLite one (sqlite.ts)
// runs synchronously underneath. Records carry JSON as parsed values, never as text, so both
// backends agree on what a round trip returns.

export type Scope = 'read' | 'simulate' | 'trade' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'simulate', 'trade', 'admin'];

/**
 * Derived from the latest margin run: ok (im_excess ≥ 0), im_breach (below IM, above MM), mm_breach
 * (below MM); error when the engine could not margin the account (the run records the RG_ERR code).
 */
export type AccountStatus = 'ok' | 'im_breach' | 'mm_breach' | 'error' | 'unknown';
export const ACCOUNT_STATUSES: readonly AccountStatus[] = ['ok', 'im_breach', 'mm_breach', 'error', 'unknown'];

export interface AccountRecord {
  id: string;
  pool: string;
  /** Positions as snake_case JSON (accountToJson output). */
  positions: unknown[];
  balances: Record<string, number>;
  status: AccountStatus;
  /** ISO 8601 UTC. */
  updated_at: string;
}

export interface ProfileRecord {
  name: string;
  version: string;
  /** `sha256:<hex>` content hash (host/profiles/hash.ts). */
  hash: string;
  json: Record<string, unknown>;
}

export interface SnapshotRecord {
  id: string;
  /** Snapshot time, UTC ms. */
  timestamp: number;
  json: Record<string, unknown>;
}

export interface MarginRunRecord {
  account_id: string;
  /** sha256 of the canonical account JSON the run margined. */
  inputs_hash: string;
  profile_hash: string;
  snapshot_id: string;
  engine_version: string;
  result: Record<string, unknown>;
  computed_at: string;
}

export interface ApiKeyRecord {
  id: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  secret_hash: string;
  scopes: Scope[];
  /** Accounts the key may read or change; `*` means every account (operator keys). */
  account_ids: string[];
}

export interface AuditEntry {
  kind: string;
  account_id: string | null;
  data: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  at: string;
  prev_hash: string;
  /** sha256(prev_hash + canonical JSON of { seq, at, kind, account_id, data }). */
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not match. */
  broken_at?: number;
}

/** What one re-margin writes: every part in ONE transaction, durable together or not at all. */
export interface MarginWrite {
  statuses?: ReadonlyArray<{ id: string; status: AccountStatus }>;
  /** Appended to the hash chain in this order. */
  audit?: readonly AuditEntry[];
  runs?: readonly MarginRunRecord[];
}

export interface Store {
  putAccount(a: AccountRecord): Promise<void>;
  getAccount(id: string): Promise<AccountRecord | undefined>;
  listAccounts(filter?: { status?: AccountStatus; ids?: readonly string[] }): Promise<AccountRecord[]>;
  setAccountStatus(id: string, status: AccountStatus): Promise<void>;

  putPool(name: string, profile: string): Promise<void>;
  getPool(name: string): Promise<string | undefined>;

  /** Insert a profile version; the same (name, hash) again is a no-op. */
  putProfile(p: ProfileRecord): Promise<void>;
  /** The latest stored version of a profile by name. */
  getProfile(name: string): Promise<ProfileRecord | undefined>;
  listProfiles(): Promise<ProfileRecord[]>;

  /**
   * Insert a snapshot and, in the same transaction, the audit rows that record its ingest: both or
   * neither. An existing id is an error (snapshots are immutable).
   */
  putSnapshot(s: SnapshotRecord, audit?: readonly AuditEntry[]): Promise<void>;
  getSnapshot(id: string): Promise<SnapshotRecord | undefined>;
  /** The most recently ingested snapshot. */
  latestSnapshot(): Promise<SnapshotRecord | undefined>;

  recordMarginRun(r: MarginRunRecord): Promise<void>;
  /** Statuses, audit entries and margin runs of a re-margin (one account or a whole book) in one transaction. */
  writeMargins(w: MarginWrite): Promise<void>;
  listMarginRuns(accountId: string): Promise<MarginRunRecord[]>;

  putApiKey(k: ApiKeyRecord): Promise<void>;
  getApiKeyByHash(secretHash: string): Promise<ApiKeyRecord | undefined>;

  appendAudit(e: AuditEntry): Promise<AuditRow>;
  listAudit(): Promise<AuditRow[]>;
  /** Recompute the chain from the first row; any edited, removed or reordered row breaks it. */
  verifyAudit(): Promise<AuditVerification>;

  close(): Promise<void>;
}
