// Mixed Python + native debugging behind the `arraylens` debug type ("mixed": true): one client session, two
// debuggers. debugpy runs the Python program; lldb-dap attaches to the same process. Breakpoints in .rs/.c/.cpp
// files go to lldb-dap, all others to debugpy; while lldb holds the process (a native stop) every frame, thread and
// variable request goes to lldb-dap, otherwise to debugpy; stopping the session ends both and the program.
//
// Start-up order matters: the program is held at its first line by debugpy (stopOnEntry) while lldb-dap attaches,
// so native breakpoints are in place (pending until the extension is dlopen'ed) before any user code runs; only then
// is the client told `initialized`. No vscode import: the session is driven by src/debugAdapter/server.ts.

import * as fs from 'fs';
import * as path from 'path';
import { dtype } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { DapClient, DapMessage } from '../../rpc/dapClient';
import { isNativeSource } from '../backend';
import { DapDebuggee } from '../dapLaunch';
import { debugpyAdapter, debugpyLaunchArguments } from './debugpy';
import { LldbDebugger, findLldbDap, lldbDapAdapter, lldbInitCommands } from '../native/lldb';
import { overlaps } from '../native/pyobject';
import { NativeTarget, killQuietly } from '../native/target';
import { PythonTarget } from './target';
import { ArraySource, EngineArraySource } from '../../engine/arraySource';
import type { ArraySummary, InspectArgs, InspectBody } from '../../protocol/dap';

/** What the session sends the client (dapServer numbers it). */
export type ToClient = (msg: Omit<DapMessage, 'seq'>) => void;

/** The strided view a summary describes (null when its dtype is unknown here). */
function summaryView(a: ArraySummary): StridedView | null {
  try {
    return { address: BigInt(a.address), dtype: dtype(a.dtype, a.byteOrder), shape: a.shape, strides: a.strides };
  } catch {
    return null;
  }
}

function realSourcePath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

/** lldb breakpoint ids are shifted so that they never collide with debugpy's in the client's eyes. */
const NATIVE_BP_ID_OFFSET = 1_000_000;

/** Requests answered by whichever debugger holds the program now. */
const STOP_ROUTED = new Set([
  'threads', 'stackTrace', 'scopes', 'variables', 'setVariable', 'evaluate', 'source', 'continue', 'next', 'stepIn',
  'stepOut', 'stepBack', 'goto', 'gotoTargets', 'stepInTargets', 'exceptionInfo', 'completions', 'readMemory',
  'writeMemory', 'disassemble', 'setExpression', 'restartFrame',
]);

/** Requests that let the program run (their answer can be held up by a native stop). */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut']);

interface Stopped {
  reason: string;
  threadId?: number;
}

export interface MixedLaunchArguments {
  program: string;
  args?: string[];
  cwd?: string;
  python?: string;
  lldbDap?: string;
  stopOnEntry?: boolean;
  [key: string]: unknown;
}

export class MixedDapSession {
  private debugpy: DapClient | null = null;
  private lldb: DapClient | null = null;
  private pid: number | undefined;
  private stoppedBy: 'python' | 'native' | null = null;
  private entryThreadId = 0;
  private stopOnEntry = false;
  private ended = false;
  private readonly pythonSource: EngineArraySource;
  private readonly nativeSource: EngineArraySource;
  /** The native source's target per frame of the current stop (dropped with it), for the alias walk. */
  private readonly nativeTargets = new Map<number, NativeTarget>();
  /** Resumes sent to debugpy that wait for its answer or a native stop, whichever comes first. */
  private readonly nativeStopWaiters: (() => void)[] = [];
  /** The Arrays view's questions, answered by the side that is stopped. */
  readonly source: ArraySource;

