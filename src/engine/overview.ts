// Overviews of big arrays, computed where the bytes are read: a region of the displayed plane is read through the
// transport in row strips (memory order, bounded size) and reduced to one value per factor × factor block.

import { ArrayLensError } from '../core/errors';
import { numberReader } from '../core/elementReaders';
import { DType, HOST_BYTE_ORDER } from '../core/dtype';
import { sliceView } from '../core/indexing';
import { StridedView, elementCount } from '../core/view';
import { MAX_TILE_ELEMENTS, ReduceMode, Tile } from '../protocol/dap';
import { Transport } from '../transport/transport';
import { readsViewInto } from '../transport/direct';
import { chunkPool } from './chunkPool';
import { loadKernels } from './kernels';
import { NativeAddon, loadedAddon } from './nativeKernels';

/** The addon's block reduce, when the addon is loaded and has it (an older build may not). */
function nativeReducer(): NativeAddon['reduceBlocksAsync'] | null {
  loadKernels();
  const a = loadedAddon();
  return a && typeof a.reduceBlocksAsync === 'function' ? a.reduceBlocksAsync : null;
}

/** Bytes read per strip: large enough to stream, small enough to stay in cache-friendly, bounded memory. */
const STRIP_BYTES = 8 << 20;

/** The strip's elements as numbers (|z| for complex, 0/1 for bool); typed-array views when the layout allows. */
export function numericValues(buf: Buffer, dt: DType): Float32Array | Float64Array {
  const n = buf.byteLength / dt.itemsize;
  const native = dt.byteOrder === HOST_BYTE_ORDER;
  if (native && dt.name === 'float32') {
    if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, n);
    return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  if (native && dt.name === 'float64') {
    if (buf.byteOffset % 8 === 0) return new Float64Array(buf.buffer, buf.byteOffset, n);
    return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  const out = new Float64Array(n);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const read = numberReader(dt);
  for (let i = 0, isz = dt.itemsize; i < n; i++) out[i] = read(dv, i * isz);
  return out;
}

/** float32 output when it holds every input value exactly (or the input is float32 itself), else float64. */
function outputDType(dt: DType): 'float32' | 'float64' {
  return ['bool', 'int8', 'uint8', 'int16', 'uint16', 'float16', 'bfloat16', 'float32'].includes(dt.name) ? 'float32' : 'float64';
}

const NAN = 1;
const POS = 2;
const NEG = 4;

/**
 * One row of a strip into its blocks' accumulators: the JS fallback of the addon's reduceBlocksAsync (and its
 * reference). The loops run across the blocks of the row for each position within a block (x[j], x[j + factor],
 * ...): each block still takes its elements in the same order as one block at a time did (rows in order, positions
 * ascending), so means are bit-identical, while the blocks' sums are independent chains. `cnt` counts the finite
 * values: each block adds its width and every non-finite value takes one back; `flags` note NaN / +Inf / -Inf.
 */
function reduceRow(
  mode: ReduceMode,
  x: Float32Array | Float64Array,
  base: number,
  C: number,
  factor: number,
  orow: number,
  ocols: number,
  acc: Float64Array,
  cnt: Float64Array,
  flags: Uint8Array,
): void {
  const take = (o: number, val: number): void => {
    if (val - val === 0) {
      const a = acc[o];
      acc[o] = mode === 'mean' ? a + val : mode === 'min' ? (val < a ? val : a) : val > a ? val : a;
    } else {
      flags[o] |= val !== val ? NAN : val > 0 ? POS : NEG;
      cnt[o]--;
    }
  };
  const full = Math.min(ocols, Math.floor(C / factor));
  for (let oc = 0; oc < full; oc++) cnt[orow + oc] += factor;
  for (let j = 0; j < factor; j++) for (let oc = 0, p = base + j; oc < full; oc++, p += factor) take(orow + oc, x[p]);
  // The last, partial block (cols not a multiple of the factor).
  for (let oc = full; oc < ocols; oc++) {
    const j0 = oc * factor;
    const j1 = Math.min(C, j0 + factor);
    cnt[orow + oc] += j1 - j0;
    for (let j = j0; j < j1; j++) take(orow + oc, x[base + j]);
  }
}

/**
 * Reduces a 2-D view (rows × cols) to ceil(rows/f) × ceil(cols/f) values: the mean of each block's finite values,
 * or its min / max (±Inf included). A block without such values is NaN, or ±Inf when that is all it holds.
 */
export async function reduceView(
  t: Transport,
  v: StridedView,
  factor: number,
  mode: ReduceMode,
  signal?: AbortSignal,
  /** 'native': the addon's worker-thread reduce; 'js': this file's loops; default: native when the addon is loaded. */
  reducer?: 'native' | 'js',
): Promise<{ rows: number; cols: number; values: Float64Array }> {
  const [R, C] = v.shape.length === 2 ? v.shape : v.shape.length === 1 ? [v.shape[0], 1] : [1, 1];
  const rs = v.shape.length >= 1 ? v.strides[0] : 0;
  const cs = v.shape.length === 2 ? v.strides[1] : 0;
  const orows = Math.ceil(R / factor);
  const ocols = Math.ceil(C / factor);
  const acc = new Float64Array(orows * ocols).fill(mode === 'min' ? Infinity : mode === 'max' ? -Infinity : 0);
  const cnt = new Float64Array(orows * ocols);
  const flags = new Uint8Array(orows * ocols);
  const rowBytes = Math.max(1, C * v.dtype.itemsize);
  // Whole blocks per strip, at least one block row.
  const stripRows = Math.max(factor, Math.floor(STRIP_BYTES / rowBytes / factor) * factor);
  const addon = reducer === 'js' ? null : nativeReducer();
  if (reducer === 'native' && !addon) throw new ArrayLensError('bad-argument', 'the native addon with reduceBlocksAsync is not loaded');
  const itemsize = v.dtype.itemsize;
  // Native float32/float64 strips are read (row runs straight into place) into reused buffers and reduced by the
  // addon where they lie: no fresh 8 MiB buffer per strip, nothing converted.
  const pooled =
    addon !== null && readsViewInto(t) && v.dtype.byteOrder === HOST_BYTE_ORDER && (v.dtype.name === 'float32' || v.dtype.name === 'float64');
  interface Strip {
    x: Float32Array | Float64Array;
    pooled: Uint8Array | null;
  }
  const read = async (r0: number): Promise<Strip> => {
    const n = Math.min(stripRows, R - r0);
    const strip: StridedView = { address: v.address + BigInt(r0) * BigInt(rs), dtype: v.dtype, shape: [n, C], strides: [rs, cs] };
    if (pooled && readsViewInto(t)) {
      const bytes = n * C * itemsize;
      const buf = chunkPool.take(bytes);
      let ok = false;
      try {
        ok = await t.readViewInto(strip, buf);
      } finally {
        if (!ok) chunkPool.give(buf);
      }
      if (ok) {
        const x = v.dtype.name === 'float32' ? new Float32Array(buf.buffer, buf.byteOffset, n * C) : new Float64Array(buf.buffer, buf.byteOffset, n * C);
        return { x, pooled: buf };
      }
    }
    return { x: numericValues(await t.readView(strip), v.dtype), pooled: null };
  };
  // The next strip is read while this one is reduced (on a worker thread with the addon).
  let next: Promise<Strip> | null = read(0);
  try {
    for (let r0 = 0; r0 < R; r0 += stripRows) {
      if (signal?.aborted) throw new ArrayLensError('cancelled', 'cancelled');
      const s: Strip = await next!;
      next = null;
      try {
        next = r0 + stripRows < R ? read(r0 + stripRows) : null;
        const n = Math.min(stripRows, R - r0);
        if (addon) {
          // Strips hold whole block rows (stripRows is a multiple of factor), so each block is reduced in one call.
          const o0 = (r0 / factor) * ocols;
          const o1 = o0 + Math.ceil(n / factor) * ocols;
          await addon(s.x, n, C, C, factor, mode, acc.subarray(o0, o1), cnt.subarray(o0, o1), flags.subarray(o0, o1));
        } else for (let i = 0; i < n; i++) reduceRow(mode, s.x, i * C, C, factor, Math.floor((r0 + i) / factor) * ocols, ocols, acc, cnt, flags);
      } finally {
        if (s.pooled) chunkPool.give(s.pooled);
      }
    }
  } finally {
    // Failed or cancelled with a read in flight: its buffer goes back once the read settles.
    next?.then((s) => s.pooled && chunkPool.give(s.pooled), () => undefined);
  }
  for (let o = 0; o < acc.length; o++) {
    const fl = flags[o];
    if (mode === 'mean') {
      if (cnt[o] > 0) acc[o] /= cnt[o];
      else acc[o] = fl === POS ? Infinity : fl === NEG ? -Infinity : NaN;
    } else if (mode === 'min' && fl & NEG) acc[o] = -Infinity;
    else if (mode === 'max' && fl & POS) acc[o] = Infinity;
    else if (cnt[o] === 0 && !(fl & (POS | NEG))) acc[o] = NaN; // only +Inf (min) / -Inf (max) keeps the fill value
  }
  return { rows: orows, cols: ocols, values: acc };
}

/** The overview tile of `index` (0-2 dims left), optionally transposed, reduced by `factor`. */
export async function readReducedTile(
  t: Transport,
  view: StridedView,
  index: string,
  transpose: boolean,
  factor: number,
  mode: ReduceMode,
  signal?: AbortSignal,
): Promise<Tile> {
  const v = sliceView(view, index);
  if (v.shape.length > 2) throw new ArrayLensError('bad-slice', `an overview needs at most 2 dimensions; '${index}' leaves ${v.shape.length}`);
  const outShape = v.shape.map((d) => Math.ceil(d / factor));
  if (elementCount(outShape) > MAX_TILE_ELEMENTS)
    throw new ArrayLensError('bad-argument', `an overview of ${elementCount(outShape)} elements is too large (limit ${MAX_TILE_ELEMENTS}): use a larger factor`);
  // Reduced in the view's own order (rows along the earlier axis, as memory runs), transposed afterwards.
  const r = await reduceView(t, v, factor, mode, signal);
  let values = r.values;
  let shape = outShape;
  if (transpose && v.shape.length === 2) {
    values = new Float64Array(r.values.length);
    for (let i = 0; i < r.cols; i++) for (let j = 0; j < r.rows; j++) values[i * r.rows + j] = r.values[j * r.cols + i];
    shape = [r.cols, r.rows];
  }
  const dt = outputDType(v.dtype);
  const out = dt === 'float32' ? new Float32Array(values) : values;
  return { shape, dtype: dt, byteOrder: HOST_BYTE_ORDER, base64: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('base64') };
}
