// How the stats read elements: element -> float64 as NumPy's statistics see it (|z| of complex exactly as numpy's
// abs), and walks over a strided view's element offsets and innermost runs.

import { DType, HOST_BYTE_ORDER } from './dtype';
import { complexReader, scalarReader } from './decode';
import { StridedView, elementCount } from './view';

/**
 * |re + i*im| exactly as NumPy's abs() of complex128 computes it on SIMD-capable x86-64 and arm64 builds
 * (numpy 2.x `absolute` dispatch): larger * sqrt(fma(r, r, 1)) with r = smaller / larger. This is not the
 * correctly rounded hypot (glibc's hypot differs in the last bit now and then), so the native kernels must
 * use this formula too; NaN when either part is NaN and neither is infinite, +Inf when either is infinite.
 */
export function hypot(re: number, im: number): number {
  let a = Math.abs(re);
  let b = Math.abs(im);
  if (a === Infinity || b === Infinity) return Infinity;
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  if (a < b) [a, b] = [b, a];
  if (a === 0) return 0;
  const r = b / a;
  return Math.sqrt(fmaSquarePlusOne(r)) * a;
}

/** fma(r, r, 1) with one rounding, from an exact product and an exact sum (r in [0, 1]). */
function fmaSquarePlusOne(r: number): number {
  const [p, e] = twoProduct(r, r);
  const s = 1 + p;
  const t = p - (s - 1); // exact: 1 + p = s + t
  return s + (t + e);
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, e];
}

export type NumberAt = (dv: DataView, off: number) => number;

/**
 * Element -> float64 as the stats see it: decode.ts's readers, with bool as 0/1 (NumPy: any nonzero byte is True, so
 * 0/255 bytes give max 1), complex as |z| by NumPy's formula (NaN if a part is NaN), 64-bit integers rounded.
 */
export function numberReader(dt: DType): NumberAt {
  if (dt.kind === 'c') {
    const cr = complexReader(dt);
    return (dv, o) => {
      const [re, im] = cr(dv, o);
      return Number.isNaN(re) || Number.isNaN(im) ? NaN : hypot(re, im);
    };
  }
  if (dt.name === 'bool') return (dv, o) => (dv.getUint8(o) !== 0 ? 1 : 0);
  const sr = scalarReader(dt);
  return (dv, o) => Number(sr(dv, o));
}

/** Calls `visit(off)` for every element offset of the view, innermost axis fastest. */
export function forEachOffset(v: StridedView, visit: (off: number) => void): void {
  const nd = v.shape.length;
  const base = Number(v.address);
  if (elementCount(v.shape) === 0) return;
  if (nd === 0) {
    visit(base);
    return;
  }
  const innerD = v.shape[nd - 1];
  const innerS = v.strides[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  for (;;) {
    let off = base;
    for (let k = 0; k < nd - 1; k++) off += idx[k] * v.strides[k];
    for (let j = 0; j < innerD; j++, off += innerS) visit(off);
    let k = nd - 2;
    while (k >= 0) {
      if (++idx[k] < v.shape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** Walks the innermost runs of a view (n elements `stride` bytes apart); a cursor, so hot loops need no closure. */
export class RunCursor {
  off = 0;
  n = 0;
  readonly stride: number;
  private readonly idx: number[];
  private j = 0;
  private done: boolean;
  constructor(
    private readonly v: StridedView,
    private readonly maxRun: number,
  ) {
    const nd = v.shape.length;
    this.stride = nd === 0 ? v.dtype.itemsize : v.strides[nd - 1];
    this.idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
    this.done = elementCount(v.shape) === 0;
  }
  next(): boolean {
    if (this.done) return false;
    const v = this.v;
    const nd = v.shape.length;
    if (nd === 0) {
      this.off = Number(v.address);
      this.n = 1;
      this.done = true;
      return true;
    }
    const innerD = v.shape[nd - 1];
    let off = Number(v.address);
    for (let k = 0; k < nd - 1; k++) off += this.idx[k] * v.strides[k];
    this.off = off + this.j * this.stride;
    this.n = Math.min(this.maxRun, innerD - this.j);
    this.j += this.n;
    if (this.j >= innerD) {
      this.j = 0;
      let k = nd - 2;
      while (k >= 0) {
        if (++this.idx[k] < v.shape[k]) break;
        this.idx[k] = 0;
        k--;
      }
      if (k < 0) this.done = true;
    }
    return true;
  }
}

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;

const TYPED: Partial<Record<DType['name'], TypedCtor>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array, // not bool: its bytes may be any nonzero value for True, so it goes through numberReader
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Decodes a run into `out` as float64 (complex as |z|, NaN if a part is NaN); typed-array copy when it can. */
export function decodeRun(buf: Uint8Array, dv: DataView, read: NumberAt, dt: DType, off: number, n: number, stride: number, out: Float64Array): void {
  const ctor = TYPED[dt.name];
  if (ctor && stride === dt.itemsize && (dt.itemsize === 1 || dt.byteOrder === HOST_BYTE_ORDER) && (buf.byteOffset + off) % dt.itemsize === 0) {
    out.set(new ctor(buf.buffer as ArrayBuffer, buf.byteOffset + off, n));
    return;
  }
  for (let j = 0; j < n; j++) out[j] = read(dv, off + j * stride);
}

export function dataView(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
