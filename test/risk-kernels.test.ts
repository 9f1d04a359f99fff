// Risk kernels (assembly/risk) through their host evaluator, against the executable specification
// evaluatePlanTs (host/margin/evaluate-ts.ts) on random plans, and SIMD build against scalar build.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskgridError } from '../host/errors.js';
import { evaluatePlanTs } from '../host/margin/evaluate-ts.js';
import { evaluatePlanWasm } from '../host/margin/evaluate-wasm.js';
import {
  KIND_LINEAR,
  KIND_OPTION,
  MODE_BASIS_DOWN,
  MODE_BASIS_UP,
  MODE_LINEAR,
  MODE_NEG_ABS,
  type PlanResult,
  type ScenarioPlan,
} from '../host/margin/plan.js';
import { ScenarioTable } from '../host/margin/scenario-table-wasm.js';
import { instantiate, loadWasmSync, type RiskgridWasm } from '../host/wasm/loader.js';
import { riskKernels, runRows, type RowsLayout, type TableLayout } from '../host/margin/risk-kernels-wasm.js';

const wasm = loadWasmSync();
const simd = loadWasmSync({ variant: 'simd' });
const scalar = loadWasmSync({ variant: 'scalar' });

// ---- random plans ------------------------------------------------------------------------------

interface Shape {
  nS: number;
  nU: number;
  nG: number;
  nGroups: number;
  nI: number;
  optionShare: number;
  skew: boolean;
  /** Zero-expiry, zero-vol and zero-strike options (the pricer's edge limits). */
  edges: boolean;
}

/** A plan from a seed: a small deterministic PRNG keeps shrinking meaningful and plans reproducible. */
function makePlan(shape: Shape, seed: number, rowsSpec: number[][]): ScenarioPlan {
  let st = seed >>> 0 || 1;
  const rnd = (): number => {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    return (st >>> 0) / 4294967296;
  };
  const u = (a: number, b: number): number => a + (b - a) * rnd();
  const int = (n: number): number => Math.floor(rnd() * n);
  const { nS, nU, nG, nI, nGroups } = shape;

  const kind = Int32Array.from({ length: nI }, () => (rnd() < shape.optionShare ? KIND_OPTION : KIND_LINEAR));
  const fwdVar = Float64Array.from({ length: nI }, () => u(1, 200));
  const fwdFixed = Float64Array.from({ length: nI }, () => (rnd() < 0.3 ? u(0, 10) : 0));
  const strike = Float64Array.from({ length: nI }, (_, i) => (fwdVar[i]! + fwdFixed[i]!) * u(0.6, 1.6));
  const T = Float64Array.from({ length: nI }, () => u(0.003, 2));
  const vol = Float64Array.from({ length: nI }, () => u(0.05, 1.5));
  if (shape.edges) {
    for (let i = 0; i < nI; i++) {
      const e = rnd();
      if (e < 0.15) T[i] = rnd() < 0.5 ? 0 : -0.01;
      else if (e < 0.25) vol[i] = 0;
      else if (e < 0.3) strike[i] = 0;
    }
  }
  const plan: ScenarioPlan = {
    instruments: {
      n: nI,
      kind,
      underlying: Int32Array.from({ length: nI }, () => int(nU)),
      volGroup: Int32Array.from({ length: nI }, () => int(nG)),
      fwdFixed,
      fwdVar,
      strike,
      T,
      vol,
      df: Float64Array.from({ length: nI }, () => u(0.8, 1)),
      omega: Float64Array.from({ length: nI }, () => (rnd() < 0.5 ? 1 : -1)),
    },
    scenarios: {
      nS,
      spotMult: Float64Array.from({ length: nU * nS }, () => u(0.5, 1.5)),
      volMul: Float64Array.from({ length: nG * nS }, () => u(0.5, 2)),
      volAdd: Float64Array.from({ length: nG * nS }, () => u(-0.1, 0.3)),
      // With edges the floor may be 0, so a shocked vol can reach 0 (or below: the max keeps it at 0).
      volFloor: Float64Array.from({ length: nG * nS }, () => (shape.edges && rnd() < 0.3 ? 0 : u(0.01, 0.3))),
      skew: shape.skew ? Float64Array.from({ length: nI * nS }, () => u(0.8, 1.25)) : undefined,
      damp: Float64Array.from({ length: nS }, () => u(0, 1.5)),
      mode: new Int32Array(nS),
    },
    groups: {
      posDisc: Float64Array.from({ length: nGroups }, () => u(0, 1.2)),
      negDisc: Float64Array.from({ length: nGroups }, () => u(0.8, 1.5)),
      aux: Float64Array.from({ length: nGroups }, () => u(-1, 2)),
    },
    rows: csr(rowsSpec, nI, nGroups, int, u),
  };
  const mode = plan.scenarios.mode;
  for (let s = 0; s < nS; s++) {
    const r = rnd();
    if (r < 0.2 && s + 1 < nS) {
      mode[s] = MODE_BASIS_UP;
      mode[++s] = MODE_BASIS_DOWN;
    } else mode[s] = r < 0.4 ? MODE_NEG_ABS : MODE_LINEAR;
  }
  return plan;
}

