// NumPy arrays seen from native frames: a PyObject pointer (raw, or inside PyO3's Bound/Py/PyReadonlyArray) decoded
// from the debuggee's memory through the PyArrayObject fields, without asking the Python debugger (which cannot
// answer while the native debugger holds the process).
//
// The offsets below are NumPy's and CPython's C ABI, not guesses per version: compiled extensions read these very
// fields through macros (PyArray_DATA, PyArray_NDIM, Py_TYPE, ...), so they cannot move without breaking every
// extension in the wild. What did change is handled explicitly: PyArray_Descr.elsize moved in NumPy 2 (it is only
// read for dtypes the type number does not pin down). Free-threaded CPython (3.13t) has a larger object header and
// is refused with a message rather than misread.

import { DType, DTypeName, dtype, HOST_BYTE_ORDER } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { StridedView, byteExtent, elementCount, validateView } from '../../core/view';

export type ReadMemory = (address: bigint, length: number) => Promise<Buffer>;

/** PyObject_HEAD of a standard (GIL) CPython build, 64-bit. */
const OB_REFCNT = 0;
const OB_TYPE = 8;
/** PyTypeObject. */
const TP_NAME = 24;
const TP_BASE = 256;
/** PyArrayObject_fields (numpy/ndarraytypes.h). */
const PA_DATA = 16;
const PA_ND = 24;
const PA_DIMENSIONS = 32;
const PA_STRIDES = 40;
const PA_DESCR = 56;
const PA_SIZE = 72;
/** PyArray_Descr (both NumPy 1 and 2 up to type_num). */
const DESCR_TYPEOBJ = 16;
const DESCR_KIND = 24;
const DESCR_BYTEORDER = 26;
const DESCR_TYPE_NUM = 28;
const DESCR_ELSIZE_NP2 = 40; // npy_intp in NumPy >= 2
const DESCR_ELSIZE_NP1 = 32; // int in NumPy 1.x

/** NumPy's built-in type numbers (NPY_TYPES) -> dtype on LP64 Linux/macOS (NPY_LONG is 8 bytes there). */
const TYPE_NUMS: Record<number, DTypeName> = {
  0: 'bool', 1: 'int8', 2: 'uint8', 3: 'int16', 4: 'uint16', 5: 'int32', 6: 'uint32', 7: 'int64', 8: 'uint64',
  9: 'int64', 10: 'uint64', 11: 'float32', 12: 'float64', 14: 'complex64', 15: 'complex128', 23: 'float16',
};
const TYPE_NUM_NAMES: Record<number, string> = {
  13: 'longdouble', 16: 'clongdouble', 17: 'object', 18: 'bytes', 19: 'str', 20: 'void', 21: 'datetime64', 22: 'timedelta64',
};

/** Type names of native values that hold a Python object pointer (PyO3, rust-numpy, CPython's C API). */
export function isPythonObjectType(typeName: string): boolean {
  return /(^|::|\b)(PyObject|PyArrayObject|_object|PyArray|PyReadonlyArray|PyReadwriteArray|PyUntypedArray|PyAny)\b|\bpyo3::instance::(Bound|Borrowed|Py)</.test(typeName);
}

/** A NumPy array found in memory: its object, its view, what Python calls its type. */
export interface DecodedPyArray {
  object: bigint;
  view: StridedView;
  typeName: string;
}

async function readCString(read: ReadMemory, address: bigint, max = 128): Promise<string> {
  const b = await read(address, max);
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('latin1');
}

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

/** Python type name of the object at `object` and whether numpy.ndarray is among its bases. */
export async function pythonTypeOf(read: ReadMemory, object: bigint): Promise<{ name: string; isNdarray: boolean }> {
  const head = await read(object, 16);
  const refcnt = head.readBigInt64LE(OB_REFCNT);
  let type = head.readBigUInt64LE(OB_TYPE);
  if (refcnt <= 0n || refcnt > 1n << 48n || type === 0n)
    throw new ArrayLensError('unreadable', `no live Python object at ${hex(object)} (refcount ${refcnt}, type ${hex(type)}): a dangling or uninitialised pointer?`);
  let name = '';
  for (let depth = 0; depth < 16 && type !== 0n; depth++) {
    const t = await read(type, TP_BASE + 8);
    const tpName = t.readBigUInt64LE(TP_NAME);
    if (tpName === 0n) break;
    const n = await readCString(read, tpName);
    if (!/^[\w.<>-]+$/.test(n))
      throw new ArrayLensError('unreadable', `${hex(object)} does not look like a Python object (type name '${n.slice(0, 20)}'): a dangling pointer, or a free-threaded CPython build, which ArrayLens cannot decode from memory`);
    if (depth === 0) name = n;
    if (n === 'numpy.ndarray') return { name, isNdarray: true };
    type = t.readBigUInt64LE(TP_BASE);
  }
  return { name, isNdarray: false };
}

