// Compare for the inspector host: whole arrays pulled through an ArraySource in bounded tiles (or kept from the
// previous stop), then counts, max |a - b|, numpy.isclose / allclose, and a difference image of the shown plane.

import { ArrayLensError } from '../core/errors';
import { HOST_BYTE_ORDER, dtype as makeDType } from '../core/dtype';
import { sliceView } from '../core/indexing';
import { cStrides, elementCount } from '../core/view';
import { ArraySummary, InspectArgs, MAX_TILE_ELEMENTS, Tile } from '../protocol/dap';
import type { CompareResult } from '../protocol/webview';
import { numericValues } from '../engine/overview';
import { ArraySource } from '../engine/arraySource';

/** Whole arrays above this many elements are not pulled for compare (nor kept between stops): memory stays bounded. */
export const COMPARE_LIMIT_ELEMENTS = 1 << 22;

/** Side of the difference image, at most. */
const DIFF_SIDE = 512;

export interface PulledArray {
  summary: ArraySummary;
  /** Every element in C order, as numbers. */
  values: Float64Array;
}

/** Tile indices covering the whole array in C order, each at most 2 dims and MAX_TILE_ELEMENTS elements. */
export function* chunkIndices(shape: readonly number[], maxElements = MAX_TILE_ELEMENTS): Generator<string> {
  const nd = shape.length;
  if (nd === 0) {
    yield '[]';
    return;
  }
  if (elementCount(shape) === 0) return;
  const last = shape[nd - 1];
  const lead = shape.slice(0, Math.max(0, nd - 2));
  const rows = nd >= 2 ? shape[nd - 2] : 1;
  const idx = lead.map(() => 0);
  for (;;) {
    const prefix = idx.map(String);
    if (last > maxElements) {
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < last; c += maxElements)
          yield `[${[...prefix, ...(nd >= 2 ? [String(r)] : []), `${c}:${Math.min(last, c + maxElements)}`].join(', ')}]`;
    } else if (nd === 1) {
      yield `[0:${last}]`;
    } else {
      const per = Math.max(1, Math.floor(maxElements / Math.max(1, last)));
      for (let r = 0; r < rows; r += per) yield `[${[...prefix, `${r}:${Math.min(rows, r + per)}`, ':'].join(', ')}]`;
    }
    let k = lead.length - 1;
    while (k >= 0 && ++idx[k] >= lead[k]) idx[k--] = 0;
    if (k < 0) return;
  }
}

function decodeTile(t: Tile): Float64Array {
  const dt = makeDType(t.dtype, t.byteOrder);
  const x = numericValues(Buffer.from(t.base64, 'base64'), dt);
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** Reads the whole array `expr` at this stop through `source`, in tiles. */
export async function pullArray(
  source: ArraySource,
  base: Omit<InspectArgs, 'expr'>,
  expr: string,
  signal?: AbortSignal,
): Promise<PulledArray> {
  const summary = (await source.inspect({ ...base, expr }, signal)).array;
  if (summary.dtype.startsWith('complex'))
    throw new ArrayLensError('unsupported-dtype', `compare works on real values; ${expr} is ${summary.dtype}: compare ${expr}.real and ${expr}.imag`);
  if (summary.size > COMPARE_LIMIT_ELEMENTS)
    throw new ArrayLensError('bad-argument', `${expr} has ${summary.size} elements; compare pulls whole arrays up to ${COMPARE_LIMIT_ELEMENTS}: compare a slice (e.g. ${expr}[0])`);
  const values = new Float64Array(summary.size);
  let at = 0;
  for (const index of chunkIndices(summary.shape)) {
    if (signal?.aborted) throw new ArrayLensError('cancelled', 'cancelled');
    const body = await source.inspect({ ...base, expr, tile: { index, transpose: false } }, signal);
    const part = decodeTile(body.tile!);
    values.set(part, at);
    at += part.length;
  }
  if (at !== summary.size) throw new ArrayLensError('unreadable', `${expr}: read ${at} of ${summary.size} elements`);
  return { summary, values };
}

function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    out[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return out;
}

/** numpy.isclose(a, b, rtol, atol) with equal_nan=False. */
function isClose(a: number, b: number, rtol: number, atol: number): boolean {
  if (a === b) return true; // equal infinities too
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b);
}

export function compareArrays(
  a: PulledArray,
  b: PulledArray,
  labels: { a: string; b: string },
  rtol: number,
  atol: number,
  plane: { index: string; transpose: boolean },
): CompareResult {
  const sa = a.summary.shape;
  const sb = b.summary.shape;
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i]))
    throw new ArrayLensError('bad-argument', `shapes differ: ${labels.a} is (${sa.join(', ')}), ${labels.b} is (${sb.join(', ')})`);
  const n = a.values.length;
  let differing = 0;
  let notClose = 0;
  let maxAbs = -1;
  let maxAt = -1;
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = a.values[i];
    const y = b.values[i];
    const nanBoth = x !== x && y !== y;
    if (!(x === y || nanBoth)) differing++;
    if (!isClose(x, y, rtol, atol)) notClose++;
    const d = x === y ? 0 : nanBoth ? 0 : x - y;
    diff[i] = d;
    const m = Math.abs(d);
    if (Number.isFinite(m) && m > maxAbs) {
      maxAbs = m;
      maxAt = i;
    }
  }
  // The displayed plane of a - b, each pixel the signed largest |.| of its block (a difference never averages away).
  // Sliced as a view of 1-byte items, so that byte offsets are element offsets into `diff`.
  const full = { address: 0n, dtype: makeDType('uint8'), shape: sa.slice(), strides: cStrides(sa, 1) };
  let v = sliceView(full, plane.index);
  if (v.shape.length > 2) throw new ArrayLensError('bad-slice', `the compared plane '${plane.index}' leaves ${v.shape.length} dimensions`);
  if (plane.transpose && v.shape.length === 2) v = { ...v, shape: [v.shape[1], v.shape[0]], strides: [v.strides[1], v.strides[0]] };
  const R = v.shape.length >= 1 ? v.shape[0] : 1;
  const C = v.shape.length === 2 ? v.shape[1] : 1;
  const rs = v.shape.length >= 1 ? v.strides[0] : 0;
  const cs = v.shape.length === 2 ? v.strides[1] : 0;
  const f = Math.max(1, Math.ceil(Math.max(R, C) / DIFF_SIDE));
  const or = Math.ceil(R / f);
  const oc = Math.ceil(C / f);
  const img = new Float64Array(or * oc);
  const base = Number(v.address);
  for (let r = 0; r < R; r++)
    for (let c = 0; c < C; c++) {
      const d = diff[base + r * rs + c * cs];
      const o = Math.floor(r / f) * oc + Math.floor(c / f);
      const cur = img[o];
      if (d !== d || (cur === cur && Math.abs(d) > Math.abs(cur))) img[o] = d; // NaN (one side only) wins
    }
  const shape = v.shape.length === 2 ? [or, oc] : v.shape.length === 1 ? [or] : [];
  return {
    a: labels.a,
    b: labels.b,
    shape: sa.slice(),
    count: n,
    differing,
    notClose,
    allclose: notClose === 0,
    rtol,
    atol,
    maxAbs: maxAt < 0 ? null : maxAbs,
    maxAbsIndex: maxAt < 0 ? null : unravel(maxAt, sa),
    diff: { shape, dtype: 'float64', byteOrder: HOST_BYTE_ORDER, base64: Buffer.from(img.buffer).toString('base64') },
    diffFactor: f,
  };
}