/** rowsSpec[r] = position count of each group of row r (0 = empty group; [] = empty row). */
function csr(rowsSpec: number[][], nI: number, nGroups: number, int: (n: number) => number, u: (a: number, b: number) => number): ScenarioPlan['rows'] {
  const rowStart = [0];
  const groupStart = [0];
  const groupId: number[] = [];
  const posInstrument: number[] = [];
  const posSize: number[] = [];
  for (const groups of rowsSpec) {
    for (const nPos of groups) {
      groupId.push(int(nGroups));
      for (let p = 0; p < (nI === 0 ? 0 : nPos); p++) {
        posInstrument.push(int(nI));
        posSize.push(u(-1, 1) < 0.1 ? Math.round(u(-50, 50)) : u(-10, 10));
      }
      groupStart.push(posInstrument.length);
    }
    rowStart.push(groupId.length);
  }
  return {
    nRows: rowsSpec.length,
    rowStart: Int32Array.from(rowStart),
    groupStart: Int32Array.from(groupStart),
    groupId: Int32Array.from(groupId),
    posInstrument: Int32Array.from(posInstrument),
    posSize: Float64Array.from(posSize),
  };
}

const shapeArb = (opts: { options: boolean; edges?: boolean }): fc.Arbitrary<Shape> =>
  fc.record({
    // Up to 40: the SIMD aggregation runs blocks of 16 and 8 lanes, then the rest and the odd lane.
    nS: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 40 })),
    nU: fc.integer({ min: 1, max: 3 }),
    nG: fc.integer({ min: 1, max: 3 }),
    nGroups: fc.integer({ min: 1, max: 4 }),
    nI: fc.integer({ min: 0, max: 10 }),
    optionShare: opts.options ? fc.constantFrom(0.5, 1) : fc.constant(0),
    skew: fc.boolean(),
    edges: fc.constant(opts.edges ?? false),
  });
const rowsArb = fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }), { maxLength: 8 });
const planArb = (opts: { options: boolean; edges?: boolean }): fc.Arbitrary<ScenarioPlan> =>
  fc.tuple(shapeArb(opts), fc.integer({ min: 1, max: 0x7fffffff }), rowsArb).map(([shape, seed, rows]) => makePlan(shape, seed, rows));

// ---- comparisons -------------------------------------------------------------------------------

/** Index of the first element that differs as a value (NaN = NaN, +0 ≠ −0), or −1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return k;
  return -1;
}

function expectSame(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  const k = firstDiff(a, b);
  if (k >= 0) expect.fail(`${what}[${k}]: ${a[k]} vs ${b[k]}`);
}

function expectSameResult(a: PlanResult, b: PlanResult): void {
  for (const key of ['table', 'base', 'pnl', 'worst', 'worstIndex'] as const) expectSame(a[key], b[key], key);
}

/**
 * Largest |a − b| / max(|b|, scale) over a table (NaN must match NaN). Relative error alone is not
 * meaningful for deep out-of-the-money values: the textbook reference forms F·Φ(d1) − K·Φ(d2) and
 * loses everything below ulp(F) there (it returns 0 where the kernel's OTM form keeps 1e-312), so
 * option values are compared relative to max(|value|, df·min(F_s, K)); linear values relative.
 */
function maxRel(a: Float64Array, b: Float64Array, scale?: Float64Array): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) return Infinity;
      continue;
    }
    if (x === y) continue;
    m = Math.max(m, Math.abs(x - y) / Math.max(Math.abs(y), scale?.[k] ?? 0));
  }
  return m;
}

