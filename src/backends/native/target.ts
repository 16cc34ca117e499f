// The native DebugTarget: C/C++/Rust values described from debug info (through the NativeDebugger a backend
// provides: lldb-dap or gdb/MI), read through /proc/PID/mem or the debugger's own memory reads.

import { DType, dtype } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral, parseRawLayout } from '../../core/layout';
import { checkNativeExpression } from '../../core/nativeExpression';
import { StridedView, cStrides, validateView } from '../../core/view';
import { TransportChoice, TransportSelector, directCandidate } from '../../transport/selector';
import { Transport, TransportKind } from '../../transport/transport';
import { ArrayHandle, DebugTarget, KnownRegion } from '../../engine/target';
import { killQuietly } from '../dapLaunch';
import { PythonFrameArray, decodePyArray, isPythonObjectType, pythonFrameArrays } from './pyobject';
import { asSigned64, elementDType, hex, parseAddressText, parseArrayType, parseIntegerText, pointeeType, templateArgs } from './types';

/** One value of the stopped frame as the debugger shows it. */
export interface NativeValue {
  /** The expression (or member name) it came from, for messages. */
  name: string;
  type: string;
  value: string;
  /** Where the value itself lies, when the debugger says (lldb memoryReference). */
  address?: bigint;
  /** Backend's handle to list children (variablesReference, varobj name); undefined when it has none. */
  handle?: unknown;
}

/** What a native backend offers: evaluation in the stopped frame, child members, raw memory, the end of it all. */
export interface NativeDebugger {
  readonly name: string;
  readonly pid: number | undefined;
  evaluate(expr: string): Promise<NativeValue>;
  children(v: NativeValue): Promise<NativeValue[]>;
  /** Canonical type of a typedef name, or null when the debugger cannot tell. */
  canonicalType(typeName: string): Promise<string | null>;
  localNames(): Promise<string[]>;
  /** The debugger's own read path (DAP readMemory, MI -data-read-memory-bytes). */
  memoryTransport(): Transport;
  /** Ends the debuggee and the debugger. */
  close(): Promise<void>;
}

export { killQuietly };

interface Described {
  address: bigint;
  dtype: DType;
  shape: number[];
  /** Byte strides; C order when absent. */
  strides?: number[];
  typeName: string;
}

export class NativeTarget implements DebugTarget {
  readonly language = 'native' as const;
  private closed = false;
  /** Python objects (PyObject addresses) behind the expressions resolved so far: identity for cross-language aliases. */
  readonly pythonObjects = new Map<string, bigint>();

  /** `endsDebuggee: false`: a frame's view inside a longer session (mixed DAP): close() releases only what it read with. */
  constructor(
    private readonly dbg: NativeDebugger,
    private readonly options: { endsDebuggee?: boolean } = {},
  ) {
    this.transports = new TransportSelector(dbg.name, [
      directCandidate(() => dbg.pid, 'use --transport dap'),
      { kind: 'dap', reason: `${dbg.name} reads memory`, open: () => dbg.memoryTransport() },
    ]);
  }

  get pid(): number | undefined {
    return this.dbg.pid;
  }

  get debuggerName(): string {
    return this.dbg.name;
  }

  async resolve(expr: string): Promise<ArrayHandle> {
    const raw = parseRawLayout(expr);
    // issue 18: only variable paths reach the debugger (no calls, assignments, registers) in any part of a layout.
    for (const part of raw ? [raw.pointer, ...raw.dims, ...(raw.strides ?? [])] : [expr]) checkNativeExpression(part);
    let d: Described;
    if (raw) {
      const address = await this.evaluateAddress(raw.pointer);
      const shape: number[] = [];
      for (const e of raw.dims) shape.push(Number(await this.evaluateInteger(e)));
      const strides = raw.strides ? await Promise.all(raw.strides.map(async (s) => Number(await this.evaluateInteger(s)))) : undefined;
      d = { address, dtype: raw.dtype, shape, strides, typeName: 'raw layout' };
    } else {
      d = await this.describe(expr, await this.dbg.evaluate(expr), 0);
    }
    const view: StridedView = { address: d.address, dtype: d.dtype, shape: d.shape, strides: d.strides ?? cStrides(d.shape, d.dtype.itemsize) };
    validateView(view);
    return { expr, language: 'native', view, typeName: d.typeName };
  }

