// Between FROM and TO of a Python leak check: a profile hook (sys.setprofile) on the paused thread and on threads
// started since, measuring around every call into native code outside CPython and NumPy the reference counts of the
// NumPy arrays it could have been given, so that a reference that grew names the call that took it.

import { ArrayLensError } from '../core/errors';
import { HOOKS_GUARD_SOURCE } from './hooksGuard';
import { LIB_TEST_SOURCE } from './pythonCensus';

/** What the hook saw between FROM and TO. */
export interface CallWatch {
  /** False when no hook ran (the program had a profile function of its own, or the hook was not started). */
  watching: boolean;
  reason?: string;
  /** Calls into native code the hook measured. */
  calls: number;
  /** Events the hook skipped because measuring them failed (the hook never raises into the program). */
  errors: number;
  /**
   * Arrays still alive at TO whose reference count changed across a native call: [id, [[site, callee, net delta]]],
   * the site being the innermost frame of the user's own code making the call.
   */
  arrays: [number, [string, string, number][]][];
}

// Reference counts are read at c_call and c_return of the same call with the same code, so the hook's own references
// cancel. Candidates: the NumPy arrays among the caller's locals, and the last few arrays Python functions returned
// on that thread (an array made by np.ones(...) or a factory of the user and passed straight in). What a call made
// inside another native call takes is counted for the inner call only. The hook keeps ids and weak references, never
// an array; it never prints and swallows its own errors (counted).
const WATCH_SOURCE = String.raw`${LIB_TEST_SOURCE}
${HOOKS_GUARD_SOURCE}

def _arraylens_watch_start():
    import os, sys, sysconfig, threading, weakref, _thread
    if getattr(sys, '_arraylens_call_watch', None) is not None:
        _arraylens_watch_stop()
    sys.__dict__.pop('_arraylens_watched', None)
    if sys.getprofile() is not None or threading.getprofile() is not None:
        return {'watching': False, 'reason': 'the program has a profile function of its own', 'calls': 0, 'errors': 0, 'arrays': []}
    lib_test = _arraylens_lib_test()
    stddirs = []
    for k in ('stdlib', 'platstdlib'):
        p = sysconfig.get_paths().get(k)
        if p:
            stddirs += [os.path.realpath(p) + os.sep, os.path.abspath(p) + os.sep]
    stddirs = tuple(stddirs)
    builtin_names = set(sys.builtin_module_names)
    ModuleType = type(sys)
    getrc = sys.getrefcount
    ident = _thread.get_ident
    wref = weakref.ref
    lib_files = {}
    foreign_owners = {}
    names = {}
    stacks = {}
    returned = {}
    recs = {}
    live = [True]
    state = {'recs': recs, 'stacks': stacks, 'returned': returned, 'calls': 0, 'errors': 0, 'nd': None, 'live': live}

    def ndarray():
        nd = state['nd']
        if nd is None:
            nd = state['nd'] = getattr(sys.modules.get('numpy'), 'ndarray', None)
        return nd

    def is_lib(fn):
        r = lib_files.get(fn)
        if r is None:
            r = lib_files[fn] = lib_test(fn)
        return r

    def module_of(fn):
        s = getattr(fn, '__self__', None)
        if type(s) is ModuleType:
            return s.__name__
        if s is None:
            return getattr(fn, '__module__', None)
        return getattr(type(s), '__module__', None)

    def foreign_module(mod):
        top = mod.split('.')[0] if type(mod) is str else None
        if top is None or mod in builtin_names or top in ('builtins', 'numpy', 'debugpy', 'pydevd', '_pydevd_bundle', '_pydev_bundle'):
            return False
        f = getattr(sys.modules.get(mod), '__file__', None)
        if type(f) is str:
            f = os.path.abspath(f)
            # The standard library's extension modules (lib-dynload); a venv's platstdlib holds its site-packages.
            return not f.startswith(stddirs) or '/site-packages/' in f or '/dist-packages/' in f
        return True

    def foreign(fn):
        # Cached by module or by type (both live as long as the program; a bound method is new at every call).
        s = getattr(fn, '__self__', None)
        owner = s if s is None or type(s) is ModuleType else type(s)
        r = foreign_owners.get(owner)
        if r is None:
            r = foreign_owners[owner] = foreign_module(module_of(fn))
        return r

    def name_of(fn):
        key = (module_of(fn), getattr(fn, '__qualname__', None) or getattr(fn, '__name__', '?'))
        r = names.get(key)
        if r is None:
            mod, q = key
            r = q if not mod else mod + '.' + q
            if type(getattr(fn, '__self__', None)) is ModuleType and type(mod) is str:
                # As the program spells it: the shortest package path re-exporting it (a PyO3 module in its package).
                parts = mod.split('.')
                for k in range(1, len(parts)):
                    pm = sys.modules.get('.'.join(parts[:k]))
                    if pm is not None and getattr(pm, '__dict__', {}).get(getattr(fn, '__name__', None)) is fn:
                        r = '.'.join(parts[:k]) + '.' + q
                        break
            names[key] = r
        return r

    def site_of(frame):
        f = frame
        while f is not None and is_lib(f.f_code.co_filename):
            f = f.f_back
        if f is None:
            f = frame
        return f.f_code.co_filename + ':' + str(f.f_lineno)

    def off():
        # Stopped at TO: a thread still carrying the hook drops it at its next event.
        sys.setprofile(None)

    def counts(objs):
        # The one place counts are read, at c_call and at c_return alike: the references it adds itself cancel.
        return [getrc(v) for v in objs]

    def on_call(frame):
        nd = ndarray()
        if nd is None:
            return None
        objs = []
        seen = set()
        for v in frame.f_locals.values():
            if isinstance(v, nd) and id(v) not in seen:
                seen.add(id(v))
                objs.append(v)
        v = None
        for w in returned.get(ident(), ()):
            v = w()
            if v is not None and id(v) not in seen:
                seen.add(id(v))
                objs.append(v)
        v = None
        return [[wref(v) for v in objs], [id(v) for v in objs], counts(objs), {}]

    def on_return(frame, fn, entry, parent):
        ws, ids, before, inner = entry
        objs = [w() for w in ws]
        alive = [v is not None for v in objs]
        after = counts(objs)
        objs = None
        for k, i in enumerate(ids):
            if not alive[k]:
                continue
            total = after[k] - before[k]
            own = total - inner.get(i, 0)
            if parent is not None and total:
                parent[3][i] = parent[3].get(i, 0) + total
            if own:
                r = recs.get(i)
                if r is None or r[0]() is None:
                    r = recs[i] = [ws[k], {}]
                key = (site_of(frame), name_of(fn))
                r[1][key] = r[1].get(key, 0) + own

    def watch(frame, event, arg):
        try:
            if event == 'return':
                if arg is not None and live and isinstance(arg, state['nd'] or ndarray() or ()):
                    t = ident()
                    lst = returned.get(t)
                    if lst is None:
                        lst = returned[t] = []
                    lst.append(wref(arg))
                    if len(lst) > 4:
                        del lst[0]
            elif event == 'c_call':
                if not live:
                    off()
                elif foreign(arg):
                    state['calls'] += 1
                    stacks.setdefault(ident(), []).append(on_call(frame))
            elif event == 'c_return' or event == 'c_exception':
                if live and foreign(arg):
                    st = stacks.get(ident())
                    if st:
                        entry = st.pop()
                        if entry is not None:
                            on_return(frame, arg, entry, st[-1] if st else None)
            elif not live:
                off()
        except Exception:
            state['errors'] += 1

    state['prof'] = watch
    sys._arraylens_call_watch = state
    sys.setprofile(watch)
    threading.setprofile(watch)
    _arraylens_hooks_guard()
    return {'watching': True, 'calls': 0, 'errors': 0, 'arrays': []}


def _arraylens_watch_stop():
    import sys, threading
    state = getattr(sys, '_arraylens_call_watch', None)
    if state is None:
        return {'watching': False, 'reason': 'no watch was running', 'calls': 0, 'errors': 0, 'arrays': []}
    state['live'].clear()
    del sys._arraylens_call_watch
    if sys.getprofile() is state['prof']:
        sys.setprofile(None)
    if threading.getprofile() is state['prof']:
        threading.setprofile(None)
    arrays = []
    held = []
    for i, (w, sites) in state['recs'].items():
        if w() is not None:
            arrays.append([i, [[s, c, d] for (s, c), d in sites.items()]])
            held.append(w)
    # For the census that follows: an array only native code holds is out of reach of its walk.
    sys._arraylens_watched = held
    out = {'watching': True, 'calls': state['calls'], 'errors': state['errors'], 'arrays': arrays}
    for k in ('recs', 'stacks', 'returned'):
        state[k].clear()
    return out


try:
    result = 'ok:' + __import__('base64').b64encode(__import__('json').dumps(
        _arraylens_watch_start() if ACTION == 'start' else _arraylens_watch_stop()).encode()).decode()
except BaseException as e:
    result = 'err:' + type(e).__name__ + ': ' + str(e)
`;

