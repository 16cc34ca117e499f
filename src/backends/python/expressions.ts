// Python source the engine sends to a paused debuggee: built only from validated parts, side-effect free. Lookups
// and the describe/list/integer builders live here; the describer's Python source is in describer.ts, parsing of
// the answers in descriptions.ts, the byte-read builders in reads.ts (re-exported so importers need one module).

import { ArrayLensError } from '../../core/errors';
import { withDescriber } from './describer';

export { PythonArrayDescription, parseDescription, raiseIfLookupError, raiseIfPythonError, unquotePythonString } from './descriptions';
export { base64Expression, contiguousCopyExpression, memfdCloseExpression, memfdWriteExpression } from './reads';

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

/**
 * Evaluates to a one-line description of the array `expr` names (see parseDescription); never raises. Opening by
 * name may compute the array (a Pillow image, a computed __array__): the result is held in the debuggee under `expr`.
 */
export function describeExpression(expr: string): string {
  const call = `ns['safe_describe'](p[1], True, ns['keeper'](${pyStr(validatePythonExpression(expr))}))`;
  return `(lambda p: ${withDescriber(call)} if p[0] else 'arraylens-error;' + p[1])(${safeLookup(expr)})`;
}

/** Evaluates to the integer value of `expr` as text, or an error line; never raises. */
export function integerExpression(expr: string): string {
  return (
    `(lambda p: (str(p[1].__index__()) if hasattr(type(p[1]), '__index__') else 'arraylens-error;TypeError: not an integer') ` +
    `if p[0] else 'arraylens-error;' + p[1])(${safeLookup(expr)})`
  );
}

/**
 * Evaluates to descriptions of every array-like local of the frame, `name=description` joined by `\n`. Runs no code
 * of the objects' classes: what needs computing (properties, __array__, Pillow images) is listed as opening on request.
 */
export function listArraysExpression(): string {
  return `(lambda L: ${withDescriber("ns['list_frame'](L)")})(locals())`;
}
