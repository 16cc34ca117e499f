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
  "(o.__array_interface__ if (hasattr(type(o), '__array_interface__') or '__array_interface__' in getattr(o, '__dict__', ())) and isinstance(o.__array_interface__, dict) else None, " +
  "type(o).__module__ + '.' + type(o).__qualname__))";

type Step = { kind: 'attr'; name: string } | { kind: 'item'; key: string };

/** Splits a validated expression into its root name and attribute/item steps (keys kept as Python literals). */
export function expressionSteps(expr: string): { root: string; steps: Step[] } {
  const t = validatePythonExpression(expr);
  const re = /\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*(-?\d+|'[^'\\\n]*'|"[^"\\\n]*")\s*\])/y;
  const root = /^[A-Za-z_]\w*/.exec(t)![0];
  const steps: Step[] = [];
  re.lastIndex = root.length;
  while (re.lastIndex < t.length) {
    const m = re.exec(t);
    if (!m) throw new ArrayLensError('bad-expression', `cannot parse '${expr}'`);
    steps.push(m[1] !== undefined ? { kind: 'attr', name: m[1] } : { kind: 'item', key: m[2] });
  }
  return { root, steps };
}

function pyStr(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Python that looks `expr` up step by step without ever raising: every step yields (True, value) or
 * (False, message). A failed evaluate would make debugpy keep the frame's globals alive (measured: every
 * array's refcount goes up by one), so errors must not be raised in the debuggee.
 */
export function safeLookup(expr: string): string {
  const { root, steps } = expressionSteps(expr);
  let code =
    `((True, L[${pyStr(root)}]) if ${pyStr(root)} in L else ((True, G[${pyStr(root)}]) if ${pyStr(root)} in G ` +
    `else (False, ${pyStr(`NameError: name '${root}' is not defined`)})))`;
  let shown = root;
  for (const st of steps) {
    if (st.kind === 'attr') {
      const err = pyStr(`AttributeError: '${shown}' has no attribute '${st.name}'`);
      code = `(lambda p: p if not p[0] else ((True, getattr(p[1], ${pyStr(st.name)})) if hasattr(p[1], ${pyStr(st.name)}) else (False, ${err})))(${code})`;
      shown += `.${st.name}`;
    } else {
      const k = st.key;
      const err = pyStr(`KeyError/IndexError: ${shown}[${k}] does not exist`);
      const ok =
        `((isinstance(p[1], dict) and ${k} in p[1]) or ` +
        `(isinstance(p[1], (list, tuple)) and isinstance(${k}, int) and -len(p[1]) <= ${k} < len(p[1])) or ` +
        `(hasattr(type(p[1]), 'shape') and isinstance(${k}, int) and len(p[1].shape) > 0 and -p[1].shape[0] <= ${k} < p[1].shape[0]) or ` +
        `(hasattr(type(p[1]), 'shape') and isinstance(${k}, str) and ${k} in (getattr(getattr(p[1], 'dtype', None), 'names', None) or ())) or ` +
        `(not isinstance(p[1], (dict, list, tuple)) and not hasattr(type(p[1]), 'shape') and hasattr(type(p[1]), '__getitem__')))`;
      code = `(lambda p: p if not p[0] else ((True, p[1][${k}]) if ${ok} else (False, ${err})))(${code})`;
      shown += `[${k}]`;
    }
  }
  return `(lambda L, G: ${code})(locals(), globals())`;
}

/** Evaluates to a one-line description of the array `expr` names (see parseDescription); never raises. */
export function describeExpression(expr: string): string {
  return `(lambda p: ${PY_DESCRIBE}(p[1]) if p[0] else 'arraylens-error;' + p[1])(${safeLookup(expr)})`;
}

/** Evaluates to the integer value of `expr` as text, or an error line; never raises. */
export function integerExpression(expr: string): string {
  return (
    `(lambda p: (str(p[1].__index__()) if hasattr(type(p[1]), '__index__') else 'arraylens-error;TypeError: not an integer') ` +
    `if p[0] else 'arraylens-error;' + p[1])(${safeLookup(expr)})`
  );
}

/** Evaluates to descriptions of every array-like local of the frame, `name=description` joined by `\n`. */
export function listArraysExpression(): string {
  return (
    `(lambda d: chr(10).join(k + '=' + ${PY_DESCRIBE}(v) for k, v in list(d.items()) ` +
    `if (hasattr(type(v), '__array_interface__') or '__array_interface__' in getattr(v, '__dict__', ())) and not k.startswith('__')))(locals())`
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
  raiseIfLookupError(s);
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

/** Our own lookups answer `arraylens-error;NameError: ...` instead of raising. */
export function raiseIfLookupError(unquoted: string): void {
  if (unquoted.startsWith('arraylens-error;')) {
    const msg = unquoted.slice('arraylens-error;'.length).replace(/\\'/g, "'");
    throw new ArrayLensError(/^TypeError/.test(msg) ? 'bad-expression' : 'unknown-expression', msg);
  }
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