/**
 * The expression that starts (at FROM) or stops (at TO, before the census) the hook; answers `ok:<base64 JSON>`.
 * Stopping leaves weak references to the arrays it saw taking references for the next census to count.
 */
export function callWatchExpression(action: 'start' | 'stop'): string {
  return `(lambda ns: (exec(${JSON.stringify(WATCH_SOURCE)}, ns), ns['result'])[1])({'ACTION': '${action}'})`;
}

// Removes what a leak check left in the debuggee: the profile hook (when it is still ours), the weak references for
// the census, and tracemalloc when the census started it (a program tracing on its own keeps its tracing).
const HOOKS_OFF_SOURCE = String.raw`${HOOKS_GUARD_SOURCE}

try:
    result = 'ok:' + _arraylens_hooks_off()
except BaseException as e:
    result = 'err:' + type(e).__name__ + ': ' + str(e)
`;

/**
 * The expression that turns off what leak checks installed in a Python debuggee (the Leaks view hidden, the session
 * ending): answers `ok:` and the hooks removed (`profile`, `tracemalloc`), or `err:<message>`.
 */
export function hooksOffExpression(): string {
  return `(lambda ns: (exec(${JSON.stringify(HOOKS_OFF_SOURCE)}, ns), ns['result'])[1])({})`;
}

