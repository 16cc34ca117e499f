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
import { LldbDebugger, findLldbDap } from '../native/lldb';
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

const NATIVE_SOURCE = /\.(rs|c|cc|cpp|cxx|c\+\+|m|mm|h|hh|hpp|hxx)$/i;

/** True when a breakpoint in `file` belongs to a native debugger (an extension's source). */
export function isNativeSource(file: string): boolean {
  return NATIVE_SOURCE.test(file);
}

const INITIALIZE = { clientID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };

interface StoppedEvent {
  reason: string;
  description?: string;
  threadId: number;
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
  const bpFile = path.resolve(opts.breakpoint.file);
  const where = `${path.basename(bpFile)}:${opts.breakpoint.line}`;
  let pid: number | undefined;
  let debugpy: DapClient | null = null;
  let lldb: DapClient | null = null;
  try {
    debugpy = await DapClient.spawn('debugpy', opts.python, ['-Xfrozen_modules=off', '-m', 'debugpy.adapter']);
    const py = debugpy;
    py.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
    const pyEnded = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}`));
      py.once('terminated', fail);
      py.once('exited', fail);
      py.once('exit', () =>
        reject(
          /No module named '?debugpy/.test(py.lastStderr())
            ? new ArrayLensError('debugger-missing', `debugpy is not installed for ${opts.python}: run '${opts.python} -m pip install debugpy' or pass --python`)
            : new ArrayLensError('debugger-failed', `debugpy exited: ${py.lastStderr()}`),
        ),
      );
    });
    pyEnded.catch(() => undefined);

    // 1. Python, paused at its first line: nothing of the extension has run (or even loaded) yet.
    await Promise.race([py.request('initialize', { ...INITIALIZE, adapterID: 'debugpy' }), pyEnded]);
    const pyInitialized = py.waitEvent('initialized', 30000);
    const entry = py.waitEvent<StoppedEvent>('stopped', 60000);
    entry.catch(() => undefined);
    const launched = py.request(
      'launch',
      {
        program,
        args: opts.args,
        cwd: opts.cwd ?? process.cwd(),
        python: [opts.python],
        pythonArgs: ['-Xfrozen_modules=off'],
        console: 'internalConsole',
        redirectOutput: true,
        justMyCode: true,
        subProcess: false,
        stopOnEntry: true,
      },
      60000,
    );
    launched.catch(() => undefined);
    await Promise.race([pyInitialized, pyEnded]);
    await py.request('configurationDone', {});
    await Promise.race([launched, pyEnded]);
    const entryStop = await Promise.race([entry, pyEnded]);
    if (pid === undefined) throw new ArrayLensError('debugger-failed', 'debugpy did not say which process runs the program');
    const thePid = pid;

    // 2. lldb-dap attaches by pid; the breakpoint stays pending until the extension is dlopen'ed.
    lldb = await DapClient.spawn('lldb-dap', lldbDap, []);
    const ll = lldb;
    const llEnded = new Promise<never>((_, reject) => {
      ll.once('exit', () => reject(new ArrayLensError('debugger-failed', `lldb-dap (${lldbDap}) exited unexpectedly ${ll.lastStderr()}`.trim())));
      ll.once('exited', () => reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}`)));
    });
    llEnded.catch(() => undefined);
    const anyEnded = Promise.race([pyEnded, llEnded]);
    await Promise.race([ll.request('initialize', { ...INITIALIZE, adapterID: 'lldb-dap', supportsMemoryReferences: true }), anyEnded]);
    const llInitialized = ll.waitEvent('initialized', 30000);
    llInitialized.catch(() => undefined);
    const attached = ll.request(
      'attach',
      {
        pid: thePid,
        // Without this lldb looks for debug info over the network: ~12 s instead of ~0.1 s.
        initCommands: ['settings set symbols.enable-external-lookup false'],
        stopOnEntry: false,
      },
      60000,
    );
    attached.catch(() => undefined);
    await Promise.race([llInitialized, anyEnded]);
    const bp = await ll.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setBreakpoints', {
      source: { path: bpFile },
      breakpoints: [{ line: opts.breakpoint.line }],
    });
    const pending = bp.breakpoints[0]?.verified === false;
    await ll.request('configurationDone', {});
    await Promise.race([attached, anyEnded]);

    // 3. Python goes on; the next stop we care about is lldb's, in the extension.
    const hit = waitBreakpoint(ll, opts.stopTimeoutMs, where);
    hit.catch(() => undefined);
    await py.request('continue', { threadId: entryStop.threadId });
    let stop: StoppedEvent;
    try {
      stop = await Promise.race([hit, anyEnded]);
    } catch (e) {
      if (pending && e instanceof ArrayLensError && e.code === 'program-ended')
        throw new ArrayLensError('program-ended', `${e.message}: no code at ${where} in the libraries the program loaded (breakpoint not resolved)`);
      throw e;
    }
    const st = await ll.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
    if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', 'lldb-dap reported no stack frame at the stop');
    const native = new NativeTarget(new LldbDebugger(ll, thePid, st.stackFrames[0].id));
    return new MixedTarget(native, ll, py, thePid);
  } catch (e) {
    killQuietly(pid);
    await Promise.all([lldb?.close(1000).catch(() => undefined), debugpy?.close(1000).catch(() => undefined)]);
    lldb?.kill();
    debugpy?.kill();
    killQuietly(pid);
    throw e;
  }
}

/** The first lldb stop at a breakpoint; other stops (signals the program handles itself) are let go. */
function waitBreakpoint(ll: DapClient, timeoutMs: number, where: string): Promise<StoppedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ll.off('stopped', onStop);
      reject(new ArrayLensError('timeout', `${where} was not reached within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    const onStop = (b: StoppedEvent): void => {
      if (b.reason === 'breakpoint') {
        clearTimeout(timer);
        ll.off('stopped', onStop);
        resolve(b);
      } else if (b.reason === 'exception' || b.reason === 'signal') {
        ll.request('continue', { threadId: b.threadId }).catch(() => undefined);
      }
    };
    ll.on('stopped', onStop);
  });
}
