// Overviews of big arrays, computed where the bytes are read: a region of the displayed plane is read through the
// transport in row strips (memory order, bounded size) and reduced to one value per factor × factor block.

import { ArrayLensError } from '../core/errors';
import { numberReader } from '../core/elementReaders';
import { DType, HOST_BYTE_ORDER } from '../core/dtype';
import { sliceView } from '../core/indexing';
import { StridedView, elementCount } from '../core/view';
import { MAX_TILE_ELEMENTS, ReduceMode, Tile } from '../protocol/dap';
import { Transport } from '../transport/transport';

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
 * Reduces a 2-D view (rows × cols) to ceil(rows/f) × ceil(cols/f) values: the mean of each block's finite values,
 * or its min / max (±Inf included). A block without such values is NaN, or ±Inf when that is all it holds.
 */
export async function reduceView(
  t: Transport,
  v: StridedView,
  factor: number,
  mode: ReduceMode,
  signal?: AbortSignal,
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
  for (let r0 = 0; r0 < R; r0 += stripRows) {
    if (signal?.aborted) throw new ArrayLensError('cancelled', 'cancelled');
    const n = Math.min(stripRows, R - r0);
    const strip: StridedView = { address: v.address + BigInt(r0) * BigInt(rs), dtype: v.dtype, shape: [n, C], strides: [rs, cs] };
    const x = numericValues(await t.readView(strip), v.dtype);
    for (let i = 0; i < n; i++) {
      const orow = Math.floor((r0 + i) / factor) * ocols;
      const base = i * C;
      for (let oc = 0; oc < ocols; oc++) {
        const o = orow + oc;
        const j1 = Math.min(C, (oc + 1) * factor);
        let a = acc[o];
        let k = 0;
        let fl = 0;
        for (let j = oc * factor; j < j1; j++) {
          const val = x[base + j];
          if (val - val === 0) {
            if (mode === 'mean') a += val;
            else if (mode === 'min' ? val < a : val > a) a = val;
            k++;
          } else if (val !== val) fl |= NAN;
          else if (val > 0) {
            fl |= POS;
            if (mode === 'max') a = Infinity;
          } else {
            fl |= NEG;
            if (mode === 'min') a = -Infinity;
          }
        }
        acc[o] = a;
        cnt[o] += k;
        flags[o] |= fl;
      }
    }
  }
  for (let o = 0; o < acc.length; o++) {
    const fl = flags[o];
    if (mode === 'mean') {
      if (cnt[o] > 0) acc[o] /= cnt[o];
      else acc[o] = fl === POS ? Infinity : fl === NEG ? -Infinity : NaN;
    } else if (cnt[o] === 0 && !(fl & (POS | NEG))) acc[o] = NaN;
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
