// Parsing what the debuggee answers to the describer and lookup expressions: description lines, our own lookup
// errors, and Python exceptions debugpy hands back as results.

import { ArrayLensError } from '../../core/errors';

export interface PythonArrayDescription {
  /** The Python type, followed by how the bytes were reached when that matters: `(a copy made by __array__)`. */
  typeName: string;
  address: bigint | null;
  shape: number[];
  strides: number[] | null;
  typestr: string;
  dtypeName: string;
  structured: boolean;
  /** Listing only: the array needs code of the object run to exist (why, e.g. `__array__ is computed`); the view is empty. */
  onRequest?: string;
}

/**
 * Parses one description line. `expr` names the object in errors. An array that must be computed comes back as an
 * empty placeholder marked `onRequest` (why: `Pillow image: its pixels are read when opened`): opening it by name resolves it.
 */
export function parseDescription(text: string, expr?: string): PythonArrayDescription | { notArray: string } {
  const s = unquotePythonString(text);
  raiseIfPythonError(s, text);
  raiseIfLookupError(s);
  if (s.startsWith('arraylens0;')) return { notArray: s.slice('arraylens0;'.length) };
  const f = s.split(';');
  if (f[0] === 'arraylens2' && f.length >= 3)
    return {
      typeName: f[1],
      address: 0n,
      shape: [0],
      strides: [1],
      typestr: '|u1',
      dtypeName: 'uint8',
      structured: false,
      onRequest: f[2],
    };
  if (f[0] === 'arraylens3' && f.length >= 3)
    throw new ArrayLensError('not-an-array', `${expr ? `'${expr}'` : 'this object'} (${f[1]}) cannot be shown: ${f.slice(2).join(';').replace(/\\'/g, "'")}`);
  if (f[0] !== 'arraylens1' || f.length < 8)
    throw new ArrayLensError('debugger-failed', `unexpected answer from the Python side: ${s.slice(0, 120)}`);
  const ints = (x: string): number[] => (x === '' ? [] : x.split(',').map((v) => Number(v)));
  return {
    typeName: f[8] ? `${f[1]} (${f[8]})` : f[1],
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
