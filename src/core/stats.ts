// Whole-array statistics with NumPy's semantics: exact counts and min/max, mean/std over finite values,
// numpy.histogram's bin assignment. StatsKernels is the seam where the native SIMD engine plugs in.

import { DType, HOST_BYTE_ORDER } from './dtype';
import { bfloat16ToFloat, halfToFloat } from './decode';
import { StridedView, elementCount } from './view';

/** Partial results over some elements; partials of disjoint parts merge exactly (counts) or stably (moments). */
export interface Moments {
  count: number;
  nan: number;
  posinf: number;
  neginf: number;
  zeros: number;
  /** Number of finite values (those min/max/mean/std are over). */
  finite: number;
  /** Exact extremes of the finite values; bigint for 64-bit integer dtypes. */
  min: number | bigint | null;
  max: number | bigint | null;
  /** Sum of finite values (float64; for integer dtypes see `intSum`). */
  sum: number;
  /** Exact integer sum for integer and bool dtypes. */
  intSum: bigint | null;
  /** Sum of squared deviations from this partial's own mean. */
  m2: number;
}

export interface HistogramSpec {
  bins: number;
  /** numpy.histogram's outer edges (min/max, widened by 0.5 each side when equal). */
  first: number;
  last: number;
  /** The bins+1 edges exactly as numpy.linspace gives them. */
  edges: Float64Array;
}

export interface Stats {
  count: number;
  nan: number;
  posinf: number;
  neginf: number;
  zeros: number;
  min: number | bigint | null;
  max: number | bigint | null;
  mean: number | null;
  std: number | null;
  histogram: { bins: number; lo: number | null; hi: number | null; counts: number[] };
}

/** The kernels behind the engine; `view.address` is the byte offset of element 0 within `buf`. */
export interface StatsKernels {
  readonly name: string;
  /** `signal` lets long kernels stop between blocks (the JS reference runs to the end of its chunk). */
  moments(buf: Uint8Array, view: StridedView, signal?: AbortSignal): Moments | Promise<Moments>;
  /** Adds the view's finite values into `counts` (length spec.bins). */
  histogram(buf: Uint8Array, view: StridedView, spec: HistogramSpec, counts: Float64Array, signal?: AbortSignal): void | Promise<void>;
  /**
   * Optional, 1- and 2-byte real dtypes only: adds the view's bit-pattern counts into `counts` (256 or 65536
   * entries, src/core/patterns.ts), from which the whole panel follows in one pass over the data.
   */
  patterns?(buf: Uint8Array, view: StridedView, counts: Float64Array, signal?: AbortSignal): void | Promise<void>;
}

export function emptyMoments(): Moments {
  return { count: 0, nan: 0, posinf: 0, neginf: 0, zeros: 0, finite: 0, min: null, max: null, sum: 0, intSum: null, m2: 0 };
}

function lessThan(a: number | bigint, b: number | bigint): boolean {
  return a < b;
}

