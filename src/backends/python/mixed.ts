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
import { DapDebuggee, adapterError } from '../dapLaunch';
export { isNativeSource } from '../backend';
import { LldbDebugger, findLldbDap, lldbDapAdapter, lldbInitCommands } from '../native/lldb';
import { debugpyAdapter, debugpyLaunchArguments } from './debugpy';
import { overlaps } from '../native/pyobject';
import { NativeTarget, killQuietly } from '../native/target';
import { ArrayHandle, DebugTarget } from '../../engine/target';

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
    killQuietly(this.pid);
    await this.native.close().catch(() => undefined);
    await this.debugpy.close().catch(() => undefined);
    this.lldb.kill();
    this.debugpy.kill();
  }
}

/** Runs `opts.program` under debugpy, attaches lldb-dap to it, and returns once the native breakpoint hits. */
export async function launchMixed(opts: MixedLaunchOptions): Promise<MixedTarget> {
  // Before anything starts: a missing native debugger must leave no process behind.
  const lldbDap = findLldbDap(opts.lldbDap);
  const program = path.resolve(opts.program);
  if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
  const bp = { file: path.resolve(opts.breakpoint.file), line: opts.breakpoint.line };
  let py: DapDebuggee | null = null;
  let ll: DapDebuggee | null = null;
  try {
    // 1. Python, paused at its first line: nothing of the extension has run (or even loaded) yet.
    py = await DapDebuggee.spawn(debugpyAdapter(opts.python));
    const pyd = py;
    const launched = await pyd.start(
      'launch',
      debugpyLaunchArguments({ program, args: opts.args, cwd: opts.cwd ?? process.cwd(), python: opts.python, subProcess: false, stopOnEntry: true }),
    );
    await pyd.runTo(
      bp,
      async () => {
        await pyd.client.request('configurationDone', {});
        await launched.answered;
      },
      { timeoutMs: 60000, rule: 'any' },
    );
    if (pyd.pid === undefined) throw new ArrayLensError('debugger-failed', 'debugpy did not say which process runs the program');
    const pid = pyd.pid;

    // 2. lldb-dap attaches by pid; the breakpoint stays pending until the extension is dlopen'ed.
    // Attached: the exit code is the Python program's, which debugpy reports; lldb's messages never had it.
    ll = await DapDebuggee.spawn({ ...lldbDapAdapter(lldbDap), exitCodeInMessage: false });
    const lld = ll;
    lld.pid = pid;
    const pyEnded = pyd.endedBefore(bp);
    try {
      const attached = await lld.start('attach', { pid, initCommands: lldbInitCommands(), stopOnEntry: false });
      await lld.setBreakpoint(bp);
      // 3. Python goes on; the next stop we care about is lldb's, in the extension.
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
  } catch (e) {
    const err = ll ? adapterError(ll, adapterError(py!, e)) : py ? adapterError(py, e) : e;
    const pid = py?.pid;
    killQuietly(pid);
    await Promise.all([ll?.close(1000), py?.close(1000)]);
    throw err;
  }
}
