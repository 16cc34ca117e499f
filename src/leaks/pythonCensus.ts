// The Python half of a leak check: a census of the live NumPy arrays of a paused debugpy session (identity, data
// address, size, allocation site from tracemalloc, references not held by any Python container) and NumPy's
// tracemalloc domain grouped by site. The census code runs through exec in a fresh namespace and never raises.

import { ArrayLensError } from '../core/errors';
import { HOOKS_GUARD_SOURCE } from './hooksGuard';

/** One NumPy array that owns its data, as the census saw it. */
export interface PythonArrayRecord {
  id: number;
  addr: number;
  nbytes: number;
  dtype: string;
  shape: number[];
  /** `file:line` of the innermost user frame of its allocation (null: allocated before tracing began). */
  site: string | null;
  /** References that no Python container or frame explains (held by native code, or leaked); 0 for most arrays. */
  refs: number;
  expr?: string | null;
}

/** An array over memory no NumPy array owns (a pointer handed over by native code): may dangle. */
export interface PythonExternalView {
  id: number;
  addr: number;
  nbytes: number;
  dtype: string;
  shape: number[];
  site: string | null;
  expr: string | null;
}

export interface PythonCensus {
  numpy: boolean;
  /** The census started tracemalloc (at FROM): the engine stops it at the end. */
  started: boolean;
  tracing: boolean;
  arrays: PythonArrayRecord[];
  views: PythonExternalView[];
  /** Live NumPy data allocations traced since FROM: [site, bytes per block, count]. */
  traces: [string | null, number, number][];
  error: string | null;
}

export type CensusMode = 'from' | 'to' | 'stop';

/** NumPy's tracemalloc domain (numpy.lib.tracemalloc_domain). */
export const NUMPY_TRACEMALLOC_DOMAIN = 389047;

/**
 * Python defining `_arraylens_lib_test()`: a test by file name for library code (the standard library,
 * site-packages, debugpy, NumPy, `<frozen ...>`), so that sites name the innermost frame in the user's own code.
 */
export const LIB_TEST_SOURCE = String.raw`
def _arraylens_lib_test():
    import os, sys, sysconfig
    libdirs = set()
    for k in ('stdlib', 'platstdlib', 'purelib', 'platlib'):
        p = sysconfig.get_paths().get(k)
        if p:
            libdirs.add(os.path.realpath(p) + os.sep)
            libdirs.add(os.path.abspath(p) + os.sep)
    for m in ('debugpy', 'numpy'):
        mod = sys.modules.get(m)
        f = getattr(mod, '__file__', None)
        if f:
            libdirs.add(os.path.dirname(os.path.dirname(os.path.abspath(f))) + os.sep)
    libdirs = tuple(libdirs)

    def is_lib(fn):
        return fn.startswith('<') or fn.startswith(libdirs) or '/site-packages/' in fn or '/dist-packages/' in fn

    return is_lib
`;