/** Decodes the NumPy array whose PyObject lies at `object`. */
export async function decodePyArray(read: ReadMemory, object: bigint, expr: string): Promise<DecodedPyArray> {
  if (object === 0n) throw new ArrayLensError('not-an-array', `'${expr}' is a null Python object pointer`);
  const ty = await pythonTypeOf(read, object);
  if (!ty.isNdarray) throw new ArrayLensError('not-an-array', `'${expr}' is a Python ${ty.name} object, not a NumPy array`);
  const f = await read(object, PA_SIZE);
  const data = f.readBigUInt64LE(PA_DATA);
  const nd = f.readInt32LE(PA_ND);
  const dimsPtr = f.readBigUInt64LE(PA_DIMENSIONS);
  const stridesPtr = f.readBigUInt64LE(PA_STRIDES);
  const descr = f.readBigUInt64LE(PA_DESCR);
  if (nd < 0 || nd > 64) throw new ArrayLensError('unreadable', `'${expr}': ndarray at ${hex(object)} has ${nd} dimensions: corrupt object?`);
  const shape: number[] = [];
  const strides: number[] = [];
  if (nd > 0) {
    const d = await read(dimsPtr, nd * 8);
    const s = await read(stridesPtr, nd * 8);
    for (let i = 0; i < nd; i++) {
      const n = d.readBigInt64LE(i * 8);
      if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArrayLensError('unreadable', `'${expr}': dimension ${i} is ${n}: corrupt object?`);
      shape.push(Number(n));
      strides.push(Number(s.readBigInt64LE(i * 8)));
    }
  }
  const dt = await descrDType(read, descr, expr);
  const view: StridedView = { address: data, dtype: dt, shape, strides };
  validateView(view);
  return { object, view, typeName: `${ty.name} (PyObject at ${hex(object)})` };
}

async function descrDType(read: ReadMemory, descr: bigint, expr: string): Promise<DType> {
  const b = await read(descr, 48);
  const kind = String.fromCharCode(b[DESCR_KIND]);
  const order = String.fromCharCode(b[DESCR_BYTEORDER]);
  const typeNum = b.readInt32LE(DESCR_TYPE_NUM);
  const byteOrder = order === '>' ? 'big' : order === '<' ? 'little' : HOST_BYTE_ORDER;
  const builtin = TYPE_NUMS[typeNum];
  if (builtin) return dtype(builtin, byteOrder);
  if (TYPE_NUM_NAMES[typeNum])
    throw new ArrayLensError('unsupported-dtype', `'${expr}' has dtype ${TYPE_NUM_NAMES[typeNum]}, which ArrayLens cannot show yet`);
  // User dtypes (type_num >= 256): ml_dtypes' bfloat16 is the one ArrayLens shows; its scalar type names it.
  const scalarName = await readCString(read, (await read(b.readBigUInt64LE(DESCR_TYPEOBJ) + BigInt(TP_NAME), 8)).readBigUInt64LE(0)).catch(() => '?');
  const elsize2 = b.readBigInt64LE(DESCR_ELSIZE_NP2);
  const elsize1 = b.readInt32LE(DESCR_ELSIZE_NP1);
  if (/(^|\.)bfloat16$/.test(scalarName) && (elsize2 === 2n || elsize1 === 2)) return dtype('bfloat16', byteOrder);
  throw new ArrayLensError('unsupported-dtype', `'${expr}' has dtype ${scalarName} (kind '${kind}', type number ${typeNum}), which ArrayLens cannot show yet`);
}

/** Byte range [lo, hi) a view touches, for overlap tests between arrays of different languages; null when empty. */
export function byteRange(v: StridedView): { lo: bigint; hi: bigint } | null {
  if (elementCount(v.shape) === 0) return null;
  const e = byteExtent(v);
  return { lo: v.address + BigInt(e.lo), hi: v.address + BigInt(e.hi) };
}

/** True when two views share at least one byte. */
export function overlaps(a: StridedView, b: StridedView): boolean {
  const ra = byteRange(a);
  const rb = byteRange(b);
  return ra !== null && rb !== null && ra.lo < rb.hi && rb.lo < ra.hi;
}

/**
 * The text of a compact ASCII str (every identifier Python code writes in ASCII) read from memory: PyASCIIObject is
 * {head, length, hash, state, [wstr until 3.12]} followed by the characters and a NUL. null for other strings.
 * (PyUnicode_AsUTF8 called through lldb-dap never returned here, so the characters are read instead.)
 */
