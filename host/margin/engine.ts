// The margin engine: one validation door for accounts and snapshots, the profile's methodology,
// the plan evaluator (WebAssembly kernels by default), and the checks that nothing non-finite or
// unexplained leaves as a margin number.
//
//   const engine = createEngine({ profile: 'derive-pmrm2.test' });
//   engine.margin(account, market)          → MarginResult          (throws RiskgridError)
//   engine.marginBatch(accounts, market)    → MarginOutcome[]       (per-account failures)
//   engine.whatIf(account, market, trades)  → { before, change, after }
import { asRiskgridError, RiskgridError } from '../errors.js';
import { MarketSnapshot } from '../market/snapshot.js';
import { parseMarketSnapshot, type SnapshotOptions } from '../market/validate.js';
import type { Account } from '../model/account.js';
import { DERIBIT_CONVENTIONS, type IdConventions } from '../model/instrument.js';
import { parseAccount, parsePositions } from '../model/validate.js';
import { getMethodology, loadProfile, type Profile } from '../profiles/registry.js';
import { ENGINE_VERSION } from '../version.js';
import { loadWasmSync, type RiskgridWasm } from '../wasm/loader.js';
import { evaluatePlanTs } from './evaluate-ts.js';
import { evaluatePlanWasm } from './evaluate-wasm.js';
import { DerivePmrm2FastPath } from './fast/derive-pmrm2-fast.js';
import { LazyGreeks } from './greeks.js';
import { derivePmrm2Methodology, type DerivePmrm2EngineParams } from './orchestrators/derive-pmrm2.js';
import { isMarginMethodology, type MarginMethodology, type MethodologyContext, type MethodologyOutcome, type PlanEvaluator } from './methodology.js';
import type { MarginOutcome, MarginResult, WhatIfResult } from './result.js';
import { registerBuiltinMethodologies } from './builtin.js';

export interface EngineOptions {
  /** Built-in profile name (`derive-pmrm2.test`), a file path, or a parsed profile object. */
  profile: string | Record<string, unknown>;
  /** The WebAssembly instance to run kernels on; default: loaded synchronously (Node). */
  wasm?: RiskgridWasm;
  /** `wasm` (default) or `ts` (the plain TypeScript evaluator, for tests and references). */
  evaluator?: 'wasm' | 'ts';
  /** Snapshot validation options (e.g. `{ now: false }` to replay old snapshots). */
  snapshot?: SnapshotOptions;
  /**
   * `fast` (default): derive-pmrm2 margins through the cached per-snapshot fast path
   * (host/margin/fast/), bit-identical to `reference`: the methodology's own orchestrator, always
   * used for other methodologies, the `ts` evaluator, and `explain` / `instrumentScenarios`.
   */
  path?: 'fast' | 'reference';
}

export interface MarginOptions {
  /** Add each instrument's scenario vector (`instrument_scenarios`). */
  instrumentScenarios?: boolean;
  /** Add the methodology's full working (`breakdown.detail`). */
  explain?: boolean;
  /**
   * Derive profiles: each balance's line in `breakdown.collateral`, built on first read. Default
   * on for margin and whatIf, off for marginBatch, where deferring them costs a fifth of the path
   * (other methodologies always carry them).
   */
  collateralLines?: boolean;
}

/** An account as parsed JSON, or one already validated by parseAccount. */
export type AccountInput = Account | Record<string, unknown>;
export type MarketInput = MarketSnapshot | Record<string, unknown>;

export class Engine {
  readonly profile: Profile;
  private readonly method: MarginMethodology & { conventions?: IdConventions };
  private readonly evaluate: PlanEvaluator;
  private readonly snapshotOptions: SnapshotOptions;
  private wasmInstance: RiskgridWasm | undefined;
  private readonly fast: DerivePmrm2FastPath | undefined;

