// Embedding without the host: instantiate the .wasm with the bare WebAssembly API, following only
// docs/ABI.md (imports, memory map, column layout, calling convention, status codes).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

type Exports = Record<string, (...a: number[]) => number>;

function instantiate(file: string): { x: Exports; memory: WebAssembly.Memory } {
  const bytes = readFileSync(new URL(`../build/wasm/${file}`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return { x: instance.exports as unknown as Exports, memory };
}

// Haug / QuantLib: type, K, S, q, r, T, vol -> price (4 decimals)
const HAUG = [
  [1, 65, 60, 0, 0.08, 0.25, 0.3, 2.1334],
  [-1, 95, 100, 0.05, 0.1, 0.5, 0.2, 2.4648],
  [-1, 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
  [1, 19, 19, 0.1, 0.1, 0.75, 0.28, 1.7011],
  [1, 1.6, 1.56, 0.08, 0.06, 0.5, 0.12, 0.0291],
  [-1, 70, 75, 0.05, 0.1, 0.5, 0.35, 4.087],
  [1, 100, 90, 0.1, 0.1, 0.1, 0.15, 0.0205],
  [1, 100, 110, 0.1, 0.1, 0.1, 0.15, 9.9413],
  [-1, 100, 90, 0.1, 0.1, 0.5, 0.35, 14.4452],
  [1, 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975],
] as const;

for (const file of ['riskgrid.simd.wasm', 'riskgrid.scalar.wasm']) {
  describe(`bare WebAssembly: ${file}`, () => {
    const { x, memory } = instantiate(file);
    const n = HAUG.length;
    const base = x.arena_base!();
    const stride = 16 * Math.ceil((8 * n) / 16); // 16-byte aligned columns
    const col = (k: number) => base + k * stride;
    const f64 = (k: number) => new Float64Array(memory.buffer, col(k), n);
    const i32 = (k: number) => new Int32Array(memory.buffer, col(k), n);
    const suffix = x.simd_enabled!() === 1 ? 'f64x2' : 'f64';

    it('speaks ABI 1 and exports what the document lists', () => {
      expect(x.abi_version!()).toBe(1);
      expect(base).toBe(65536);
      expect(x.simd_enabled!()).toBe(file.includes('simd') ? 1 : 0);
      for (const name of ['black76_price', 'black76_greeks', 'bsm_price', 'bsm_greeks', 'inverse_black76', 'exp', 'log', 'ncdf', 'npdf']) {
        expect(typeof x[`${name}_f64_soa`]).toBe('function');
        expect(typeof x[`${name}_f64x2_soa`]).toBe('function');
      }
    });

    it('prices the Haug values with bsm_price (S, K, T, vol, r, q, omega → price, status)', () => {
      HAUG.forEach((h, i) => {
        f64(0)[i] = h[2]; // S
        f64(1)[i] = h[1]; // K
        f64(2)[i] = h[5]; // T
        f64(3)[i] = h[6]; // vol
        f64(4)[i] = h[4]; // r
        f64(5)[i] = h[3]; // q
        f64(6)[i] = h[0]; // omega
      });
      const bad = x[`bsm_price_${suffix}_soa`]!(n, col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7), col(8));
      expect(bad).toBe(0);
      HAUG.forEach((h, i) => expect(Math.abs(f64(7)[i]! - h[7])).toBeLessThan(5e-5));
      expect(Array.from(i32(8))).toEqual(new Array(n).fill(0));
    });

    it('prices them with black76_price on F = S·e^((r−q)T), df = e^(−rT)', () => {
      HAUG.forEach((h, i) => {
        f64(0)[i] = h[2] * Math.exp((h[4] - h[3]) * h[5]);
        f64(1)[i] = h[1];
        f64(2)[i] = h[5];
        f64(3)[i] = h[6];
        f64(4)[i] = Math.exp(-h[4] * h[5]);
        f64(5)[i] = h[0];
      });
      expect(x[`black76_price_${suffix}_soa`]!(n, col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7))).toBe(0);
      HAUG.forEach((h, i) => expect(Math.abs(f64(6)[i]! - h[7])).toBeLessThan(5e-5));
    });

    it('reports a bad vol with status 4 (ST_BAD_VOL) and NaN, and prices the rest', () => {
      f64(3)[2] = -0.2;
      f64(5)[4] = 0; // omega neither +1 nor −1: status 6
      const bad = x[`black76_price_${suffix}_soa`]!(n, col(0), col(1), col(2), col(3), col(4), col(5), col(6), col(7));
      expect(bad).toBe(2);
      expect(i32(7)[2]).toBe(4);
      expect(i32(7)[4]).toBe(6);
      expect(f64(6)[2]).toBeNaN();
      expect(Math.abs(f64(6)[3]! - 1.7011)).toBeLessThan(5e-5);
    });
  });
}
