// Python source the engine sends to a paused debuggee: built only from validated parts, side-effect free.

import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';

/**
 * Accepts a frame expression of names, attribute access and literal subscripts:
 * `a`, `holder.data`, `arrays['big']`, `grid[0][-1]`, `self.cache["k"].T`. No calls, operators or slices,
 * so sending it to the debuggee cannot run anything but attribute and item look-ups.
 */
export function validatePythonExpression(expr: string): string {
  const t = expr.trim();
  const re = /^[A-Za-z_][A-Za-z_0-9]*(?:\s*\.\s*[A-Za-z_][A-Za-z_0-9]*|\s*\[\s*(?:-?\d+|'[^'\\\n]*'|"[^"\\\n]*")\s*\])*$/;
  if (!t || t.length > 500 || !re.test(t))
    throw new ArrayLensError(
      'bad-expression',
      `'${expr}' is not an inspectable expression: use names, attributes and literal subscripts (e.g. holder.data or arrays['big'])`,
    );
  if (/^(lambda|import|exec|eval|__import__)\b/.test(t) || /__\w+__/.test(t.replace(/^\w+/, '')))
    throw new ArrayLensError('bad-expression', `'${expr}': dunder attributes are not inspectable expressions`);
  return t;
}

const PY_FIELDS = [
  "ai['data'][0] if isinstance(ai.get('data'), tuple) else 'nodata'",
  "','.join(map(str, ai['shape']))",
  "','.join(map(str, o.strides)) if isinstance(getattr(o, 'strides', None), tuple) else " +
    "(','.join(map(str, ai['strides'])) if ai.get('strides') is not None else 'C')",
  "ai['typestr']",
  "getattr(getattr(o, 'dtype', None), 'name', '-')",
  "int(getattr(getattr(o, 'dtype', None), 'fields', None) is not None)",
];

/** A Python lambda describing one object: `arraylens1;type;address;shape;strides;typestr;dtype;structured`. */
const PY_DESCRIBE =
  '(lambda o: (lambda ai, tn: ' +
  "('arraylens0;' + tn if ai is None else 'arraylens1;' + tn + ';' + ';'.join(map(str, (" +
  PY_FIELDS.join(', ') +
  ')))))' +
  "(o.__array_interface__ if hasattr(type(o), '__array_interface__') and isinstance(o.__array_interface__, dict) else None, " +
  "type(o).__module__ + '.' + type(o).__qualname__))";

/** Evaluates to a one-line description of the array `expr` names (see parseDescription). */
export function describeExpression(expr: string): string {
  return `${PY_DESCRIBE}(${validatePythonExpression(expr)})`;
}

/** Evaluates to descriptions of every array-like local of the frame, `name=description` joined by `\n`. */
export function listArraysExpression(): string {
  return (
    `(lambda d: chr(10).join(k + '=' + ${PY_DESCRIBE}(v) for k, v in list(d.items()) ` +
    `if hasattr(type(v), '__array_interface__') and not k.startswith('__')))(locals())`
  );
}

export interface PythonArrayDescription {
  typeName: string;
  address: bigint | null;
  shape: number[];
  strides: number[] | null;
  typestr: string;
  dtypeName: string;
  structured: boolean;
}

export function parseDescription(text: string): PythonArrayDescription | { notArray: string } {
  const s = unquotePythonString(text);
  raiseIfPythonError(s, text);
  if (s.startsWith('arraylens0;')) return { notArray: s.slice('arraylens0;'.length) };
  const f = s.split(';');
  if (f[0] !== 'arraylens1' || f.length < 8)
    throw new ArrayLensError('debugger-failed', `unexpected answer from the Python side: ${s.slice(0, 120)}`);
  const ints = (x: string): number[] => (x === '' ? [] : x.split(',').map((v) => Number(v)));
  return {
    typeName: f[1],
    address: f[2] === 'nodata' ? null : BigInt(f[2]),
    shape: ints(f[3]),
    strides: f[4] === 'C' ? null : ints(f[4]),
    typestr: f[5],
    dtypeName: f[6],
    structured: f[7] === '1',
  };
}

/**
 * debugpy answers some failed evaluations (clipboard context) with the exception's repr as a result:
 * turn `NameError("name 'x' is not defined")` into an error the user can act on.
 */
export function raiseIfPythonError(unquoted: string, raw: string): void {
  const m = /^([A-Z]\w*(?:Error|Exception|Exit|Interrupt))\((.*)\)$/s.exec(raw.trim());
  if (!m || unquoted !== raw.trim()) return;
  const detail = m[2].replace(/^['"]|['"]$/g, '').replace(/\\'/g, "'");
  if (m[1] === 'NameError' || m[1] === 'AttributeError' || m[1] === 'KeyError' || m[1] === 'IndexError' || m[1] === 'TypeError')
    throw new ArrayLensError('unknown-expression', `${m[1]}: ${detail}`);
  throw new ArrayLensError('debugger-failed', `the debuggee raised ${m[1]}: ${detail}`);
}

/** debugpy answers a str result with its repr: strip the quotes (our payloads never contain quotes). */
export function unquotePythonString(text: string): string {
  const t = text.trim();
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"'))) return t.slice(1, -1);
  return t;
}

function pyTuple(xs: readonly number[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}

/**
 * Evaluates to a C-contiguous NumPy copy of the raw strided view (bytes as void items), built through the
 * array interface from integers the engine computed and validated against the array's own extent.
 */
export function contiguousCopyExpression(v: StridedView): string {
  for (const x of [...v.shape, ...v.strides]) if (!Number.isSafeInteger(x)) throw new ArrayLensError('bad-argument', 'bad view');
  return (
    `__import__('numpy').ascontiguousarray(__import__('numpy').asarray(type('ArrayLensView', (), {'__array_interface__': ` +
    `{'version': 3, 'data': (${v.address.toString()}, True), 'shape': ${pyTuple(v.shape)}, ` +
    `'strides': ${pyTuple(v.strides)}, 'typestr': '|V${v.dtype.itemsize}'}})()))`
  );
}

export function memfdWriteExpression(v: StridedView): string {
  return (
    `(lambda os, b: (lambda fd: str(fd) + ':' + str(os.write(fd, b)))(os.memfd_create('arraylens', os.MFD_CLOEXEC)))` +
    `(__import__('os'), ${contiguousCopyExpression(v)}.data)`
  );
}

export function memfdCloseExpression(fd: number): string {
  if (!Number.isSafeInteger(fd) || fd < 0) throw new ArrayLensError('bad-argument', 'bad fd');
  return `__import__('os').close(${fd})`;
}

export function base64Expression(v: StridedView): string {
  return `__import__('binascii').b2a_base64(${contiguousCopyExpression(v)}.data, newline=False).decode('ascii')`;
}
