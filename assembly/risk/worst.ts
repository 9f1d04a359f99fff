// Kernel 3: worst loss per row. For each of n rows of nS P&L values (row r at pnl + r·nS·8):
//   worst[r] = the minimum, worstIndex[r] = its first index (strict <, as a left-to-right scan);
//   any NaN in the row → worst NaN, index −1 (never dropped); a row of +∞ (or nS = 0) → +∞, −1.
// The SIMD build takes the minimum with f64x2.min (NaN-propagating; never pmin), then finds the
// first slot equal to it; that slot's own value is returned, so ±0 ties match the scalar scan.
// Returns the number of NaN rows.

export function worst_loss_f64(n: i32, nS: i32, pnl: usize, worst: usize, worstIndex: usize): i32 {
  let bad = 0;
  const rowBytes = <usize>nS << 3;
  for (let r = 0; r < n; r++) {
    const row = pnl + <usize>r * rowBytes;
    let w = Infinity;
    let wi = -1;
    for (let s = 0; s < nS; s++) {
      const v = load<f64>(row + (<usize>s << 3));
      if (v != v) {
        w = NaN;
        wi = -1;
        bad++;
        break;
      }
      if (v < w) {
        w = v;
        wi = s;
      }
    }
    store<f64>(worst + (<usize>r << 3), w);
    store<i32>(worstIndex + (<usize>r << 2), wi);
  }
  return bad;
}

export function worst_loss_f64x2(n: i32, nS: i32, pnl: usize, worst: usize, worstIndex: usize): i32 {
  if (!ASC_FEATURE_SIMD) return unreachable(); // f64x2 kernels trap in the scalar build
  {
    let bad = 0;
    const rowBytes = <usize>nS << 3;
    const pairBytes = rowBytes & ~(<usize>15);
    for (let r = 0; r < n; r++) {
      const row = pnl + <usize>r * rowBytes;
      let m2 = f64x2.splat(Infinity);
      let s: usize = 0;
      for (; s < pairBytes; s += 16) m2 = f64x2.min(m2, v128.load(row + s));
      let m = min(f64x2.extract_lane(m2, 0), f64x2.extract_lane(m2, 1));
      if (s < rowBytes) m = min(m, load<f64>(row + s));
      let w = m;
      let wi = -1;
      if (m != m) {
        bad++;
      } else if (m != Infinity) {
        s = 0;
        while (load<f64>(row + s) != m) s += 8;
        wi = <i32>(s >> 3);
        w = load<f64>(row + s);
      }
      store<f64>(worst + (<usize>r << 3), w);
      store<i32>(worstIndex + (<usize>r << 2), wi);
    }
    return bad;
  }
}
