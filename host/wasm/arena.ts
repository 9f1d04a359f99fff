// Host-side bump allocator over the module's arena. Columns are 16-byte aligned so f64x2 loads
// are aligned. Memory only grows inside `alloc` (between batches, never during a kernel call);
// typed views are re-created when a grow has replaced the buffer.
import { RiskgridError } from '../errors.js';

const ALIGN = 16;
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE; // wasm32 address space

export type ColumnKind = 'f64' | 'i32';

export class Column<T extends Float64Array | Int32Array = Float64Array | Int32Array> {
  private cached: T | undefined;
  constructor(
    private readonly memory: WebAssembly.Memory,
    readonly kind: ColumnKind,
    /** Byte offset in memory: pass this to kernels. */
    readonly ptr: number,
    readonly length: number,
  ) {}

  /** A typed view on the column (valid until the next memory grow; call again after one). */
  get view(): T {
    const c = this.cached;
    if (c !== undefined && c.buffer === this.memory.buffer) return c;
    const v = (this.kind === 'f64'
      ? new Float64Array(this.memory.buffer, this.ptr, this.length)
      : new Int32Array(this.memory.buffer, this.ptr, this.length)) as T;
    this.cached = v;
    return v;
  }
}

export type F64Column = Column<Float64Array>;
export type I32Column = Column<Int32Array>;

export class Arena {
  private top: number;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly base: number,
  ) {
    this.top = base;
  }

  /** Current top; pass to `release` to free everything allocated after it. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `bad arena mark ${mark}`, { field: 'mark', value: mark });
    this.top = mark;
  }

  /** Frees every column. */
  reset(): void {
    this.top = this.base;
  }

  /** Makes sure `bytes` more fit above the top, growing memory once if needed. */
  reserve(bytes: number): void {
    const end = this.top + bytes;
    if (end > MAX_BYTES) throw new RiskgridError('RG_ERR_CAPACITY', `arena needs ${end} bytes, above the wasm32 limit`, { field: 'bytes', value: end });
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  f64(length: number): F64Column {
    return this.alloc('f64', length) as F64Column;
  }

  i32(length: number): I32Column {
    return this.alloc('i32', length) as I32Column;
  }

  /** Allocates several columns of the same length with one grow at most. */
  columns<K extends string>(length: number, spec: Record<K, ColumnKind>): Record<K, Column> {
    const keys = Object.keys(spec) as K[];
    this.reserve(keys.length * (alignUp(length * 8) + ALIGN));
    const out = {} as Record<K, Column>;
    for (const k of keys) out[k] = this.alloc(spec[k], length);
    return out;
  }

  private alloc(kind: ColumnKind, length: number): Column {
    if (!Number.isInteger(length) || length < 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `column length must be a non-negative integer, got ${length}`, { field: 'length', value: length });
    const bytes = alignUp(length * (kind === 'f64' ? 8 : 4));
    this.top = alignUp(this.top);
    this.reserve(bytes);
    const col = new Column(this.memory, kind, this.top, length);
    this.top += bytes;
    return col;
  }
}

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN; // not bitwise: offsets may exceed 2^31
}
