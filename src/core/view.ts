// StridedView: an N-d window onto memory (address of element 0, shape, byte strides), NumPy's model.

import { DType } from './dtype';
import { ArrayLensError } from './errors';

export const MAX_NDIM = 32;
/** Largest byte count the engine accepts for one view (2^53: every offset stays an exact JS number). */
export const MAX_BYTES = 2 ** 53;

export interface StridedView {
  /** Address of element [0, ..., 0] in the debuggee (or offset in a file/buffer). */
  readonly address: bigint;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Byte strides: may be negative, zero, or not a multiple of the itemsize. */
  readonly strides: readonly number[];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function cStrides(shape: readonly number[], itemsize: number): number[] {
  const s = new Array<number>(shape.length);
  let acc = itemsize;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return s;
}

export function fStrides(shape: readonly number[], itemsize: number): number[] {
  const s = new Array<number>(shape.length);
  let acc = itemsize;
  for (let i = 0; i < shape.length; i++) {
    s[i] = acc;
    acc *= Math.max(shape[i], 1);
  }
  return s;
}

/** Byte range [lo, hi) touched by the view, relative to its address; {0, 0} when empty. */
export function byteExtent(v: Pick<StridedView, 'shape' | 'strides' | 'dtype'>): { lo: number; hi: number } {
  if (elementCount(v.shape) === 0) return { lo: 0, hi: 0 };
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < v.shape.length; i++) {
    const span = (v.shape[i] - 1) * v.strides[i];
    if (span < 0) lo += span;
    else hi += span;
  }
  return { lo, hi: hi + v.dtype.itemsize };
}

/** Rejects shapes and strides that no real array has, before anything is read. */
export function validateView(v: StridedView): void {
  if (v.shape.length !== v.strides.length)
    throw new ArrayLensError('bad-argument', `shape has ${v.shape.length} dims but strides has ${v.strides.length}`);
  if (v.shape.length > MAX_NDIM)
    throw new ArrayLensError('bad-argument', `${v.shape.length} dimensions: at most ${MAX_NDIM} are supported`);
  let bytes = v.dtype.itemsize;
  for (let i = 0; i < v.shape.length; i++) {
    const d = v.shape[i];
    const s = v.strides[i];
    if (!Number.isSafeInteger(d) || d < 0)
      throw new ArrayLensError('bad-argument', `shape[${i}] = ${d}: dimensions must be non-negative integers`);
    if (!Number.isSafeInteger(s))
      throw new ArrayLensError('bad-argument', `strides[${i}] = ${s}: strides must be integers (bytes)`);
    bytes *= d;
    if (bytes > MAX_BYTES || Math.abs(s) * d > MAX_BYTES)
      throw new ArrayLensError('bad-argument', `shape [${v.shape.join(', ')}] is too large: its byte size overflows`);
  }
  if (elementCount(v.shape) > 0) {
    const { lo } = byteExtent(v);
    if (v.address + BigInt(lo) < 0n)
      throw new ArrayLensError('unreadable', `view starts below address 0 (address 0x${v.address.toString(16)})`);
    if (v.address === 0n) throw new ArrayLensError('unreadable', 'null data pointer: the array has no memory to read');
  }
}

export function isCContiguous(v: Pick<StridedView, 'shape' | 'strides' | 'dtype'>): boolean {
  let acc = v.dtype.itemsize;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] === 1) continue;
    if (v.strides[i] !== acc) return false;
    acc *= v.shape[i];
  }
  return true;
}

/**
 * The same elements (as a multiset) with axes in memory order: negative strides flipped, size-1 axes dropped,
 * axes sorted by |stride| descending and merged where contiguous. Order-free work (stats) walks this instead.
 */
export function memoryOrder(v: StridedView): StridedView {
  if (elementCount(v.shape) === 0) return { ...v, shape: [0], strides: [v.dtype.itemsize] };
  let address = v.address;
  const axes: { d: number; s: number }[] = [];
  for (let i = 0; i < v.shape.length; i++) {
    const d = v.shape[i];
    let s = v.strides[i];
    if (d === 1) continue;
    if (s < 0) {
      address += BigInt((d - 1) * s);
      s = -s;
    }
    axes.push({ d, s });
  }
  axes.sort((a, b) => b.s - a.s);
  const merged: { d: number; s: number }[] = [];
  for (let i = axes.length - 1; i >= 0; i--) {
    const a = axes[i];
    const inner = merged[0];
    if (inner && inner.s * inner.d === a.s && inner.s !== 0) inner.d *= a.d;
    else merged.unshift({ ...a });
  }
  return { address, dtype: v.dtype, shape: merged.map((a) => a.d), strides: merged.map((a) => a.s) };
}

/** Splits a view along axis 0 into sub-views of at most `maxElements` elements each (at least one row). */
export function* outerChunks(v: StridedView, maxElements: number): Generator<StridedView> {
  if (v.shape.length === 0) {
    yield v;
    return;
  }
  const rowElems = elementCount(v.shape.slice(1));
  if (v.shape[0] === 0 || rowElems === 0) {
    yield v;
    return;
  }
  const rowsPer = Math.max(1, Math.floor(maxElements / rowElems));
  if (rowsPer >= v.shape[0]) {
    yield v;
    return;
  }
  if (rowsPer === 1 && rowElems > maxElements && v.shape.length > 1) {
    for (let r = 0; r < v.shape[0]; r++) {
      const row: StridedView = {
        address: v.address + BigInt(r * v.strides[0]),
        dtype: v.dtype,
        shape: v.shape.slice(1),
        strides: v.strides.slice(1),
      };
      yield* outerChunks(row, maxElements);
    }
    return;
  }
  for (let r = 0; r < v.shape[0]; r += rowsPer) {
    const n = Math.min(rowsPer, v.shape[0] - r);
    yield {
      address: v.address + BigInt(r * v.strides[0]),
      dtype: v.dtype,
      shape: [n, ...v.shape.slice(1)],
      strides: v.strides.slice(),
    };
  }
}

/**
 * Copies the view's elements in C order out of `src`, which holds the debuggee bytes starting at `srcAddress`.
 * Returns a buffer of elementCount * itemsize bytes.
 */
export function gatherView(src: Uint8Array, srcAddress: bigint, v: StridedView): Buffer {
  const item = v.dtype.itemsize;
  const n = elementCount(v.shape);
  const out = Buffer.allocUnsafe(n * item);
  if (n === 0) return out;
  const base = Number(v.address - srcAddress);
  const nd = v.shape.length;
  if (nd === 0) {
    out.set(src.subarray(base, base + item));
    return out;
  }
  const innerD = v.shape[nd - 1];
  const innerS = v.strides[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  let o = 0;
  for (;;) {
    let off = base;
    for (let k = 0; k < nd - 1; k++) off += idx[k] * v.strides[k];
    if (innerS === item) {
      out.set(src.subarray(off, off + innerD * item), o);
      o += innerD * item;
    } else if (item === 1) {
      for (let j = 0; j < innerD; j++) out[o++] = src[off + j * innerS];
    } else {
      for (let j = 0; j < innerD; j++) {
        const p = off + j * innerS;
        for (let b = 0; b < item; b++) out[o++] = src[p + b];
      }
    }
    let k = nd - 2;
    while (k >= 0) {
      if (++idx[k] < v.shape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
  return out;
}

/** The view of the same elements laid out C-contiguously at `address` (what a gathered buffer holds). */
export function contiguousLike(v: StridedView, address = 0n): StridedView {
  return { address, dtype: v.dtype, shape: v.shape.slice(), strides: cStrides(v.shape, v.dtype.itemsize) };
}
