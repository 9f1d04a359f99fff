// Kernel 2: portfolio rows over the instrument table (two-level CSR: row → groups → positions).
// For each row r in [r0, r1) and each of its group entries e (CSR order):
//   x[s] = Σ size·table[i·nS + s] and b = Σ size·base[i] over the group's positions (CSR order),
//   pnl[r, s] += T_mode[s](x, b, group params)   (see plan.ts for the four modes).
// The order of every addition is fixed (positions, then groups, in CSR order), and the SIMD build
// uses only lane-wise IEEE add/mul/min/max/abs (no FMA, no relaxed ops), so both builds give
// bit-identical P&L.
// `scratch` holds x: nS f64 per concurrent caller (each worker passes its own).
// `pnl` points at row r0's output: row r goes to pnl + (r − r0)·nS·8.
// Returns the number of rows in [r0, r1) with a NaN in their P&L.
import { sumPairs4, sumPairs8, sumRest } from './group-sums';
import { sumLanes8, sumLanesFew, sumLanesRest } from './scalar-sums';
import { MODE_BASIS_DOWN, MODE_BASIS_UP, MODE_LINEAR, MODE_NEG_ABS } from './kinds';

// @ts-ignore: decorator
@inline
function groupPnl(
  s: usize, x: usize, b: f64, pd: f64, nd: f64, ax: f64, damp: usize, mode: usize,
): f64 {
  const m = load<i32>(mode + (s << 2));
  if (m == MODE_BASIS_UP || m == MODE_BASIS_DOWN) {
    const up = m == MODE_BASIS_UP ? s : s - 1;
    return min(min(load<f64>(x + (up << 3)) - b, load<f64>(x + (up << 3) + 8) - b), 0.0) * ax;
  }
  const xs = load<f64>(x + (s << 3));
  const disc = pd * max(xs, 0.0) + nd * min(xs, 0.0);
  const v = load<f64>(damp + (s << 3)) * (disc - b);
  return m == MODE_NEG_ABS ? -abs(v) : v;
}

export function aggregate_rows_f64(
  r0: i32, r1: i32, nS: i32,
  rowStart: usize, groupStart: usize, groupId: usize, posInstrument: usize, posSize: usize,
  posDisc: usize, negDisc: usize, aux: usize, damp: usize, mode: usize,
  table: usize, base: usize, scratch: usize, pnl: usize,
): i32 {
  let bad = 0;
  const n = <usize>nS;
  const rowBytes = n << 3;
  for (let r = r0; r < r1; r++) {
    const out = pnl + <usize>(r - r0) * rowBytes;
    for (let s: usize = 0; s < rowBytes; s += 8) store<f64>(out + s, 0.0);
    const e1 = load<i32>(rowStart + (<usize>(r + 1) << 2));
    for (let e = load<i32>(rowStart + (<usize>r << 2)); e < e1; e++) {
      const p0 = load<i32>(groupStart + (<usize>e << 2));
      const p1 = load<i32>(groupStart + (<usize>(e + 1) << 2));
      // Blocks of 8 lanes, then 4–7 or 1–3 in one pass; the first pass also sums b.
      let b = 0.0;
      let bBase = base;
      let s: usize = 0;
      for (; s + 64 <= rowBytes; s += 64) {
        const bb = sumLanes8(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch);
        if (bBase != 0) b = bb;
        bBase = 0;
      }
      const rest = (rowBytes - s) >> 3;
      if (rest >= 4) {
        const bb = sumLanesRest(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch, rest);
        if (bBase != 0) b = bb;
      } else if (rest > 0) {
        const bb = sumLanesFew(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch, rest);
        if (bBase != 0) b = bb;
      }
      const g = <usize>load<i32>(groupId + (<usize>e << 2));
      const pd = load<f64>(posDisc + (g << 3));
      const nd = load<f64>(negDisc + (g << 3));
      const ax = load<f64>(aux + (g << 3));
      for (let s: usize = 0; s < n; s++) {
        const o = out + (s << 3);
        store<f64>(o, load<f64>(o) + groupPnl(s, scratch, b, pd, nd, ax, damp, mode));
      }
    }
    let nan: i32 = 0;
    for (let s: usize = 0; s < rowBytes; s += 8) {
      const v = load<f64>(out + s);
      nan |= <i32>(v != v);
    }
    bad += nan;
  }
  return bad;
}