  constructor(opts: EngineOptions) {
    registerBuiltinMethodologies();
    this.profile = loadProfile(opts.profile);
    const m = getMethodology(this.profile.methodology);
    if (!isMarginMethodology(m)) {
      throw new RiskgridError('RG_ERR_PROFILE', `methodology ${this.profile.methodology} cannot compute margins`, { field: 'methodology', value: this.profile.methodology });
    }
    this.method = m;
    this.wasmInstance = opts.wasm;
    this.evaluate = opts.evaluator === 'ts' ? evaluatePlanTs : (plan) => evaluatePlanWasm(this.wasm(), plan);
    this.snapshotOptions = opts.snapshot ?? {};
    if (opts.path !== 'reference' && opts.evaluator !== 'ts' && (m as unknown) === derivePmrm2Methodology) {
      const stamp = { profile: this.profile.name, profile_hash: this.profile.hash, methodology: this.profile.methodology, engine_version: ENGINE_VERSION };
      this.fast = new DerivePmrm2FastPath(() => this.wasm(), this.profile.params as DerivePmrm2EngineParams, stamp);
    }
  }

  /** The engine's WebAssembly instance (loaded on first use). */
  private wasm(): RiskgridWasm {
    return (this.wasmInstance ??= loadWasmSync());
  }

  /** How plain instrument ids read under this profile (Derive: linear USDC). */
  get conventions(): IdConventions {
    return this.method.conventions ?? DERIBIT_CONVENTIONS;
  }

  parseAccount(input: AccountInput, path?: string): Account {
    if (isValidatedAccount(input)) return input;
    return parseAccount(input, { conventions: this.conventions, ...(path === undefined ? {} : { path }) });
  }

  parseMarket(input: MarketInput): MarketSnapshot {
    return input instanceof MarketSnapshot ? input : parseMarketSnapshot(input, this.snapshotOptions);
  }

  margin(account: AccountInput, market: MarketInput, opts: MarginOptions = {}): MarginResult {
    const snap = this.parseMarket(market);
    const outcome = this.run([this.parseAccount(account)], snap, { collateralLines: true, ...opts })[0]!;
    if (outcome instanceof RiskgridError) throw outcome;
    return outcome;
  }

