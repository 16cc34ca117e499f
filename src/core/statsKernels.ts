// The seam where the native SIMD kernels plug into the stats (StatsKernels), and its reference implementation in
// plain JS (any dtype and strides) that every native kernel is tested against.

import { DType } from './dtype';
import type { HistogramSpec } from './histogram';
import { Moments, emptyMoments, exactRatio } from './moments';
import { RunCursor, dataView, decodeRun, forEachOffset, numberReader } from './elementReaders';
import { StridedView, elementCount } from './view';

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

const RUN = 1 << 16;

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
