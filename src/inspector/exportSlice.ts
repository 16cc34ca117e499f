// Export for the inspector host: the displayed slice as .npy bytes (read in bounded tiles through the ArraySource,
// dtype and byte order kept), written wherever the host's save callback puts it (VS Code: a save dialog).

import { ArrayLensError } from '../core/errors';
import { DType, dtype as makeDType } from '../core/dtype';
import { parseIndex, sliceView } from '../core/indexing';
import { cStrides, elementCount } from '../core/view';
import { InspectArgs, MAX_TILE_ELEMENTS } from '../protocol/dap';
import { ArraySource } from '../engine/arraySource';

/** Slices above this many bytes are not exported through tiles (a save of the whole array belongs to the CLI). */
export const EXPORT_LIMIT_BYTES = 256 << 20;

/** numpy's dtype.str for a .npy header ('<f4', '|u1', '|b1'); bfloat16 has none. */
export function npyDescr(dt: DType): string {
  if (dt.name === 'bfloat16') throw new ArrayLensError('unsupported-dtype', 'bfloat16 has no .npy dtype: export a float32 copy (x.astype(np.float32))');
  const kind = dt.kind === 'b' ? 'b' : dt.kind;
  const order = dt.itemsize === 1 ? '|' : dt.byteOrder === 'little' ? '<' : '>';
  return `${order}${kind}${dt.itemsize}`;
}

/** A version 1.0 .npy file: header padded to 64 bytes, C order. */
export function npyBytes(dt: DType, shape: readonly number[], data: Uint8Array): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${npyDescr(dt)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

/** The slice `index` (integers and ':' only, as the inspector's index field) of `expr`, as a .npy file. */
export async function sliceAsNpy(source: ArraySource, base: Omit<InspectArgs, 'expr'>, expr: string, index: string, signal?: AbortSignal): Promise<Buffer> {
  const summary = (await source.inspect({ ...base, expr }, signal)).array;
  const dt = makeDType(summary.dtype, summary.byteOrder);
  npyDescr(dt);
  const full = { address: 0n, dtype: dt, shape: summary.shape.slice(), strides: cStrides(summary.shape, dt.itemsize) };
  const shape = sliceView(full, index).shape;
  const nbytes = elementCount(shape) * dt.itemsize;
  if (nbytes > EXPORT_LIMIT_BYTES) throw new ArrayLensError('bad-argument', `the slice has ${nbytes} bytes (export limit ${EXPORT_LIMIT_BYTES}): pick a smaller slice`);
  const items = parseIndex(index);
  const first = items.findIndex((it) => it.kind === 'slice');
  const parts: Buffer[] = [];
  if (shape.length === 0 || elementCount(shape) <= MAX_TILE_ELEMENTS || first < 0) {
    if (elementCount(shape) > 0) parts.push(await readBytes(source, base, expr, index, signal));
  } else {
    // Rows of the slice's first axis in chunks, each a tile of at most MAX_TILE_ELEMENTS.
    const rowElems = elementCount(shape.slice(1));
    if (rowElems > MAX_TILE_ELEMENTS) throw new ArrayLensError('bad-argument', `rows of ${rowElems} elements are too long to export through tiles`);
    const per = Math.max(1, Math.floor(MAX_TILE_ELEMENTS / rowElems));
    const texts = index.trim().replace(/^\[|\]$/g, '').split(',').map((p) => p.trim());
    for (let r = 0; r < shape[0]; r += per) {
      texts[first] = `${r}:${Math.min(shape[0], r + per)}`;
      parts.push(await readBytes(source, base, expr, `[${texts.join(', ')}]`, signal));
    }
  }
  const data = Buffer.concat(parts);
  if (data.length !== nbytes) throw new ArrayLensError('unreadable', `${expr}${index}: read ${data.length} of ${nbytes} bytes`);
  return npyBytes(dt, shape, data);
}

async function readBytes(source: ArraySource, base: Omit<InspectArgs, 'expr'>, expr: string, index: string, signal?: AbortSignal): Promise<Buffer> {
  const body = await source.inspect({ ...base, expr, tile: { index, transpose: false } }, signal);
  return Buffer.from(body.tile!.base64, 'base64');
}
