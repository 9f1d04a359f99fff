// Kernel 2: portfolio rows over the instrument table (two-level CSR: row → groups → positions).
// For each row r in [r0, r1) and each of its group entries e (CSR order):
//   x[s] = Σ size·table[i·nS + s] and b = Σ size·base[i] over the group's positions (CSR order),
//   pnl[r, s] += T_mode[s](x, b, group params)   (see plan.ts for the four modes).
// The order of every addition is fixed (positions, then groups, in CSR order), and the SIMD build
// uses only lane-wise IEEE add/mul/min/max/abs (no FMA), so both builds give bit-identical sums.
// `scratch` holds x: nS f64 per concurrent caller (each worker passes its own).
// `pnl` points at row r0's output: row r goes to pnl + (r − r0)·nS·8.
// Returns the number of rows in [r0, r1) with a NaN in their P&L.
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
      for (let s: usize = 0; s < rowBytes; s += 8) store<f64>(scratch + s, 0.0);
      let b = 0.0;
      const p1 = load<i32>(groupStart + (<usize>(e + 1) << 2));
      for (let p = load<i32>(groupStart + (<usize>e << 2)); p < p1; p++) {
        const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
        const size = load<f64>(posSize + (<usize>p << 3));
        b += size * load<f64>(base + (i << 3));
        const row = table + i * rowBytes;
        for (let s: usize = 0; s < rowBytes; s += 8) {
          store<f64>(scratch + s, load<f64>(scratch + s) + size * load<f64>(row + s));
        }
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

// x[s .. s + 2·W) for one group with W f64x2 accumulators in locals (no scratch round trip per
// position); positions are added in CSR order from +0, exactly as the scalar loop does.
// @ts-ignore: decorator
@inline
function sumPairs8(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize): f64 {
  let b = 0.0;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const size = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += size * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    const z = f64x2.splat(size);
    a0 = f64x2.add(a0, f64x2.mul(z, v128.load(row)));
    a1 = f64x2.add(a1, f64x2.mul(z, v128.load(row, 16)));
    a2 = f64x2.add(a2, f64x2.mul(z, v128.load(row, 32)));
    a3 = f64x2.add(a3, f64x2.mul(z, v128.load(row, 48)));
    a4 = f64x2.add(a4, f64x2.mul(z, v128.load(row, 64)));
    a5 = f64x2.add(a5, f64x2.mul(z, v128.load(row, 80)));
    a6 = f64x2.add(a6, f64x2.mul(z, v128.load(row, 96)));
    a7 = f64x2.add(a7, f64x2.mul(z, v128.load(row, 96)));
  }
  const o = scratch + s;
  v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
  return b;
}

// @ts-ignore: decorator
@inline
function sumPairs4(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize): f64 {
  let b = 0.0;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const size = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += size * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    const z = f64x2.splat(size);
    a0 = f64x2.add(a0, f64x2.mul(z, v128.load(row)));
    a1 = f64x2.add(a1, f64x2.mul(z, v128.load(row, 16)));
    a2 = f64x2.add(a2, f64x2.mul(z, v128.load(row, 32)));
    a3 = f64x2.add(a3, f64x2.mul(z, v128.load(row, 48)));
  }
  const o = scratch + s;
  v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  return b;
}

// The last 1–3 pairs and the odd last lane in one pass, so their accumulator chains overlap
// instead of each waiting on its own add latency. Absent chains re-read slot s (always inside the
// row) and are not stored.
// @ts-ignore: decorator
@inline
function sumRest(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize, pairs: usize, tail: bool): f64 {
  let b = 0.0;
  const oB: usize = pairs >= 2 ? 16 : 0;
  const oC: usize = pairs >= 3 ? 32 : 0;
  const oT: usize = tail ? pairs << 4 : 0;
  let a0 = f64x2.splat(0), a1 = a0, a2 = a0;
  let t = 0.0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const size = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += size * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    const z = f64x2.splat(size);
    a0 = f64x2.add(a0, f64x2.mul(z, v128.load(row)));
    a1 = f64x2.add(a1, f64x2.mul(z, v128.load(row + oB)));
    a2 = f64x2.add(a2, f64x2.mul(z, v128.load(row + oC)));
    t += size * load<f64>(row + oT);
  }
  const o = scratch + s;
  v128.store(o, a0);
  if (pairs >= 2) v128.store(o, a1, 16);
  if (pairs >= 3) v128.store(o, a2, 32);
  if (tail) store<f64>(o + oT, t);
  return b;
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
        // Only the odd last lane (nS = 1, 17, 33, ...) or only b (the lane passes were all done).
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
          const disc = f64x2.add(f64x2.mul(pd2, f64x2.max(x2, zero)), f64x2.mul(nd2, f64x2.min(x2, zero)));
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
