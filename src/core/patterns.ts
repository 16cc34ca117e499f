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
  RunCursor,
  Stats,
  StatsKernels,
  binIndex,
  emptyMoments,
  exactRatio,
  finalizeStats,
  histogramSpec,
} from './stats';
import { StridedView } from './view';

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
    case 'bool':
      return (b) => (b !== 0 ? 1 : 0); // NumPy: any nonzero byte is True
    case 'int8':
      return (b) => (b << 24) >> 24;
    case 'int16':
      return (b) => (b << 16) >> 16;
    case 'float16':
      return halfToFloat;
    case 'bfloat16':
      return bfloat16ToFloat;
    default:
      return (b) => b; // uint8, uint16
  }
}

/** JS reference: adds the view's pattern counts into `counts` (patternTableSize entries). */
export function countPatterns(buf: Uint8Array, view: StridedView, counts: Float64Array): void {
  const dt = view.dtype;
  if (!hasPatternTable(dt)) throw new TypeError(`${dt.name} has no pattern table (only 1- and 2-byte real dtypes)`);
  if (counts.length !== patternTableSize(dt))
    throw new RangeError(`counts must hold ${patternTableSize(dt)} entries for ${dt.name}`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dt.byteOrder === 'little';
  for (const cur = new RunCursor(view, 1 << 16); cur.next(); ) {
    const { n, stride } = cur;
    let off = cur.off;
    if (dt.itemsize === 1) for (let j = 0; j < n; j++, off += stride) counts[dv.getUint8(off)]++;
    else for (let j = 0; j < n; j++, off += stride) counts[dv.getUint16(off, le)]++;
  }
}

const TWO53 = 2 ** 53;
const TWO52 = 2 ** 52;

const valueTables = new Map<string, Float64Array>();

/** Every pattern's value, decoded once per dtype. */
function patternValues(dt: DType): Float64Array {
  let t = valueTables.get(dt.name);
  if (!t) {
    const value = patternValue(dt);
    t = new Float64Array(patternTableSize(dt));
    for (let b = 0; b < t.length; b++) t[b] = value(b);
    valueTables.set(dt.name, t);
  }
  return t;
}

/** Exact running sum of integers: a Number while it is exact, flushed into a bigint beyond. */
class ExactSum {
  private acc = 0;
  private big = 0n;
  /** Adds c * k (c >= 0 and k integers). */
  add(c: number, k: number): void {
    const p = c * k;
    if (Math.abs(p) < TWO53) {
      this.acc += p;
      if (Math.abs(this.acc) >= TWO52) {
        this.big += BigInt(this.acc);
        this.acc = 0;
      }
    } else this.big += BigInt(c) * BigInt(k);
  }
  value(): bigint {
    return this.big + BigInt(this.acc);
  }
}

/** float16 and bfloat16: mantissa and exponent widths, so x = +-m * 2^(max(e, 1) - bias - mant) exactly. */
const FLOAT_LAYOUT: Partial<Record<DType['name'], { mant: number; exp: number; bias: number }>> = {
  float16: { mant: 10, exp: 5, bias: 15 },
  bfloat16: { mant: 7, exp: 8, bias: 127 },
};

/**
 * Pass one from a pattern table, with exact sums rounded once: integer dtypes sum c * x; float16 and bfloat16
 * sum c * m per exponent (integers), then combine the exponents exactly. m2 is the corrected two-pass.
 */
export function momentsFromPatterns(dt: DType, counts: Float64Array): Moments {
  const values = patternValues(dt);
  const integer = dt.kind !== 'f';
  const layout = FLOAT_LAYOUT[dt.name];
  const intSum = new ExactSum();
  const perExp = layout ? Array.from({ length: 1 << layout.exp }, () => new ExactSum()) : [];
  const m = emptyMoments();
  let min = Infinity;
  let max = -Infinity;
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = values[bits];
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
    if (layout) {
      const e = (bits >> layout.mant) & ((1 << layout.exp) - 1);
      const f = bits & ((1 << layout.mant) - 1);
      const mant = e ? f | (1 << layout.mant) : f;
      perExp[e].add(c, bits >> (layout.mant + layout.exp) ? -mant : mant);
    } else intSum.add(c, x);
  }
  if (m.finite === 0) {
    if (integer) m.intSum = 0n;
    return m;
  }
  m.min = min;
  m.max = max;
  let mean: number;
  if (layout) {
    // sum = sum_e S_e * 2^(max(e, 1) - bias - mant) = (sum_e S_e << (max(e, 1) - 1)) * 2^(1 - bias - mant)
    let total = 0n;
    for (let e = 0; e < perExp.length; e++) total += perExp[e].value() << BigInt(Math.max(e, 1) - 1);
    m.sum = Number(total) * 2 ** (1 - layout.bias - layout.mant); // one rounding, then an exact scaling
    mean = m.sum / m.finite;
  } else {
    m.intSum = intSum.value();
    m.sum = Number(m.intSum);
    mean = exactRatio(m.intSum, m.finite);
  }
  let m2 = 0;
  let cd = 0;
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = values[bits];
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
  const values = patternValues(dt);
  for (let bits = 0; bits < counts.length; bits++) {
    const c = counts[bits];
    if (c === 0) continue;
    const x = values[bits];
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