export async function asciiString(read: ReadMemory, str: bigint): Promise<string | null> {
  const h = await read(str, 48);
  const length = Number(h.readBigInt64LE(16));
  const state = h.readUInt32LE(32);
  const compact = (state >> 5) & 1;
  const ascii = (state >> 6) & 1;
  if (!compact || !ascii || length < 0 || length > 4096) return null;
  for (const offset of [40, 48]) {
    const b = await read(str + BigInt(offset), length + 1);
    if (b[length] === 0 && b.subarray(0, length).every((c) => c >= 0x20 && c < 0x7f)) return b.subarray(0, length).toString('latin1');
  }
  return null;
}

/** A NumPy array bound to a name in a Python frame of the stopped thread (0 = the innermost Python frame). */
export interface PythonFrameArray {
  name: string;
  frame: number;
  array: DecodedPyArray;
}

/** Calls of CPython's C API, as a C expression the native debugger evaluates in the stopped thread. */
const C_API = {
  gilHeld: '((int(*)(void))PyGILState_Check)()',
  topFrame: '((void*(*)(void))PyEval_GetFrame)()',
  /** A new list of the frame's (name, value) pairs (PyMapping_Items: a dict before 3.13, a proxy after); the locals
   *  mapping is released at once (the frame keeps its own). */
  items: (frame: bigint) =>
    `void *d = ((void*(*)(void*))PyFrame_GetLocals)((void*)${frame}); ` +
    `if (!d) ((void(*)(void))PyErr_Clear)(); ` +
    `void *items = d ? ((void*(*)(void*))PyMapping_Items)(d) : (void*)0; ` +
    `if (d) ((void(*)(void*))Py_DecRef)(d); ` +
    `if (!items) ((void(*)(void))PyErr_Clear)(); ` +
    `items`,
  /** The caller's frame; the new reference is dropped at once since the running frame below keeps it alive. */
  back: (frame: bigint) => `void *b = ((void*(*)(void*))PyFrame_GetBack)((void*)${frame}); if (b) ((void(*)(void*))Py_DecRef)(b); b`,
  release: (obj: bigint) => `((void(*)(void*))Py_DecRef)((void*)${obj}), 0`,
};

/**
 * NumPy arrays named in the Python frames of a thread stopped in native code that holds the GIL (a PyO3 function, a
 * C extension that did not release it). debugpy cannot answer while the native debugger holds the process, so the
 * frames are walked through CPython's own C API (PyEval_GetFrame, PyFrame_GetLocals, PyFrame_GetBack: stable
 * across versions, unlike the interpreter's frame structs), called by the native debugger, and everything else is
 * read from memory: list and tuple items, and each value as a PyArrayObject. Reference counts are left as they were;
 * like `locals()` or a Python debugger, this materialises the frames' f_locals dicts. Without the GIL the answer is
 * an empty list, not a guess.
 */
export async function pythonFrameArrays(
  evaluateAddress: (cExpr: string) => Promise<bigint>,
  read: ReadMemory,
  maxFrames = 16,
): Promise<PythonFrameArray[]> {
  if ((await evaluateAddress(C_API.gilHeld).catch(() => 0n)) !== 1n) return [];
  const out: PythonFrameArray[] = [];
  let frame = await evaluateAddress(C_API.topFrame);
  for (let depth = 0; frame !== 0n && depth < maxFrames; depth++) {
    const items = await evaluateAddress(C_API.items(frame));
    if (items !== 0n) {
      try {
        const head = await read(items, 32);
        const n = Number(head.readBigInt64LE(16)); // PyListObject: ob_size, then ob_item
        const itemPtrs = n > 0 && n < 100_000 ? await read(head.readBigUInt64LE(24), n * 8) : Buffer.alloc(0);
        for (let i = 0; i < n; i++) {
          const pair = await read(itemPtrs.readBigUInt64LE(i * 8), 40); // PyTupleObject: ob_size, then ob_item[2]
          const key = pair.readBigUInt64LE(24);
          const value = pair.readBigUInt64LE(32);
          const ty = await pythonTypeOf(read, value).catch(() => null);
          if (!ty?.isNdarray) continue;
          const name = await asciiString(read, key);
          if (name === null) continue;
          const array = await decodePyArray(read, value, name).catch(() => null);
          if (array) out.push({ name, frame: depth, array });
        }
      } finally {
        await evaluateAddress(C_API.release(items)).catch(() => 0n);
      }
    }
    frame = await evaluateAddress(C_API.back(frame));
  }
  return out;
}
