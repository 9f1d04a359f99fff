// Entry of the WebAssembly module: everything exported here is the public ABI (docs/ABI.md).
export { abi_version, arena_base, simd_enabled } from './abi';
// Risk kernels (assembly/risk). The *_f64x2 names exist in both builds (AssemblyScript cannot
// export conditionally); in the scalar build they trap, and hosts pick *_f64 when simd_enabled() is 0.
export { scenario_table_f64, scenario_table_f64x2 } from './risk/table';
export { aggregate_rows_f64, aggregate_rows_f64x2 } from './risk/aggregate';
export { worst_loss_f64, worst_loss_f64x2 } from './risk/worst';
export { black76_iv_f64_soa, black76_iv_f64x2_soa } from './price/implied-vol';
// Pricing kernels (assembly/price, assembly/math); *_f64x2 trap in the scalar build.
export { black76_price_f64_soa, black76_price_f64x2_soa, black76_greeks_f64_soa, black76_greeks_f64x2_soa } from './price/black76-kernels';
export { bsm_price_f64_soa, bsm_price_f64x2_soa, bsm_greeks_f64_soa, bsm_greeks_f64x2_soa } from './price/bsm-kernels';
export { inverse_black76_f64_soa, inverse_black76_f64x2_soa } from './price/inverse-kernels';
export { exp_f64_soa, exp_f64x2_soa, log_f64_soa, log_f64x2_soa, ncdf_f64_soa, ncdf_f64x2_soa, npdf_f64_soa, npdf_f64x2_soa } from './math/kernels';