const CENSUS_SOURCE = String.raw`${LIB_TEST_SOURCE}
${HOOKS_GUARD_SOURCE}
def _arraylens_census(L, G, mode, nframes, from_ids):
    import gc, sys, tracemalloc
    out = {'numpy': False, 'started': False, 'tracing': False, 'arrays': [], 'traces': [], 'views': [], 'error': None}
    np = sys.modules.get('numpy')
    if mode == 'stop':
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        return out
    if np is None:
        return out
    out['numpy'] = True
    out['tracing'] = tracemalloc.is_tracing()
    is_lib = _arraylens_lib_test()

    def user_site(tb):
        if not tb:
            return None
        for fr in reversed(tb):
            if not is_lib(fr.filename):
                return fr.filename + ':' + str(fr.lineno)
        return tb[-1].filename + ':' + str(tb[-1].lineno)

    nd = np.ndarray
    # issue 18: isinstance() reads __class__, a property the program may define (it would run at every census), and a
    # subclass may override base/flags/...: the type is taken with type() and attributes from ndarray's own slots.
    nd_attr = {k: nd.__dict__[k].__get__ for k in ('base', 'flags', 'nbytes', 'dtype', 'shape', '__array_interface__')}
    A_BASE = nd_attr['base']
    r = top = f = loc = v = a = b = i = base = owner = None
    nxt = []
    mine = sys._getframe()
    if out['tracing'] and mode == 'to':
        # First, before the walk allocates anything: NumPy's live data allocations, grouped by (site, size).
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.DomainFilter(True, getattr(np.lib, 'tracemalloc_domain', 389047))])
        groups = {}
        for t in snap.traces:
            g = groups.setdefault((user_site(t.traceback), t.size), [0])
            g[0] += 1
        out['traces'] = [[s, size, n[0]] for (s, size), n in groups.items()]
        snap = groups = t = None
    # Every frame's locals dict exists before the walk (debugpy makes them too), so both stops count alike.
    frames = []
    for top in sys._current_frames().values():
        f = top
        while f is not None:
            if f.f_globals is not mine.f_globals:
                frames.append((f, f.f_locals))
            f = f.f_back
    objs = gc.get_objects()
    # ids of the untracked containers explored (tracked ones are all in objs; a set of every id would be slow)
    visited = set()
    explained = {}
    found = {}
    todo = objs
    while todo:
        nxt = []
        for r in gc.get_referents(*todo):
            if issubclass(type(r), nd):
                i = id(r)
                explained[i] = explained.get(i, 0) + 1
                found[i] = r
            elif (type(r) is dict or type(r) is tuple) and not gc.is_tracked(r) and id(r) not in visited:
                visited.add(id(r))
                nxt.append(r)
        todo = nxt
    objs = todo = nxt = r = None
    # Locals of running functions are not visible to gc: count them, and untracked locals dicts, by hand.
    for f, loc in frames:
        if type(loc) is dict and not gc.is_tracked(loc) and id(loc) not in visited:
            visited.add(id(loc))
            for v in loc.values():
                if issubclass(type(v), nd):
                    explained[id(v)] = explained.get(id(v), 0) + 1
                    found[id(v)] = v
        if f.f_code.co_flags & 1:
            cells = set(f.f_code.co_cellvars)
            for name in f.f_code.co_varnames:
                if name not in cells:
                    v = loc.get(name)
                    if issubclass(type(v), nd):
                        explained[id(v)] = explained.get(id(v), 0) + 1
                        found[id(v)] = v
    frames = top = f = loc = v = None
    # Arrays the native-call watch (callWatch.ts) saw taking references: held by native code alone, the walk cannot
    # reach them. Weak references, left by the watch for this census only.
    for w in sys.__dict__.pop('_arraylens_watched', None) or ():
        v = w()
        if issubclass(type(v), nd) and id(v) not in found:
            found[id(v)] = v
    w = v = None
    # Owners are reached through their views' .base (ndarray is not a gc container).
    for a in list(found.values()):
        b = A_BASE(a)
        while issubclass(type(b), nd):
            explained[id(b)] = explained.get(id(b), 0) + 1
            found[id(b)] = b
            b = A_BASE(b)
    a = b = None
    # A probe that only 'found' holds: its count is what the loop below adds itself (the dict, the loop variable, the
    # flags object, the call's argument), so 'refs' is the number of references nothing explains (0 for most arrays).
    found[-1] = nd((0,))
    offset = 0

    def name_of(x):
        for scope in (L, G):
            for k, val in scope.items():
                if val is x and not k.startswith('__'):
                    return k
        for scope in (L, G):
            for k, val in scope.items():
                if k.startswith('__'):
                    continue
                if type(val) in (list, tuple) and len(val) <= 10000:
                    for j, e in enumerate(val):
                        if e is x:
                            return '%s[%d]' % (k, j)
                elif type(val) is dict and len(val) <= 10000:
                    for kk, e in val.items():
                        if e is x and type(kk) in (str, int):
                            return '%s[%r]' % (k, kk)
        return None

    ids = set(from_ids)
    for i, a in found.items():
        fl = nd_attr['flags'](a)
        base = A_BASE(a)
        if base is None and fl.owndata:
            tb = tracemalloc.get_object_traceback(a) if out['tracing'] else None
            rec = {
                'id': i, 'addr': nd_attr['__array_interface__'](a)['data'][0], 'nbytes': int(nd_attr['nbytes'](a)),
                'dtype': nd_attr['dtype'](a).name, 'shape': list(nd_attr['shape'](a)), 'site': user_site(tb),
                'refs': sys.getrefcount(a) - explained.get(i, 0),
            }
            if i == -1:
                offset = rec['refs']
                continue
            if mode == 'to' and i in ids:
                rec['expr'] = name_of(a)
            out['arrays'].append(rec)
        elif not issubclass(type(base), nd):
            # Memory the array does not own and no ndarray/bytes keeps alive: a pointer from native code or ctypes.
            owner = base.obj if type(base) is memoryview else base
            if not issubclass(type(owner), (nd, bytes, bytearray)):
                tb = tracemalloc.get_object_traceback(a) if out['tracing'] else None
                out['views'].append({'id': i, 'addr': nd_attr['__array_interface__'](a)['data'][0],
                                     'nbytes': int(nd_attr['nbytes'](a)), 'dtype': nd_attr['dtype'](a).name,
                                     'shape': list(nd_attr['shape'](a)), 'site': user_site(tb), 'expr': name_of(a)})
    i = a = fl = base = owner = nd_attr = A_BASE = None
    for rec in out['arrays']:
        rec['refs'] -= offset
        if mode == 'to' and rec['refs'] > 0 and 'expr' not in rec:
            # Born since FROM and held by something the walk cannot see (native code): name it if a name holds it.
            rec['expr'] = name_of(found[rec['id']])
    found = None
    if mode == 'from' and not tracemalloc.is_tracing():
        # Last, so that the census itself is not traced.
        tracemalloc.start(nframes)
        sys._arraylens_started_tracemalloc = True  # so that hooksOffExpression stops only what ArrayLens started
        _arraylens_hooks_guard()  # and so that a detach stops it too
        out['started'] = True
        out['tracing'] = True
    return out


_arraylens_trace = __import__('sys').gettrace()
# pydevd wraps sys.settrace to print a warning (in the user's debug console); its saved original does not warn.
_arraylens_settrace = getattr(getattr(__import__('sys').modules.get('pydevd_tracing'), 'TracingFunctionHolder', None),
                              '_original_tracing', None) or __import__('sys').settrace
try:
    # The debugger's trace function would see every line of the census (measured: 25x slower); restored below.
    _arraylens_settrace(None)
    result = 'ok:' + __import__('base64').b64encode(__import__('json').dumps(
        _arraylens_census(L, G, MODE, NFRAMES, FROM_IDS)).encode()).decode()
except BaseException as e:
    result = 'err:' + type(e).__name__ + ': ' + str(e)
finally:
    _arraylens_settrace(_arraylens_trace)
`;