/** Chan et al.'s pairwise merge of two partials. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.count === 0) return { ...b };
  if (b.count === 0) return { ...a };
  const n = a.finite + b.finite;
  let m2 = a.m2 + b.m2;
  if (a.finite > 0 && b.finite > 0) {
    const ma = meanOf(a);
    const mb = meanOf(b);
    const d = mb - ma;
    m2 += ((d * d * a.finite) / n) * b.finite;
  }
  return {
    count: a.count + b.count,
    nan: a.nan + b.nan,
    posinf: a.posinf + b.posinf,
    neginf: a.neginf + b.neginf,
    zeros: a.zeros + b.zeros,
    finite: n,
    min: a.min === null ? b.min : b.min === null ? a.min : lessThan(b.min, a.min) ? b.min : a.min,
    max: a.max === null ? b.max : b.max === null ? a.max : lessThan(a.max, b.max) ? b.max : a.max,
    sum: a.sum + b.sum,
    intSum: a.intSum === null && b.intSum === null ? null : (a.intSum ?? 0n) + (b.intSum ?? 0n),
    m2,
  };
}

function meanOf(m: Moments): number {
  if (m.finite === 0) return 0;
  if (m.intSum !== null) return Number(m.intSum) / m.finite;
  return m.sum / m.finite;
}

/** numpy.histogram's edges for range=(min, max) over float64 data. */
export function histogramSpec(min: number, max: number, bins: number): HistogramSpec {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const delta = last - first;
  const step = delta / bins;
  if (step === 0) for (let i = 0; i <= bins; i++) edges[i] = (i / bins) * delta + first;
  else for (let i = 0; i <= bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return { bins, first, last, edges };
}

/** The bin of a finite value inside [first, last], exactly as numpy.histogram assigns it; -1 if outside. */
export function binIndex(x: number, spec: HistogramSpec): number {
  if (!(x >= spec.first && x <= spec.last)) return -1;
  const n = spec.bins;
  let i = Math.trunc(((x - spec.first) / (spec.last - spec.first)) * n);
  if (!(i >= 0)) return 0; // degenerate range (NumPy refuses it: "Too many bins for data range")
  if (i === n) i--;
  if (x < spec.edges[i]) i--;
  if (x >= spec.edges[i + 1] && i !== n - 1) i++;
  return i;
}

export function finalizeStats(m: Moments, counts: Float64Array | null, spec: HistogramSpec | null, bins: number): Stats {
  const out: Stats = {
    count: m.count,
    nan: m.nan,
    posinf: m.posinf,
    neginf: m.neginf,
    zeros: m.zeros,
    min: null,
    max: null,
    mean: null,
    std: null,
    histogram: { bins, lo: null, hi: null, counts: new Array<number>(bins).fill(0) },
  };
  if (m.finite === 0 || m.min === null || m.max === null) return out;
  out.min = typeof m.min === 'bigint' && Number.isSafeInteger(Number(m.min)) ? Number(m.min) : m.min;
  out.max = typeof m.max === 'bigint' && Number.isSafeInteger(Number(m.max)) ? Number(m.max) : m.max;
  if (m.intSum !== null) out.mean = exactRatio(m.intSum, m.finite);
  else out.mean = m.sum / m.finite;
  out.std = Math.sqrt(Math.max(0, m.m2 / m.finite));
  if (spec && counts) out.histogram = { bins, lo: spec.first, hi: spec.last, counts: Array.from(counts) };
  return out;
}

/** n / d correctly rounded for a bigint numerator (as Python's int true division). */
export function exactRatio(n: bigint, d: number): number {
  const q = Number(n) / d;
  if (Number.isSafeInteger(Number(n))) return q;
  // Refine: residual r = n - round(q*d) computed exactly, then correct q by r/d.
  const qd = BigInt(Math.round(q * d));
  const r = Number(n - qd);
  return (Math.round(q * d) + r) / d;
}

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

/** Element -> float64 as the stats see it: |z| for complex (NaN if a part is NaN), 64-bit integers rounded. */
export function numberReader(dt: DType): NumberAt {
  const le = dt.byteOrder === 'little';
  switch (dt.name) {
    case 'bool':
      return (dv, o) => (dv.getUint8(o) !== 0 ? 1 : 0); // NumPy: any nonzero byte is True (0/255 bytes: max 1)
    case 'uint8':
      return (dv, o) => dv.getUint8(o);
    case 'int8':
      return (dv, o) => dv.getInt8(o);
    case 'int16':
      return (dv, o) => dv.getInt16(o, le);
    case 'uint16':
      return (dv, o) => dv.getUint16(o, le);
    case 'int32':
      return (dv, o) => dv.getInt32(o, le);
    case 'uint32':
      return (dv, o) => dv.getUint32(o, le);
    case 'float16':
      return (dv, o) => halfToFloat(dv.getUint16(o, le));
    case 'bfloat16':
      return (dv, o) => bfloat16ToFloat(dv.getUint16(o, le));
    case 'float32':
      return (dv, o) => dv.getFloat32(o, le);
    case 'float64':
      return (dv, o) => dv.getFloat64(o, le);
    case 'complex64':
      return (dv, o) => {
        const re = dv.getFloat32(o, le);
        const im = dv.getFloat32(o + 4, le);
        return Number.isNaN(re) || Number.isNaN(im) ? NaN : hypot(re, im);
      };
    case 'complex128':
      return (dv, o) => {
        const re = dv.getFloat64(o, le);
        const im = dv.getFloat64(o + 8, le);
        return Number.isNaN(re) || Number.isNaN(im) ? NaN : hypot(re, im);
      };
    case 'int64':
      return (dv, o) => Number(dv.getBigInt64(o, le));
    case 'uint64':
      return (dv, o) => Number(dv.getBigUint64(o, le));
  }
}

/** Calls `visit(off)` for every element offset of the view, innermost axis fastest. */
function forEachOffset(v: StridedView, visit: (off: number) => void): void {
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
function decodeRun(buf: Uint8Array, dv: DataView, read: NumberAt, dt: DType, off: number, n: number, stride: number, out: Float64Array): void {
  const ctor = TYPED[dt.name];
  if (ctor && stride === dt.itemsize && (dt.itemsize === 1 || dt.byteOrder === HOST_BYTE_ORDER) && (buf.byteOffset + off) % dt.itemsize === 0) {
    out.set(new ctor(buf.buffer as ArrayBuffer, buf.byteOffset + off, n));
    return;
  }
  for (let j = 0; j < n; j++) out[j] = read(dv, off + j * stride);
}

const RUN = 1 << 16;

function dataView(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function isInteger(dt: DType): boolean {
  return dt.kind === 'i' || dt.kind === 'u' || dt.kind === 'b';
}

function jsMoments(buf: Uint8Array, v: StridedView): Moments {
  const dv = dataView(buf);
  const dt = v.dtype;
  const m = emptyMoments();
  m.count = elementCount(v.shape);
  if (dt.itemsize === 8 && (dt.kind === 'i' || dt.kind === 'u')) {
    const le = dt.byteOrder === 'little';
    const get = dt.kind === 'i' ? (o: number) => dv.getBigInt64(o, le) : (o: number) => dv.getBigUint64(o, le);
    let min: bigint | null = null;
    let max: bigint | null = null;
    let sum = 0n;
    forEachOffset(v, (o) => {
      const x = get(o);
      if (x === 0n) m.zeros++;
      if (min === null || x < min) min = x;
      if (max === null || x > max) max = x;
      sum += x;
    });
    m.finite = m.count;
    m.min = min;
    m.max = max;
    m.intSum = sum;
    if (m.finite > 0) {
      const mean = exactRatio(sum, m.finite);
      let m2 = 0;
      forEachOffset(v, (o) => {
        const d = Number(get(o)) - mean;
        m2 += d * d;
      });
      m.m2 = m2;
    }
    return m;
  }
  const read = numberReader(dt);
  const integer = isInteger(dt);
  const scratch = new Float64Array(RUN);
  let min = Infinity;
  let max = -Infinity;
  // Neumaier-compensated sum; integer partial sums stay exact below 2^53 and are flushed into a bigint.
  let sum = 0;
  let comp = 0;
  let intSum = 0n;
  let finite = 0;
  let zeros = 0;
  let nan = 0;
  let posinf = 0;
  let neginf = 0;
  for (const cur = new RunCursor(v, RUN); cur.next(); ) {
    const n = cur.n;
    decodeRun(buf, dv, read, dt, cur.off, n, cur.stride, scratch);
    let runSum = 0;
    for (let j = 0; j < n; j++) {
      const x = scratch[j];
      if (x === 0) zeros++;
      if (x - x !== 0) {
        if (x !== x) nan++;
        else if (x > 0) posinf++;
        else neginf++;
        continue;
      }
      finite++;
      if (x < min) min = x;
      if (x > max) max = x;
      if (integer) runSum += x;
      else {
        const t = sum + x;
        if (Math.abs(sum) >= Math.abs(x)) comp += sum - t + x;
        else comp += x - t + sum;
        sum = t;
      }
    }
    if (integer) intSum += BigInt(runSum); // a run of 2^16 values of at most 32 bits sums exactly
  }
  m.zeros = zeros;
  m.nan = nan;
  m.posinf = posinf;
  m.neginf = neginf;
  m.finite = finite;
  if (integer) {
    m.intSum = intSum;
    m.sum = Number(intSum);
  } else m.sum = sum + comp;
  if (finite > 0) {
    m.min = min;
    m.max = max;
    const mean = integer ? exactRatio(intSum, finite) : m.sum / finite;
    let m2 = 0;
    let c = 0;
    for (const cur = new RunCursor(v, RUN); cur.next(); ) {
      const n = cur.n;
      decodeRun(buf, dv, read, dt, cur.off, n, cur.stride, scratch);
      for (let j = 0; j < n; j++) {
        const x = scratch[j];
        if (x - x === 0) {
          const d = x - mean;
          m2 += d * d;
          c += d;
        }
      }
    }
    // Corrected two-pass (Chan, Golub, LeVeque): removes the rounding error left in `mean`.
    m.m2 = m2 - (c * c) / finite;
  }
  return m;
}

function jsHistogram(buf: Uint8Array, v: StridedView, spec: HistogramSpec, counts: Float64Array): void {
  const dv = dataView(buf);
  const dt = v.dtype;
  const read = numberReader(dt);
  const scratch = new Float64Array(RUN);
  const { first, last, bins, edges } = spec;
  const width = last - first;
  for (const cur = new RunCursor(v, RUN); cur.next(); ) {
    const n = cur.n;
    decodeRun(buf, dv, read, dt, cur.off, n, cur.stride, scratch);
    for (let j = 0; j < n; j++) {
      const x = scratch[j];
      if (!(x >= first && x <= last)) continue; // NaN, ±Inf and out-of-range values fall out here
      let i = Math.trunc(((x - first) / width) * bins);
      if (!(i >= 0)) i = 0;
      else {
        if (i === bins) i--;
        if (x < edges[i]) i--;
        if (x >= edges[i + 1] && i !== bins - 1) i++;
      }
      counts[i]++;
    }
  }
}

/** The reference implementation: plain JS, any dtype and strides. */
export const jsKernels: StatsKernels = {
  name: 'js',
  moments: jsMoments,
  histogram: jsHistogram,
};

/** Stats of a view whose bytes are all in `buf` (address = offset of element 0 in buf). */
export async function statsOfBuffer(
  buf: Uint8Array,
  view: StridedView,
  bins: number,
  kernels: StatsKernels = jsKernels,
): Promise<Stats> {
  const m = await kernels.moments(buf, view);
  if (m.finite === 0 || m.min === null || m.max === null) return finalizeStats(m, null, null, bins);
  const spec = histogramSpec(Number(m.min), Number(m.max), bins);
  const counts = new Float64Array(bins);
  await kernels.histogram(buf, view, spec, counts);
  return finalizeStats(m, counts, spec, bins);
}