  async listArrays(known: readonly KnownRegion[] = []): Promise<ArrayHandle[]> {
    const out: ArrayHandle[] = [];
    for (const name of await this.dbg.localNames()) {
      try {
        out.push(await this.resolve(name));
      } catch {
        // Locals that are not arrays are left out; a bare pointer into a known array is one, with that array's extent.
        const h = known.length ? await this.pointerInto(name, known).catch(() => null) : null;
        if (h) out.push(h);
      }
    }
    return out;
  }

  /**
   * A pointer local (`float* imageData = image.Data()`) whose address lies inside an array another debugger of this
   * process showed: the elements from it to that array's end, as the layout `imageData as float32[3072]` (the
   * innermost such array when they nest, a Buffer inside its pool). Null when it is no such pointer.
   */
  private async pointerInto(name: string, known: readonly KnownRegion[]): Promise<ArrayHandle | null> {
    const v = await this.dbg.evaluate(name);
    const pointee = pointeeType(v.type.trim());
    if (pointee === null || /[<([]/.test(pointee) || /&\s*$/.test(v.type.trim())) return null;
    const address = parseAddressText(v.value);
    if (address === null || address === 0n) return null;
    const region = known
      .filter((r) => r.nbytes > 0 && address >= r.address && address < r.address + BigInt(r.nbytes))
      .sort((a, b) => a.nbytes - b.nbytes)[0];
    if (!region) return null;
    const bare = pointee.replace(/^(const|volatile)\s+/g, '').replace(/\s+(const|volatile)$/g, '');
    const dt = /^(void|char|signed char|unsigned char)$/.test(bare) ? dtype('uint8') : await this.dtypeOf(name, bare).catch(() => null);
    if (!dt) return null;
    const n = Number((region.address + BigInt(region.nbytes) - address) / BigInt(dt.itemsize));
    if (n < 1) return null;
    const view: StridedView = { address, dtype: dt, shape: [n], strides: [dt.itemsize] };
    validateView(view);
    return { expr: `${name} as ${dt.name}[${n}]`, language: 'native', view, typeName: `${v.type.trim()} into ${region.expr} (${region.language})` };
  }

  /** The process's memory, else the debugger's own reads (DAP readMemory, MI). */
  private readonly transports: TransportSelector;

  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return this.transports.select(kind, probe);
  }

  /** How the last transport was chosen (e.g. direct: /proc/PID/mem readable). */
  get transportChoice(): TransportChoice | null {
    return this.transports.lastChoice;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transports.reset();
    if (this.options.endsDebuggee === false) return;
    const pid = this.pid;
    try {
      await this.dbg.close();
    } finally {
      killQuietly(pid);
    }
  }

  // --- expressions of the frame ---

  private async evaluateInteger(expr: string): Promise<bigint> {
    if (isIntegerLiteral(expr)) return BigInt(expr.trim());
    const v = await this.dbg.evaluate(expr);
    const n = parseIntegerText(v.value);
    if (n !== null && !/\*|\[/.test(v.type)) return n;
    throw new ArrayLensError('bad-expression', `'${expr}' is not an integer (${v.type} ${v.value.slice(0, 60)})`);
  }

  /** Address a pointer expression holds; for an array expression, the address of its first element. */
  private async evaluateAddress(expr: string): Promise<bigint> {
    if (isIntegerLiteral(expr)) return BigInt(expr.trim());
    const v = await this.dbg.evaluate(expr);
    if (parseArrayType(v.type)) return this.addressOf(expr, v);
    const nonNull = await this.nonNullPointer(v);
    if (nonNull !== null) return nonNull;
    const a = parseAddressText(v.value);
    if (a === null) throw new ArrayLensError('bad-expression', `'${expr}' is not a pointer (${v.type})`);
    return a;
  }

  /** Where a value lies: lldb says it (memoryReference); otherwise `&(expr)`. */
  private async addressOf(expr: string, v: NativeValue): Promise<bigint> {
    if (v.address !== undefined) return v.address;
    const p = await this.dbg.evaluate(`&(${expr})`);
    const a = parseAddressText(p.value);
    if (a === null) throw new ArrayLensError('bad-expression', `cannot take the address of '${expr}' (${p.value.slice(0, 60)})`);
    return a;
  }

  private async dtypeOf(expr: string, element: string): Promise<DType> {
    let name = element;
    for (let i = 0; i < 6; i++) {
      const dt = elementDType(name);
      if (dt) return dt;
      const canon = await this.dbg.canonicalType(name).catch(() => null);
      if (!canon || canon === name) break;
      name = canon;
    }
    throw new ArrayLensError('unsupported-dtype', `'${expr}' has elements of type ${element}, which ArrayLens cannot show (numbers, bool, complex, half only)`);
  }

  // --- recognising containers from debug info ---

  private async describe(expr: string, v: NativeValue, depth: number): Promise<Described> {
    const type = v.type.trim().replace(/^(const|volatile)\s+/, '');
    const arr = parseArrayType(type);
    if (arr) return this.describeFixed(expr, v, arr);
    const tpl = templateArgs(type);
    const base = tpl?.base.replace(/^std::__1::/, 'std::').replace(/^std::__cxx11::/, 'std::');
    if (tpl && base === 'std::vector') return this.describeStdVector(expr, tpl.args[0], type);
    if (tpl && base === 'std::array') return this.describeStdArray(expr, v, tpl.args, type);
    if (tpl && (tpl.base === 'Napi::TypedArrayOf' || tpl.base === 'Napi::Buffer'))
      return this.describeNapiTypedArray(expr, tpl.args[0], type, tpl.base === 'Napi::Buffer');
    if (tpl && /^ndarray::(ArrayBase|ArrayRef|LayoutRef|RawRef)$/.test(tpl.base)) return this.describeNdarray(expr, v, type);
    if (tpl && (tpl.base === 'alloc::vec::Vec' || tpl.base === 'Vec')) return this.describeRustVec(expr, v, tpl.args[0], type);
    const kids = v.handle !== undefined ? await this.dbg.children(v) : [];
    const dataPtr = kids.find((k) => k.name === 'data_ptr');
    const length = kids.find((k) => k.name === 'length');
    if (dataPtr && length) return this.describeRustSlice(expr, dataPtr, length, type);
    // NumPy arrays behind Python object pointers (PyO3 Bound/Py/PyReadonlyArray, PyObject*): decoded from memory.
    if (isPythonObjectType(type)) return this.describePyObject(expr, v);
    const pointee = pointeeType(type);
    if (pointee !== null) {
      // A reference or pointer to a container (Rust `&Array2<f32>` shows as `ndarray::ArrayBase<...> *`): look through it.
      if (depth < 2 && /[<[]/.test(pointee) && kids.length === 1) return this.describe(expr, kids[0], depth + 1);
      if (depth < 2 && /[<[]/.test(pointee)) {
        const deref = await this.dbg.evaluate(`*(${expr})`).catch(() => null);
        if (deref) return this.describe(`*(${expr})`, deref, depth + 1);
      }
      const dt = await this.dtypeOf(expr, pointee).catch(() => null);
      if (!dt && !/^(void|char|unsigned char|signed char)$/.test(pointee))
        throw new ArrayLensError('not-an-array', `'${expr}' is a pointer to ${pointee}, not an array: inspect a member, or give it a layout 'PTR as DTYPE[N]'`);
      const example = dt ? `${expr} as ${dt.name}[N]` : `${expr} as float32[N]`;
      throw new ArrayLensError('not-an-array', `'${expr}' is a pointer (${type}) with no length in the debug info: give it a layout, e.g. '${example}'`);
    }
    throw new ArrayLensError('not-an-array', `'${expr}' is a ${type || 'value'}, not an array`);
  }

  /** Where the Python object of a PyO3 wrapper or PyObject pointer lies: the first object pointer inside it. */
  private async pyObjectAddress(v: NativeValue, depth: number): Promise<bigint | null> {
    const pointee = pointeeType(v.type.trim());
    if (pointee !== null && isPythonObjectType(pointee) && !/\b(Bound|Borrowed|Py|PyReadonlyArray|PyReadwriteArray)</.test(pointee))
      return parseAddressText(v.value);
    if (depth > 6 || v.handle === undefined) return null;
    for (const k of await this.dbg.children(v)) {
      if (/PhantomData|marker::|Python</.test(k.type)) continue;
      const a = await this.pyObjectAddress(k, depth + 1);
      if (a !== null) return a;
    }
    return null;
  }

  private async describePyObject(expr: string, v: NativeValue): Promise<Described> {
    const object = await this.pyObjectAddress(v, 0);
    if (object === null) throw new ArrayLensError('not-an-array', `'${expr}' (${v.type}): no Python object pointer found in the debug info`);
    const a = await decodePyArray((address, length) => this.readMemory(address, length), object, expr);
    this.pythonObjects.set(expr, object);
    return { address: a.view.address, dtype: a.view.dtype, shape: [...a.view.shape], strides: [...a.view.strides], typeName: `${v.type} -> ${a.typeName}` };
  }

  /** NumPy arrays of the Python frames of the stopped thread (a native function called from Python, GIL held). */
  async pythonFrameArrays(): Promise<PythonFrameArray[]> {
    return pythonFrameArrays(
      (e) => this.evaluateAddress(e),
      (address, length) => this.readMemory(address, length),
    );
  }

  /** Raw bytes of the debuggee, by the direct path when it works (the debugger's reads otherwise). */
  private async readMemory(address: bigint, length: number): Promise<Buffer> {
    const t = await this.transport('auto', { address, dtype: dtype('uint8'), shape: [length], strides: [1] });
    if (t.readRange) return t.readRange(address, length);
    return t.readView({ address, dtype: dtype('uint8'), shape: [length], strides: [1] });
  }

  private async describeFixed(expr: string, v: NativeValue, arr: { element: string; dims: number[] }): Promise<Described> {
    let element = arr.element;
    const dims = arr.dims.slice();
    // [[T; 3]; 2] and T[2][3] both come out flat above; std::array<T, N> elements nest one more level.
    for (let t = templateArgs(element); t && /^std::(__1::)?array$/.test(t.base) && t.args.length === 2; t = templateArgs(element)) {
      dims.push(Number(t.args[1].replace(/[^\d]/g, '')));
      element = t.args[0];
    }
    const dt = await this.dtypeOf(expr, element);
    return { address: await this.addressOf(expr, v), dtype: dt, shape: dims, typeName: v.type };
  }

  private async describeStdArray(expr: string, v: NativeValue, args: string[], type: string): Promise<Described> {
    const n = Number((args[1] ?? '').replace(/[^\d]/g, ''));
    if (!Number.isSafeInteger(n)) throw new ArrayLensError('not-an-array', `'${expr}': cannot read the length of ${type}`);
    const inner = await this.describeFixed(expr, v, { element: args[0], dims: [n] });
    return { ...inner, typeName: type };
  }

  /**
   * node-addon-api wrappers hold their view in members: TypedArrayOf<T> has `_data` (T*) and `_length` (elements);
   * Buffer<T> is a Uint8Array whose `_length` counts bytes (Buffer<T>::Length() is ByteLength() / sizeof(T)).
   */
  private async describeNapiTypedArray(expr: string, element: string, type: string, isBuffer: boolean): Promise<Described> {
    const dt = await this.dtypeOf(expr, element);
    const address = await this.evaluateAddress(`(${expr})._data`);
    const length = Number(await this.evaluateInteger(`(${expr})._length`));
    const n = isBuffer ? Math.floor(length / dt.itemsize) : length;
    if (!Number.isSafeInteger(n) || n < 0) throw new ArrayLensError('unreadable', `'${expr}' looks uninitialised: _length ${length}`);
    return { address, dtype: dt, shape: [n], typeName: type };
  }

  private async describeStdVector(expr: string, element: string, type: string): Promise<Described> {
    const dt = elementDType(element) ?? (element === 'bool' ? null : await this.dtypeOf(expr, element));
    if (!dt || element === 'bool')
      throw new ArrayLensError('not-an-array', `'${expr}' is a std::vector<bool>, which packs bits: ArrayLens shows arrays of whole elements`);
    for (const [begin, end] of [
      ['_M_impl._M_start', '_M_impl._M_finish'],
      ['__begin_', '__end_'],
    ]) {
      let start: NativeValue;
      let finish: NativeValue;
      try {
        start = await this.dbg.evaluate(`(${expr}).${begin}`);
        finish = await this.dbg.evaluate(`(${expr}).${end}`);
      } catch {
        continue;
      }
      const a = parseAddressText(start.value);
      const b = parseAddressText(finish.value);
      if (a === null || b === null) continue;
      const n = Number(b - a) / dt.itemsize;
      if (!Number.isSafeInteger(n) || n < 0) throw new ArrayLensError('unreadable', `'${expr}' looks corrupt: begin ${hex(a)}, end ${hex(b)}`);
      return { address: a, dtype: dt, shape: [n], typeName: type };
    }
    throw new ArrayLensError('not-an-array', `'${expr}' (${type}): neither libstdc++ nor libc++ members found in the debug info`);
  }

  /** Finds a member by name among `v`'s children, looking one level into wrappers (ndarray 0.17's `parts`). */
  private async member(v: NativeValue, name: string, depth = 2): Promise<NativeValue | null> {
    const kids = await this.dbg.children(v);
    const hit = kids.find((k) => k.name === name);
    if (hit || depth <= 1) return hit ?? null;
    for (const k of kids) {
      if (k.handle === undefined || /^(data|_marker|alloc)$/.test(k.name) || pointeeType(k.type) !== null) continue;
      const deeper = await this.member(k, name, depth - 1);
      if (deeper) return deeper;
    }
    return null;
  }

  /** The address inside a pointer-like value: a raw pointer, or NonNull/Unique wrappers around one. */
  private async nonNullPointer(v: NativeValue): Promise<bigint | null> {
    let cur: NativeValue | undefined = v;
    for (let i = 0; i < 4 && cur; i++) {
      if (pointeeType(cur.type) !== null) return parseAddressText(cur.value);
      if (!/NonNull|Unique|NonZero/.test(cur.type) || cur.handle === undefined) return null;
      const kids: NativeValue[] = await this.dbg.children(cur);
      cur = kids.find((k) => k.name === 'pointer') ?? kids.find((k) => k.name === '__0') ?? kids[0];
    }
    return null;
  }

  /** The raw pointer type inside NonNull<T>/Unique<T>, for the element type. */
  private async pointerType(v: NativeValue): Promise<string | null> {
    let cur: NativeValue | undefined = v;
    for (let i = 0; i < 4 && cur; i++) {
      if (pointeeType(cur.type) !== null) return cur.type;
      if (cur.handle === undefined) return null;
      const kids: NativeValue[] = await this.dbg.children(cur);
      cur = kids.find((k) => k.name === 'pointer') ?? kids[0];
    }
    return null;
  }

  private async integers(v: NativeValue, what: string): Promise<bigint[]> {
    // Dim<[usize; N]> -> index: [usize; N]; Dim<IxDynImpl> -> index -> __0 -> enum { Inline(u32, [usize; 4]), Alloc(Box<[usize]>) }
    let cur = v;
    for (let i = 0; i < 3; i++) {
      const kids = await this.dbg.children(cur);
      if (parseArrayType(cur.type)) return kids.map((k) => this.integerOf(k, what));
      const variants = kids.find((k) => k.name === '$variants$');
      if (variants) return this.enumIntegers(variants, what);
      const next = kids.find((k) => k.name === 'index') ?? kids.find((k) => k.name === '__0');
      if (!next) break;
      cur = next;
    }
    throw new ArrayLensError('not-an-array', `cannot read ${what} from ${v.type}`);
  }

  private integerOf(k: NativeValue, what: string): bigint {
    const n = parseIntegerText(k.value);
    if (n === null) throw new ArrayLensError('not-an-array', `${what}: '${k.value}' is not an integer`);
    return n;
  }

  /** A Rust enum as lldb shows it ($variants$ -> $variant$N {$discr$, value}): the active variant's integers. */
  private async enumIntegers(variants: NativeValue, what: string): Promise<bigint[]> {
    const vs = await this.dbg.children(variants);
    if (!vs.length) throw new ArrayLensError('not-an-array', `${what}: empty enum`);
    const first = await this.dbg.children(vs[0]);
    const discrKid = first.find((k) => k.name === '$discr$');
    const discr = discrKid ? Number(parseIntegerText(discrKid.value) ?? 0n) : 0;
    const active = vs.length === 1 ? vs[0] : vs[discr];
    if (!active) throw new ArrayLensError('not-an-array', `${what}: enum discriminant ${discr} out of range`);
    const value = (await this.dbg.children(active)).find((k) => k.name === 'value');
    if (!value) throw new ArrayLensError('not-an-array', `${what}: enum variant without value`);
    const fields = await this.dbg.children(value);
    if (/Inline/.test(active.type) && fields.length >= 2) {
      // Inline(len: u32, [usize; CAP])
      const len = Number(this.integerOf(fields[0], what));
      const items = await this.dbg.children(fields[1]);
      if (len > items.length) throw new ArrayLensError('not-an-array', `${what}: inline length ${len} exceeds capacity ${items.length}`);
      return items.slice(0, len).map((k) => this.integerOf(k, what));
    }
    // Alloc(Box<[usize]>): data_ptr + length, the numbers themselves in debuggee memory.
    const boxed = await this.dbg.children(fields[0] ?? value);
    const ptr = boxed.find((k) => k.name === 'data_ptr');
    const len = boxed.find((k) => k.name === 'length');
    if (!ptr || !len) throw new ArrayLensError('not-an-array', `${what}: unrecognised enum payload ${fields[0]?.type ?? ''}`);
    const n = Number(this.integerOf(len, what));
    const addr = parseAddressText(ptr.value);
    if (addr === null || n > 64) throw new ArrayLensError('not-an-array', `${what}: bad heap dimension list`);
    const buf = await this.dbg.memoryTransport().readRange!(addr, n * 8);
    return Array.from({ length: n }, (_, i) => buf.readBigUInt64LE(i * 8));
  }

  private async describeNdarray(expr: string, v: NativeValue, type: string): Promise<Described> {
    const ptr = await this.member(v, 'ptr');
    const dim = await this.member(v, 'dim');
    const strides = await this.member(v, 'strides');
    if (!ptr || !dim || !strides) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): ptr/dim/strides not found in the debug info`);
    const ptrType = await this.pointerType(ptr);
    const element = ptrType ? pointeeType(ptrType) : null;
    if (!element) throw new ArrayLensError('not-an-array', `'${expr}': cannot find the element type of ${ptr.type}`);
    const dt = await this.dtypeOf(expr, element);
    const address = await this.nonNullPointer(ptr);
    if (address === null) throw new ArrayLensError('not-an-array', `'${expr}': cannot read its data pointer`);
    const shape = (await this.integers(dim, `'${expr}' dim`)).map(Number);
    const elemStrides = (await this.integers(strides, `'${expr}' strides`)).map(asSigned64);
    if (shape.length !== elemStrides.length) throw new ArrayLensError('not-an-array', `'${expr}': ${shape.length} dims but ${elemStrides.length} strides`);
    return {
      address,
      dtype: dt,
      shape,
      strides: elemStrides.map((s) => Number(s * BigInt(dt.itemsize))),
      typeName: type,
    };
  }

  private async describeRustVec(expr: string, v: NativeValue, element: string, type: string): Promise<Described> {
    const dt = await this.dtypeOf(expr, element);
    const len = await this.member(v, 'len', 1);
    const buf = await this.member(v, 'buf', 1);
    if (!len || !buf) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): len/buf not found in the debug info`);
    // RawVec { inner: RawVecInner { ptr: Unique<u8> .. } } (Rust >= 1.83) or RawVec { ptr: Unique<T> .. } before.
    const ptr = (await this.member(buf, 'ptr', 2)) ?? null;
    const address = ptr ? await this.nonNullPointer(ptr) : null;
    if (address === null) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): cannot read its buffer pointer`);
    const n = Number(this.integerOf(len, `'${expr}' len`));
    return { address, dtype: dt, shape: [n], typeName: type };
  }

  private async describeRustSlice(expr: string, dataPtr: NativeValue, length: NativeValue, type: string): Promise<Described> {
    const element = pointeeType(dataPtr.type);
    if (!element) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): unrecognised slice pointer ${dataPtr.type}`);
    const dt = await this.dtypeOf(expr, element);
    const address = parseAddressText(dataPtr.value);
    if (address === null) throw new ArrayLensError('not-an-array', `'${expr}': cannot read its data pointer`);
    const n = Number(this.integerOf(length, `'${expr}' length`));
    return { address, dtype: dt, shape: [n], typeName: type };
  }
}