/** The error scale of maxRel for a plan's table (scenario forwards) and base. */
function scales(plan: ScenarioPlan): { table: Float64Array; base: Float64Array } {
  const { instruments: ins, scenarios: sc } = plan;
  const nS = sc.nS;
  const table = new Float64Array(ins.n * nS);
  const base = new Float64Array(ins.n);
  for (let i = 0; i < ins.n; i++) {
    if (ins.kind[i] !== KIND_OPTION) continue;
    const scale = (F: number): number => ins.df[i]! * Math.min(Math.abs(F), Math.abs(ins.strike[i]!));
    base[i] = scale(ins.fwdFixed[i]! + ins.fwdVar[i]!);
    for (let s = 0; s < nS; s++) table[i * nS + s] = scale(ins.fwdFixed[i]! + ins.fwdVar[i]! * sc.spotMult[ins.underlying[i]! * nS + s]!);
  }
  return { table, base };
}

/** maxRel over table and base. */
function tableRel(a: PlanResult, b: PlanResult, plan: ScenarioPlan): number {
  const sc = scales(plan);
  return Math.max(maxRel(a.table, b.table, sc.table), maxRel(a.base, b.base, sc.base));
}

/**
 * The aggregation and scan of evaluate-ts.ts, restated over a given table and base: a second
 * implementation of kernels 2 and 3 that must give their exact bits when fed their table.
 */
function aggregateDirect(plan: ScenarioPlan, table: Float64Array, base: Float64Array): Pick<PlanResult, 'pnl' | 'worst' | 'worstIndex'> {
  const { rows, scenarios: sc, groups } = plan;
  const nS = sc.nS;
  const pnl = new Float64Array(rows.nRows * nS);
  const worst = new Float64Array(rows.nRows);
  const worstIndex = new Int32Array(rows.nRows);
  const x = new Float64Array(nS);
  for (let r = 0; r < rows.nRows; r++) {
    for (let e = rows.rowStart[r]!; e < rows.rowStart[r + 1]!; e++) {
      x.fill(0);
      let b = 0;
      for (let p = rows.groupStart[e]!; p < rows.groupStart[e + 1]!; p++) {
        const i = rows.posInstrument[p]!;
        b += rows.posSize[p]! * base[i]!;
        for (let s = 0; s < nS; s++) x[s]! += rows.posSize[p]! * table[i * nS + s]!;
      }
      const g = rows.groupId[e]!;
      for (let s = 0; s < nS; s++) {
        const m = sc.mode[s];
        let v: number;
        if (m === MODE_BASIS_UP || m === MODE_BASIS_DOWN) {
          const up = m === MODE_BASIS_UP ? s : s - 1;
          v = Math.min(x[up]! - b, x[up + 1]! - b, 0) * groups.aux[g]!;
        } else {
          const d = groups.posDisc[g]! * Math.max(x[s]!, 0) + groups.negDisc[g]! * Math.min(x[s]!, 0);
          v = sc.damp[s]! * (d - b);
          if (m === MODE_NEG_ABS) v = -Math.abs(v);
        }
        pnl[r * nS + s]! += v;
      }
    }
    let w = Infinity;
    let wi = -1;
    for (let s = 0; s < nS; s++) {
      const v = pnl[r * nS + s]!;
      if (Number.isNaN(v)) {
        w = NaN;
        wi = -1;
        break;
      }
      if (v < w) {
        w = v;
        wi = s;
      }
    }
    worst[r] = w;
    worstIndex[r] = wi;
  }
  return { pnl, worst, worstIndex };
}

// ---- tests -------------------------------------------------------------------------------------