export function aggregate_rows_f64x2(
  r0: i32, r1: i32, nS: i32,
  rowStart: usize, groupStart: usize, groupId: usize, posInstrument: usize, posSize: usize,
  posDisc: usize, negDisc: usize, aux: usize, damp: usize, mode: usize,
  table: usize, base: usize, scratch: usize, pnl: usize,
): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  let bad = 0;
  const n = <usize>nS;
  const rowBytes = n << 3;
  const pairBytes = rowBytes & ~(<usize>15);
  const zero = f64x2.splat(0);
  for (let r = r0; r < r1; r++) {
    const out = pnl + <usize>(r - r0) * rowBytes;
    let s: usize = 0;
    for (; s < pairBytes; s += 16) v128.store(out + s, zero);
    if (s < rowBytes) store<f64>(out + s, 0.0);
    const e1 = load<i32>(rowStart + (<usize>(r + 1) << 2));
    for (let e = load<i32>(rowStart + (<usize>r << 2)); e < e1; e++) {
      const p0 = load<i32>(groupStart + (<usize>e << 2));
      const p1 = load<i32>(groupStart + (<usize>(e + 1) << 2));
      // Scenario blocks of 16 and 8 lanes, then the rest (up to 6 lanes and the odd last one);
      // the first pass also sums b = Σ size·base (position order, from +0, like the scalar loop).
      let b = 0.0;
      let bBase = base;
      for (s = 0; s + 128 <= pairBytes; s += 128) {
        const bb = sumPairs8(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch);
        if (bBase != 0) b = bb;
        bBase = 0;
      }
      if (s + 64 <= pairBytes) {
        const bb = sumPairs4(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch);
        if (bBase != 0) b = bb;
        bBase = 0;
        s += 64;
      }
      if (s < pairBytes) {
        const bb = sumRest(p0, p1, posInstrument, posSize, bBase, table, rowBytes, s, scratch, (pairBytes - s) >> 4, pairBytes < rowBytes);
        if (bBase != 0) b = bb;
      } else if (s < rowBytes || bBase != 0) {
        // Only the odd last lane left (nS = 1, 17, 33, ...); b too when no pass summed it (nS = 1).
        let a = 0.0;
        let bb = 0.0;
        for (let p = p0; p < p1; p++) {
          const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
          const size = load<f64>(posSize + (<usize>p << 3));
          bb += size * load<f64>(base + (i << 3));
          if (s < rowBytes) a += size * load<f64>(table + i * rowBytes + s);
        }
        if (s < rowBytes) store<f64>(scratch + s, a);
        if (bBase != 0) b = bb;
      }
      const g = <usize>load<i32>(groupId + (<usize>e << 2));
      const pd = load<f64>(posDisc + (g << 3));
      const nd = load<f64>(negDisc + (g << 3));
      const ax = load<f64>(aux + (g << 3));
      const pd2 = f64x2.splat(pd);
      const nd2 = f64x2.splat(nd);
      const b2 = f64x2.splat(b);
      for (s = 0; s < pairBytes; s += 16) {
        const k = s >> 3;
        const o = out + s;
        // Two LINEAR slots (the common case) in one f64x2; anything else lane by lane.
        if ((load<i32>(mode + (k << 2)) | load<i32>(mode + (k << 2) + 4)) == MODE_LINEAR) {
          const x2 = v128.load(scratch + s);
          // pmax/pmin (one instruction each; V8 expands max/min to ~8) with x first keep a NaN
          // x, and equal max/min here because x is never −0 (a sum started at +0 cannot be).
          const disc = f64x2.add(f64x2.mul(pd2, f64x2.pmax(x2, zero)), f64x2.mul(nd2, f64x2.pmin(x2, zero)));
          v128.store(o, f64x2.add(v128.load(o), f64x2.mul(v128.load(damp + s), f64x2.sub(disc, b2))));
        } else {
          store<f64>(o, load<f64>(o) + groupPnl(k, scratch, b, pd, nd, ax, damp, mode));
          store<f64>(o + 8, load<f64>(o + 8) + groupPnl(k + 1, scratch, b, pd, nd, ax, damp, mode));
        }
      }
      if (s < rowBytes) {
        const o = out + s;
        store<f64>(o, load<f64>(o) + groupPnl(s >> 3, scratch, b, pd, nd, ax, damp, mode));
      }
    }
    let nan = zero;
    for (s = 0; s < pairBytes; s += 16) {
      const v = v128.load(out + s);
      nan = v128.or(nan, f64x2.ne(v, v));
    }
    if (s < rowBytes) {
      const v = f64x2.splat(load<f64>(out + s));
      nan = v128.or(nan, f64x2.ne(v, v));
    }
    if (v128.any_true(nan)) bad++;
  }
  return bad;
}