  marginBatch(accounts: readonly AccountInput[], market: MarketInput, opts: MarginOptions = {}): MarginOutcome[] {
    if (!Array.isArray(accounts)) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'accounts must be an array', { field: 'accounts', value: typeof accounts });
    const snap = this.parseMarket(market);
    // Plain loops: this wraps every account of a 10,000-account batch (no path string unless parsed).
    const n = accounts.length;
    const parsed: Array<Account | RiskgridError> = new Array(n);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const a = accounts[i]!;
      try {
        parsed[i] = isValidatedAccount(a) ? a : this.parseAccount(a, `accounts[${i}]`);
      } catch (e) {
        parsed[i] = asRiskgridError(e);
        bad++;
      }
    }
    const valid = bad === 0 ? (parsed as Account[]) : parsed.filter((a): a is Account => !(a instanceof RiskgridError));
    const results = this.run(valid, snap, opts);
    const out: MarginOutcome[] = new Array(n);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const a = parsed[i]!;
      const r = a instanceof RiskgridError ? a : results[next++]!;
      const id = a instanceof RiskgridError ? idOf(accounts[i]) : a.id;
      out[i] = r instanceof RiskgridError ? { ok: false, account_id: id, error: r.toJSON() } : { ok: true, account_id: id, result: r };
    }
    return out;
  }

  /** Margin before and after adding `trades` (positions: a list or a map id → size). */
  whatIf(account: AccountInput, market: MarketInput, trades: unknown): WhatIfResult {
    const snap = this.parseMarket(market);
    const before = this.parseAccount(account);
    const added = parsePositions(trades, this.conventions, 'trades');
    const after: Account = { ...before, positions: [...before.positions, ...added] };
    const [b, a] = this.run([before, after], snap, { collateralLines: true });
    if (b instanceof RiskgridError) throw b;
    if (a instanceof RiskgridError) throw a;
    return {
      before: b!,
      after: a!,
      change: {
        initial_margin: a!.initial_margin - b!.initial_margin,
        maintenance_margin: a!.maintenance_margin - b!.maintenance_margin,
        equity: a!.equity - b!.equity,
        im_excess: a!.im_excess - b!.im_excess,
        mm_excess: a!.mm_excess - b!.mm_excess,
      },
    };
  }

  private run(accounts: readonly Account[], market: MarketSnapshot, opts: MarginOptions): Array<MarginResult | RiskgridError> {
    if (this.fast === undefined || opts.explain === true || opts.instrumentScenarios === true) return this.runReference(accounts, market, opts);
    let fast: Array<MarginResult | null>;
    try {
      fast = this.fast.run(accounts, market, opts.collateralLines === true);
    } catch {
      return this.runReference(accounts, market, opts); // the reference path reports whatever went wrong
    }
    // Accounts the fast path did not vouch for go through the reference path together.
    const slow: number[] = [];
    for (let i = 0; i < fast.length; i++) if (fast[i] === null) slow.push(i);
    if (slow.length === 0) return fast as MarginResult[];
    const out: Array<MarginResult | RiskgridError> = fast as Array<MarginResult | RiskgridError>;
    const ref = this.runReference(slow.map((i) => accounts[i]!), market, opts);
    slow.forEach((i, k) => (out[i] = ref[k]!));
    return out;
  }

  private runReference(accounts: readonly Account[], market: MarketSnapshot, opts: MarginOptions): Array<MarginResult | RiskgridError> {
    const ctx: MethodologyContext & { explain: boolean; collateralLines: boolean } = {
      evaluate: this.evaluate, instrumentScenarios: opts.instrumentScenarios === true, explain: opts.explain === true, collateralLines: opts.collateralLines === true,
    };
    let outcomes: Array<MethodologyOutcome | RiskgridError>;
    try {
      outcomes = this.method.marginAccounts(accounts, market, this.profile.params, ctx);
    } catch (e) {
      const err = asRiskgridError(e);
      return accounts.map(() => err);
    }
    return outcomes.map((o, i) => {
      if (o instanceof RiskgridError) return o;
      try {
        return this.finish(accounts[i]!, market, o);
      } catch (e) {
        return asRiskgridError(e);
      }
    });
  }

  private finish(account: Account, market: MarketSnapshot, o: MethodologyOutcome): MarginResult {
    requireFiniteResult(o);
    return {
      account_id: account.id,
      profile: this.profile.name,
      profile_hash: this.profile.hash,
      methodology: this.profile.methodology,
      market_snapshot_id: market.id,
      engine_version: ENGINE_VERSION,
      ...o,
      greeks: new LazyGreeks(account, market),
    };
  }
}

export function createEngine(opts: EngineOptions): Engine {
  return new Engine(opts);
}

/** A margin figure that is not finite is a failure with its name, never a number. */
function requireFiniteResult(o: MethodologyOutcome): void {
  const check = (field: string, v: number): void => {
    if (!Number.isFinite(v)) throw new RiskgridError('RG_ERR_NOT_FINITE_RESULT', `${field} came out ${v}`, { field, value: v });
  };
  check('initial_margin', o.initial_margin);
  check('maintenance_margin', o.maintenance_margin);
  check('equity', o.equity);
  check('im_excess', o.im_excess);
  check('mm_excess', o.mm_excess);
  check('worst_scenario.pnl', o.worst_scenario.pnl);
  o.scenario_pnl.forEach((v, s) => check(`scenario_pnl[${s}]`, v));
  for (const [k, v] of Object.entries(o.breakdown.contingencies)) check(`breakdown.contingencies.${k}`, v);
}

function isValidatedAccount(x: AccountInput): x is Account {
  const p = (x as Account).positions;
  return Array.isArray(p) && (p.length === 0 ? Object.isFrozen(x) : typeof (p[0] as { instrument?: { settleCurrency?: unknown } }).instrument?.settleCurrency === 'string');
}

function idOf(x: unknown): string {
  const id = (x as { account_id?: unknown } | null)?.account_id;
  return typeof id === 'string' ? id : '';
}

