// The native DebugTarget: C/C++/Rust values described from debug info (through the NativeDebugger a backend
// provides: lldb-dap or gdb/MI), read through /proc/PID/mem or the debugger's own memory reads.

import { dtype } from '../../core/dtype';
import { parseRawLayout } from '../../core/layout';
import { checkNativeExpression } from '../../core/nativeExpression';
import { StridedView, cStrides, validateView } from '../../core/view';
import { TransportChoice, TransportSelector, directCandidate } from '../../transport/selector';
import { Transport, TransportKind } from '../../transport/transport';
import { ArrayHandle, DebugTarget, KnownRegion } from '../../engine/target';
import { killQuietly } from '../dapLaunch';
import { CONTAINERS } from './containers';
import { Described, NativeDebugger, NativeDescriber, NativeValue } from './describe';
import { PythonFrameArray, pythonFrameArrays } from './pyobject';
import { parseAddressText, pointeeType } from './types';

export type { NativeDebugger, NativeValue };
export { killQuietly };

export class NativeTarget implements DebugTarget {
  readonly language = 'native' as const;
  /** Where the launch stopped (top frame), for the CLI's `stoppedAt`. */
  stoppedAt: { file: string; line: number } | undefined;
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
    this.describer = new NativeDescriber(dbg, (address, length) => this.readMemory(address, length), this.pythonObjects, CONTAINERS);
  }

  /** Reads types from debug info: arrays, pointers and the containers in ./containers. */
  private readonly describer: NativeDescriber;

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
      const address = await this.describer.evaluateAddress(raw.pointer);
      const shape: number[] = [];
      for (const e of raw.dims) shape.push(Number(await this.describer.evaluateInteger(e)));
      const strides = raw.strides ? await Promise.all(raw.strides.map(async (s) => Number(await this.describer.evaluateInteger(s)))) : undefined;
      d = { address, dtype: raw.dtype, shape, strides, typeName: 'raw layout' };
    } else {
      d = await this.describer.describe(expr, await this.dbg.evaluate(expr), 0);
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
    const dt = /^(void|char|signed char|unsigned char)$/.test(bare) ? dtype('uint8') : await this.describer.dtypeOf(name, bare).catch(() => null);
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

  /** NumPy arrays of the Python frames of the stopped thread (a native function called from Python, GIL held). */
  async pythonFrameArrays(): Promise<PythonFrameArray[]> {
    return pythonFrameArrays(
      (e) => this.describer.evaluateAddress(e),
      (address, length) => this.readMemory(address, length),
    );
  }

  /** Raw bytes of the debuggee, by the direct path when it works (the debugger's reads otherwise). */
  private async readMemory(address: bigint, length: number): Promise<Buffer> {
    const t = await this.transport('auto', { address, dtype: dtype('uint8'), shape: [length], strides: [1] });
    if (t.readRange) return t.readRange(address, length);
    return t.readView({ address, dtype: dtype('uint8'), shape: [length], strides: [1] });
  }
}
