// The derive-pmrm2 fast path of one engine: accounts → MarginResults with the per-snapshot context
// cached (WeakMap by MarketSnapshot), rows built in reused typed-array scratch, aggregation and the
// worst-loss scan on the WebAssembly kernels against the cached instrument table, and the finish
// in array form. Results equal the reference path's bit for bit (test/engine-fast-path.test.ts).
//
// run() returns, per account, its MarginResult or null: null means "take the reference path" (an
// account the fast path does not vouch for, e.g. one the reference rejects with a specific error).
import type { MarketSnapshot } from '../../market/snapshot.js';
import type { Account } from '../../model/account.js';
import { derivePmrm2ScenarioKinds } from '../../profiles/derive-pmrm2/index.js';
import type { F64Column } from '../../wasm/arena.js';
import type { RiskgridWasm } from '../../wasm/loader.js';
import { derivePmrm2Scenarios, type DerivePmrm2EngineParams } from '../orchestrators/derive-pmrm2.js';
import type { MarginResult, ScenarioInfo } from '../result.js';
import { riskKernels, runRows, type RiskKernels, type RowsLayout, type TableLayout } from '../risk-kernels-wasm.js';
import { DerivePmrm2Snapshot } from './derive-pmrm2-snapshot.js';
import { DerivePmrm2Rows } from './derive-pmrm2-rows.js';
import { finishDerivePmrm2FastRow, type ResultStamp, type RowOutputs } from './derive-pmrm2-finish.js';

const ALIGN = 16;
const padded = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN + ALIGN;

function frozenScenarios(params: DerivePmrm2EngineParams): ScenarioInfo[] {
  const list = derivePmrm2Scenarios(params, derivePmrm2ScenarioKinds(params));
  list.forEach((s) => Object.freeze(s));
  return Object.freeze(list) as ScenarioInfo[];
}

export class DerivePmrm2FastPath {
  private readonly contexts = new WeakMap<MarketSnapshot, DerivePmrm2Snapshot>();
  private readonly rows = new DerivePmrm2Rows();
  private kernels: RiskKernels | undefined;
  /** The profile's scenario list, shared by every result of this engine (frozen: nobody's to edit). */
  private scenarios: ScenarioInfo[] | undefined;
  /** Table row → packed index while a gathered batch runs (−1 otherwise). */
  private local = new Int32Array(0);

  constructor(
    private readonly getWasm: () => RiskgridWasm,
    private readonly params: DerivePmrm2EngineParams,
    private readonly stamp: ResultStamp,
  ) {}

  /** The cached context of a snapshot (built on first use). */
  context(market: MarketSnapshot): DerivePmrm2Snapshot {
    let ctx = this.contexts.get(market);
    if (ctx === undefined) {
      ctx = new DerivePmrm2Snapshot(market, this.params);
      this.contexts.set(market, ctx);
    }
    return ctx;
  }

  /** `lines`: add the per-asset collateral lines (built on first read). */
  run(accounts: readonly Account[], market: MarketSnapshot, lines = false): Array<MarginResult | null> {
    const out: Array<MarginResult | null> = new Array(accounts.length).fill(null);
    const ctx = this.context(market);
    if (!ctx.ok || accounts.length === 0) return out;
    const rows = this.rows;
    rows.reset(ctx);
    for (let i = 0; i < accounts.length; i++) rows.build(accounts[i]!, i);
    if (rows.nRows === 0) return out;
    const wasm = this.getWasm();
    ctx.flush(wasm);
    const scenarios = (this.scenarios ??= frozenScenarios(this.params));
    this.aggregate(wasm, rows, (res) => {
      for (let r = 0; r < rows.nRows; r++) {
        const ai = rows.rowAccount[r]!;
        out[ai] = finishDerivePmrm2FastRow(rows, r, res, accounts[ai]!, scenarios, this.stamp, lines);
      }
    });
    return out;
  }

  /** Table rows the batch uses, in first-use order; `local` maps each to its packed index. */
  private usedRows(rows: DerivePmrm2Rows): number[] {
    const n = rows.ctx.nRows;
    if (this.local.length < n) this.local = new Int32Array(2 * n).fill(-1);
    const used: number[] = [];
    for (let p = 0; p < rows.nPos; p++) {
      const row = rows.posInstrument[p]!;
      if (this.local[row] === -1) this.local[row] = used.push(row) - 1;
    }
    return used;
  }

