// Element types the engine understands, named as NumPy names them, with byte order.

import { ArrayLensError } from './errors';

export type DTypeName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'complex64'
  | 'complex128';

export type ByteOrder = 'little' | 'big';
export type DTypeKind = 'b' | 'i' | 'u' | 'f' | 'c';

export interface DType {
  readonly name: DTypeName;
  readonly kind: DTypeKind;
  readonly itemsize: number;
  readonly byteOrder: ByteOrder;
}

const SPECS: Record<DTypeName, { kind: DTypeKind; itemsize: number }> = {
  bool: { kind: 'b', itemsize: 1 },
  int8: { kind: 'i', itemsize: 1 },
  int16: { kind: 'i', itemsize: 2 },
  int32: { kind: 'i', itemsize: 4 },
  int64: { kind: 'i', itemsize: 8 },
  uint8: { kind: 'u', itemsize: 1 },
  uint16: { kind: 'u', itemsize: 2 },
  uint32: { kind: 'u', itemsize: 4 },
  uint64: { kind: 'u', itemsize: 8 },
  float16: { kind: 'f', itemsize: 2 },
  bfloat16: { kind: 'f', itemsize: 2 },
  float32: { kind: 'f', itemsize: 4 },
  float64: { kind: 'f', itemsize: 8 },
  complex64: { kind: 'c', itemsize: 8 },
  complex128: { kind: 'c', itemsize: 16 },
};

export const DTYPE_NAMES = Object.keys(SPECS) as DTypeName[];

export const HOST_BYTE_ORDER: ByteOrder = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';

export function isDTypeName(s: string): s is DTypeName {
  return Object.prototype.hasOwnProperty.call(SPECS, s);
}

export function dtype(name: DTypeName, byteOrder: ByteOrder = HOST_BYTE_ORDER): DType {
  const s = SPECS[name];
  return { name, kind: s.kind, itemsize: s.itemsize, byteOrder: s.itemsize === 1 ? HOST_BYTE_ORDER : byteOrder };
}

/** Aliases accepted in raw layouts and from native debug info (Rust, C, NumPy short codes). */
const ALIASES: Record<string, DTypeName> = {
  bool: 'bool', bool_: 'bool', i8: 'int8', i16: 'int16', i32: 'int32', i64: 'int64', u8: 'uint8', u16: 'uint16',
  u32: 'uint32', u64: 'uint64', f16: 'float16', bf16: 'bfloat16', f32: 'float32', f64: 'float64', c64: 'complex64',
  c128: 'complex128', half: 'float16', float: 'float32', double: 'float64', int: 'int32', char: 'int8',
  'signed char': 'int8', 'unsigned char': 'uint8', short: 'int16', 'unsigned short': 'uint16', 'unsigned int': 'uint32',
  long: 'int64', 'unsigned long': 'uint64', 'long long': 'int64', 'unsigned long long': 'uint64', int8_t: 'int8',
  int16_t: 'int16', int32_t: 'int32', int64_t: 'int64', uint8_t: 'uint8', uint16_t: 'uint16', uint32_t: 'uint32',
  uint64_t: 'uint64', _Bool: 'bool', float16: 'float16', bfloat16: 'bfloat16', isize: 'int64', usize: 'uint64',
  'half::f16': 'float16', 'half::bf16': 'bfloat16', 'half::binary16::f16': 'float16', 'half::bfloat::bf16': 'bfloat16',
  'num_complex::Complex<f32>': 'complex64', 'num_complex::Complex<f64>': 'complex128',
  'std::complex<float>': 'complex64', 'std::complex<double>': 'complex128', 'float _Complex': 'complex64',
  'double _Complex': 'complex128', 'complex float': 'complex64', 'complex double': 'complex128',
};

/** Parses a dtype written by a user or a debugger: `float32`, `<f4`, `>i8`, `f32`, `uint8_t`, `double`. */
export function parseDType(text: string): DType {
  const t = text.trim().replace(/\s+/g, ' ');
  if (isDTypeName(t)) return dtype(t);
  const alias = ALIASES[t] ?? ALIASES[t.replace(/^(const|volatile) /, '')];
  if (alias) return dtype(alias);
  const m = /^([<>=|]?)([biufc])(\d+)$/.exec(t);
  if (m) {
    const order: ByteOrder = m[1] === '>' ? 'big' : m[1] === '<' ? 'little' : HOST_BYTE_ORDER;
    const size = Number(m[3]);
    const kind = m[2] as DTypeKind;
    const found = DTYPE_NAMES.find((n) => SPECS[n].kind === kind && SPECS[n].itemsize === size && n !== 'bfloat16');
    if (found) return dtype(found, order);
  }
  throw new ArrayLensError(
    'unsupported-dtype',
    `unsupported dtype '${text}': use one of ${DTYPE_NAMES.join(', ')} (optionally as NumPy codes like '<f4', '>i8')`,
  );
}

/** NumPy's array-interface typestr of a dtype, e.g. `<f4`; bfloat16 is `<V2` there. */
export function typestr(dt: DType): string {
  const o = dt.itemsize === 1 ? '|' : dt.byteOrder === 'little' ? '<' : '>';
  if (dt.name === 'bfloat16') return `${o}V2`;
  return `${o}${dt.kind}${dt.itemsize}`;
}
