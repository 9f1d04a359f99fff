// Kernel 1: the instrument scenario table. Every instrument i in [i0, i1) valued under every
// scenario s: table[i·nS + s], plus its unshocked value base[i]. Semantics: host/margin/plan.ts.
//   F_s = fwdFixed + fwdVar·spotMult[u·nS + s]
//   σ_s = max(σ·volMul[g·nS + s] + volAdd[g·nS + s], volFloor[g·nS + s]) · skew[i·nS + s]
// Options outside the pricer's domain (F_s, K >= 0 and finite, T finite, σ_s >= 0 and finite,
// df > 0 and finite; see price/black76.ts) are NaN, so bad data is flagged, never priced into a
// finite number (stricter than evaluate-ts.ts, whose textbook formula returns numbers for some bad
// inputs, e.g. df = 0, or a NaN vol once expired). Linear values are F_s as computed.
// The SIMD build values two scenarios per f64x2; an odd last scenario and the base go through the
// same f64x2 pricer (lane 0), so within one build the base equals an unshocked scenario exactly.
// Row strides are nS (unpadded): odd-nS rows start 8-byte aligned, which v128.load allows, and
// the host reads plan.ts's layout with no de-padding copy.
// Returns the number of instruments whose base or any table value is NaN.
import { black76PriceF64, black76PriceF64x2 } from '../price/black76';
import { KIND_OPTION } from './kinds';

// @ts-ignore: decorator
@inline
function finiteNonNeg(x: f64): bool {
  return x >= 0 && x < Infinity;
}

// @ts-ignore: decorator
@inline
function optionF64(F: f64, K: f64, T: f64, v: f64, d: f64, om: f64, instOk: bool): f64 {
  // The scalar pricer branches on its inputs: out of the domain it prices a stand-in instead.
  const ok = instOk && finiteNonNeg(F) && finiteNonNeg(v);
  const p = black76PriceF64(select<f64>(F, 1.0, ok), K, T, select<f64>(v, 1.0, ok), d, om);
  return select<f64>(p, NaN, ok);
}

/** skew = 0: no skew column (multiplier 1). */
export function scenario_table_f64(
  i0: i32, i1: i32, nS: i32,
  kind: usize, underlying: usize, volGroup: usize,
  fwdFixed: usize, fwdVar: usize, strike: usize, T: usize, vol: usize, df: usize, omega: usize,
  spotMult: usize, volMul: usize, volAdd: usize, volFloor: usize, skew: usize,
  table: usize, base: usize,
): i32 {
  let bad = 0;
  const rowBytes = <usize>nS << 3;
  for (let i = i0; i < i1; i++) {
    const ii = <usize>i;
    const ff = load<f64>(fwdFixed + (ii << 3));
    const fv = load<f64>(fwdVar + (ii << 3));
    const out = table + ii * rowBytes;
    const sm = spotMult + <usize>load<i32>(underlying + (ii << 2)) * rowBytes;
    let nan: i32 = 0;
    if (load<i32>(kind + (ii << 2)) != KIND_OPTION) {
      const b = ff + fv;
      store<f64>(base + (ii << 3), b);
      nan = <i32>(b != b);
      for (let s: usize = 0; s < rowBytes; s += 8) {
        const v = ff + fv * load<f64>(sm + s);
        store<f64>(out + s, v);
        nan |= <i32>(v != v);
      }
    } else {
      let K = load<f64>(strike + (ii << 3));
      let t = load<f64>(T + (ii << 3));
      let d = load<f64>(df + (ii << 3));
      const instOk = finiteNonNeg(K) && t - t == 0 && d > 0 && d < Infinity;
      K = select<f64>(K, 1.0, instOk);
      t = select<f64>(t, 1.0, instOk);
      d = select<f64>(d, 1.0, instOk);
      const sig = load<f64>(vol + (ii << 3));
      const om: f64 = load<f64>(omega + (ii << 3)) > 0 ? 1.0 : -1.0;
      const gOff = <usize>load<i32>(volGroup + (ii << 2)) * rowBytes;
      const sk = skew != 0 ? skew + ii * rowBytes : 0;
      const b = optionF64(ff + fv, K, t, sig, d, om, instOk);
      store<f64>(base + (ii << 3), b);
      nan = <i32>(b != b);
      for (let s: usize = 0; s < rowBytes; s += 8) {
        const F = ff + fv * load<f64>(sm + s);
        let v = max(sig * load<f64>(volMul + gOff + s) + load<f64>(volAdd + gOff + s), load<f64>(volFloor + gOff + s));
        if (sk != 0) v *= load<f64>(sk + s);
        const p = optionF64(F, K, t, v, d, om, instOk);
        store<f64>(out + s, p);
        nan |= <i32>(p != p);
      }
    }
    bad += nan;
  }
  return bad;
}