/** Parses the hook's answer (debugpy quotes str results). */
export function parseCallWatch(answer: string): CallWatch {
  const t = answer.trim().replace(/^['"]|['"]$/g, '');
  if (t.startsWith('err:')) throw new ArrayLensError('debugger-failed', `the native-call watch failed in the debuggee: ${t.slice(4)}`);
  if (!t.startsWith('ok:')) throw new ArrayLensError('debugger-failed', `unexpected answer from the native-call watch: ${t.slice(0, 120)}`);
  return JSON.parse(Buffer.from(t.slice(3), 'base64').toString('utf8')) as CallWatch;
}

/**
 * The watches of consecutive intervals as one (the Leaks view compares with a pinned stop across several): what each
 * array took is summed per site and callee, in the order first seen.
 */
export function mergeCallWatches(parts: readonly CallWatch[]): CallWatch {
  const byArray = new Map<number, Map<string, [string, string, number]>>();
  for (const p of parts)
    for (const [id, entries] of p.arrays) {
      let sites = byArray.get(id);
      if (!sites) byArray.set(id, (sites = new Map()));
      for (const [site, call, delta] of entries) {
        const k = `${site}\0${call}`;
        const e = sites.get(k);
        if (e) e[2] += delta;
        else sites.set(k, [site, call, delta]);
      }
    }
  return {
    watching: parts.some((p) => p.watching),
    calls: parts.reduce((n, p) => n + p.calls, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    arrays: [...byArray].map(([id, sites]) => [id, [...sites.values()].filter(([, , d]) => d !== 0)] as [number, [string, string, number][]]).filter(([, e]) => e.length > 0),
  };
}