  constructor(
    private readonly toClient: ToClient,
    private readonly initializeArgs: unknown,
    private readonly python: string,
    private readonly onEnd: () => void,
  ) {
    this.pythonSource = new EngineArraySource((frameId) => PythonTarget.attachToSession(this.debugpy!, this.pid, frameId));
    // The session owns the debuggee: a frame's target only reads, and closing it must not end the program.
    this.nativeSource = new EngineArraySource((frameId) => {
      const t = new NativeTarget(new LldbDebugger(this.lldb!, this.pid, frameId), { endsDebuggee: false });
      this.nativeTargets.set(frameId, t);
      return t;
    });
    this.source = {
      listArrays: async (frameId: number): Promise<ArraySummary[]> => {
        const side = this.activeSource();
        const arrays = await side.listArrays(frameId);
        return side === this.nativeSource ? this.withPythonAliases(frameId, arrays) : arrays;
      },
      inspect: (args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> => this.activeSource().inspect(args, signal),
      invalidate: (): void => {
        this.nativeTargets.clear();
        this.pythonSource.invalidate();
        this.nativeSource.invalidate();
      },
    };
  }

  /**
   * At a native stop: each array's Python names over the same bytes (the NumPy array a Rust ArrayView views), found
   * by walking the stopped thread's Python frames from the native side (src/backends/native/pyobject.ts). Best effort:
   * without the GIL, or if the walk fails, the arrays are listed without aliases.
   */
  private async withPythonAliases(frameId: number, arrays: ArraySummary[]): Promise<ArraySummary[]> {
    const target = this.nativeTargets.get(frameId);
    if (!target || !arrays.length) return arrays;
    const python = await target.pythonFrameArrays().catch(() => []);
    if (!python.length) return arrays;
    return arrays.map((a) => {
      const view = summaryView(a);
      const names = [...new Set(python.filter((p) => view && overlaps(p.array.view, view)).map((p) => p.name))];
      return names.length ? { ...a, aliases: names.map((expr) => ({ language: 'python' as const, expr })) } : a;
    });
  }

  private activeSource(): ArraySource {
    if (this.stoppedBy === 'native') return this.nativeSource;
    if (this.stoppedBy === 'python') return this.pythonSource;
    throw new ArrayLensError('stale', 'the program is running: arrays can be read when it is stopped');
  }

  private respond(req: DapMessage, body: unknown = {}): void {
    this.toClient({ type: 'response', request_seq: req.seq, command: req.command, success: true, body: body as DapMessage['body'] });
  }

  private fail(req: DapMessage, message: string): void {
    this.toClient({ type: 'response', request_seq: req.seq, command: req.command, success: false, message, body: { error: { id: 4, format: message, showUser: true } } });
  }

  /** Starts Python under debugpy, held at its first line, attaches lldb-dap, then tells the client `initialized`. */
  async launch(req: DapMessage, args: MixedLaunchArguments): Promise<void> {
    try {
      const lldbDap = findLldbDap(args.lldbDap);
      const cwd = String(args.cwd ?? process.cwd());
      const program = path.resolve(cwd, String(args.program));
      const python = typeof args.python === 'string' && args.python ? args.python : this.python;
      this.stopOnEntry = args.stopOnEntry === true;

      const pyd = await DapDebuggee.spawn(debugpyAdapter(python, 'or set "python" in the launch configuration (or the arraylens.python setting)'));
      const py = (this.debugpy = pyd.client);
      py.on('process', (b: { systemProcessId?: number }) => (this.pid = b.systemProcessId ?? this.pid));
      py.on('exit', () => this.end(py.lastStderr() && !this.ended ? `debugpy exited: ${py.lastStderr()}` : undefined));
      const entry = py.waitEvent<Stopped>('stopped', 60000);
      entry.catch(() => undefined);
      const { mixed, lldbDap: _l, ...forDebugpy } = args;
      void mixed;
      void _l;
      const launched = await pyd.start(
        'launch',
        debugpyLaunchArguments({
          ...forDebugpy,
          program,
          cwd,
          python,
          console: 'internalConsole',
          redirectOutput: true,
          subProcess: false,
          stopOnEntry: true,
        }),
        this.initializeArgs as Record<string, unknown>,
      );
      await py.request('configurationDone', {});
      await launched.answered;
      this.entryThreadId = (await entry).threadId ?? 0;
      this.stoppedBy = 'python';
      if (this.pid === undefined) throw new ArrayLensError('debugger-failed', 'debugpy did not say which process runs the program');

      const lld = await DapDebuggee.spawn(lldbDapAdapter(lldbDap));
      const ll = (this.lldb = lld.client);
      ll.on('exit', () => this.end(this.ended ? undefined : `lldb-dap exited: ${ll.lastStderr() || 'no output'}`));
      const attached = await lld.start('attach', { pid: this.pid, initCommands: lldbInitCommands(), stopOnEntry: false }, this.initializeArgs as Record<string, unknown>);
      await ll.request('configurationDone', {});
      await attached.answered;

      py.on('event', (m: DapMessage) => this.fromDebugpy(m));
      ll.on('event', (m: DapMessage) => this.fromLldb(m));
      this.toClient({ type: 'event', event: 'process', body: { name: program, systemProcessId: this.pid, isLocalProcess: true, startMethod: 'launch' } });
      this.respond(req);
      this.toClient({ type: 'event', event: 'initialized', body: {} });
    } catch (e) {
      this.fail(req, (e as Error).message);
      this.end();
    }
  }

  async fromClient(m: DapMessage): Promise<void> {
    if (m.type !== 'request' || !m.command) return;
    try {
      switch (m.command) {
        case 'configurationDone':
          this.respond(m);
          if (this.stopOnEntry) this.toClient({ type: 'event', event: 'stopped', body: { reason: 'entry', threadId: this.entryThreadId, allThreadsStopped: true } });
          else await this.continuePython();
          return;
        case 'setBreakpoints': {
          const file = String((m.arguments as { source?: { path?: string } })?.source?.path ?? '');
          if (isNativeSource(file)) {
            // lldb matches source files by the path in the debug info: a workspace that reaches the crate through a
            // symlink must ask for the real path, or the breakpoint never binds.
            const real = realSourcePath(file);
            const args = real === file ? m.arguments : { ...(m.arguments as object), source: { ...(m.arguments as { source: object }).source, path: real } };
            const body = await this.lldbClient().request<{ breakpoints: { id?: number }[] }>('setBreakpoints', args);
            body.breakpoints = body.breakpoints.map((b) => (b.id === undefined ? b : { ...b, id: b.id + NATIVE_BP_ID_OFFSET }));
            return this.respond(m, body);
          }
          return this.respond(m, await this.debugpyClient().request('setBreakpoints', m.arguments));
        }
        case 'pause':
          return this.respond(m, await this.debugpyClient().request('pause', m.arguments));
        case 'disconnect':
        case 'terminate':
          await this.end();
          return this.respond(m);
      }
      const native = this.stoppedBy === 'native' && STOP_ROUTED.has(m.command);
      const client = native ? this.lldbClient() : this.debugpyClient();
      if (native && ['continue', 'next', 'stepIn', 'stepOut'].includes(m.command)) this.leaveStop();
      const answer = client.request(m.command, m.arguments, 120000);
      if (!native && RESUMING.has(m.command)) {
        // debugpy answers a resume from a thread inside the debuggee: when the program runs straight into a native
        // breakpoint, lldb may stop that thread before the answer leaves. A native stop means the resume happened.
        answer.catch(() => undefined);
        const stoppedNatively = new Promise<object>((resolve) => this.nativeStopWaiters.push(() => resolve(m.command === 'continue' ? { allThreadsContinued: true } : {})));
        return this.respond(m, await Promise.race([answer, stoppedNatively]));
      }
      this.respond(m, await answer);
    } catch (e) {
      this.fail(m, (e as Error).message);
    }
  }

  private debugpyClient(): DapClient {
    if (!this.debugpy?.isAlive) throw new ArrayLensError('debugger-failed', 'debugpy is not running');
    return this.debugpy;
  }

  private lldbClient(): DapClient {
    if (!this.lldb?.isAlive) throw new ArrayLensError('debugger-failed', 'lldb-dap is not running');
    return this.lldb;
  }

  private leaveStop(): void {
    this.stoppedBy = null;
    this.source.invalidate();
  }

  private async continuePython(): Promise<void> {
    this.leaveStop();
    // Not awaited: a native breakpoint hit right away can hold debugpy's answer until lldb lets the program go.
    this.debugpyClient()
      .request('continue', { threadId: this.entryThreadId }, 120000)
      .catch((e: Error) => !this.ended && this.stoppedBy !== 'native' && this.toClient({ type: 'event', event: 'output', body: { category: 'stderr', output: `debugpy did not resume the program: ${e.message}\n` } }));
  }

  private fromDebugpy(m: DapMessage): void {
    switch (m.event) {
      case 'initialized':
      case 'process':
        return; // already told, once, for the whole session
      case 'stopped':
        if (this.stoppedBy === 'native') return;
        this.source.invalidate();
        this.stoppedBy = 'python';
        break;
      case 'continued':
        if (this.stoppedBy === 'python') this.leaveStop();
        break;
      case 'terminated':
        void this.end();
        return;
    }
    this.toClient({ type: 'event', event: m.event, body: m.body });
  }

  private fromLldb(m: DapMessage): void {
    switch (m.event) {
      case 'stopped':
        this.source.invalidate();
        this.stoppedBy = 'native';
        for (const w of this.nativeStopWaiters.splice(0)) w();
        this.toClient({ type: 'event', event: 'stopped', body: { ...m.body, allThreadsStopped: true } });
        return;
      case 'continued':
        if (this.stoppedBy === 'native') {
          this.leaveStop();
          this.toClient({ type: 'event', event: 'continued', body: m.body });
        }
        return;
      case 'breakpoint': {
        const bp = m.body?.breakpoint as { id?: number } | undefined;
        if (bp?.id !== undefined) this.toClient({ type: 'event', event: 'breakpoint', body: { ...m.body, breakpoint: { ...bp, id: bp.id + NATIVE_BP_ID_OFFSET } } });
        return;
      }
      case 'output':
        if (m.body?.category === 'stdout' || m.body?.category === 'stderr') this.toClient({ type: 'event', event: 'output', body: m.body });
        // lldb's 'important' lines are symbol-loading warnings about the interpreter's libraries (no LZMA for
        // .gnu_debugdata, ...): VS Code would pop each up as a notification; the Debug Console is enough.
        else if (m.body?.category === 'important') this.toClient({ type: 'event', event: 'output', body: { ...m.body, category: 'console' } });
        return;
      case 'exited':
      case 'terminated':
        void this.end();
        return;
      default:
        return; // threads, modules and process of lldb's own view: debugpy's are the session's
    }
  }

  /** Ends the program, both debuggers and the client's session (once). */
  async end(message?: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.stoppedBy = null;
    this.source.invalidate();
    if (message) this.toClient({ type: 'event', event: 'output', body: { category: 'stderr', output: `${message}\n` } });
    killQuietly(this.pid);
    await Promise.all([this.lldb?.close(2000).catch(() => undefined), this.debugpy?.close(2000).catch(() => undefined)]);
    this.lldb?.kill();
    this.debugpy?.kill();
    killQuietly(this.pid);
    this.toClient({ type: 'event', event: 'terminated', body: {} });
    this.onEnd();
  }
}
