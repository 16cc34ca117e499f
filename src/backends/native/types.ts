// Reading what lldb and gdb print about C, C++ and Rust values: type names -> dtypes and shapes, value text ->
// integers and addresses. Pure string work, shared by both backends.

import { DType, dtype, parseDType } from '../../core/dtype';

/** Element type names as lldb and gdb print them (C spellings of Rust types included) -> core dtypes. */
const ELEMENT_NAMES: Record<string, DType['name']> = {
  float: 'float32', double: 'float64', f32: 'float32', f64: 'float64',
  char: 'int8', 'signed char': 'int8', 'unsigned char': 'uint8', i8: 'int8', u8: 'uint8',
  short: 'int16', 'short int': 'int16', 'unsigned short': 'uint16', 'short unsigned int': 'uint16', 'unsigned short int': 'uint16',
  i16: 'int16', u16: 'uint16',
  int: 'int32', 'signed int': 'int32', 'unsigned int': 'uint32', unsigned: 'uint32', i32: 'int32', u32: 'uint32',
  long: 'int64', 'long int': 'int64', 'unsigned long': 'uint64', 'long unsigned int': 'uint64', 'unsigned long int': 'uint64',
  'long long': 'int64', 'long long int': 'int64', 'unsigned long long': 'uint64', 'long long unsigned int': 'uint64',
  'unsigned long long int': 'uint64', i64: 'int64', u64: 'uint64', isize: 'int64', usize: 'uint64',
  int8_t: 'int8', int16_t: 'int16', int32_t: 'int32', int64_t: 'int64',
  uint8_t: 'uint8', uint16_t: 'uint16', uint32_t: 'uint32', uint64_t: 'uint64', size_t: 'uint64', ssize_t: 'int64',
  ptrdiff_t: 'int64', _Bool: 'bool', bool: 'bool',
  _Float16: 'float16', __fp16: 'float16', __bf16: 'bfloat16', _Float32: 'float32', _Float64: 'float64',
  'half::binary16::f16': 'float16', 'half::f16': 'float16', 'half::bfloat::bf16': 'bfloat16', 'half::bf16': 'bfloat16',
  'float _Complex': 'complex64', '_Complex float': 'complex64', 'complex float': 'complex64',
  'double _Complex': 'complex128', '_Complex double': 'complex128', 'complex double': 'complex128',
};

/** The dtype of an element type name, or null when the name is not a scalar ArrayLens knows. */
export function elementDType(typeName: string): DType | null {
  let t = typeName.trim().replace(/\s+/g, ' ');
  t = t.replace(/^(const |volatile )+/, '').replace(/( const| volatile)+$/, '');
  const direct = ELEMENT_NAMES[t] ?? ELEMENT_NAMES[t.replace(/^__/, '')] ?? ELEMENT_NAMES[t.replace(/^std::/, '')];
  if (direct) return dtype(direct);
  // num_complex::Complex<T>, std::complex<T>, Complex<T> (with C or Rust spellings of T)
  const cm = /^(?:num_complex::|std::(?:__1::)?)?[Cc]omplex<\s*(.+?)\s*>$/.exec(t);
  if (cm) {
    const inner = elementDType(cm[1]);
    if (inner?.name === 'float32') return dtype('complex64');
    if (inner?.name === 'float64') return dtype('complex128');
    return null;
  }
  if (/^[<>=|]?[biufc]\d+$/.test(t)) {
    try {
      return parseDType(t);
    } catch {
      return null;
    }
  }
  return null;
}

/** Splits `a, b<c, d>, e[2]` at top-level commas. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('<([{'.includes(ch)) depth++;
    if ('>)]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** `ns::Name<A, B<C>>` -> {base: 'ns::Name', args: ['A', 'B<C>']}; null when the name has no template arguments. */
export function templateArgs(typeName: string): { base: string; args: string[] } | null {
  const t = typeName.trim();
  const lt = t.indexOf('<');
  if (lt < 0 || !t.endsWith('>')) return null;
  return { base: t.slice(0, lt).trim(), args: splitTopLevel(t.slice(lt + 1, -1)) };
}

/** `float[24][32]` (lldb) or `float [24][32]` (gdb) -> {element: 'float', dims: [24, 32]}; null for non-arrays. */
export function parseArrayType(typeName: string): { element: string; dims: number[] } | null {
  const m = /^(.*?)\s*((?:\[\d+\])+)$/.exec(typeName.trim());
  if (!m || !m[1]) return null;
  const dims = [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]));
  return { element: m[1].trim(), dims };
}

/** The pointee of a pointer or reference type name (`double *`, `int *const`, `Foo &`), or null. */
export function pointeeType(typeName: string): string | null {
  const m = /^(.*?)\s*(?:\*|&&?)\s*(?:const\s*)?$/.exec(typeName.trim());
  return m && m[1] && !m[1].endsWith('(') ? m[1].trim() : null;
}

/** Leading address of a value as debuggers print pointers: `0x00007ff...`, `(double *) 0x55...`, `0x55 "text"`. */
export function parseAddressText(value: string): bigint | null {
  const v = value.trim().replace(/^\([^)]*\)\s*/, '');
  const m = /^(0x[0-9a-fA-F]+)\b/.exec(v);
  if (m) return BigInt(m[1]);
  const d = /^(\d+)\b/.exec(v);
  return d ? BigInt(d[1]) : null;
}

/** Leading integer of a value as debuggers print integers: `15`, `-3`, `15 '\017'`, `true`. */
export function parseIntegerText(value: string): bigint | null {
  const v = value.trim();
  if (v === 'true') return 1n;
  if (v === 'false') return 0n;
  const m = /^([+-]?(?:0x[0-9a-fA-F]+|\d+))(?:\s|$)/.exec(v);
  if (!m) return null;
  const s = m[1];
  return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s.replace(/^\+/, ''));
}

/** usize read back as the isize it means (ndarray stores strides as usize). */
export function asSigned64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

export function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}