/** The expression to evaluate in the paused frame; its answer is `ok:<base64 JSON>` or `err:<message>`. */
export function censusExpression(mode: CensusMode, opts: { nframes?: number; fromIds?: readonly number[] } = {}): string {
  const nframes = opts.nframes ?? 25;
  const ids = opts.fromIds ?? [];
  if (!Number.isSafeInteger(nframes) || nframes < 1 || nframes > 1000) throw new ArrayLensError('bad-argument', 'bad tracemalloc frame count');
  for (const i of ids) if (!Number.isSafeInteger(i) || i < 0) throw new ArrayLensError('bad-argument', 'bad array id');
  const args = `{'L': locals(), 'G': globals(), 'MODE': '${mode}', 'NFRAMES': ${nframes}, 'FROM_IDS': [${ids.join(',')}]}`;
  return `(lambda ns: (exec(${JSON.stringify(CENSUS_SOURCE)}, ns), ns['result'])[1])(${args})`;
}

/** Parses the census answer (debugpy quotes str results). */
export function parseCensus(answer: string): PythonCensus {
  const t = answer.trim().replace(/^['"]|['"]$/g, '');
  if (t.startsWith('err:')) throw new ArrayLensError('debugger-failed', `the leak census failed in the debuggee: ${t.slice(4)}`);
  if (!t.startsWith('ok:')) throw new ArrayLensError('debugger-failed', `unexpected answer from the leak census: ${t.slice(0, 120)}`);
  return JSON.parse(Buffer.from(t.slice(3), 'base64').toString('utf8')) as PythonCensus;
}