describe(`risk kernels (${wasm.variant} build)`, () => {
  it('linear-only plans: WASM = evaluatePlanTs bit for bit (table, base, P&L, worst, index)', () => {
    fc.assert(
      fc.property(planArb({ options: false }), (plan) => {
        expectSameResult(evaluatePlanWasm(wasm, plan), evaluatePlanTs(plan));
      }),
      { numRuns: 300 },
    );
  });

  it('option plans: table within 1e-13 of evaluatePlanTs (relative to max(|V|, df·min(F, K))); P&L and worst exactly the spec over that table', () => {
    let worstRel = 0;
    fc.assert(
      fc.property(planArb({ options: true }), (plan) => {
        const w = evaluatePlanWasm(wasm, plan);
        const t = evaluatePlanTs(plan);
        const rel = tableRel(w, t, plan);
        worstRel = Math.max(worstRel, rel);
        expect(rel).toBeLessThanOrEqual(1e-13);
        const agg = aggregateDirect(plan, w.table, w.base);
        expectSame(w.pnl, agg.pnl, 'pnl');
        expectSame(w.worst, agg.worst, 'worst');
        expectSame(w.worstIndex, agg.worstIndex, 'worstIndex');
      }),
      { numRuns: 300 },
    );
    console.info(`[risk] ${wasm.variant}: table vs evaluatePlanTs max relative difference ${worstRel.toExponential(2)}`);
  });

  it("pricer edge limits (T <= 0, vol 0, strike 0) reach the table as evaluatePlanTs's limits", () => {
    fc.assert(
      fc.property(planArb({ options: true, edges: true }), (plan) => {
        const w = evaluatePlanWasm(wasm, plan);
        const t = evaluatePlanTs(plan);
        expect(tableRel(w, t, plan)).toBeLessThanOrEqual(1e-13);
      }),
      { numRuns: 200 },
    );
  });

  it('every mode, hand-checked on one group', () => {
    // One linear instrument (value = spotMult), one group of size 2: x_s = 2·m_s, b = 2.
    const m = [1.5, 0.5, 1.25, 0.75, 0.9];
    const plan = makePlan({ nS: 5, nU: 1, nG: 1, nGroups: 1, nI: 1, optionShare: 0, skew: false, edges: false }, 7, [[1]]);
    plan.instruments.fwdFixed[0] = 0;
    plan.instruments.fwdVar[0] = 1;
    plan.scenarios.spotMult.set(m);
    plan.scenarios.damp.set([0.5, 0.5, 1, 1, 1]);
    plan.scenarios.mode.set([MODE_LINEAR, MODE_NEG_ABS, MODE_BASIS_UP, MODE_BASIS_DOWN, MODE_LINEAR]);
    plan.groups.posDisc[0] = 0.8;
    plan.groups.negDisc[0] = 1.25;
    plan.groups.aux[0] = 3;
    plan.rows.posSize[0] = 2;
    const r = evaluatePlanWasm(wasm, plan);
    // s0: 0.5·(0.8·3 − 2) = 0.2; s1: −|0.5·(0.8·1 − 2)| = −0.6; s2, s3: min(0.5, −0.5, 0)·3 = −1.5;
    // s4: 1·(0.8·1.8 − 2) = −0.56. Worst −1.5 at the first of the pair.
    const want = [0.2, -0.6, -1.5, -1.5, -0.56];
    for (let s = 0; s < 5; s++) expect(r.pnl[s]).toBeCloseTo(want[s]!, 14);
    expect(r.worst[0]).toBe(-1.5);
    expect(r.worstIndex[0]).toBe(2);
  });

  it('empty rows, empty groups and no instruments give zero P&L, worst 0 at scenario 0', () => {
    const plan = makePlan({ nS: 3, nU: 1, nG: 1, nGroups: 2, nI: 0, optionShare: 0, skew: false, edges: false }, 3, [[], [0, 0], [0]]);
    const r = evaluatePlanWasm(wasm, plan);
    expect(Array.from(r.pnl)).toEqual(new Array(9).fill(0));
    expect(Array.from(r.worst)).toEqual([0, 0, 0]);
    expect(Array.from(r.worstIndex)).toEqual([0, 0, 0]);
    expectSameResult(r, evaluatePlanTs(plan));
  });

  it('NaN in an input reaches only the rows that hold it, and is counted', () => {
    fc.assert(
      fc.property(planArb({ options: true }), fc.nat(), fc.constantFrom('fwdVar', 'vol', 'posSize'), (generated, pick, field) => {
        const plan = structuredClone(generated); // mutated below; fast-check may reuse the value
        const { rows, instruments: ins } = plan;
        if (rows.posInstrument.length === 0) return;
        const p = pick % rows.posInstrument.length;
        const i = rows.posInstrument[p]!;
        if (field === 'vol' && ins.kind[i] !== KIND_OPTION) return;
        const before = evaluatePlanWasm(wasm, plan);
        if (field === 'posSize') rows.posSize[p] = NaN;
        else ins[field][i] = NaN;
        const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
        try {
          const packed = t.packRows(plan.rows);
          const out = t.aggregate(packed);
          let nanRows = 0;
          for (let r = 0; r < rows.nRows; r++) {
            let holds = false;
            for (let e = rows.rowStart[r]!; e < rows.rowStart[r + 1]!; e++) {
              for (let q = rows.groupStart[e]!; q < rows.groupStart[e + 1]!; q++) {
                holds ||= field === 'posSize' ? q === p : rows.posInstrument[q] === i;
              }
            }
            if (holds) {
              nanRows++;
              expect(out.worst[r]).toBeNaN();
              expect(out.worstIndex[r]).toBe(-1);
            } else {
              expectSame(out.pnl.subarray(r * plan.scenarios.nS, (r + 1) * plan.scenarios.nS), before.pnl.subarray(r * plan.scenarios.nS, (r + 1) * plan.scenarios.nS), `row ${r} pnl`);
              expect(Object.is(out.worst[r], before.worst[r])).toBe(true);
              expect(out.worstIndex[r]).toBe(before.worstIndex[r]);
            }
          }
          expect(out.nanRows).toBe(nanRows);
          expect(t.nanInstruments).toBe(field === 'posSize' ? 0 : 1);
          const spec = evaluatePlanTs(plan).worst;
          for (let r = 0; r < rows.nRows; r++) expect(Number.isNaN(out.worst[r]), `row ${r} NaN as the spec`).toBe(Number.isNaN(spec[r]!));
        } finally {
          t.dispose();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('splitting rows into ranges (in any order) gives the one-call result', () => {
    fc.assert(
      fc.property(planArb({ options: true }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean(), (plan, cuts, reverse) => {
        const whole = evaluatePlanWasm(wasm, plan);
        const n = plan.rows.nRows;
        const bounds = [...new Set([0, n, ...cuts.map((c) => c % (n + 1))])].sort((a, b) => a - b);
        const ranges = bounds.slice(1).map((r1, k) => [bounds[k]!, r1] as const);
        if (reverse) ranges.reverse();
        const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
        try {
          const packed = t.packRows(plan.rows);
          for (const [r0, r1] of ranges) {
            const v = t.aggregate(packed, r0, r1);
            expect(v.worst.length).toBe(r1 - r0);
            expectSame(v.worst, whole.worst.subarray(r0, r1), 'range worst');
          }
          const all = packed.view();
          expectSame(all.pnl, whole.pnl, 'pnl');
          expectSame(all.worst, whole.worst, 'worst');
          expectSame(all.worstIndex, whole.worstIndex, 'worstIndex');
        } finally {
          t.dispose();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a second instance over the same memory runs other row ranges from the plain layouts', () => {
    // The venue engine's pattern (issue 5): one table and one row pack, several instances (workers)
    // each running runRows on its own range with its own scratch; results land in the shared outputs.
    const plan = makePlan({ nS: 31, nU: 2, nG: 3, nGroups: 4, nI: 60, optionShare: 0.8, skew: true, edges: false }, 23, Array.from({ length: 50 }, (_, r) => [1 + (r % 7), r % 3, 2]));
    const whole = evaluatePlanWasm(wasm, plan);
    const w = loadWasmSync({ variant: wasm.variant });
    const t = ScenarioTable.build(w, plan.instruments, plan.scenarios, plan.groups);
    try {
      const packed = t.packRows(plan.rows);
      const other = instantiate(w.module, w.variant, { memory: w.memory });
      const scratch = w.arena.f64(t.nS);
      const layouts = JSON.parse(JSON.stringify({ table: t.layout, rows: packed.layout })) as { table: TableLayout; rows: RowsLayout };
      expect(runRows(riskKernels(other), layouts.table, layouts.rows, 20, 50, scratch.ptr)).toBe(0);
      t.aggregate(packed, 0, 20);
      const all = packed.view();
      expectSame(all.pnl, whole.pnl, 'pnl');
      expectSame(all.worst, whole.worst, 'worst');
      expectSame(all.worstIndex, whole.worstIndex, 'worstIndex');
    } finally {
      t.dispose();
    }
  });

  it('batch after batch against one table: released rows give their arena back', () => {
    const plan = makePlan({ nS: 31, nU: 2, nG: 2, nGroups: 3, nI: 50, optionShare: 0.8, skew: false, edges: false }, 17, Array.from({ length: 40 }, (_, r) => [r % 5, 3]));
    const whole = evaluatePlanWasm(wasm, plan);
    const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
    try {
      const mark = wasm.arena.mark();
      for (let k = 0; k < 3; k++) {
        const packed = t.packRows(plan.rows);
        expectSame(t.aggregate(packed).worst, whole.worst, `batch ${k} worst`);
        packed.release();
        expect(wasm.arena.mark()).toBe(mark);
      }
      const other = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
      const foreign = other.packRows(plan.rows);
      expect(() => t.aggregate(foreign)).toThrow(RiskgridError);
      other.dispose();
    } finally {
      t.dispose();
    }
  });

  it('rebuild of an instrument range after new inputs equals a fresh table', () => {
    const plan = makePlan({ nS: 7, nU: 2, nG: 2, nGroups: 2, nI: 9, optionShare: 0.7, skew: true, edges: false }, 99, [[2, 3], [1], [4]]);
    const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups);
    try {
      const packed = t.packRows(plan.rows);
      // Move instruments 3..5: new forwards, written into the packed inputs, then only they are re-valued.
      for (let i = 3; i < 6; i++) plan.instruments.fwdVar[i]! *= 1.07;
      t.input('fwdVar')!.set(plan.instruments.fwdVar);
      expect(t.rebuild(3, 6)).toBe(0);
      const fresh = evaluatePlanTs(plan);
      expect(maxRel(t.table, fresh.table, scales(plan).table)).toBeLessThanOrEqual(1e-13);
      const out = t.aggregate(packed);
      const agg = aggregateDirect(plan, t.table.slice(), t.base.slice());
      expectSame(out.pnl, agg.pnl, 'pnl');
    } finally {
      t.dispose();
    }
  });

  it('packs once: at most one memory grow per evaluation, arena returned afterwards', () => {
    const w = loadWasmSync({ initialBytes: 65536 });
    let grows = 0;
    const grow = w.memory.grow.bind(w.memory);
    w.memory.grow = (delta: number): number => {
      grows++;
      return grow(delta);
    };
    const plan = makePlan({ nS: 31, nU: 2, nG: 4, nGroups: 4, nI: 400, optionShare: 0.8, skew: true, edges: false }, 5, Array.from({ length: 300 }, () => [3, 5, 2]));
    const mark = w.arena.mark();
    const r = evaluatePlanWasm(w, plan);
    expect(grows).toBe(1);
    expect(w.arena.mark()).toBe(mark);
    expectSame(r.worst, evaluatePlanWasm(wasm, plan).worst, 'worst');
    evaluatePlanWasm(w, plan);
    expect(grows).toBe(1);
  });
});

describe("options outside the pricer's domain are NaN in the table, never a finite value", () => {
  // Stricter than evaluatePlanTs where the textbook formula returns a number for bad data
  // (df = 0 gives 0, a NaN vol on an expired option gives the intrinsic value): the kernel flags
  // them, so they reach the worst loss as NaN and the host reports the account instead.
  it.each([['simd'], ['scalar']] as const)('%s build', (variant) => {
    const w = variant === 'simd' ? simd : scalar;
    const nS = 4;
    const n = 7;
    const plan = makePlan({ nS, nU: 2, nG: 2, nGroups: 1, nI: n, optionShare: 1, skew: false, edges: false }, 21, [[1]]);
    const ins = plan.instruments;
    const sc = plan.scenarios;
    ins.underlying.set([1, 1, 0, 0, 0, 0, 0]);
    ins.volGroup.set([0, 0, 0, 0, 1, 0, 0]);
    ins.kind[1] = KIND_LINEAR;
    sc.spotMult.set([1, 1.1, 0.9, 1], 0);
    sc.spotMult.set([1, -0.5, Infinity, 1], nS); // underlying 1: F < 0, then F = ∞
    sc.volAdd[nS + 3] = -5; // vol group 1, scenario 3: σ·mul − 5 < floor = −1 → σ_s < 0
    sc.volFloor[nS + 3] = -1;
    ins.df[2] = 0;
    ins.strike[3] = -1;
    ins.T[5] = 0;
    ins.vol[5] = NaN;
    const t = ScenarioTable.build(w, ins, sc, plan.groups);
    try {
      const row = (i: number): number[] => Array.from(t.table.subarray(i * nS, (i + 1) * nS));
      const nan = (i: number): boolean[] => row(i).map(Number.isNaN);
      expect(nan(0)).toEqual([false, true, true, false]); // option on F < 0 and F = ∞
      expect(row(1)).toEqual([ins.fwdFixed[1]! + ins.fwdVar[1]!, ins.fwdFixed[1]! + ins.fwdVar[1]! * -0.5, Infinity, ins.fwdFixed[1]! + ins.fwdVar[1]!]); // linear: F_s as is
      expect(nan(2)).toEqual([true, true, true, true]); // df = 0
      expect(nan(3)).toEqual([true, true, true, true]); // K < 0
      expect(nan(4)).toEqual([false, false, false, true]); // σ_s < 0
      expect(nan(5)).toEqual([true, true, true, true]); // σ NaN (even expired)
      expect(nan(6)).toEqual([false, false, false, false]);
      expect(Array.from(t.base).map(Number.isNaN)).toEqual([false, false, true, true, false, true, false]);
      expect(t.nanInstruments).toBe(5);
      expect(t.rebuild(4, 7)).toBe(2);
    } finally {
      t.dispose();
    }
  });
});

describe('SIMD build = scalar build', () => {
  it('table within 1e-13 relative (bit-identical when the Black-76 pair is); P&L, worst, index bit-identical over one table', () => {
    let worstRel = 0;
    let identical = true;
    fc.assert(
      fc.property(planArb({ options: true, edges: true }), (plan) => {
        const a = evaluatePlanWasm(simd, plan);
        const b = evaluatePlanWasm(scalar, plan);
        const rel = tableRel(a, b, plan);
        worstRel = Math.max(worstRel, rel);
        identical &&= firstDiff(a.table, b.table) < 0 && firstDiff(a.base, b.base) < 0;
        expect(rel).toBeLessThanOrEqual(1e-13);
        // Kernels 2 and 3 of both builds over the same (SIMD) table: exactly the same bits.
        expectSameResult(aggregateOver(simd, plan, a), aggregateOver(scalar, plan, a));
      }),
      { numRuns: 300 },
    );
    console.info(`[risk] SIMD vs scalar table: ${identical ? 'bit-identical' : `max relative difference ${worstRel.toExponential(2)}`}`);
  });

  it('linear-only plans: bit-identical end to end', () => {
    fc.assert(
      fc.property(planArb({ options: false }), (plan) => {
        expectSameResult(evaluatePlanWasm(simd, plan), evaluatePlanWasm(scalar, plan));
      }),
      { numRuns: 200 },
    );
  });

  it('the SIMD build can run its f64 kernels and they equal the scalar build', () => {
    fc.assert(
      fc.property(planArb({ options: true }), (plan) => {
        expectSameResult(evaluatePlanWasm(simd, plan, { width: 'f64' }), evaluatePlanWasm(scalar, plan));
      }),
      { numRuns: 100 },
    );
    expect(() => evaluatePlanWasm(scalar, makePlan({ nS: 2, nU: 1, nG: 1, nGroups: 1, nI: 1, optionShare: 1, skew: false, edges: false }, 1, [[1]]), { width: 'f64x2' })).toThrow(RiskgridError);
  });
});

/** Kernels 2 and 3 of `w` over the table and base of `r` (planted as a linear plan's inputs). */
function aggregateOver(w: RiskgridWasm, plan: ScenarioPlan, r: PlanResult): PlanResult {
  const t = ScenarioTable.build(w, plan.instruments, plan.scenarios, plan.groups);
  try {
    t.table.set(r.table);
    t.base.set(r.base);
    const out = t.aggregate(t.packRows(plan.rows));
    return { table: r.table, base: r.base, pnl: out.pnl.slice(), worst: out.worst.slice(), worstIndex: out.worstIndex.slice() };
  } finally {
    t.dispose();
  }
}

describe('worst-loss scan edge cases', () => {
  it('first index on ties, ±0 as the scalar scan, +∞ rows give −1, NaN anywhere gives NaN/−1', () => {
    const cases: [number[], number, number][] = [
      [[3, -2, 5, -2], -2, 1],
      [[0, -0, 1], 0, 0],
      [[-0, 0, 1], -0, 0],
      [[1, 2, -0, 0], -0, 2],
      [[Infinity, Infinity, Infinity], Infinity, -1],
      [[-Infinity, 1, -Infinity], -Infinity, 0],
      [[1, NaN, -5], NaN, -1],
      [[-5, 1, 2, NaN], NaN, -1],
      [[7], 7, 0],
      [[2, 1], 1, 1],
    ];
    for (const w of [simd, scalar]) {
      for (const [row, want, wantIndex] of cases) {
        const nS = row.length;
        const mark = w.arena.mark();
        const pnl = w.arena.f64(nS * 2);
        const worst = w.arena.f64(2);
        const idx = w.arena.i32(2);
        pnl.view.set([...row, ...row.slice().reverse()]);
        const fn = w.exports[w.variant === 'simd' ? 'worst_loss_f64x2' : 'worst_loss_f64']!;
        const bad = fn(2, nS, pnl.ptr, worst.ptr, idx.ptr);
        expect(Object.is(worst.view[0], want), `${w.variant} ${row} -> ${worst.view[0]}`).toBe(true);
        expect(idx.view[0]).toBe(wantIndex);
        expect(bad).toBe(Number.isNaN(want) ? 2 : 0);
        const rev = row.slice().reverse();
        const spec = rev.reduce<[number, number]>(([bw, bi], v, k) => (Number.isNaN(bw) ? [bw, bi] : Number.isNaN(v) ? [NaN, -1] : v < bw ? [v, k] : [bw, bi]), [Infinity, -1]);
        expect(Object.is(worst.view[1], spec[0])).toBe(true);
        expect(idx.view[1]).toBe(spec[1]);
        w.arena.release(mark);
      }
    }
  });
});

describe('plan checks', () => {
  const good = (): ScenarioPlan => makePlan({ nS: 4, nU: 1, nG: 1, nGroups: 2, nI: 3, optionShare: 0.5, skew: false, edges: false }, 11, [[2], [1, 1]]);
  const code = (f: () => unknown): { code?: string; field?: string } => {
    try {
      f();
    } catch (e) {
      if (e instanceof RiskgridError) return { code: e.code, field: e.field };
      throw e;
    }
    return {};
  };
  it.each([
    ['instrument index out of range', (p: ScenarioPlan) => (p.rows.posInstrument[0] = 3), 'rows.posInstrument[0]'],
    ['negative group id', (p: ScenarioPlan) => (p.rows.groupId[1] = -1), 'rows.groupId[1]'],
    ['decreasing rowStart', (p: ScenarioPlan) => p.rows.rowStart.set([0, 2, 1]), 'rows.rowStart[2]'],
    ['groupStart past the positions', (p: ScenarioPlan) => (p.rows.groupStart[3] = 99), 'rows.groupStart[3]'],
    ['underlying without a spotMult row', (p: ScenarioPlan) => (p.instruments.underlying[2] = 1), 'instruments.underlying[2]'],
    ['unknown kind', (p: ScenarioPlan) => (p.instruments.kind[1] = 2), 'instruments.kind[1]'],
    ['basis slot without its partner', (p: ScenarioPlan) => p.scenarios.mode.set([0, 0, 0, MODE_BASIS_UP]), 'scenarios.mode[3]'],
    ['lone BASIS_DOWN', (p: ScenarioPlan) => p.scenarios.mode.set([MODE_BASIS_DOWN, 0, 0, 0]), 'scenarios.mode[0]'],
    ['unknown mode', (p: ScenarioPlan) => p.scenarios.mode.set([0, 9, 0, 0]), 'scenarios.mode[1]'],
    ['short damp', (p: ScenarioPlan) => (p.scenarios.damp = new Float64Array(3)), 'scenarios.damp.length'],
    ['skew of the wrong size', (p: ScenarioPlan) => (p.scenarios.skew = new Float64Array(5)), 'scenarios.skew.length'],
    ['no scenarios', (p: ScenarioPlan) => (p.scenarios.nS = 0), 'scenarios.nS'],
  ])('%s → RG_ERR_INVALID_INPUT naming the field', (_, spoil, field) => {
    const p = good();
    expect(code(() => evaluatePlanWasm(wasm, p))).toEqual({});
    spoil(p);
    const mark = wasm.arena.mark();
    expect(code(() => evaluatePlanWasm(wasm, p))).toEqual({ code: 'RG_ERR_INVALID_INPUT', field });
    expect(wasm.arena.mark()).toBe(mark);
  });

  it('row ranges outside the batch → RG_ERR_INVALID_ARGUMENT', () => {
    const p = good();
    const t = ScenarioTable.build(wasm, p.instruments, p.scenarios, p.groups);
    try {
      const packed = t.packRows(p.rows);
      expect(code(() => t.aggregate(packed, 1, 3))).toEqual({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'r1' });
      expect(code(() => t.aggregate(packed, -1, 1))).toEqual({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'r0' });
      expect(code(() => t.aggregate(packed, 1.5, 2))).toEqual({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'r0' });
    } finally {
      t.dispose();
    }
  });
});
