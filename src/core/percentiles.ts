// Percentiles of a view's finite values (|z| for complex) exactly as numpy.percentile(values, q) gives them
// (method 'linear'). The reference the native addon's radix-select is tested against.

import { DType } from './dtype';
import { numberReader } from './stats';
import { StridedView, elementCount, gatherView } from './view';

export const DEFAULT_PERCENTILES: readonly number[] = [1, 50, 99];

function valueReader(dt: DType): (dv: DataView, off: number) => number | bigint {
  const le = dt.byteOrder === 'little';
  // 64-bit integers stay exact; every other dtype reads as the stats kernels read it.
  if (dt.name === 'int64') return (dv, o) => dv.getBigInt64(o, le);
  if (dt.name === 'uint64') return (dv, o) => dv.getBigUint64(o, le);
  return numberReader(dt);
}

/** The finite values of the view, sorted ascending (64-bit integers stay exact as bigint). */
function sortedFinite(buf: Uint8Array, view: StridedView): Float64Array | BigInt64Array | BigUint64Array {
  const n = elementCount(view.shape);
  const bytes = gatherView(buf, 0n, view);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = valueReader(view.dtype);
  const item = view.dtype.itemsize;
  if (view.dtype.name === 'int64' || view.dtype.name === 'uint64') {
    const out = view.dtype.name === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = read(dv, i * item) as bigint;
    return out.sort();
  }
  const vals = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = read(dv, i * item) as number;
    if (x - x === 0) vals[k++] = x;
  }
  return vals.subarray(0, k).sort();
}

/** numpy.percentile(finite, qs) with method 'linear': virtual index (n-1)q, then numpy's _lerp. */
export function percentilesFromSorted(sorted: ArrayLike<number | bigint>, qs: readonly number[]): number[] | null {
  const n = sorted.length;
  if (n === 0) return null;
  return qs.map((q) => {
    const qf = q / 100;
    const virt = (n - 1) * qf;
    const prev = Math.floor(virt);
    let lo: number;
    let hi: number;
    if (virt >= n - 1) lo = hi = n - 1;
    else if (virt < 0) lo = hi = 0;
    else {
      lo = prev;
      hi = prev + 1;
    }
    const a = Number(sorted[lo]);
    const b = Number(sorted[hi]);
    const t = virt - prev;
    const diff = b - a;
    return (t >= 0.5 ? b - diff * (1 - t) : a + diff * t) + 0;
  });
}

/** Percentiles of the finite values of a view whose bytes are all in `buf`; null when none is finite. */
export function percentilesOfBuffer(buf: Uint8Array, view: StridedView, qs: readonly number[] = DEFAULT_PERCENTILES): number[] | null {
  if (elementCount(view.shape) === 0) return null;
  return percentilesFromSorted(sortedFinite(buf, view), qs);
}
