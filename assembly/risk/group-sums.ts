// Group sums for the SIMD aggregation (aggregate.ts): x[s] = Σ size·table[i·nS + s] over one
// group's positions, for a block of scenarios held in f64x2 locals, written to scratch[s ..].
// Each also returns b = Σ size·base[i] when `base` is not 0 (the first pass of a group sums it).
// Every lane's chain adds the positions in CSR order starting from +0, as the scalar kernel does,
// so the bits are the same; the blocks only decide which chains run side by side.
// Only the SIMD build references these (the scalar build never compiles them).

// 16 lanes: eight f64x2 chains.
// @ts-ignore: decorator
@inline
export function sumPairs8(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize): f64 {
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
    a7 = f64x2.add(a7, f64x2.mul(z, v128.load(row, 112)));
  }
  const o = scratch + s;
  v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
  v128.store(o, a4, 64); v128.store(o, a5, 80); v128.store(o, a6, 96); v128.store(o, a7, 112);
  return b;
}

// 8 lanes: four chains.
// @ts-ignore: decorator
@inline
export function sumPairs4(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize): f64 {
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
export function sumRest(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize, pairs: usize, tail: bool): f64 {
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
