// Group sums for the scalar aggregation (aggregate.ts): x[s] = Σ size·table[i·nS + s] over one
// group's positions for a block of scenarios held in f64 locals, written to scratch[s ..]; each
// returns b = Σ size·base[i] when `base` is not 0. Same contract as group-sums.ts (the SIMD
// twins): every lane adds the positions in CSR order from +0, so both builds give the same bits.

// 8 lanes.
// @ts-ignore: decorator
@inline
export function sumLanes8(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize): f64 {
  let b = 0.0;
  let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0, a7 = 0.0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const z = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += z * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    a0 += z * load<f64>(row);
    a1 += z * load<f64>(row, 8);
    a2 += z * load<f64>(row, 16);
    a3 += z * load<f64>(row, 24);
    a4 += z * load<f64>(row, 32);
    a5 += z * load<f64>(row, 40);
    a6 += z * load<f64>(row, 48);
    a7 += z * load<f64>(row, 56);
  }
  const o = scratch + s;
  store<f64>(o, a0); store<f64>(o, a1, 8); store<f64>(o, a2, 16); store<f64>(o, a3, 24);
  store<f64>(o, a4, 32); store<f64>(o, a5, 40); store<f64>(o, a6, 48); store<f64>(o, a7, 56);
  return b;
}

// 4 to 7 lanes (n = lanes): absent chains re-read lane s (inside the row) and are not stored.
// @ts-ignore: decorator
@inline
export function sumLanesRest(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize, n: usize): f64 {
  const o4: usize = n > 4 ? 32 : 0;
  const o5: usize = n > 5 ? 40 : 0;
  const o6: usize = n > 6 ? 48 : 0;
  let b = 0.0;
  let a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0, a4 = 0.0, a5 = 0.0, a6 = 0.0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const z = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += z * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    a0 += z * load<f64>(row);
    a1 += z * load<f64>(row, 8);
    a2 += z * load<f64>(row, 16);
    a3 += z * load<f64>(row, 24);
    a4 += z * load<f64>(row + o4);
    a5 += z * load<f64>(row + o5);
    a6 += z * load<f64>(row + o6);
  }
  const o = scratch + s;
  store<f64>(o, a0); store<f64>(o, a1, 8); store<f64>(o, a2, 16); store<f64>(o, a3, 24);
  if (n > 4) store<f64>(o, a4, 32);
  if (n > 5) store<f64>(o, a5, 40);
  if (n > 6) store<f64>(o, a6, 48);
  return b;
}

// 1 to 3 lanes (n = lanes), as sumLanesRest.
// @ts-ignore: decorator
@inline
export function sumLanesFew(p0: i32, p1: i32, posInstrument: usize, posSize: usize, base: usize, table: usize, rowBytes: usize, s: usize, scratch: usize, n: usize): f64 {
  const o1: usize = n > 1 ? 8 : 0;
  const o2: usize = n > 2 ? 16 : 0;
  let b = 0.0;
  let a0 = 0.0, a1 = 0.0, a2 = 0.0;
  for (let p = p0; p < p1; p++) {
    const i = <usize>load<i32>(posInstrument + (<usize>p << 2));
    const z = load<f64>(posSize + (<usize>p << 3));
    if (base != 0) b += z * load<f64>(base + (i << 3));
    const row = table + i * rowBytes + s;
    a0 += z * load<f64>(row);
    a1 += z * load<f64>(row + o1);
    a2 += z * load<f64>(row + o2);
  }
  const o = scratch + s;
  store<f64>(o, a0);
  if (n > 1) store<f64>(o, a1, 8);
  if (n > 2) store<f64>(o, a2, 16);
  return b;
}
