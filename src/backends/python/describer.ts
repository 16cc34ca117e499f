// The Python the debuggee runs to describe objects (the describer), and the wrapper that runs it without leaving
// anything behind; src/backends/python/expressions.ts builds the calls, descriptions.ts parses their answers.

/**
 * The Python the debuggee runs to describe objects (NumPy arrays, static and computed __array_interface__, buffer
 * exporters, torch tensors, Pillow images). It is exec'd into a fresh namespace for each evaluation and the namespace
 * is cleared after, so nothing of it stays in the program; it only reads modules the program already imported.
 */
const PY_SOURCE = String.raw`import sys

# Description lines (parsed by parseDescription in descriptions.ts):
#   arraylens1;TYPE;ADDRESS;SHAPE;STRIDES;TYPESTR;DTYPE;STRUCTURED;NOTE   an array in memory (NOTE: how it was read)
#   arraylens0;TYPE                                                    not an array
#   arraylens2;TYPE;WHAT                                               listing only: computing it runs code, opens on request
#   arraylens3;TYPE;MESSAGE                                            an array ArrayLens cannot show, and why
# Nothing here imports a module the program has not imported (sys.modules only), raises, or keeps a buffer export.

_TORCH = {'torch.float16': ('<f2', 'float16'), 'torch.bfloat16': ('<V2', 'bfloat16'), 'torch.float32': ('<f4', 'float32'),
          'torch.float64': ('<f8', 'float64'), 'torch.complex64': ('<c8', 'complex64'), 'torch.complex128': ('<c16', 'complex128'),
          'torch.bool': ('|b1', 'bool'), 'torch.int8': ('|i1', 'int8'), 'torch.uint8': ('|u1', 'uint8'),
          'torch.int16': ('<i2', 'int16'), 'torch.int32': ('<i4', 'int32'), 'torch.int64': ('<i8', 'int64'),
          'torch.uint16': ('<u2', 'uint16'), 'torch.uint32': ('<u4', 'uint32'), 'torch.uint64': ('<u8', 'uint64')}
# struct/PEP 3118 codes for when NumPy is not loaded (native sizes of x86-64 and arm64 Linux).
_CODES = {'?': 'b1', 'b': 'i1', 'B': 'u1', 'c': 'u1', 'h': 'i2', 'H': 'u2', 'i': 'i4', 'I': 'u4', 'l': 'i8', 'L': 'u8',
          'q': 'i8', 'Q': 'u8', 'n': 'i8', 'N': 'u8', 'e': 'f2', 'f': 'f4', 'd': 'f8', 'Zf': 'c8', 'Zd': 'c16'}


def _clean(s):
    return str(s).replace(';', ',').replace('\n', ' ').replace('"', "'").replace('\\', '/')[:400]


def _type_name(t):
    return _clean(t.__module__ + '.' + t.__qualname__)


def _static(t, name):
    """inspect.getattr_static on a type, without importing inspect: (found, raw class attribute)."""
    for k in type.__dict__['__mro__'].__get__(t):
        d = type.__dict__['__dict__'].__get__(k)
        if name in d:
            return True, d[name]
    return False, None


def _instance_dict(o):
    found, d = _static(type(o), '__dict__')
    if found and type(d).__name__ == 'getset_descriptor':
        v = d.__get__(o)
        return v if type(v) is dict else {}
    return {}


def _array_line(tn, addr, shape, strides, typestr, dname, structured=False, note=''):
    j = lambda xs: ','.join(str(int(x)) for x in xs)
    return ';'.join(['arraylens1', tn, str(int(addr)), j(shape), j(strides), typestr, dname, '1' if structured else '0', _clean(note)])


def _numpy_line(a, tn, note=''):
    ai = a.__array_interface__
    data = ai.get('data')
    addr = data[0] if isinstance(data, tuple) else None
    if addr is None:
        return 'arraylens3;' + tn + ';an array without a data pointer'
    return _array_line(tn, addr, a.shape, a.strides, ai['typestr'], a.dtype.name, a.dtype.fields is not None, note)


def _interface_line(ai, tn, note=''):
    """A static __array_interface__ dict (read, never called)."""
    if not isinstance(ai, dict):
        return 'arraylens0;' + tn
    data = ai.get('data')
    if not (isinstance(data, tuple) and data and isinstance(data[0], int)):
        return 'arraylens3;' + tn + ';its __array_interface__ has no data pointer (data is ' + type(data).__name__ + ')'
    shape = tuple(ai['shape'])
    typestr = ai['typestr']
    np = sys.modules.get('numpy')
    dname = '-'
    structured = False
    if np is not None:
        dt = np.dtype(ai['descr']) if isinstance(ai.get('descr'), list) and len(ai['descr']) > 1 else np.dtype(typestr)
        dname, structured = dt.name, dt.fields is not None
        itemsize = dt.itemsize
    else:
        itemsize = int(typestr[2:]) if typestr[2:].isdigit() else 1
    strides = ai.get('strides')
    if strides is None:
        strides, acc = [], itemsize
        for d in reversed(shape):
            strides.insert(0, acc)
            acc *= d
    return _array_line(tn, data[0], shape, strides, typestr, dname, structured, note)


def _buffer_line(o, tn):
    """Any buffer exporter, through one memoryview released before returning: export counts end where they began."""
    try:
        m = memoryview(o)
    except (TypeError, ValueError, BufferError) as e:
        return None if isinstance(e, TypeError) else 'arraylens3;' + tn + ';its buffer cannot be exported now: ' + _clean(e)
    try:
        np = sys.modules.get('numpy')
        if np is not None:
            try:
                a = np.asarray(m)  # a view of the memoryview's buffer: no copy
            except Exception as e:
                return 'arraylens3;' + tn + ';buffer format ' + _clean(repr(m.format)) + ' is not one NumPy reads: ' + _clean(e)
            try:
                return _numpy_line(a, tn)
            finally:
                del a
        return _buffer_line_ctypes(o, m, tn)
    finally:
        m.release()


def _buffer_line_ctypes(o, m, tn):
    fmt = m.format
    order = '>' if fmt[:1] in ('>', '!') else '<'
    code = fmt.lstrip('@=<>!')
    if code not in _CODES:
        return 'arraylens3;' + tn + ';buffer format ' + _clean(repr(fmt)) + ': import numpy in the program to inspect it'
    kind = _CODES[code]
    typestr = ('|' if kind[1:] == '1' else order) + kind
    if type(o) is bytes:
        addr = id(o) + sys.getsizeof(b'') - 1  # CPython: PyBytesObject's ob_sval follows its header
    elif not m.readonly and m.c_contiguous and m.nbytes > 0 and 'ctypes' in sys.modules:
        ct = sys.modules['ctypes']
        c = ct.c_char.from_buffer(m)
        addr = ct.addressof(c)
        del c
    else:
        return 'arraylens3;' + tn + ';without numpy loaded only bytes and writable contiguous buffers (with ctypes loaded) can be read: import numpy in the program'
    return _array_line(tn, addr, m.shape, m.strides, typestr, '-', False, '')


def _tensor_line(t, tn, opening, keep):
    torch = sys.modules['torch']
    found, tf = _static(type(t), '__torch_function__')
    if not opening and found and tf is not torch.Tensor.__dict__['__torch_function__'] and tf is not torch._C._disabled_torch_function_impl:
        return 'arraylens2;' + tn + ';a tensor subclass with its own __torch_function__: it runs when opened'
    if t.is_nested:
        return 'arraylens3;' + tn + ';a nested torch tensor (parts of different shapes): assign one part to a variable (p = t.unbind()[0]) and inspect that'
    if t.layout != torch.strided:
        return 'arraylens3;' + tn + ';a ' + _clean(str(t.layout).replace('torch.', '')) + ' torch tensor: assign its dense form to a variable (d = t.to_dense()) and inspect that'
    if t.is_quantized:
        return 'arraylens3;' + tn + ';a quantized torch tensor (' + _clean(t.dtype) + '): assign t.int_repr() or t.dequantize() to a variable and inspect that'
    if t.is_meta:
        return 'arraylens3;' + tn + ';a meta torch tensor: it has a shape and dtype but no data'
    if t.is_conj() or t.is_neg():
        return 'arraylens3;' + tn + ';a lazily conjugated or negated torch view: its memory holds the values before conj/neg; assign t.resolve_conj().resolve_neg() to a variable'
    ts = _TORCH.get(str(t.dtype))
    if ts is None:
        return 'arraylens3;' + tn + ';torch dtype ' + _clean(t.dtype) + ' has no NumPy equivalent ArrayLens shows'
    note = ''
    if t.device.type != 'cpu':
        what = _clean(t.device) + ' ' + ts[1] + '[' + ', '.join(map(str, t.shape)) + ']'
        if not opening:
            return 'arraylens2;' + tn + ';on ' + what + ': copied to the host when opened'
        t = t.detach().to('cpu')  # a copy on the host, kept alive for the reads that follow
        keep(t)
        note = 'host copy of ' + what
    es = t.element_size()
    return _array_line(tn, t.data_ptr(), tuple(t.shape), [s * es for s in t.stride()], ts[0], ts[1], False, note)


# Pillow's pixel memory: 1 or 4 bytes per pixel of 8-bit bands (RGB keeps a pad byte, LA keeps L at 0 and A at 3),
# 2 or 4 for the single-band 16/32-bit modes: mode -> (typestr, bands, bytes between bands, bytes per pixel).
_PIL_MODES = {'L': ('|u1', 1, 0, 1), 'P': ('|u1', 1, 0, 1), 'I': ('<i4', 1, 0, 4), 'F': ('<f4', 1, 0, 4),
              'I;16': ('<u2', 1, 0, 2), 'RGB': ('|u1', 3, 1, 4), 'RGBA': ('|u1', 4, 1, 4), 'RGBX': ('|u1', 4, 1, 4),
              'RGBa': ('|u1', 4, 1, 4), 'CMYK': ('|u1', 4, 1, 4), 'YCbCr': ('|u1', 3, 1, 4), 'LAB': ('|u1', 3, 1, 4),
              'HSV': ('|u1', 3, 1, 4), 'LA': ('|u1', 2, 3, 4), 'La': ('|u1', 2, 3, 4), 'PA': ('|u1', 2, 3, 4)}


def _peek(np, addr, n, typestr='<u8'):
    """n integers at addr (memory the caller knows is there), as Python ints."""
    w = type('ArrayLensPeek', (), {'__array_interface__': {'version': 3, 'data': (addr, True), 'shape': (n,), 'typestr': typestr}})()
    return np.asarray(w).tolist()


def _capsule_pointer(np, cap, name):
    """PyCapsule_GetPointer without ctypes: CPython's capsule is PyObject_HEAD, pointer, name (the name is checked)."""
    if type(cap).__name__ != 'PyCapsule':
        return None
    ptr, namep = _peek(np, id(cap) + 16, 2)
    if not namep or bytes(_peek(np, namep, len(name) + 1, '|u1')) != name + b'\0':
        return None
    return ptr


def _arrow_pixels(np, img, w, h, pixel):
    """Address of the pixels Pillow exports zero-copy through the Arrow C data interface (its rows in one block), or None."""
    try:
        schema, arr = img.__arrow_c_array__()
    except Exception:  # rows in several blocks, or a mode Arrow export does not take: a copy then
        return None
    try:
        p = _capsule_pointer(np, arr, b'arrow_array')
        if not p:
            return None
        length, _, offset, nbuf, nchild, buffers, children = _peek(np, p, 7)
        if nchild == 1:
            length, _, offset, nbuf, _, buffers, _ = _peek(np, _peek(np, children, 1)[0], 7)
        if nbuf != 2 or offset != 0 or length != (w * h if nchild == 0 else w * h * pixel):
            return None
        return _peek(np, buffers, 2)[1] or None
    finally:
        del schema, arr  # the capsules' destructors release Pillow's export


def _pil_line(img, tn, keep):
    """Pillow's own pixel memory (its zero-copy Arrow export) where it has one, else NumPy's copy (said in the note)."""
    np = sys.modules.get('numpy')
    if np is None:
        return 'arraylens3;' + tn + ';a Pillow image: import numpy in the program to open it'
    spec = _PIL_MODES.get(img.mode)
    w, h = img.size
    if spec is not None and w > 0 and h > 0:
        ts, bands, band_step, pixel = spec
        addr = _arrow_pixels(np, img, w, h, pixel)
        if addr:
            dname = np.dtype(ts).name
            if bands == 1:
                return _array_line(tn, addr, (h, w), (w * pixel, pixel), ts, dname, False, 'Pillow pixel memory, no copy')
            return _array_line(tn, addr, (h, w, bands), (w * pixel, pixel, band_step), ts, dname, False, 'Pillow pixel memory, no copy')
    a = np.asarray(img)
    if a.dtype.kind == 'b':
        a = a.view(np.uint8) != 0  # mode 1 comes as bytes 0/255 typed bool: NumPy reads 255 as True, stats would not
    keep(a)
    return _numpy_line(a, tn, 'a copy made by Pillow __array_interface__')


def describe(o, opening=True, keep=None):
    """The description line of o. opening=False (listing a frame) never runs code of the object's class."""
    t = type(o)
    tn = _type_name(t)
    np = sys.modules.get('numpy')
    if np is not None and issubclass(t, np.ndarray):
        return _numpy_line(o, tn)
    torch = sys.modules.get('torch')
    if torch is not None and issubclass(t, torch.Tensor):
        return _tensor_line(o, tn, opening, keep)
    pil = sys.modules.get('PIL.Image')
    if pil is not None and issubclass(t, pil.Image):
        return _pil_line(o, tn, keep) if opening else 'arraylens2;' + tn + ';Pillow image: its pixels are read when opened'
    inst = _instance_dict(o)
    if '__array_interface__' in inst:
        return _interface_line(inst['__array_interface__'], tn)
    found, ai = _static(t, '__array_interface__')
    if found and type(ai) is dict:
        return _interface_line(ai, tn)
    computed = ('__array_interface__' if found else None) or ('__array__' if _static(t, '__array__')[0] else None)
    if computed is None and _static(t, '__buffer__')[0] and type(_static(t, '__buffer__')[1]).__name__ == 'function':
        computed = '__buffer__'
    if computed is not None:
        if not opening:
            return 'arraylens2;' + tn + ';' + computed + ' is computed: it runs when opened'
        if computed == '__array_interface__':
            ai = o.__array_interface__  # read once
            data = ai.get('data') if isinstance(ai, dict) else None
            if isinstance(data, tuple):
                return _interface_line(ai, tn, 'computed __array_interface__, read once')
            if np is None:
                return 'arraylens3;' + tn + ';its __array_interface__ holds no pointer: import numpy in the program to open a copy'
            a = np.asarray(type('ArrayLensInterface', (), {'__array_interface__': ai})())
        elif computed == '__array__':
            a = o.__array__()
        else:
            line = _buffer_line(o, tn)
            return line if line is not None else 'arraylens0;' + tn
        if np is None or not isinstance(a, np.ndarray):
            return 'arraylens3;' + tn + ';' + computed + ' gave a ' + _type_name(type(a)) + ', not an array'
        keep(a)
        return _numpy_line(a, tn, 'a copy made by ' + computed)
    line = _buffer_line(o, tn)
    return line if line is not None else 'arraylens0;' + tn


def safe_describe(o, opening=True, keep=None):
    try:
        return describe(o, opening, keep)
    except Exception as e:
        return 'arraylens3;' + _type_name(type(o)) + ';' + _clean(type(e).__name__) + ': ' + _clean(e)


def keeper(expr):
    """Arrays computed on request must outlive this call: held per expression (the last 8) until opened again."""
    def keep(v):
        held = sys.modules.get('_arraylens_held')
        if held is None:
            held = sys.modules['_arraylens_held'] = type(sys)('_arraylens_held')
            held.arrays = {}
        held.arrays.pop(expr, None)
        held.arrays[expr] = v
        while len(held.arrays) > 8:
            held.arrays.pop(next(iter(held.arrays)))
    return keep


_SKIP = (str, int, float, complex, list, tuple, dict, set, frozenset, type(None), type, type(sys), type(len), type(_clean), type(''.join), type(_static.__get__(0)))


def list_frame(frame_locals):
    out = []
    for k, v in list(frame_locals.items()):
        if k.startswith('__') or isinstance(v, _SKIP):
            continue
        line = safe_describe(v, False)
        if not line.startswith('arraylens0;'):
            out.append(k + '=' + line)
    return chr(10).join(out)
`;

/** `(lambda ns: ...)({})` that runs PY_SOURCE and calls `call` (a Python expression over `ns`), leaving nothing behind. */
export function withDescriber(call: string): string {
  return `(lambda ns: (exec(${JSON.stringify(PY_SOURCE)}, ns), ${call}, ns.clear())[1])({})`;
}
