// The plan evaluator on the WebAssembly risk kernels: the same PlanResult as evaluatePlanTs
// (evaluate-ts.ts, the specification). The plan's columns are packed into the arena once (one
// grow at most, before any kernel runs), the three kernels run over them, the outputs are copied
// into the result and the arena is returned to where it was. For many row batches against one
// snapshot use ScenarioTable (scenario-table-wasm.ts) directly.
import type { RiskgridWasm } from '../wasm/loader.js';
import type { PlanResult, ScenarioPlan } from './plan.js';
import type { KernelWidth } from './risk-kernels-wasm.js';
import { ScenarioTable } from './scenario-table-wasm.js';

export function evaluatePlanWasm(wasm: RiskgridWasm, plan: ScenarioPlan, opts: { width?: KernelWidth } = {}): PlanResult {
  // Room for every column is made at once (the only grow of this call), then each part is checked
  // and packed.
  const t = ScenarioTable.build(wasm, plan.instruments, plan.scenarios, plan.groups, { ...opts, reserveRows: plan.rows });
  try {
    const rows = t.packRows(plan.rows);
    const out = t.aggregate(rows);
    return {
      table: t.table.slice(),
      base: t.base.slice(),
      pnl: out.pnl.slice(),
      worst: out.worst.slice(),
      worstIndex: out.worstIndex.slice(),
    };
  } finally {
    t.dispose();
  }
}
