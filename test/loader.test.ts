import { describe, expect, it } from 'vitest';
import { loadWasm, loadWasmSync, defaultVariant, compileSync } from '../host/wasm/loader.js';
import { simdSupported } from '../host/wasm/simd-detect.js';

describe('wasm loader', () => {
  it('honours RISKGRID_NO_SIMD', () => {
    const expected = process.env.RISKGRID_NO_SIMD === '1' ? 'scalar' : 'simd';
    expect(simdSupported()).toBe(true);
    expect(defaultVariant()).toBe(expected);
  });

  it('loads both builds and reports which one it is', async () => {
    const simd = await loadWasm({ variant: 'simd' });
    const scalar = loadWasmSync({ variant: 'scalar' });
    expect(simd.exports.simd_enabled!()).toBe(1);
    expect(scalar.exports.simd_enabled!()).toBe(0);
    expect(simd.exports.abi_version!()).toBe(1);
  });

  it('compiles each variant once and shares the module', () => {
    expect(compileSync('simd')).toBe(compileSync('simd'));
  });

  it('arena columns are 16-byte aligned and survive memory growth', () => {
    const w = loadWasmSync({ initialBytes: 65536 });
    const a = w.arena.f64(3);
    a.view.set([1, 2, 3]);
    const big = w.arena.f64(1 << 20); // forces a grow
    expect(big.ptr % 16).toBe(0);
    expect(a.ptr % 16).toBe(0);
    expect(Array.from(a.view)).toEqual([1, 2, 3]);
  });
});
