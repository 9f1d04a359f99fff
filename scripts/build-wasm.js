// Builds the WebAssembly variants: SIMD (f64x2 kernels) and scalar (for hosts without SIMD), each
// also as a shared-memory build (threads feature) that worker_threads can instantiate on one memory.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const asc = join(dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');
for (const target of ['simd', 'scalar', 'simd-shared', 'scalar-shared']) {
  execFileSync(process.execPath, [asc, '--config', 'asconfig.json', '--target', target], { stdio: 'inherit' });
}
