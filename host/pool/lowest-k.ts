// The k smallest (key, index) pairs of a stream in one pass: a bounded max-heap, O(n log k).
// Ties go to the lower index, so the selection is deterministic.
export class LowestK {
  private readonly keys: number[] = [];
  private readonly idx: number[] = [];

  constructor(private readonly k: number) {}

  /** a ranks after b. */
  private after(ka: number, ia: number, kb: number, ib: number): boolean {
    return ka > kb || (ka === kb && ia > ib);
  }

  private swap(a: number, b: number): void {
    const k = this.keys, i = this.idx;
    [k[a], k[b]] = [k[b]!, k[a]!];
    [i[a], i[b]] = [i[b]!, i[a]!];
  }

  push(key: number, index: number): void {
    const k = this.keys, i = this.idx;
    if (k.length === this.k) {
      if (!this.after(k[0]!, i[0]!, key, index)) return;
      k[0] = key;
      i[0] = index;
      for (let p = 0; ; ) {
        const a = 2 * p + 1, b = a + 1;
        let m = p;
        if (a < k.length && this.after(k[a]!, i[a]!, k[m]!, i[m]!)) m = a;
        if (b < k.length && this.after(k[b]!, i[b]!, k[m]!, i[m]!)) m = b;
        if (m === p) return;
        this.swap(m, p);
        p = m;
      }
    }
    k.push(key);
    i.push(index);
    for (let c = k.length - 1; c > 0; ) {
      const p = (c - 1) >> 1;
      if (!this.after(k[c]!, i[c]!, k[p]!, i[p]!)) return;
      this.swap(c, p);
      c = p;
    }
  }

  /** Indices from the smallest key up. */
  sorted(): number[] {
    return this.idx.map((i, n) => ({ i, key: this.keys[n]! })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i)).map((e) => e.i);
  }
}
