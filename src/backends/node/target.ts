// Node backend: runs a program under `node --inspect-brk`, drives the inspector (CDP) itself, stops at a
// breakpoint and describes TypedArrays, Buffers, ArrayBuffers, SharedArrayBuffers and DataViews of the top frame.
// User expressions run side-effect free (throwOnSideEffect); bytes come from /proc/PID/mem at the address an
// N-API probe reports, or as base64 through the inspector when there is no probe.

import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { DType, dtype } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral, parseRawLayout } from '../../core/layout';
import { StridedView, byteExtent, cStrides, elementCount, validateView } from '../../core/view';
import { DirectTransport } from '../../transport/direct';
import { Transport, TransportKind } from '../../transport/transport';
import { ArrayHandle, DebugTarget } from '../../engine/target';
import { CallFrame, CdpClient, EvaluateResult, PausedEvent, RemoteObject } from '../../rpc/cdpClient';
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

export interface NodeLaunchOptions {
  /** The node executable (default: the one running ArrayLens). */
  node?: string;
  /** Options for node before the program (`--expose-gc`, ...). */
  nodeArgs?: string[];
  program: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  breakpoint: { file: string; line: number };
  stopTimeoutMs?: number;
}

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

const OBJECT_GROUP = 'arraylens';
const PROBE_GROUP = 'arraylens-probe';
/** Stand-in addresses when the probe is unavailable: far above user space, one 2^40-byte slot per buffer. */
const STAND_IN_BASE = 0x7e00n << 48n;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The node binary to run: a path as given, a bare name looked up on PATH, else the node running ArrayLens. */
export function nodeExecutable(given?: string): string {
  if (!given) return process.execPath;
  if (given.includes('/')) return path.resolve(given);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(dir || '.', given);
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return f;
    } catch {
      /* next */
    }
  }
  throw new ArrayLensError('debugger-missing', `${given} not found on PATH: install Node.js or give its path before the program`);
}

/** Matches the script URL Node gives `file` (CommonJS and ES modules: file:// URLs; older: plain paths). */
export function scriptUrlRegex(file: string): string {
  const abs = path.resolve(file);
  const forms = new Set([abs]);
  try {
    forms.add(fs.realpathSync(abs));
  } catch {
    /* a missing file fails elsewhere with a clearer message */
  }
  const alts: string[] = [];
  for (const f of forms) alts.push(escapeRegex(pathToFileURL(f).href), escapeRegex(f));
  return `^(?:${alts.join('|')})$`;
}

/** Whether a source line holds a statement (not blank, a comment or a lone brace), where V8 must stop as asked. */
export function lineHasCode(file: string, line: number): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  } catch {
    return false;
  }
  const code = text.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '').trim();
  return code !== '' && !/^[{}()[\];,]*$/.test(code);
}

