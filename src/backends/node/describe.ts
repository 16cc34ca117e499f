// Describing arrays in a paused V8: evaluating user expressions side-effect free, finding the bytes behind
// TypedArrays, Buffers, DataViews and (Shared)ArrayBuffers, and their addresses through the N-API probe.

import { DType, dtype } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral, parseRawLayout } from '../../core/layout';
import { StridedView, byteExtent, cStrides, elementCount, validateView } from '../../core/view';
import { Transport } from '../../transport/transport';
import { ArrayHandle } from '../../engine/target';
import { CallFrame, CdpClient, EvaluateResult, RemoteObject } from '../../rpc/cdpClient';
import {
  BUFFER_ADDRESS,
  BUFFER_OF_VIEW,
  DESCRIBE_DATA_VIEW,
  DESCRIBE_TYPED_ARRAY,
  LOAD_PROBE,
  READ_BASE64,
  TYPED_ARRAY_DTYPES,
  ViewDescription,
} from './functions';
import { findProbe } from './probe';
import { BufferEntry, BufferRegistry, NodeEvaluateTransport } from './transport';

/** A JS value that holds array bytes: where they are in the debuggee and how to read them as elements. */
interface ByteWindow {
  entry: BufferEntry;
  /** Offset of the window's first byte in the buffer. */
  byteOffset: number;
  byteLength: number;
  /** Element type and count when the value has one (TypedArray); bytes otherwise. */
  dtype: DType;
  length: number;
  typeName: string;
}

/** Remote objects ArrayLens holds in the debuggee, released together when it leaves. */
export const OBJECT_GROUP = 'arraylens';
export const PROBE_GROUP = 'arraylens-probe';
/** Stand-in addresses when the probe is unavailable: far above user space, one 2^40-byte slot per buffer. */
const STAND_IN_BASE = 0x7e00n << 48n;

export function firstLine(s: string | undefined): string {
  return (s ?? '').split('\n')[0].trim();
}

/** The error a failed evaluation deserves: unknown names and properties, refused side effects, others. */
function evaluationError(expr: string, r: EvaluateResult): ArrayLensError {
  const d = firstLine(r.exceptionDetails?.exception?.description) || r.exceptionDetails?.text || 'evaluation failed';
  if (/^EvalError: Possible side-effect/.test(d))
    return new ArrayLensError(
      'bad-expression',
      `'${expr}' may have side effects: ArrayLens evaluates only side-effect-free expressions (names, properties, indexing)`,
    );
  if (/^SyntaxError/.test(d)) return new ArrayLensError('bad-expression', `'${expr}': ${d}`);
  return new ArrayLensError('unknown-expression', d);
}

function describeValue(o: RemoteObject): string {
  if (o.type === 'object') return o.subtype === 'null' ? 'null' : o.className ?? o.subtype ?? 'object';
  return o.type;
}

/** `is undefined`, `is a number`, `is an Object`: what a value is, for messages. */
function isWhat(o: RemoteObject): string {
  const d = describeValue(o);
  if (d === 'undefined' || d === 'null') return `is ${d}`;
  return `is ${/^[aeiouAEIOU]/.test(d) ? 'an' : 'a'} ${d}`;
}

function viewOfWindow(w: ByteWindow): StridedView {
  const view: StridedView = { address: w.entry.address + BigInt(w.byteOffset), dtype: w.dtype, shape: [w.length], strides: [w.dtype.itemsize] };
  validateView(view);
  return view;
}

/** The arrays of one paused Node program, seen through its inspector; `topFrame` throws once it runs again. */
export class NodeArrays {
  readonly buffers = new BufferRegistry();
  /** The probe's exports in the debuggee; null when it could not be loaded (see probeStatus). */
  private probeId: string | null | undefined;
  /** Which address source is in use and why: said once, in the error of a refused direct transport. */
  probeStatus = 'not loaded yet';
  private standIns = 0;

  constructor(
    private readonly cdp: CdpClient,
    private readonly topFrame: () => CallFrame,
  ) {}

  /** Whether buffer addresses are real: without the probe they are stand-ins only the evaluate path understands. */
  get addressesReal(): boolean {
    return !!this.probeId || this.standIns === 0;
  }