// @ts-ignore: decorator
@inline
function optionF64x2(F: v128, K: v128, T: v128, v: v128, d: v128, om: v128, instOk: v128): v128 {
  // The f64x2 pricer is branch-free, so out-of-domain lanes need no stand-in: they are replaced.
  const zero = f64x2.splat(0);
  const inf = f64x2.splat(Infinity);
  const ok = v128.and(
    v128.and(instOk, v128.and(f64x2.ge(F, zero), f64x2.lt(F, inf))),
    v128.and(f64x2.ge(v, zero), f64x2.lt(v, inf)),
  );
  return v128.bitselect(black76PriceF64x2(F, K, T, v, d, om), f64x2.splat(NaN), ok);
}

export function scenario_table_f64x2(
  i0: i32, i1: i32, nS: i32,
  kind: usize, underlying: usize, volGroup: usize,
  fwdFixed: usize, fwdVar: usize, strike: usize, T: usize, vol: usize, df: usize, omega: usize,
  spotMult: usize, volMul: usize, volAdd: usize, volFloor: usize, skew: usize,
  table: usize, base: usize,
): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const rowBytes = <usize>nS << 3;
  const pairBytes = rowBytes & ~(<usize>15); // bytes covered by whole f64x2 pairs
  for (let i = i0; i < i1; i++) {
    const ii = <usize>i;
    const ff = load<f64>(fwdFixed + (ii << 3));
    const fv = load<f64>(fwdVar + (ii << 3));
    const ff2 = f64x2.splat(ff);
    const fv2 = f64x2.splat(fv);
    const out = table + ii * rowBytes;
    const sm = spotMult + <usize>load<i32>(underlying + (ii << 2)) * rowBytes;
    let nan = f64x2.splat(0);
    if (load<i32>(kind + (ii << 2)) != KIND_OPTION) {
      const b = ff + fv;
      store<f64>(base + (ii << 3), b);
      let s: usize = 0;
      for (; s < pairBytes; s += 16) {
        const v = f64x2.add(ff2, f64x2.mul(fv2, v128.load(sm + s)));
        v128.store(out + s, v);
        nan = v128.or(nan, f64x2.ne(v, v));
      }
      if (s < rowBytes) {
        const v = ff + fv * load<f64>(sm + s);
        store<f64>(out + s, v);
        nan = v128.or(nan, f64x2.ne(f64x2.splat(v), f64x2.splat(v)));
      }
      if (b != b || v128.any_true(nan)) bad++;
    } else {
      const K = load<f64>(strike + (ii << 3));
      const t = load<f64>(T + (ii << 3));
      const d = load<f64>(df + (ii << 3));
      const ok = finiteNonNeg(K) && t - t == 0 && d > 0 && d < Infinity;
      const instOk = i64x2.splat(ok ? -1 : 0);
      const K2 = f64x2.splat(select<f64>(K, 1.0, ok));
      const t2 = f64x2.splat(select<f64>(t, 1.0, ok));
      const d2 = f64x2.splat(select<f64>(d, 1.0, ok));
      const sig2 = f64x2.splat(load<f64>(vol + (ii << 3)));
      const om2 = f64x2.splat(load<f64>(omega + (ii << 3)) > 0 ? 1.0 : -1.0);
      const gOff = <usize>load<i32>(volGroup + (ii << 2)) * rowBytes;
      const sk = skew != 0 ? skew + ii * rowBytes : 0;
      const b2 = optionF64x2(f64x2.add(ff2, fv2), K2, t2, sig2, d2, om2, instOk);
      store<f64>(base + (ii << 3), f64x2.extract_lane(b2, 0));
      nan = f64x2.ne(b2, b2);
      let s: usize = 0;
      for (; s < pairBytes; s += 16) {
        const F = f64x2.add(ff2, f64x2.mul(fv2, v128.load(sm + s)));
        let v = f64x2.max(
          f64x2.add(f64x2.mul(sig2, v128.load(volMul + gOff + s)), v128.load(volAdd + gOff + s)),
          v128.load(volFloor + gOff + s),
        );
        if (sk != 0) v = f64x2.mul(v, v128.load(sk + s));
        const p = optionF64x2(F, K2, t2, v, d2, om2, instOk);
        v128.store(out + s, p);
        nan = v128.or(nan, f64x2.ne(p, p));
      }
      if (s < rowBytes) {
        // Odd last scenario: both lanes carry it, lane 0 is stored.
        const F = f64x2.add(ff2, f64x2.mul(fv2, f64x2.splat(load<f64>(sm + s))));
        let v = f64x2.max(
          f64x2.add(f64x2.mul(sig2, f64x2.splat(load<f64>(volMul + gOff + s))), f64x2.splat(load<f64>(volAdd + gOff + s))),
          f64x2.splat(load<f64>(volFloor + gOff + s)),
        );
        if (sk != 0) v = f64x2.mul(v, f64x2.splat(load<f64>(sk + s)));
        const p = optionF64x2(F, K2, t2, v, d2, om2, instOk);
        store<f64>(out + s, f64x2.extract_lane(p, 0));
        nan = v128.or(nan, f64x2.ne(p, p));
      }
      if (v128.any_true(nan)) bad++;
    }
  }
  return bad;
}
