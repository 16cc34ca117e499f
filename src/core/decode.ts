// Element decoding: raw bytes of any dtype (either byte order) to JS numbers, bigints and JSON-ready values.

import { DType } from './dtype';
import { StridedView, elementCount } from './view';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function bfloat16ToFloat(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

/** A reader of element `i` (byte offset `off`) of a buffer in the dtype's byte order. */
export type ScalarReader = (dv: DataView, off: number) => number | bigint | boolean;

export function scalarReader(dt: DType): ScalarReader {
  const le = dt.byteOrder === 'little';
  switch (dt.name) {
    case 'bool':
      return (dv, o) => dv.getUint8(o) !== 0;
    case 'int8':
      return (dv, o) => dv.getInt8(o);
    case 'uint8':
      return (dv, o) => dv.getUint8(o);
    case 'int16':
      return (dv, o) => dv.getInt16(o, le);
    case 'uint16':
      return (dv, o) => dv.getUint16(o, le);
    case 'int32':
      return (dv, o) => dv.getInt32(o, le);
    case 'uint32':
      return (dv, o) => dv.getUint32(o, le);
    case 'int64':
      return (dv, o) => dv.getBigInt64(o, le);
    case 'uint64':
      return (dv, o) => dv.getBigUint64(o, le);
    case 'float16':
      return (dv, o) => halfToFloat(dv.getUint16(o, le));
    case 'bfloat16':
      return (dv, o) => bfloat16ToFloat(dv.getUint16(o, le));
    case 'float32':
      return (dv, o) => dv.getFloat32(o, le);
    case 'float64':
    case 'complex64':
    case 'complex128':
      return (dv, o) => dv.getFloat64(o, le);
  }
}

/** Reads a complex element as [re, im]. */
export function complexReader(dt: DType): (dv: DataView, off: number) => [number, number] {
  const le = dt.byteOrder === 'little';
  if (dt.name === 'complex64') return (dv, o) => [dv.getFloat32(o, le), dv.getFloat32(o + 4, le)];
  return (dv, o) => [dv.getFloat64(o, le), dv.getFloat64(o + 8, le)];
}

export type JsonScalar = number | string | boolean | bigint | [number | string, number | string];
export type JsonValues = JsonScalar | JsonValues[];

function jsonFloat(x: number): number | string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return x;
}

/** The view's values as nested lists, row-major, as the CLI contract prints them (NaN as "nan", complex as [re, im]). */
export function viewValues(buf: Uint8Array, v: StridedView): JsonValues {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const base = Number(v.address);
  const isComplex = v.dtype.kind === 'c';
  const cr = isComplex ? complexReader(v.dtype) : null;
  const sr = scalarReader(v.dtype);
  const scalar = (off: number): JsonScalar => {
    if (cr) {
      const [re, im] = cr(dv, off);
      return [jsonFloat(re), jsonFloat(im)];
    }
    const x = sr(dv, off);
    return typeof x === 'number' && v.dtype.kind === 'f' ? jsonFloat(x) : x;
  };
  const walk = (axis: number, off: number): JsonValues => {
    if (axis === v.shape.length) return scalar(off);
    const out: JsonValues[] = new Array<JsonValues>(v.shape[axis]);
    for (let i = 0; i < v.shape[axis]; i++) out[i] = walk(axis + 1, off + i * v.strides[axis]);
    return out;
  };
  if (elementCount(v.shape) === 0 && v.shape.length > 0) {
    const empty = (axis: number): JsonValues[] =>
      v.shape[axis] === 0 ? [] : Array.from({ length: v.shape[axis] }, () => empty(axis + 1));
    return empty(0);
  }
  return walk(0, base);
}

/** JSON text in which bigints are written as exact integers (JSON.stringify cannot). */
export function toJson(value: unknown, indent?: number): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    value,
    (_k, x: unknown) => {
      if (typeof x === 'bigint') {
        marks.push(x.toString());
        return `\u0000big${marks.length - 1}\u0000`;
      }
      // JSON has no Infinity/NaN (stringify writes null, which the contract reserves for "no finite values"): a std
      // that overflows float64 is "inf", as values are (issue 18).
      if (typeof x === 'number' && !Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
      return x;
    },
    indent,
  );
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}
