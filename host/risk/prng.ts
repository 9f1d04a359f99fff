// Seeded, reproducible random numbers for scenario generation.
//   uniform   xoshiro128** (Blackman & Vigna 2018), 32-bit state words, seeded by splitmix32 so that
//             nearby seeds give unrelated streams; 53-bit doubles from two outputs.
//   normal    Box–Muller (polar-free form), both variates used.
//   gamma     Marsaglia & Tsang (2000); chi-square(ν) = 2·gamma(ν/2).
//   poisson   Knuth's product method (the jump counts here have λ·h ≪ 10).
// The same seed gives the same stream on every platform: only integer ops and IEEE f64 math.
import { RiskgridError } from '../errors.js';

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RiskgridError('RG_ERR_INVALID_INPUT', `seed must be an integer in [0, 2^32), got ${seed}`, { field: 'seed', value: seed });
    }
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** Next 32 random bits (xoshiro128**). */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller; the second variate is kept for the next call). */
  normal(): number {
    const s = this.spare;
    if (s === s) {
      this.spare = NaN;
      return s;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform(); // log(0)
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape k, scale 1), Marsaglia–Tsang; k < 1 by the boost U^{1/k}. */
  gamma(k: number): number {
    if (k < 1) return this.gamma(k + 1) * Math.pow(this.uniformOpen(), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  chiSquare(nu: number): number {
    return 2 * this.gamma(nu / 2);
  }

  /** Poisson(λ) by multiplying uniforms until below e^{−λ}. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    const L = Math.exp(-lambda);
    let k = 0;
    let p = this.uniform();
    while (p > L) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  private uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
