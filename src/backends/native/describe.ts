// Recognising arrays in native values from debug info: C arrays, pointers, Rust slices, Python objects here; each
// container library (std::vector, ndarray, Eigen, ...) is one recogniser in ./containers, listed in CONTAINERS and handed to the describer by target.ts.

import { DType } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral } from '../../core/layout';
import { Transport } from '../../transport/transport';
import { decodePyArray, isPythonObjectType } from './pyobject';
import { elementDType, parseAddressText, parseArrayType, parseIntegerText, pointeeType, templateArgs } from './types';

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

/** Where an array lies and how it is laid out, as read from debug info. */
export interface Described {
  address: bigint;
  dtype: DType;
  shape: number[];
  /** Byte strides; C order when absent. */
  strides?: number[];
  typeName: string;
}

/** One container library: recognised by its (normalised) template base name, described from its members. */
export interface ContainerRecogniser {
  readonly name: string;
  matches(base: string, args: string[], type: string): boolean;
  describe(d: NativeDescriber, expr: string, v: NativeValue, tpl: { base: string; args: string[] }, type: string): Promise<Described>;
}

export class NativeDescriber {
  constructor(
    readonly dbg: NativeDebugger,
    /** Raw bytes of the debuggee (for Python objects behind pointers). */
    readonly readMemory: (address: bigint, length: number) => Promise<Buffer>,
    /** Python objects (PyObject addresses) behind the expressions described so far. */
    readonly pythonObjects: Map<string, bigint>,
    /** The container recognisers, tried in order (./containers CONTAINERS; given, not imported: they import this file's types). */
    private readonly containers: readonly ContainerRecogniser[],
  ) {}

  // --- expressions of the frame ---

  async evaluateInteger(expr: string): Promise<bigint> {
    if (isIntegerLiteral(expr)) return BigInt(expr.trim());
    const v = await this.dbg.evaluate(expr);
    const n = parseIntegerText(v.value);
    if (n !== null && !/\*|\[/.test(v.type)) return n;
    throw new ArrayLensError('bad-expression', `'${expr}' is not an integer (${v.type} ${v.value.slice(0, 60)})`);
  }

  /** Address a pointer expression holds; for an array expression, the address of its first element. */
  async evaluateAddress(expr: string): Promise<bigint> {
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
  async addressOf(expr: string, v: NativeValue): Promise<bigint> {
    if (v.address !== undefined) return v.address;
    const p = await this.dbg.evaluate(`&(${expr})`);
    const a = parseAddressText(p.value);
    if (a === null) throw new ArrayLensError('bad-expression', `cannot take the address of '${expr}' (${p.value.slice(0, 60)})`);
    return a;
  }

  async dtypeOf(expr: string, element: string): Promise<DType> {
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

  async describe(expr: string, v: NativeValue, depth: number): Promise<Described> {
    const type = v.type.trim().replace(/^(const|volatile)\s+/, '');
    const arr = parseArrayType(type);
    if (arr) return this.describeFixed(expr, v, arr);
    const tpl = templateArgs(type);
    // Template types by their base name; typedef names (Eigen::MatrixXf) come with no arguments and base = the name.
    if (pointeeType(type) === null) {
      const base = (tpl?.base ?? type).replace(/^std::__1::/, 'std::').replace(/^std::__cxx11::/, 'std::');
      const args = tpl?.args ?? [];
      const recogniser = this.containers.find((c) => c.matches(base, args, type));
      if (recogniser) return recogniser.describe(this, expr, v, { base, args }, type);
    }
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

  /**
   * A member container (a Vec inside an ImageBuffer): by its path evaluated afresh first (gdb's child varobjs of a
   * Rust value do not always list their own members), else from the child value the debugger gave.
   */
  async describeMember(path: string, child: NativeValue): Promise<Described> {
    const fresh = await this.dbg.evaluate(path).catch(() => null);
    if (fresh) {
      const d = await this.describe(path, fresh, 1).catch(() => null);
      if (d) return d;
    }
    return this.describe(path, child, 1);
  }

  /** Where the Python object of a PyO3 wrapper or PyObject pointer lies: the first object pointer inside it. */
  async pyObjectAddress(v: NativeValue, depth: number): Promise<bigint | null> {
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

  async describePyObject(expr: string, v: NativeValue): Promise<Described> {
    const object = await this.pyObjectAddress(v, 0);
    if (object === null) throw new ArrayLensError('not-an-array', `'${expr}' (${v.type}): no Python object pointer found in the debug info`);
    const a = await decodePyArray((address, length) => this.readMemory(address, length), object, expr);
    this.pythonObjects.set(expr, object);
    return { address: a.view.address, dtype: a.view.dtype, shape: [...a.view.shape], strides: [...a.view.strides], typeName: `${v.type} -> ${a.typeName}` };
  }



  async describeFixed(expr: string, v: NativeValue, arr: { element: string; dims: number[] }): Promise<Described> {
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

  /** Finds a member by name among `v`'s children, looking one level into wrappers (ndarray 0.17's `parts`). */
  async member(v: NativeValue, name: string, depth = 2): Promise<NativeValue | null> {
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
  async nonNullPointer(v: NativeValue): Promise<bigint | null> {
    let cur: NativeValue | undefined = v;
    for (let i = 0; i < 4 && cur; i++) {
      // gdb spells Rust raw pointers `*const u8` / `*mut T`; lldb as C does (`unsigned char *`).
      if (pointeeType(cur.type) !== null || /^\*(const|mut)\s/.test(cur.type.trim())) return parseAddressText(cur.value);
      if (!/NonNull|Unique|NonZero/.test(cur.type) || cur.handle === undefined) return null;
      const kids: NativeValue[] = await this.dbg.children(cur);
      cur = kids.find((k) => k.name === 'pointer') ?? kids.find((k) => k.name === '__0') ?? kids[0];
    }
    return null;
  }

  /** The raw pointer type inside NonNull<T>/Unique<T>, for the element type. */
  async pointerType(v: NativeValue): Promise<string | null> {
    let cur: NativeValue | undefined = v;
    for (let i = 0; i < 4 && cur; i++) {
      if (pointeeType(cur.type) !== null) return cur.type;
      if (cur.handle === undefined) return null;
      const kids: NativeValue[] = await this.dbg.children(cur);
      cur = kids.find((k) => k.name === 'pointer') ?? kids[0];
    }
    return null;
  }

  async integers(v: NativeValue, what: string): Promise<bigint[]> {
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

  integerOf(k: NativeValue, what: string): bigint {
    const n = parseIntegerText(k.value);
    if (n === null) throw new ArrayLensError('not-an-array', `${what}: '${k.value}' is not an integer`);
    return n;
  }

  /** A Rust enum as lldb shows it ($variants$ -> $variant$N {$discr$, value}): the active variant's integers. */
  async enumIntegers(variants: NativeValue, what: string): Promise<bigint[]> {
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

  async describeRustSlice(expr: string, dataPtr: NativeValue, length: NativeValue, type: string): Promise<Described> {
    const element = pointeeType(dataPtr.type);
    if (!element) throw new ArrayLensError('not-an-array', `'${expr}' (${type}): unrecognised slice pointer ${dataPtr.type}`);
    const dt = await this.dtypeOf(expr, element);
    const address = parseAddressText(dataPtr.value);
    if (address === null) throw new ArrayLensError('not-an-array', `'${expr}': cannot read its data pointer`);
    const n = Number(this.integerOf(length, `'${expr}' length`));
    return { address, dtype: dt, shape: [n], typeName: type };
  }
}
