// The .npy header (format versions 1-3): dtype, order and shape, and where the data starts.

import { DType, parseDType } from './dtype';
import { ArrayLensError } from './errors';
import { StridedView, cStrides, fStrides } from './view';

export interface NpyHeader {
  dtype: DType;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

export function parseNpyHeader(head: Uint8Array): NpyHeader {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (head.length < 10 || magic.some((b, i) => head[i] !== b)) throw new ArrayLensError('bad-argument', 'not a .npy file (bad magic)');
  const major = head[6];
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (head.length < 12) throw new ArrayLensError('bad-argument', '.npy header is truncated');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else throw new ArrayLensError('bad-argument', `unsupported .npy version ${major}`);
  if (head.length < start + hlen) throw new ArrayLensError('bad-argument', '.npy header is truncated');
  const text = Buffer.from(head.subarray(start, start + hlen)).toString('latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !order || !shape)
    throw new ArrayLensError('unsupported-dtype', `.npy header not understood (structured or object dtype?): ${text.trim().slice(0, 100)}`);
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // The header is the file's word, not NumPy's: a negative or fractional dimension, or a size past what can be
  // addressed, would otherwise be printed as an array (issue 18).
  for (const d of dims)
    if (!/^\d+$/.test(d) || !Number.isSafeInteger(Number(d)))
      throw new ArrayLensError('bad-argument', `.npy header: dimension ${d} of shape (${shape[1].trim()}) is not a valid shape (corrupt file?)`);
  const dtype = parseDType(descr[1]);
  const dimsN = dims.map(Number);
  if (!Number.isSafeInteger(dimsN.reduce((a, b) => a * b, dtype.itemsize)))
    throw new ArrayLensError('bad-argument', `.npy header: shape (${shape[1].trim()}) is larger than any file (corrupt file?)`);
  return { dtype, fortranOrder: order[1] === 'True', shape: dimsN, dataOffset: start + hlen };
}

export function npyView(h: NpyHeader): StridedView {
  return {
    address: BigInt(h.dataOffset),
    dtype: h.dtype,
    shape: h.shape,
    strides: h.fortranOrder ? fStrides(h.shape, h.dtype.itemsize) : cStrides(h.shape, h.dtype.itemsize),
  };
}
