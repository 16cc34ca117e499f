// Whole-array statistics of 1- and 2-byte dtypes (bool, int8, uint8, int16, uint16, float16, bfloat16) from
// their bit-pattern table: one pass counts how many elements hold each of the <= 65536 patterns, and every
// statistic follows from the table exactly (counts, min/max, sums, numpy.histogram for any range), so the
// whole panel needs one read instead of two. The native addon counts patterns at memory speed; this file has
// the JS reference count and the table -> statistics step both backends share.

import { DType } from './dtype';
import { bfloat16ToFloat, halfToFloat } from './decode';
import {
  HistogramSpec,
  Moments,
  Stats,
  StatsKernels,
  binIndex,
  emptyMoments,
  exactRatio,
  finalizeStats,
  histogramSpec,
} from './stats';
import { StridedView, elementCount } from './view';

/** Whether a dtype has a pattern table (1 or 2 bytes, real). */
export function hasPatternTable(dt: DType): boolean {
  return dt.itemsize <= 2 && (dt.kind === 'b' || dt.kind === 'i' || dt.kind === 'u' || dt.kind === 'f');
}

/** 256 entries for 1-byte dtypes, 65536 for 2-byte ones. */
export function patternTableSize(dt: DType): number {
  return dt.itemsize === 1 ? 256 : 65536;
}

/** The value of a pattern (the element's bits in host order, whatever its stored byte order). */
export function patternValue(dt: DType): (bits: number) => number {
  switch (dt.name) {
    case 'int8':
      return (b) => (b << 24) >> 24;
    case 'int16':
      return (b) => (b << 16) >> 16;
    case 'float16':
      return halfToFloat;
    case 'bfloat16':
      return bfloat16ToFloat;
    default:
      return (b) => b; // bool, uint8, uint16
  }
}

/** JS reference: adds the view's pattern counts into `counts` (patternTableSize entries). */
export function countPatterns(buf: Uint8Array, view: StridedView, counts: Float64Array): void {
  const dt = view.dtype;
  if (!hasPatternTable(dt)) throw new TypeError(`${dt.name} has no pattern table (only 1- and 2-byte real dtypes)`);
  if (counts.length !== patternTableSize(dt))
    throw new RangeError(`counts must hold ${patternTableSize(dt)} entries for ${dt.name}`);
  const n = elementCount(view.shape);
  if (n === 0) return;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dt.byteOrder === 'little';
  const nd = view.shape.length;
  const inner = nd === 0 ? 1 : view.shape[nd - 1];
  const innerS = nd === 0 ? dt.itemsize : view.strides[nd - 1];
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  const base = Number(view.address);
  for (;;) {
    let off = base;
    for (let k = 0; k < nd - 1; k++) off += idx[k] * view.strides[k];
    if (dt.itemsize === 1) for (let j = 0; j < inner; j++, off += innerS) counts[dv.getUint8(off)]++;
    else for (let j = 0; j < inner; j++, off += innerS) counts[dv.getUint16(off, le)]++;
    let k = nd - 2;
    while (k >= 0) {
      if (++idx[k] < view.shape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

const TWO53 = 2 ** 53;
const TWO52 = 2 ** 52;

/**
 * Pass one from a pattern table. Sums are exact for integer dtypes and float16 (every float16 is an integer
 * multiple of 2^-24), rounded once at the end; bfloat16 sums are compensated. m2 is the corrected two-pass.
 */
export function momentsFromPatterns(dt: DType, counts: Float64Array): Moments {
  const value = patternValue(dt);
  const integer = dt.kind !== 'f';
  // Exact sums of c * k, k = x / unit an integer: Number while exact, bigint beyond.
  const unit = dt.name === 'float16' ? 2 ** -24 : 1;
  const exact = integer || dt.name === 'float16';
  let acc = 0;
  let big = 0n;
  let sum = 0;
  let comp = 0;
  const m = emptyMoments();
  let min = Infinity;
  let max = -Infinity;
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = value(bits);
    m.count += c;
    if (x !== x) {
      m.nan += c;
      continue;
    }
    if (x === Infinity) {
      m.posinf += c;
      continue;
    }
    if (x === -Infinity) {
      m.neginf += c;
      continue;
    }
    m.finite += c;
    if (x === 0) m.zeros += c;
    if (x < min) min = x;
    if (x > max) max = x;
    if (exact) {
      const k = x / unit;
      const p = c * k;
      if (Math.abs(p) < TWO53) {
        acc += p;
        if (Math.abs(acc) >= TWO52) {
          big += BigInt(acc);
          acc = 0;
        }
      } else big += BigInt(c) * BigInt(k);
    } else {
      const p = c * x;
      const t = sum + p;
      if (Math.abs(sum) >= Math.abs(p)) comp += sum - t + p;
      else comp += p - t + sum;
      sum = t;
    }
  }
  if (m.finite === 0) {
    if (integer) m.intSum = 0n;
    return m;
  }
  m.min = min;
  m.max = max;
  let mean: number;
  if (integer) {
    m.intSum = big + BigInt(acc);
    m.sum = Number(m.intSum);
    mean = exactRatio(m.intSum, m.finite);
  } else if (exact) {
    m.sum = Number(big + BigInt(acc)) * unit; // one rounding, then an exact scaling
    mean = m.sum / m.finite;
  } else {
    m.sum = sum + comp;
    mean = m.sum / m.finite;
  }
  let m2 = 0;
  let cd = 0;
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = value(bits);
    if (x - x !== 0) continue;
    const d = x - mean;
    m2 += c * d * d;
    cd += c * d;
  }
  m.m2 = m2 - (cd * cd) / m.finite;
  return m;
}

/** numpy.histogram from a pattern table: each finite pattern binned once, its count added. */
export function histogramFromPatterns(dt: DType, counts: Float64Array, spec: HistogramSpec, out: Float64Array): void {
  const value = patternValue(dt);
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = value(bits);
    if (x - x !== 0) continue;
    const i = binIndex(x, spec);
    if (i >= 0) out[i] += c;
  }
}

/** The statistics of a finished pattern table, as statsOfBuffer gives them. */
export function statsFromPatterns(dt: DType, counts: Float64Array, bins: number): Stats {
  const m = momentsFromPatterns(dt, counts);
  if (m.finite === 0 || m.min === null || m.max === null) return finalizeStats(m, null, null, bins);
  const spec = histogramSpec(Number(m.min), Number(m.max), bins);
  const h = new Float64Array(bins);
  histogramFromPatterns(dt, counts, spec, h);
  return finalizeStats(m, h, spec, bins);
}

/** statsOfBuffer through the pattern table: `kernels.patterns` when it has one, else the JS count. */
export async function statsOfBufferByPatterns(
  buf: Uint8Array,
  view: StridedView,
  bins: number,
  kernels?: StatsKernels,
): Promise<Stats> {
  const counts = new Float64Array(patternTableSize(view.dtype));
  if (kernels?.patterns) await kernels.patterns(buf, view, counts);
  else countPatterns(buf, view, counts);
  return statsFromPatterns(view.dtype, counts, bins);
}