  /** Evaluates a user expression on the top frame, side-effect free; the result stays a remote object. */
  async evaluate(expr: string): Promise<RemoteObject> {
    const r = await this.cdp.send<EvaluateResult>('Debugger.evaluateOnCallFrame', {
      callFrameId: this.topFrame().callFrameId,
      expression: expr,
      objectGroup: OBJECT_GROUP,
      throwOnSideEffect: true,
      silent: true,
      returnByValue: false,
    });
    if (r.exceptionDetails) throw evaluationError(expr, r);
    return r.result;
  }

  private async callOn(objectId: string, fn: string, args: unknown[], opts: { checked: boolean; byValue: boolean; group?: string }): Promise<RemoteObject> {
    const r = await this.cdp.send<EvaluateResult>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: fn,
      arguments: args.map((a) => (typeof a === 'object' && a !== null && 'objectId' in a ? a : { value: a })),
      throwOnSideEffect: opts.checked,
      returnByValue: opts.byValue,
      silent: true,
      objectGroup: opts.group ?? OBJECT_GROUP,
    });
    if (r.exceptionDetails) {
      const d = firstLine(r.exceptionDetails.exception?.description) || r.exceptionDetails.text;
      throw new ArrayLensError('debugger-failed', `the debuggee could not run an ArrayLens helper: ${d}`);
    }
    return r.result;
  }

  private async ensureProbe(anyObjectId: string): Promise<string | null> {
    if (this.probeId !== undefined) return this.probeId;
    const p = findProbe();
    if (p.file === null) {
      this.probeId = null;
      this.probeStatus = p.reason;
      return null;
    }
    try {
      const exportsObj = await this.callOn(anyObjectId, LOAD_PROBE, [p.file], { checked: false, byValue: false, group: PROBE_GROUP });
      this.probeId = exportsObj.objectId ?? null;
      this.probeStatus = this.probeId ? `address probe loaded from ${p.file}` : 'the address probe returned nothing';
    } catch (e) {
      this.probeId = null;
      this.probeStatus = `the address probe did not load in the debuggee: ${(e as Error).message}`;
    }
    return this.probeId;
  }

  /** Registers an ArrayBuffer/SharedArrayBuffer remote object: its byte length and address. */
  private async registerBuffer(buf: RemoteObject): Promise<BufferEntry> {
    if (!buf.objectId || buf.subtype !== 'arraybuffer')
      throw new ArrayLensError('debugger-failed', `expected an ArrayBuffer from the debuggee, got ${describeValue(buf)}`);
    // `byteLength` of a SharedArrayBuffer is refused under throwOnSideEffect; the inspector's description has it.
    const m = /\((\d+)\)$/.exec(buf.description ?? '');
    if (!m) throw new ArrayLensError('debugger-failed', `cannot read the size of ${buf.description ?? 'a buffer'}`);
    const byteLength = Number(m[1]);
    let address: bigint | null = null;
    const probe = await this.ensureProbe(buf.objectId);
    if (probe) {
      const r = await this.callOn(probe, BUFFER_ADDRESS, [{ objectId: buf.objectId }], { checked: false, byValue: true });
      if (typeof r.value === 'string' && /^\d+$/.test(r.value)) address = BigInt(r.value);
    }
    if (address === null || (address === 0n && byteLength > 0)) address = STAND_IN_BASE + (BigInt(++this.standIns) << 40n);
    const entry: BufferEntry = { address, byteLength, objectId: buf.objectId };
    this.buffers.add(entry);
    return entry;
  }

  /** The bytes a TypedArray, Buffer, DataView, ArrayBuffer or SharedArrayBuffer holds; null for other values. */
  private async byteWindow(o: RemoteObject): Promise<ByteWindow | null> {
    if (o.type !== 'object' || !o.objectId) return null;
    const typeName = o.className ?? o.subtype ?? 'object';
    if (o.subtype === 'typedarray' || o.subtype === 'dataview') {
      const d = (
        await this.callOn(o.objectId, o.subtype === 'typedarray' ? DESCRIBE_TYPED_ARRAY : DESCRIBE_DATA_VIEW, [], { checked: true, byValue: true })
      ).value as ViewDescription;
      const dt = d.element === 'DataView' ? dtype('uint8') : TYPED_ARRAY_DTYPES[d.element];
      if (!dt) throw new ArrayLensError('unsupported-dtype', `${typeName} has an element type ArrayLens does not know (${d.element || '?'})`);
      const entry = await this.registerBuffer(await this.callOn(o.objectId, BUFFER_OF_VIEW, [], { checked: true, byValue: false }));
      return { entry, byteOffset: d.byteOffset, byteLength: d.byteLength, dtype: dt, length: d.length, typeName };
    }
    if (o.subtype === 'arraybuffer') {
      const entry = await this.registerBuffer(o);
      return { entry, byteOffset: 0, byteLength: entry.byteLength, dtype: dtype('uint8'), length: entry.byteLength, typeName };
    }
    return null;
  }

  private async evaluateInteger(expr: string): Promise<bigint> {
    if (isIntegerLiteral(expr)) return BigInt(expr.trim());
    const o = await this.evaluate(expr);
    if (o.type === 'number' && typeof o.value === 'number' && Number.isSafeInteger(o.value)) return BigInt(o.value);
    if (o.type === 'bigint') {
      const s = (o.unserializableValue ?? o.description ?? '').replace(/n$/, '');
      if (/^-?\d+$/.test(s)) return BigInt(s);
    }
    throw new ArrayLensError('bad-expression', `'${expr}' is not an integer (it is ${o.description ?? describeValue(o)})`);
  }

  async resolve(expr: string): Promise<ArrayHandle> {
    const raw = parseRawLayout(expr);
    if (raw) {
      const ptr = isIntegerLiteral(raw.pointer) ? null : await this.evaluate(raw.pointer);
      const shape: number[] = [];
      for (const d of raw.dims) shape.push(Number(await this.evaluateInteger(d)));
      const strides = raw.strides
        ? await Promise.all(raw.strides.map(async (s) => Number(await this.evaluateInteger(s))))
        : cStrides(shape, raw.dtype.itemsize);
      const w = ptr ? await this.byteWindow(ptr) : null;
      let address: bigint;
      let typeName = 'raw layout';
      if (w) {
        address = w.entry.address + BigInt(w.byteOffset);
        typeName = `raw layout over ${w.typeName}`;
      } else if (ptr === null || ptr.type === 'number' || ptr.type === 'bigint') {
        address = await this.evaluateInteger(raw.pointer);
      } else
        throw new ArrayLensError('not-an-array', `'${raw.pointer}' ${isWhat(ptr)}: a raw layout needs a TypedArray, Buffer, DataView, ArrayBuffer or an address`);
      const view: StridedView = { address, dtype: raw.dtype, shape, strides };
      validateView(view);
      if (w && elementCount(shape) > 0) {
        const { lo, hi } = byteExtent(view);
        if (lo < 0 || hi > w.byteLength)
          throw new ArrayLensError(
            'bad-expression',
            `'${expr}' spans bytes ${lo}..${hi} but ${raw.pointer} (${w.typeName}) has ${w.byteLength} bytes`,
          );
      }
      return { expr, language: 'node', view, typeName };
    }
    const o = await this.evaluate(expr);
    const w = await this.byteWindow(o);
    if (!w) throw new ArrayLensError('not-an-array', `'${expr}' ${isWhat(o)}, not an array`);
    return { expr, language: 'node', view: viewOfWindow(w), typeName: w.typeName };
  }

  /** Arrays in the top frame's scopes (local, block, closure, module; not global), inner names first. */
  async listArrays(): Promise<ArrayHandle[]> {
    const seen = new Set<string>();
    const out: ArrayHandle[] = [];
    for (const scope of this.topFrame().scopeChain) {
      if (scope.type === 'global' || !scope.object.objectId) continue;
      const props = await this.cdp.send<{ result: { name: string; value?: RemoteObject }[] }>('Runtime.getProperties', {
        objectId: scope.object.objectId,
        ownProperties: true,
        generatePreview: false,
      });
      for (const p of props.result) {
        if (seen.has(p.name) || !p.value) continue;
        seen.add(p.name);
        const st = p.value.subtype;
        if (st !== 'typedarray' && st !== 'dataview' && st !== 'arraybuffer') continue;
        try {
          const w = await this.byteWindow(p.value);
          if (w) out.push({ expr: p.name, language: 'node', view: viewOfWindow(w), typeName: w.typeName });
        } catch {
          /* element types ArrayLens cannot show are left out of the list */
        }
      }
    }
    return out;
  }

  /** Reads the described buffers as base64 through the inspector (works without the probe and across hosts). */
  evaluateTransport(): Transport {
    return new NodeEvaluateTransport(this.buffers, async (objectId, offset, length) => {
      const r = await this.callOn(objectId, READ_BASE64, [offset, length], { checked: false, byValue: true });
      if (typeof r.value !== 'string') throw new ArrayLensError('debugger-failed', 'the debuggee did not return base64 text');
      return r.value;
    });
  }
}
