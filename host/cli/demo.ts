import { loadWasm } from '../wasm/loader.js';

export async function runDemo(): Promise<void> {
  const wasm = await loadWasm();
  process.stdout.write(`riskgrid: ${wasm.variant} WebAssembly build loaded (ABI ${wasm.exports.abi_version!()})\n`);
}
