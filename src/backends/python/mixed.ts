// Mixed Python + native sessions without VS Code: a Python program runs under debugpy, lldb-dap attaches to the same
// process, and the inspection happens at a breakpoint in the extension's Rust/C code (language "native").
//
// The Python names of an array seen at the native stop (its aliases): while lldb holds the process, debugpy cannot
// answer (its server runs inside the stopped process), and resuming Python to ask it would race with the program.
// So the Python frames of the stopped thread are walked from the native side: a few calls of CPython's C API made
// by lldb in that thread (it holds the GIL: PyO3 functions and most C extensions run with it), everything else read
// from memory (src/backends/native/pyobject.ts). Arrays whose bytes overlap the native view's are its aliases.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { Transport, TransportKind } from '../../transport/transport';
import { DapClient } from '../../rpc/dapClient';
import { DapDebuggee, SourceLine, adapterError, where, whereAny } from '../dapLaunch';
import { isNativeSource } from '../backend';
export { isNativeSource };
import { LldbDebugger, findLldbDap, lldbDapAdapter, lldbInitCommands } from '../native/lldb';
import { debugpyAdapter, debugpyLaunchArguments } from './debugpy';
import { overlaps } from '../native/pyobject';
import { NativeTarget, killQuietly } from '../native/target';
import { ArrayHandle, DebugTarget } from '../../engine/target';
import { PythonTarget } from './target';

export interface MixedLaunchOptions {
  python: string;
  program: string;
  args: string[];
  cwd?: string;
  /** In a native source file (.rs, .c, .cc, .cpp): where the extension's code should stop. */
  breakpoint: { file: string; line: number };
  lldbDap?: string;
  stopTimeoutMs: number;
}

export interface Alias {
  language: string;
  expr: string;
}

/** A native frame of a Python process, stopped by lldb-dap while debugpy also holds the program. */
export class MixedTarget implements DebugTarget {
  readonly language = 'native' as const;
  private pythonFrames: ArrayHandle[] | null = null;
  private closed = false;

  constructor(
    private readonly native: NativeTarget,
    private readonly lldb: DapClient,
    private readonly debugpy: DapClient,
    readonly pid: number,
    /** false: a view of one stop of a longer session (MixedProgram); close() then leaves the program and debuggers. */
    private readonly options: { endsProgram?: boolean } = {},
  ) {}

  /** An expression of the native frame; failing that, the name of an array in a Python frame below it. */
  async resolve(expr: string): Promise<ArrayHandle> {
    try {
      return await this.native.resolve(expr);
    } catch (e) {
      if (!(e instanceof ArrayLensError && e.code === 'unknown-expression')) throw e;
      const py = (await this.pythonArrays().catch(() => [])).find((a) => a.expr === expr.trim());
      if (py) return py;
      throw e;
    }
  }

  /** The native frame's arrays, then those of the Python frames below it that no native name hides. */
  async listArrays(): Promise<ArrayHandle[]> {
    const native = await this.native.listArrays();
    const py = await this.pythonArrays().catch(() => []);
    return [...native, ...py.filter((p) => !native.some((n) => n.expr === p.expr))];
  }

  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return this.native.transport(kind, probe);
  }

  /** NumPy arrays of the Python frames below the native stop, innermost frame first, one per name. */
  async pythonArrays(): Promise<ArrayHandle[]> {
    if (!this.pythonFrames) {
      const found = await this.native.pythonFrameArrays();
      const out: ArrayHandle[] = [];
      for (const f of found)
        if (!out.some((o) => o.expr === f.name)) out.push({ expr: f.name, language: 'python', view: f.array.view, typeName: f.array.typeName });
      this.pythonFrames = out;
    }
    return this.pythonFrames;
  }

  /** Arrays of the Python frames whose bytes overlap `view`. */
  async aliasesOf(_handle: ArrayHandle, view: StridedView): Promise<Alias[]> {
    return (await this.pythonArrays()).filter((a) => overlaps(a.view, view)).map((a) => ({ language: 'python', expr: a.expr }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.options.endsProgram === false) return this.native.close();
    killQuietly(this.pid);
    await this.native.close().catch(() => undefined);
    await this.debugpy.close().catch(() => undefined);
    this.lldb.kill();
    this.debugpy.kill();
  }
}

