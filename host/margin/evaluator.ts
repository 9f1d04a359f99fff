// The engine's default plan evaluator: the WebAssembly risk kernels on one instance per engine.
import { loadWasmSync, type RiskgridWasm } from '../wasm/loader.js';
import { evaluatePlanWasm } from './evaluate-wasm.js';
import type { PlanEvaluator } from './methodology.js';

export function wasmPlanEvaluator(wasm?: RiskgridWasm): PlanEvaluator {
  let instance = wasm;
  return (plan) => evaluatePlanWasm((instance ??= loadWasmSync()), plan);
}
