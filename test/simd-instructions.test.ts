// The SIMD build's hot kernels really compute with f64x2 instructions, and the scalar build has no
// v128 at all. Reads the text files written next to each binary by the same asc run
// (asconfig.json textFile) and checks they describe the binaries that are loaded.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../build/wasm/', import.meta.url);
const wat = (variant: 'simd' | 'scalar') => readFileSync(new URL(`riskgrid.${variant}.wat`, dir), 'utf8');

/** The text of the function an export points to. */
function exportedBody(text: string, name: string): string {
  const m = new RegExp(`\\(export "${name}" \\(func (\\$[^)\\s]+)\\)\\)`).exec(text);
  if (!m) throw new Error(`no export ${name}`);
  const start = text.indexOf(`\n (func ${m[1]} `);
  if (start < 0) throw new Error(`no body for ${m[1]}`);
  const end = text.indexOf('\n )', start);
  return text.slice(start, end);
}

const count = (body: string, re: RegExp) => (body.match(re) ?? []).length;

const HOT = [
  'black76_price_f64x2_soa',
  'black76_greeks_f64x2_soa',
  'bsm_price_f64x2_soa',
  'bsm_greeks_f64x2_soa',
  'inverse_black76_f64x2_soa',
  'exp_f64x2_soa',
  'log_f64x2_soa',
  'ncdf_f64x2_soa',
  'npdf_f64x2_soa',
];

describe('compiled kernels', () => {
  const simd = wat('simd');
  const scalar = wat('scalar');

  it('the .wat files match the .wasm binaries (same exports)', () => {
    for (const variant of ['simd', 'scalar'] as const) {
      const mod = new WebAssembly.Module(readFileSync(new URL(`riskgrid.${variant}.wasm`, dir)));
      const names = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
      const text = variant === 'simd' ? simd : scalar;
      const inText = [...text.matchAll(/\(export "([^"]+)"/g)].map((m) => m[1]!).sort();
      expect(inText).toEqual(names);
    }
  });

  it('SIMD kernels are built from f64x2 arithmetic, with no calls into library code', () => {
    for (const name of HOT) {
      const body = exportedBody(simd, name);
      const arith = count(body, /f64x2\.(mul|add|sub|div)\b/g);
      expect(arith, name).toBeGreaterThan(name.startsWith('exp') ? 15 : 25);
      expect(count(body, /v128\.load\b/g), name).toBeGreaterThan(0);
      expect(count(body, /\bcall \$~lib/g), name).toBe(0);
      expect(count(body, /f64\.(mul|add)\b/g), `${name}: the loop is vector code`).toBeLessThan(arith);
    }
  });

  it('the Black-76 price loop does 4 divisions and one square root per vector, no library calls', () => {
    const body = exportedBody(simd, 'black76_price_f64x2_soa');
    expect(count(body, /\bcall\b/g)).toBeLessThanOrEqual(4); // tail/bad-item helpers only
    expect(count(body, /f64x2\.sqrt/g)).toBe(2); // one per vector, two vectors per step
    expect(count(body, /f64x2\.div/g)).toBe(8);
  });

  it('the scalar build contains no v128 instruction or type', () => {
    expect(scalar).not.toMatch(/\bv128\b|f64x2\.|i64x2\.|i32x4\./);
    for (const name of HOT) expect(exportedBody(scalar, name), name).toMatch(/unreachable/);
  });
});