function firstLine(s: string | undefined): string {
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

export class NodeTarget implements DebugTarget {
  readonly language = 'node' as const;
  /** What the program wrote on stdout/stderr (the inspector's own banner left out). */
  readonly programOutput: string[] = [];
  private readonly buffers = new BufferRegistry();
  private readonly transports = new Map<'auto' | TransportKind, Transport>();
  /** The probe's exports in the debuggee; null when it could not be loaded (see probeStatus). */
  private probeId: string | null | undefined;
  /** Which address source is in use and why: said once, in the error of a refused direct transport. */
  probeStatus = 'not loaded yet';
  private standIns = 0;
  private frame: CallFrame | null = null;
  /** URL of the script the program stopped in (CDP call frames leave `url` empty since Node 20). */
  private scriptUrl = '';
  private ended = false;

  /** The inspector's WebSocket URL (another client may attach there, e.g. NodeTarget.attach). */
  inspectorUrl = '';
  /** For attached sessions: whether direct reads were checked against the inspector's bytes (null: not yet). */
  private directVerified: boolean | null = null;

  private constructor(
    private readonly cdp: CdpClient,
    /** The node process ArrayLens started, or null when it attached to someone else's (never killed then). */
    private readonly child: ChildProcess | null,
    private readonly attachedPid?: number,
  ) {
    child?.on('exit', () => (this.ended = true));
    cdp.on('close', () => (this.ended = true));
  }

  get pid(): number | undefined {
    return this.child ? this.child.pid : this.attachedPid;
  }

  /**
   * Attaches to a Node process that is paused already or pauses next (its inspector at `url`: `node --inspect`,
   * or js-debug's CDP proxy in VS Code). Closing only disconnects. `pid` (else the debuggee's own
   * process.pid) is used for direct reads only after they agree with the inspector's bytes.
   */
  static async attach(opts: { url: string; pid?: number; timeoutMs?: number }): Promise<NodeTarget> {
    const c = await CdpClient.connect(opts.url);
    try {
      const scriptUrls = new Map<string, string>();
      c.on('Debugger.scriptParsed', (e: { scriptId: string; url: string }) => scriptUrls.set(e.scriptId, e.url));
      // A paused V8 sends Debugger.paused to every session that enables the Debugger domain.
      const paused = c.waitEvent<PausedEvent>('Debugger.paused', opts.timeoutMs ?? 30000);
      paused.catch(() => undefined);
      await c.send('Runtime.enable');
      await c.send('Debugger.enable');
      const stop = await paused;
      if (!stop.callFrames.length) throw new ArrayLensError('debugger-failed', 'Node reported no call frame at the pause');
      let pid = opts.pid;
      if (pid === undefined) {
        const r = await c.send<EvaluateResult>('Debugger.evaluateOnCallFrame', {
          callFrameId: stop.callFrames[0].callFrameId,
          expression: 'process.pid',
          throwOnSideEffect: true,
          silent: true,
          returnByValue: true,
        });
        if (!r.exceptionDetails && typeof r.result.value === 'number') pid = r.result.value;
      }
      const t = new NodeTarget(c, null, pid);
      t.inspectorUrl = opts.url;
      t.frame = stop.callFrames[0];
      t.scriptUrl = stop.callFrames[0].url || scriptUrls.get(stop.callFrames[0].location.scriptId) || '';
      return t;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  static async launch(opts: NodeLaunchOptions): Promise<NodeTarget> {
    const node = opts.node ?? process.execPath;
    const program = path.resolve(opts.program);
    const where = `${path.basename(opts.breakpoint.file)}:${opts.breakpoint.line}`;
    const child = spawn(node, ['--inspect-brk=127.0.0.1:0', ...(opts.nodeArgs ?? []), program, ...opts.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: opts.cwd ?? process.cwd(),
      env: opts.env ?? process.env,
    });
    const output: string[] = [];
    let sink = output; // the target's programOutput once there is a target
    const stderrTail: string[] = [];
    let banner: string | null = '';
    const wsUrl = new Promise<string>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'ENOENT'
            ? new ArrayLensError('debugger-missing', `node not found ('${node}'): install Node.js or give its path before the program`)
            : new ArrayLensError('debugger-failed', `node failed to start: ${e.message}`),
        ),
      );
      child.once('exit', (code, signal) =>
        reject(new ArrayLensError('debugger-failed', `node exited (${signal ?? code}) before its inspector started: ${stderrTail.slice(-2).join(' | ')}`)),
      );
      child.stderr!.on('data', (d: Buffer) => {
        if (banner === null) return;
        banner += d.toString();
        const m = /Debugger listening on (ws:\/\/\S+)/.exec(banner);
        if (m) {
          banner = null;
          resolve(m[1]);
        }
      });
    });
    // Program output is kept (and the pipes drained, so the debuggee never blocks on a full pipe).
    child.stdout!.on('data', (d: Buffer) => sink.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (!line || /^(Debugger listening on|For help, see: https:\/\/nodejs\.org|Debugger attached\.|Waiting for the debugger to disconnect)/.test(line)) continue;
        stderrTail.push(line);
        if (stderrTail.length > 50) stderrTail.shift();
        sink.push(line + '\n');
      }
    });
    let cdp: CdpClient | null = null;
    try {
      const url = await wsUrl;
      cdp = await CdpClient.connect(url);
      const c = cdp;
      // With an inspector attached, Node reports an uncaught exception to it instead of printing it.
      let uncaught: string | undefined;
      const ended = new Promise<never>((_, reject) => {
        const report = (): void => {
          const crash = uncaught ?? stderrTail.find((l) => /^\w*Error\b|^Uncaught/.test(l));
          reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}${crash ? ` (${crash.trim()})` : ''}`));
        };
        // The socket and the exit can come before the last of stderr (the crash message): wait for the pipes.
        const fail = (): void => {
          if (child.stderr!.readableEnded) return report();
          const timer = setTimeout(report, 500);
          child.stderr!.once('end', () => {
            clearTimeout(timer);
            report();
          });
        };
        child.once('exit', fail);
        c.once('close', fail);
        child.stderr!.on('data', (d: Buffer) => {
          // All output is in by now; one round trip brings any exception event sent before it.
          if (/Waiting for the debugger to disconnect/.test(d.toString()))
            c.send('Runtime.getIsolateId', {}, 1000).then(report, report);
        });
      });
      ended.catch(() => undefined);
      c.on('Runtime.exceptionThrown', (e: { exceptionDetails: { text: string; exception?: RemoteObject } }) => {
        uncaught = firstLine(e.exceptionDetails.exception?.description) || e.exceptionDetails.text;
      });
      const scriptUrls = new Map<string, string>();
      c.on('Debugger.scriptParsed', (e: { scriptId: string; url: string }) => scriptUrls.set(e.scriptId, e.url));
      await Promise.race([c.send('Runtime.enable'), ended]);
      await Promise.race([c.send('Debugger.enable'), ended]);
      const bp = await Promise.race([
        c.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
          lineNumber: opts.breakpoint.line - 1,
          urlRegex: scriptUrlRegex(opts.breakpoint.file),
        }),
        ended,
      ]);
      const strict = lineHasCode(opts.breakpoint.file, opts.breakpoint.line);
      const hit = new Promise<PausedEvent>((resolve) => {
        const onPaused = (e: PausedEvent): void => {
          const line = (e.callFrames[0]?.location.lineNumber ?? -1) + 1;
          // V8 places a breakpoint inside a CommonJS function that nothing references at the enclosing function's
          // next statement instead (Node 20 and 24): a hit on another line only counts when the line has no code.
          if (e.hitBreakpoints?.includes(bp.breakpointId) && (!strict || line === opts.breakpoint.line)) {
            c.off('Debugger.paused', onPaused);
            resolve(e);
          } else c.send('Debugger.resume').catch(() => undefined); // the start pause, `debugger;` statements
        };
        c.on('Debugger.paused', onPaused);
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ArrayLensError('timeout', `the program did not reach ${where} within ${Math.round((opts.stopTimeoutMs ?? 120000) / 1000)} s`)),
          opts.stopTimeoutMs ?? 120000,
        );
      });
      await Promise.race([c.send('Runtime.runIfWaitingForDebugger'), ended]);
      const stop = await Promise.race([hit, ended, timeout]).finally(() => clearTimeout(timer));
      if (!stop.callFrames.length) throw new ArrayLensError('debugger-failed', 'Node reported no call frame at the stop');
      const t = new NodeTarget(c, child);
      t.inspectorUrl = url;
      t.frame = stop.callFrames[0];
      t.scriptUrl = stop.callFrames[0].url || scriptUrls.get(stop.callFrames[0].location.scriptId) || '';
      t.programOutput.push(...output);
      sink = t.programOutput;
      return t;
    } catch (e) {
      cdp?.close();
      await killAndWait(child);
      throw e;
    }
  }

  /** The stopped frame's function and 1-based line (tests and summaries). */
  get location(): { functionName: string; url: string; line: number } {
    const f = this.topFrame();
    return { functionName: f.functionName, url: this.scriptUrl, line: f.location.lineNumber + 1 };
  }

  private topFrame(): CallFrame {
    if (!this.frame || this.ended) throw new ArrayLensError('stale', 'the Node program is no longer paused');
    return this.frame;
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

  private viewOfWindow(w: ByteWindow): StridedView {
    const itemsize = w.dtype.itemsize;
    const view: StridedView = { address: w.entry.address + BigInt(w.byteOffset), dtype: w.dtype, shape: [w.length], strides: [itemsize] };
    validateView(view);
    return view;
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
    return { expr, language: 'node', view: this.viewOfWindow(w), typeName: w.typeName };
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
          if (w) out.push({ expr: p.name, language: 'node', view: this.viewOfWindow(w), typeName: w.typeName });
        } catch {
          /* element types ArrayLens cannot show are left out of the list */
        }
      }
    }
    return out;
  }

  async transport(kind: 'auto' | TransportKind, _probe: StridedView): Promise<Transport> {
    const cached = this.transports.get(kind);
    if (cached) return cached;
    let t: Transport;
    switch (kind) {
      case 'auto':
      case 'direct': {
        // Without the probe, buffers have stand-in addresses that only the evaluate path understands.
        const addressesReal = !!this.probeId || this.standIns === 0;
        const d = addressesReal && this.pid !== undefined && (await this.directAgrees()) ? DirectTransport.tryOpen(this.pid) : null;
        if (d) t = d;
        else if (kind === 'direct')
          throw new ArrayLensError(
            'unreadable',
            addressesReal
              ? `process ${this.pid} memory is not readable here (/proc/${this.pid}/mem): use --transport evaluate`
              : `direct reads need the buffer's address, and ${this.probeStatus}: use --transport evaluate`,
          );
        else t = this.evaluateTransport();
        break;
      }
      case 'evaluate':
        t = this.evaluateTransport();
        break;
      default:
        throw new ArrayLensError('bad-argument', `--transport ${kind} does not apply to Node programs: use direct or evaluate`);
    }
    // An attached session that could not check direct reads yet (no buffer described) asks again next time.
    if (this.child || this.directVerified !== null || t.kind === 'direct') this.transports.set(kind, t);
    return t;
  }

  /**
   * Launched sessions read their own child. An attached session's pid may name another process (another pid
   * namespace, a remote inspector): direct reads are used only once they return the inspector's bytes.
   */
  private async directAgrees(): Promise<boolean> {
    if (this.child) return true;
    if (this.directVerified !== null) return this.directVerified;
    const e = this.buffers.first();
    const d = e && this.pid !== undefined ? DirectTransport.tryOpen(this.pid) : null;
    if (!e || !d) return false; // nothing to check against yet: ask again on the next transport request
    try {
      const n = Math.min(e.byteLength, 4096);
      const viaInspector = await this.evaluateTransport().readRange!(e.address, n);
      this.directVerified = (await d.readRange(e.address, n)).equals(viaInspector);
    } catch {
      this.directVerified = false;
    } finally {
      await d.dispose();
    }
    return this.directVerified;
  }

  private evaluateTransport(): Transport {
    return new NodeEvaluateTransport(this.buffers, async (objectId, offset, length) => {
      const r = await this.callOn(objectId, READ_BASE64, [offset, length], { checked: false, byValue: true });
      if (typeof r.value !== 'string') throw new ArrayLensError('debugger-failed', 'the debuggee did not return base64 text');
      return r.value;
    });
  }

  /** Resumes the program and keeps it running through later JavaScript pauses (`debugger;` statements). */
  async resumeProgram(): Promise<void> {
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    this.frame = null;
    this.cdp.on('Debugger.paused', () => this.cdp.send('Debugger.resume').catch(() => undefined));
    await this.cdp.send('Debugger.resume');
  }

  /** Rejects with `message` (code program-ended) when the program launched here ends. */
  programEnded(message: string): Promise<never> {
    const child = this.child;
    const p = new Promise<never>((_, reject) => {
      if (!child) return;
      const fail = (): void => reject(new ArrayLensError('program-ended', message));
      if (child.exitCode !== null || child.signalCode !== null) fail();
      child.once('exit', fail);
      child.stderr!.on('data', (d: Buffer) => {
        if (/Waiting for the debugger to disconnect/.test(d.toString())) fail();
      });
    });
    p.catch(() => undefined);
    return p;
  }

  /**
   * Runs on (programs ArrayLens launched only) to a breakpoint at `file:line` and stops there as launch does: other
   * pauses are resumed; rejects when the program ends first or does not get there within `timeoutMs`.
   */
  async continueTo(file: string, line: number, timeoutMs = 120000): Promise<void> {
    if (!this.child) throw new ArrayLensError('bad-argument', 'only programs ArrayLens launched can be continued to a line');
    this.topFrame();
    const where = `${path.basename(file)}:${line}`;
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    const ended = this.programEnded(`the program ended before reaching ${where}`);
    const c = this.cdp;
    const bp = await c.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', { lineNumber: line - 1, urlRegex: scriptUrlRegex(file) });
    const strict = lineHasCode(file, line);
    let onPaused: ((e: PausedEvent) => void) | undefined;
    const hit = new Promise<PausedEvent>((resolve) => {
      onPaused = (e: PausedEvent): void => {
        const at = (e.callFrames[0]?.location.lineNumber ?? -1) + 1;
        if (e.hitBreakpoints?.includes(bp.breakpointId) && (!strict || at === line)) resolve(e);
        else c.send('Debugger.resume').catch(() => undefined);
      };
      c.on('Debugger.paused', onPaused);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ArrayLensError('timeout', `the program did not reach ${where} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    this.frame = null;
    try {
      await Promise.race([c.send('Debugger.resume'), ended]);
      const stop = await Promise.race([hit, ended, timeout]);
      if (!stop.callFrames.length) throw new ArrayLensError('debugger-failed', 'Node reported no call frame at the stop');
      this.frame = stop.callFrames[0];
      this.scriptUrl = stop.callFrames[0].url || pathToFileURL(path.resolve(file)).href;
    } finally {
      clearTimeout(timer);
      if (onPaused) c.off('Debugger.paused', onPaused);
    }
    await c.send('Debugger.removeBreakpoint', { breakpointId: bp.breakpointId }).catch(() => undefined);
  }

  /** Lets the program run to its end (tests use it to check that inspection changed nothing). */
  async continueToEnd(timeoutMs = 60000): Promise<void> {
    const child = this.child;
    if (!child) throw new ArrayLensError('bad-argument', 'only programs ArrayLens launched can be run to their end');
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    this.frame = null;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ArrayLensError('timeout', `the program did not end within ${timeoutMs / 1000} s`)), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) finish();
      child.once('exit', finish);
      // With an inspector attached, Node waits at the end until the client leaves.
      child.stderr!.on('data', (d: Buffer) => {
        if (/Waiting for the debugger to disconnect/.test(d.toString())) this.cdp.close();
      });
    });
    this.cdp.on('Debugger.paused', () => this.cdp.send('Debugger.resume').catch(() => undefined));
    await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP }).catch(() => undefined);
    // The program may end, and the connection close, before the answer to resume arrives.
    this.cdp.send('Debugger.resume').catch(() => undefined);
    await done;
  }

  async close(): Promise<void> {
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    this.frame = null;
    if (!this.child) {
      // Someone else's program: leave it as it was, minus what ArrayLens held in it.
      for (const objectGroup of [OBJECT_GROUP, PROBE_GROUP])
        await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup }, 5000).catch(() => undefined);
      this.cdp.close();
      return;
    }
    this.cdp.close();
    await killAndWait(this.child);
  }
}

/** SIGKILL and wait (up to 5 s) for the exit, so no debuggee outlives ArrayLens. */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const gone = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    child.kill('SIGKILL');
  } catch {
    /* already gone */
  }
  await gone;
}
