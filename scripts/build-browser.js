// Browser builds with esbuild (no type checking here; tsc does that):
//   lib: host/browser.ts → dist/browser/riskgrid.js, the package's `browser` export
//   web: web/app.ts      → dist/web/app.js + index.html + style.css, the static risk page
// Both directories get the two .wasm files next to the bundle, which fetches them from
// new URL('./riskgrid.<variant>.wasm', import.meta.url).
//   node scripts/build-browser.js [lib] [web]     (default: both)
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const WASM = ['riskgrid.simd.wasm', 'riskgrid.scalar.wasm'];

function ensureWasm() {
  if (WASM.every((f) => existsSync(join(root, 'build/wasm', f)))) return;
  execFileSync(process.execPath, [join(root, 'scripts/build-wasm.js')], { cwd: root, stdio: 'inherit' });
}

function copyWasm(outdir) {
  for (const f of WASM) copyFileSync(join(root, 'build/wasm', f), join(outdir, f));
}

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome100', 'firefox100', 'safari16'],
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: 'linked',
};

export async function buildLib() {
  const outdir = join(root, 'dist/browser');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({ ...common, entryPoints: { riskgrid: 'host/browser.ts' }, outdir });
  copyWasm(outdir);
  return outdir;
}

export async function buildWeb() {
  const outdir = join(root, 'dist/web');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({ ...common, entryPoints: { app: 'web/app.ts' }, outdir, minify: true });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(outdir, f));
  copyWasm(outdir);
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const what = process.argv.slice(2);
  const t0 = performance.now();
  ensureWasm();
  if (what.length === 0 || what.includes('lib')) console.log(`browser library → ${await buildLib()}`);
  if (what.length === 0 || what.includes('web')) console.log(`risk page → ${await buildWeb()}`);
  console.log(`browser build ${(performance.now() - t0).toFixed(0)} ms`);
}