  /** Packs the table and the rows into the arena, runs the kernels, hands over live views, frees. */
  private aggregate(wasm: RiskgridWasm, rows: DerivePmrm2Rows, use: (res: RowOutputs) => void): void {
    const ctx = rows.ctx;
    const nS = ctx.nS;
    // A few positions against a big snapshot table (one account on a venue's): pack only the rows
    // they use, renumbered; otherwise the whole table.
    const gather = 2 * rows.nPos < ctx.nRows;
    const used = gather ? this.usedRows(rows) : undefined;
    const nIns = used !== undefined ? used.length : ctx.nRows;
    const nGroups = ctx.posDisc.length;
    const arena = wasm.arena;
    const mark = arena.mark();
    try {
      arena.reserve(
        padded(nIns * nS * 8) + padded(nIns * 8) + 3 * padded(nGroups * 8) + padded(nS * 8) + padded(nS * 4) + padded(nS * 8) +
          padded((rows.nRows + 1) * 4) + padded((rows.nEntries + 1) * 4) + padded(rows.nEntries * 4) + padded(rows.nPos * 4) + padded(rows.nPos * 8) +
          padded(rows.nRows * nS * 8) + padded(rows.nRows * 8) + padded(rows.nRows * 4),
      );
      const f64 = (src: ArrayLike<number>, n = src.length) => {
        const c = arena.f64(n);
        const v = c.view; // once: each read of `view` checks memory.buffer, itself a call
        if (src instanceof Float64Array) v.set(src.subarray(0, n));
        else for (let i = 0; i < n; i++) v[i] = src[i]!;
        return c;
      };
      const i32 = (src: Int32Array, n: number) => {
        const c = arena.i32(n);
        c.view.set(src.subarray(0, n));
        return c;
      };
      let table: F64Column;
      let base: F64Column;
      if (used !== undefined) {
        table = arena.f64(nIns * nS);
        base = arena.f64(nIns);
        const tv = table.view;
        const bv = base.view;
        const src = ctx.table;
        // Element by element: a subarray per row allocated more than the copy cost.
        for (let k = 0; k < used.length; k++) {
          const row = used[k]!;
          for (let s = 0, from = row * nS, to = k * nS; s < nS; s++) tv[to + s] = src[from + s]!;
          bv[k] = ctx.base[row]!;
        }
      } else {
        table = f64(ctx.table, nIns * nS);
        base = f64(ctx.base, nIns);
      }
      const posDisc = f64(ctx.posDisc);
      const negDisc = f64(ctx.negDisc);
      const aux = f64(ctx.aux);
      const damp = f64(ctx.damp);
      const mode = i32(ctx.mode, nS);
      const scratch = arena.f64(nS);
      const rowStart = i32(rows.rowStart, rows.nRows + 1);
      const groupStart = i32(rows.groupStart, rows.nEntries + 1);
      const groupId = i32(rows.groupId, rows.nEntries);
      const posInstrument = i32(rows.posInstrument, rows.nPos);
      if (used !== undefined) {
        const v = posInstrument.view;
        for (let p = 0; p < rows.nPos; p++) v[p] = this.local[rows.posInstrument[p]!]!;
      }
      const posSize = f64(rows.posSize, rows.nPos);
      const pnl = arena.f64(rows.nRows * nS);
      const worst = arena.f64(rows.nRows);
      const worstIndex = arena.i32(rows.nRows);
      const t = { nS, posDisc: posDisc.ptr, negDisc: negDisc.ptr, aux: aux.ptr, damp: damp.ptr, mode: mode.ptr, table: table.ptr, base: base.ptr } as TableLayout;
      const layout: RowsLayout = {
        nRows: rows.nRows,
        rowStart: rowStart.ptr, groupStart: groupStart.ptr, groupId: groupId.ptr, posInstrument: posInstrument.ptr, posSize: posSize.ptr,
        pnl: pnl.ptr, worst: worst.ptr, worstIndex: worstIndex.ptr,
      };
      runRows((this.kernels ??= riskKernels(wasm)), t, layout, 0, rows.nRows, scratch.ptr);
      use({ pnl: pnl.view, worst: worst.view, worstIndex: worstIndex.view });
    } finally {
      if (used !== undefined) for (const row of used) this.local[row] = -1;
      arena.release(mark);
    }
  }
}
