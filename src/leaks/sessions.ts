// Multi-stop sessions for leak checks: a program launched with the allocation tracker preloaded, stopped at FROM
// and then at TO. Python runs under debugpy (PythonTarget), Node under its inspector (NodeTarget: native blocks of
// addons and of Node itself, no census), native programs under lldb-dap (src/backends/dapLaunch.ts, stop to stop).

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import { DapDebuggee, launchToBreakpoint } from '../backends/dapLaunch';
import { backendForProgram } from '../backends/registry';
import { defaultPython } from '../backends/python/debugpy';
import { PythonTarget } from '../backends/python/target';
import { findLldbDap, lldbDapAdapter, lldbLaunchArguments } from '../backends/native/lldb';
import { NodeTarget } from '../backends/node/target';
import { DirectTransport } from '../transport/direct';
import { CensusMode, PythonCensus, censusExpression, parseCensus } from './pythonCensus';
import { CallWatch, callWatchExpression, parseCallWatch } from './callWatch';

export interface Location {
  file: string;
  line: number;
}

export interface LeakSession {
  readonly language: 'python' | 'native' | 'node';
  readonly pid: number;
  /** The Python census at this stop (null for native programs). */
  census(mode: CensusMode, fromIds?: readonly number[]): Promise<PythonCensus | null>;
  /** Python only: starts (at FROM) or stops (at TO) watching native calls for the references they take. */
  watchCalls?(action: 'start' | 'stop'): Promise<CallWatch>;
  continueTo(loc: Location): Promise<void>;
  readRange(addr: number, len: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Environment that preloads the tracker into the debuggee (and only there). */
export function trackerEnv(tracker: string | null, minBytes: number): Record<string, string> {
  if (!tracker) return {};
  const pre = process.env.LD_PRELOAD ? `${tracker}:${process.env.LD_PRELOAD}` : tracker;
  return { LD_PRELOAD: pre, ARRAYLENS_LEAK_MIN_BYTES: String(minBytes) };
}

/**
 * Node flags and environment that keep freed memory from looking like references to the pointer scan: V8 leaves the
 * bodies of collected objects in its pages (a dead JSArrayBuffer still holds its backing store's address) unless
 * --clear-free-memory zeroes them, and glibc leaves freed chunks as they were (V8's BackingStore objects) unless
 * perturb fills them; tcache'd chunks skip the fill, so the tcache is turned off. Without both, an addon's block
 * whose ArrayBuffer was collected is never "unreferenced". The user's own GLIBC_TUNABLES come last and win.
 */
export function nodeScanHygiene(): { nodeArgs: string[]; env: Record<string, string> } {
  const tunables = 'glibc.malloc.tcache_count=0:glibc.malloc.perturb=165';
  return {
    nodeArgs: ['--clear-free-memory'],
    env: { GLIBC_TUNABLES: process.env.GLIBC_TUNABLES ? `${tunables}:${process.env.GLIBC_TUNABLES}` : tunables },
  };
}

function openMemory(pid: number | undefined): DirectTransport {
  if (pid === undefined) throw new ArrayLensError('debugger-failed', 'the debugger did not report the process id');
  const t = DirectTransport.tryOpen(pid);
  if (!t)
    throw new ArrayLensError(
      'unreadable',
      `cannot open /proc/${pid}/mem: leak checks read the stopped process directly (same user; with Yama ptrace_scope 1 run as root or set it to 0)`,
    );
  return t;
}

/** An interpreter ArrayLens launched (Python, Node), stopped at FROM, with its memory read straight from /proc. */
abstract class InterpreterLeakSession<T extends { continueTo(file: string, line: number): Promise<void>; close(): Promise<void> }> {
  protected constructor(
    protected readonly target: T,
    readonly pid: number,
    private readonly memory: DirectTransport,
  ) {}

  /** The launched target's pid and memory, or the target closed and the error passed on. */
  protected static async opened<T extends { pid?: number; close(): Promise<void> }>(target: T): Promise<{ target: T; pid: number; memory: DirectTransport }> {
    try {
      return { target, pid: target.pid!, memory: openMemory(target.pid) };
    } catch (e) {
      await target.close();
      throw e;
    }
  }

  continueTo(loc: Location): Promise<void> {
    return this.target.continueTo(loc.file, loc.line);
  }

  readRange(addr: number, len: number): Promise<Buffer> {
    return this.memory.readRange(BigInt(addr), len);
  }

  async close(): Promise<void> {
    await this.memory.dispose();
    await this.target.close();
  }
}

export class PythonLeakSession extends InterpreterLeakSession<PythonTarget> implements LeakSession {
  readonly language = 'python' as const;

  static async launch(opts: { python: string; program: string; args: string[]; from: Location; env: Record<string, string>; timeoutMs: number }): Promise<PythonLeakSession> {
    const o = await InterpreterLeakSession.opened(
      await PythonTarget.launch({
        python: opts.python,
        program: opts.program,
        args: opts.args,
        breakpoint: opts.from,
        stopTimeoutMs: opts.timeoutMs,
        env: opts.env,
      }),
    );
    return new PythonLeakSession(o.target, o.pid, o.memory);
  }

  async census(mode: CensusMode, fromIds: readonly number[] = []): Promise<PythonCensus> {
    return parseCensus(await this.target.evaluate(censusExpression(mode, { fromIds })));
  }

  async watchCalls(action: 'start' | 'stop'): Promise<CallWatch> {
    return parseCallWatch(await this.target.evaluate(callWatchExpression(action)));
  }
}

export class NodeLeakSession extends InterpreterLeakSession<NodeTarget> implements LeakSession {
  readonly language = 'node' as const;

  static async launch(opts: {
    node?: string;
    nodeArgs?: string[];
    program: string;
    args: string[];
    from: Location;
    env: Record<string, string>;
    timeoutMs: number;
  }): Promise<NodeLeakSession> {
    const o = await InterpreterLeakSession.opened(
      await NodeTarget.launch({
        node: opts.node,
        nodeArgs: opts.nodeArgs,
        program: opts.program,
        args: opts.args,
        breakpoint: opts.from,
        stopTimeoutMs: opts.timeoutMs,
        env: { ...process.env, ...opts.env },
      }),
    );
    return new NodeLeakSession(o.target, o.pid, o.memory);
  }

  /** No census for Node: what the tracker recorded (the addons' native blocks) is the whole ledger. */
  async census(): Promise<null> {
    return null;
  }
}

export class NativeLeakSession implements LeakSession {
  readonly language = 'native' as const;

  private constructor(
    private readonly debuggee: DapDebuggee,
    readonly pid: number,
    private readonly memory: DirectTransport,
  ) {}

  static async launch(opts: { program: string; args: string[]; from: Location; env: Record<string, string>; lldbDap?: string; timeoutMs: number }): Promise<NativeLeakSession> {
    const exe = findLldbDap(opts.lldbDap);
    const program = path.resolve(opts.program);
    if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
    const d = await launchToBreakpoint(lldbDapAdapter(exe), lldbLaunchArguments({ program, args: opts.args, env: opts.env }), opts.from, {
      timeoutMs: opts.timeoutMs,
      rule: 'breakpoint',
      unresolvedIn: path.basename(program),
    });
    try {
      return new NativeLeakSession(d, d.pid!, openMemory(d.pid));
    } catch (e) {
      await d.close();
      throw e;
    }
  }

  async census(): Promise<null> {
    return null;
  }

  continueTo(loc: Location, timeoutMs = 120000): Promise<void> {
    return this.debuggee.continueTo(loc, { timeoutMs, rule: 'breakpoint', unresolvedIn: 'the program' });
  }

  readRange(addr: number, len: number): Promise<Buffer> {
    return this.memory.readRange(BigInt(addr), len);
  }

  async close(): Promise<void> {
    await this.memory.dispose();
    await this.debuggee.close();
  }
}

/**
 * The leak session for `argv`, under the backend that runs it (src/backends/registry.ts), stopped at `from` with the
 * tracker's environment. Leak checks stop at lines of the program's own language.
 */
export async function launchLeakSession(
  argv: string[],
  o: { from: Location; env: Record<string, string>; timeoutMs: number; python?: string; debugger?: 'lldb' | 'gdb'; lldbDap?: string },
): Promise<LeakSession> {
  const { backend, program: prog } = backendForProgram(argv, '');
  const { from, env, timeoutMs } = o;
  switch (backend.id) {
    case 'python':
      return PythonLeakSession.launch({ python: o.python ?? prog.interpreter ?? defaultPython(), program: prog.program, args: prog.args, from, env, timeoutMs });
    case 'native':
      if ((o.debugger ?? 'lldb') !== 'lldb') throw new ArrayLensError('bad-argument', 'leaks runs native programs under lldb-dap only (--debugger lldb)');
      return NativeLeakSession.launch({ program: prog.program, args: prog.args, from, env, lldbDap: o.lldbDap, timeoutMs });
    case 'node': {
      const hygiene = nodeScanHygiene();
      return NodeLeakSession.launch({
        node: prog.interpreter,
        nodeArgs: [...hygiene.nodeArgs, ...(prog.interpreterArgs ?? [])],
        program: prog.program,
        args: prog.args,
        from,
        env: { ...env, ...hygiene.env },
        timeoutMs,
      });
    }
  }
}
