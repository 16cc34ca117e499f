// Partial statistics (counts, exact extremes, sums, squared deviations) of some elements, merged across disjoint
// parts and finished into the whole-array figures the panel shows with NumPy's semantics.

import type { HistogramSpec } from './histogram';

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