/**
 * The start every mixed launch shares: Python under debugpy, held at its first line (nothing of the extension has
 * run, or even loaded), `beforeRun` setting what must be set before that line runs; then lldb-dap attaching by pid
 * (the attach sent, configuration left to `use`). On any failure the program is killed and both debuggers closed.
 */
async function startMixed<T>(
  o: { python: string; program: string; args: string[]; cwd?: string; lldbDap?: string },
  firstStop: SourceLine | null,
  beforeRun: (py: DapDebuggee) => Promise<unknown>,
  use: (py: DapDebuggee, ll: DapDebuggee, attached: { answered: Promise<unknown> }) => Promise<T>,
): Promise<T> {
  // Before anything starts: a missing native debugger must leave no process behind.
  const lldbDap = findLldbDap(o.lldbDap);
  const program = path.resolve(o.program);
  if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${o.program}`);
  let py: DapDebuggee | null = null;
  let ll: DapDebuggee | null = null;
  try {
    py = await DapDebuggee.spawn(debugpyAdapter(o.python));
    const pyd = py;
    const launched = await pyd.start(
      'launch',
      debugpyLaunchArguments({ program, args: o.args, cwd: o.cwd ?? process.cwd(), python: o.python, subProcess: false, stopOnEntry: true }),
    );
    await beforeRun(pyd);
    await pyd.runTo(
      firstStop,
      async () => {
        await pyd.client.request('configurationDone', {});
        await launched.answered;
      },
      { timeoutMs: 60000, rule: 'any' },
    );
    if (pyd.pid === undefined) throw new ArrayLensError('debugger-failed', 'debugpy did not say which process runs the program');
    // Attached: the exit code is the Python program's, which debugpy reports; lldb's messages never had it.
    ll = await DapDebuggee.spawn({ ...lldbDapAdapter(lldbDap), exitCodeInMessage: false });
    ll.pid = pyd.pid;
    const attached = await ll.start('attach', { pid: pyd.pid, initCommands: lldbInitCommands(), stopOnEntry: false });
    return await use(pyd, ll, attached);
  } catch (e) {
    const err = ll ? adapterError(ll, adapterError(py!, e)) : py ? adapterError(py, e) : e;
    killQuietly(py?.pid);
    await Promise.all([ll?.close(1000), py?.close(1000)]);
    throw err;
  }
}

/** Runs `opts.program` under debugpy, attaches lldb-dap to it, and returns once the native breakpoint hits. */
export async function launchMixed(opts: MixedLaunchOptions): Promise<MixedTarget> {
  const bp = { file: path.resolve(opts.breakpoint.file), line: opts.breakpoint.line };
  return startMixed(opts, bp, async () => undefined, async (pyd, lld, attached) => {
    const pid = lld.pid!;
    // The breakpoint stays pending until the extension is dlopen'ed; Python goes on, and the next stop we care about
    // is lldb's, in the extension.
    const pyEnded = pyd.endedBefore(bp);
    try {
      await lld.setBreakpoint(bp);
      await lld.runTo(
        bp,
        async () => {
          await lld.client.request('configurationDone', {});
          await attached.answered;
          await pyd.client.request('continue', { threadId: pyd.threadId });
        },
        { timeoutMs: opts.stopTimeoutMs, rule: 'breakpoint-skip-signals', unresolvedIn: 'the libraries the program loaded', alsoEnded: pyEnded.ended },
      );
    } finally {
      pyEnded.dispose();
    }
    const native = new NativeTarget(new LldbDebugger(lld.client, pid, lld.frameId));
    return new MixedTarget(native, lld.client, pyd.client, pid);
  });
}

/** Which debugger holds the program at a mixed stop: debugpy (a Python line) or lldb-dap (the extension's code). */
export type MixedSide = 'python' | 'native';

export interface MixedStop {
  side: MixedSide;
  file: string | null;
  line: number;
  function: string;
  /** DAP's stop reason (breakpoint, exception, ...). */
  reason: string;
  description?: string;
}

export interface MixedProgramOptions {
  python: string;
  program: string;
  args: string[];
  cwd?: string;
  /** .py files go to debugpy, native sources (.rs, .c, .cpp, ...) to lldb-dap. */
  breakpoints: readonly SourceLine[];
  lldbDap?: string;
  stopTimeoutMs: number;
}

interface DapStopped {
  reason?: string;
  description?: string;
  threadId?: number;
}

/**
 * A Python program under debugpy with lldb-dap attached, all of an agent's breakpoints set in the debugger they
 * belong to, held at a stop between calls. Each continue lets whichever debugger holds the program go and waits for
 * the next stop of either (a Python line or the extension's native code) or for the end, when both debuggers go.
 */
export class MixedProgram {
  private stop: MixedStop | null = null;
  private threadId = 0;
  private frameId = 0;
  private ended = false;

  private constructor(
    private readonly py: DapDebuggee,
    private readonly ll: DapDebuggee,
    readonly pid: number,
  ) {}

  /** Where the program is held, and by which debugger (null while it runs or once it ended). */
  get stoppedAt(): MixedStop | null {
    return this.stop;
  }

  /** Starts the program held at its first line, attaches lldb-dap, sets every breakpoint, runs to the first stop. */
  static async launch(o: MixedProgramOptions): Promise<MixedProgram> {
    const native = o.breakpoints.filter((b) => isNativeSource(b.file));
    const python = o.breakpoints.filter((b) => !isNativeSource(b.file));
    return startMixed(o, null, (pyd) => pyd.setBreakpointLines(python), async (pyd, ll, attached) => {
      // Pending until the extension is dlopen'ed: which bind is followed, to say so if the program ends first.
      const bound = new Set<string>();
      const idOf = new Map<number, string>();
      ll.client.on('breakpoint', (b: { breakpoint?: { id?: number; verified?: boolean } }) => {
        const key = b.breakpoint?.id !== undefined ? idOf.get(b.breakpoint.id) : undefined;
        if (key && b.breakpoint?.verified) bound.add(key);
      });
      for (const b of await ll.setBreakpointLines(native, { realPaths: true })) {
        const key = where(b);
        if (b.id !== undefined) idOf.set(b.id, key);
        if (b.verified) bound.add(key);
      }
      await ll.client.request('configurationDone', {});
      await attached.answered;
      const p = new MixedProgram(pyd, ll, ll.pid!);
      const first = await p.runOn(() => pyd.client.request('continue', { threadId: pyd.threadId }), o.stopTimeoutMs);
      if ('ended' in first) {
        const code = first.exitCode !== null ? ` (exit code ${first.exitCode})` : '';
        // As the CLI says it: a native breakpoint that never bound had no code in what the program loaded.
        const unbound = native.map(where).filter((k) => !bound.has(k));
        const why = unbound.length ? `: no code at ${unbound.join(', ')} in the libraries the program loaded (breakpoint not resolved)` : '';
        throw new ArrayLensError('program-ended', `the program ended${code} before reaching ${whereAny(o.breakpoints)}${why}`);
      }
      return p;
    });
  }

  /** Lets the program go with `go` and waits for the next stop of either debugger, or the end of the program. */
  private async runOn(go: () => Promise<unknown>, timeoutMs: number): Promise<{ at: MixedStop } | { ended: true; exitCode: number | null }> {
    this.stop = null;
    const { py, ll } = this;
    let exitCode: number | null = null;
    const offs: (() => void)[] = [];
    const on = (d: DapDebuggee, event: string, f: (b: DapStopped & { exitCode?: number }) => void): void => {
      d.client.on(event, f);
      offs.push(() => d.client.off(event, f));
    };
    let timer: NodeJS.Timeout | undefined;
    const next = new Promise<{ side: MixedSide; body: DapStopped } | { ended: true }>((resolve, reject) => {
      on(py, 'stopped', (b) => resolve({ side: 'python', body: b }));
      on(ll, 'stopped', (b) => {
        // Signals the interpreter handles itself (and lldb's exception stops for them) are not ours to report.
        if (b.reason === 'exception' || b.reason === 'signal') {
          ll.client.request('continue', { threadId: b.threadId }).catch(() => undefined);
          return;
        }
        if (b.reason === 'breakpoint') resolve({ side: 'native', body: b });
      });
      on(py, 'exited', (b) => (exitCode = b.exitCode ?? exitCode));
      on(ll, 'exited', (b) => (exitCode ??= b.exitCode ?? null));
      // debugpy says terminated once the program is gone (lldb-dap's attached view may say it first).
      on(py, 'terminated', () => resolve({ ended: true }));
      on(ll, 'terminated', () => setTimeout(() => resolve({ ended: true }), 2000).unref());
      const dead = (d: DapDebuggee) => (): void => {
        if (!this.ended) reject(d.adapter.exitError(d.client.lastStderr()));
      };
      on(py, 'exit', dead(py));
      on(ll, 'exit', dead(ll));
      timer = setTimeout(() => reject(new ArrayLensError('timeout', `the program reached no breakpoint and did not end within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      // A resume sent to debugpy can be answered only after a native stop lets the program go: not awaited.
      go().catch((e: unknown) => reject(e));
    });
    let r: { side: MixedSide; body: DapStopped } | { ended: true };
    try {
      r = await next;
    } finally {
      clearTimeout(timer);
      for (const off of offs) off();
    }
    if ('ended' in r) {
      this.ended = true;
      return { ended: true, exitCode };
    }
    const d = r.side === 'python' ? py : ll;
    this.threadId = r.body.threadId ?? d.threadId;
    d.threadId = this.threadId;
    const st = await d.client.request<{ stackFrames: { id: number; name: string; line: number; source?: { path?: string; name?: string } }[] }>('stackTrace', {
      threadId: this.threadId,
      startFrame: 0,
      levels: 1,
    });
    const f = st.stackFrames[0];
    if (!f) throw new ArrayLensError('debugger-failed', `${d.adapter.name} reported no stack frame at the stop`);
    this.frameId = f.id;
    const reason = r.body.reason ?? 'stopped';
    this.stop = {
      side: r.side,
      file: f.source?.path ?? f.source?.name ?? null,
      line: f.line ?? 0,
      function: f.name ?? '',
      reason,
      ...(reason !== 'breakpoint' && r.body.description ? { description: r.body.description } : {}),
    };
    return { at: this.stop };
  }

  /** Runs on from the current stop to the next one (in Python or native code), or to the end of the program. */
  async continue(timeoutMs: number): Promise<{ at: MixedStop } | { ended: true; exitCode: number | null }> {
    const stop = this.stop;
    if (!stop) throw new ArrayLensError('stale', this.ended ? 'the program ended' : 'the program is not stopped');
    const d = stop.side === 'python' ? this.py : this.ll;
    const threadId = this.threadId;
    return this.runOn(() => d.client.request('continue', { threadId }, 120000), timeoutMs);
  }

  /**
   * The arrays of the current stop, read by the debugger that holds it; closing the target leaves the program. At a
   * native stop, a name of the Python frames below it resolves too, and aliases say which Python arrays share bytes.
   */
  target(): DebugTarget {
    const stop = this.stop;
    if (!stop) throw new ArrayLensError('stale', this.ended ? 'the program ended' : 'the program is running: arrays can be read when it is stopped');
    if (stop.side === 'python') return PythonTarget.attachToSession(this.py.client, this.pid, this.frameId);
    const native = new NativeTarget(new LldbDebugger(this.ll.client, this.pid, this.frameId), { endsDebuggee: false });
    return new MixedTarget(native, this.ll.client, this.py.client, this.pid, { endsProgram: false });
  }

  /** Ends the program and both debuggers. */
  async close(): Promise<void> {
    this.stop = null;
    this.ended = true;
    killQuietly(this.pid);
    await Promise.all([this.ll.close(2000).catch(() => undefined), this.py.close(2000).catch(() => undefined)]);
    killQuietly(this.pid);
  }
}
