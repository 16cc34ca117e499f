// The programs an MCP client launched, by session id: each stopped at one of its breakpoints (or ended), with the
// DebugTarget of the stop made on first use. Every debuggee and debugger ends when its session closes or the client goes.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import { backendById, backendForProgram, launchProgram } from '../backends/registry';
import { isNativeSource } from '../backends/backend';
import { debugpyAdapter, debugpyLaunchArguments, defaultPython } from '../backends/python/debugpy';
import { findLldbDap, lldbDapAdapter, lldbLaunchArguments } from '../backends/native/lldb';
import { GdbProgram } from '../backends/native/gdb';
import { NativeTarget } from '../backends/native/target';
import { MixedProgram } from '../backends/python/mixed';
import { nodeExecutable } from '../backends/node/target';
import { killQuietly } from '../backends/dapLaunch';
import { DebugTarget } from '../engine/target';
import { LaunchOptions, Location } from '../cli/args';
import { checkBreakpoint } from '../cli/launch';
import { DapStops, StopLocation } from './stops';

/** The CLI's launch options (one definition in src/cli/args.ts), with every breakpoint the session may stop at. */
export interface LaunchRequest extends LaunchOptions {
  breakpoints: Location[];
}

/** What continue can do in a session: run to the next of all its breakpoints, to the next listed one, or nothing. */
export type ContinueMode = 'any-breakpoint' | 'listed-order' | 'none';

export interface SessionInfo {
  session: string;
  language: DebugTarget['language'];
  pid: number | null;
  stoppedAt: StopLocation;
  /** How `continue` behaves here, and why when it cannot. */
  continue: { mode: ContinueMode; note: string };
}

export type ContinueResult = { session: string; language: DebugTarget['language']; stoppedAt: StopLocation } | { session: string; ended: true; exitCode: number | null };

/**
 * A program held at a stop between calls with all of its breakpoints set, whatever runs it: one DAP adapter (debugpy,
 * lldb-dap), gdb/MI, or debugpy and lldb-dap together (mixed, where each stop is one side's).
 */
interface HeldProgram {
  readonly pid: number | undefined;
  /** Runs to whichever breakpoint comes next (or another stop: an exception, a signal), or to the end. */
  continue(timeoutMs: number): Promise<{ at: StopLocation; language: DebugTarget['language'] } | { ended: true; exitCode: number | null }>;
  /** The arrays of the current stop; closing the target leaves the program as it is. */
  target(): DebugTarget;
  close(): Promise<void>;
}

function heldByDap(stops: DapStops, language: DebugTarget['language'], attach: (frameId: number) => DebugTarget): HeldProgram {
  return {
    get pid() {
      return stops.pid;
    },
    continue: async (timeoutMs) => {
      const r = await stops.continue(timeoutMs);
      return 'ended' in r ? r : { at: r.at, language };
    },
    target: () => attach(stops.debuggee.frameId),
    close: () => stops.close(),
  };
}

function heldByGdb(p: GdbProgram): HeldProgram {
  return {
    get pid() {
      return p.pid;
    },
    continue: async (timeoutMs) => {
      const r = await p.continue(timeoutMs);
      return 'ended' in r ? r : { at: r.at, language: 'native' };
    },
    // One gdb for the whole session: a stop's target only reads through it.
    target: () => new NativeTarget(p.debugger(), { endsDebuggee: false }),
    close: () => p.close(),
  };
}

function mixedLocation(stop: { side: string; file: string | null; line: number; function: string; reason: string; description?: string }): StopLocation {
  const { side: _side, ...at } = stop;
  void _side;
  return at;
}

function heldMixed(p: MixedProgram): HeldProgram {
  return {
    pid: p.pid,
    continue: async (timeoutMs) => {
      const r = await p.continue(timeoutMs);
      return 'ended' in r ? r : { at: mixedLocation(r.at), language: r.at.side };
    },
    target: () => p.target(),
    close: () => p.close(),
  };
}

/** A target run one listed breakpoint at a time (Node: NodeTarget moves its one breakpoint). */
interface OneBreakpointTarget extends DebugTarget {
  continueTo(file: string, line: number, timeoutMs?: number): Promise<void>;
  continueToEnd(timeoutMs?: number): Promise<void>;
  /** Once the program ended: its exit code (null after a signal). */
  readonly exitCode?: number | null;
}

function movesItsBreakpoint(t: DebugTarget): t is OneBreakpointTarget {
  const c = t as Partial<OneBreakpointTarget>;
  return typeof c.continueTo === 'function' && typeof c.continueToEnd === 'function';
}

interface Stop {
  at: StopLocation;
  target: DebugTarget | null;
}

class Session {
  private stop: Stop | null;
  /** Listed-order continue: the index of the breakpoint the program is stopped at. */
  private listed = 0;
  /** Why there is nothing to inspect any more (the program ended, the session was closed). */
  private gone: string | null = null;
  /** Calls on one session run one after another (a client may send them at once). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    /** Whose stop this is: fixed, except in mixed sessions (debugpy's stop, or lldb-dap's in the extension). */
    public language: DebugTarget['language'],
    readonly breakpoints: Location[],
    /** All breakpoints set at once (Python, native under lldb-dap or gdb, mixed Python + native). */
    private readonly held: HeldProgram | null,
    /** The target a backend launched to the first breakpoint (Node, a Node addon under lldb-dap). */
    private readonly launched: DebugTarget | null,
    at: StopLocation,
    /** Why continue cannot run this session on (a launched target that does not move its breakpoint). */
    private readonly stopsOnce: string,
  ) {
    this.stop = { at, target: launched };
  }

  /** Runs `work` after every call on this session sent before it. */
  serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  get pid(): number | undefined {
    return this.held ? this.held.pid : this.launched?.pid;
  }

  get continueMode(): { mode: ContinueMode; note: string } {
    if (this.held) return { mode: 'any-breakpoint', note: 'continue runs to whichever breakpoint comes next, or to the end' };
    if (this.launched && movesItsBreakpoint(this.launched))
      return { mode: 'listed-order', note: 'this debugger holds one breakpoint at a time: continue runs to the next breakpoint in the order given, then to the end' };
    return { mode: 'none', note: `${this.stopsOnce}: continue cannot run it on; close it and launch again with the next breakpoint` };
  }

  info(): SessionInfo {
    return { session: this.id, language: this.language, pid: this.pid ?? null, stoppedAt: this.current().at, continue: this.continueMode };
  }

  private current(): Stop {
    if (!this.stop) throw new ArrayLensError('program-ended', `session ${this.id}: ${this.gone ?? 'not stopped'}; launch the program again to inspect it`);
    return this.stop;
  }

  /** The target of the current stop. */
  target(): DebugTarget {
    const stop = this.current();
    if (!stop.target) {
      if (!this.held) throw new ArrayLensError('stale', `session ${this.id} has no stopped frame`);
      stop.target = this.held.target();
    }
    return stop.target;
  }

  async continue(timeoutMs: number): Promise<ContinueResult> {
    const stop = this.current();
    const mode = this.continueMode;
    if (mode.mode === 'none') throw new ArrayLensError('bad-argument', `session ${this.id}: ${mode.note}`);
    // Views of the stop are stale once the program moves.
    if (stop.target !== this.launched) await stop.target?.close().catch(() => undefined);
    this.stop = null;
    this.gone = 'the program is running';
    try {
      if (this.held) {
        const r = await this.held.continue(timeoutMs);
        if ('ended' in r) return await this.end(r.exitCode);
        this.language = r.language;
        this.stop = { at: r.at, target: null };
        return { session: this.id, language: this.language, stoppedAt: r.at };
      }
      const t = this.launched as OneBreakpointTarget;
      const next = this.breakpoints[this.listed + 1];
      if (!next) {
        await t.continueToEnd(timeoutMs);
        return await this.end(t.exitCode ?? null);
      }
      try {
        await t.continueTo(next.file, next.line, timeoutMs);
      } catch (e) {
        if (e instanceof ArrayLensError && e.code === 'program-ended') return await this.end(t.exitCode ?? null);
        throw e;
      }
      this.listed++;
      this.stop = { at: { file: path.resolve(next.file), line: next.line, function: '', reason: 'breakpoint' }, target: t };
      return { session: this.id, language: this.language, stoppedAt: this.stop.at };
    } catch (e) {
      // A run that timed out or lost its debugger leaves no stop to inspect: end it rather than leave it half-known.
      await this.close('it was closed after an error');
      throw e instanceof ArrayLensError ? new ArrayLensError(e.code, `${e.message}; session ${this.id} was closed`) : e;
    }
  }

  private async end(exitCode: number | null): Promise<ContinueResult> {
    await this.close(`the program ended${exitCode !== null ? ` (exit code ${exitCode})` : ''}`);
    return { session: this.id, ended: true, exitCode };
  }

  /** Synchronous last resort (process exit): the debuggee first; the debuggers end as their pipes close. */
  killNow(): void {
    killQuietly(this.pid);
  }

  async close(why = 'it was closed'): Promise<void> {
    const t = this.stop?.target;
    this.stop = null;
    this.gone = why;
    if (t && t !== this.launched) await t.close().catch(() => undefined);
    await this.held?.close().catch(() => undefined);
    await this.launched?.close().catch(() => undefined);
  }
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private next = 1;

  get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) {
      const open = [...this.sessions.keys()];
      throw new ArrayLensError('bad-argument', `no session '${id}'${open.length ? ` (open: ${open.join(', ')})` : ': launch a program first'}`);
    }
    return s;
  }

  async launch(r: LaunchRequest): Promise<SessionInfo> {
    for (const bp of r.breakpoints) checkBreakpoint(bp); // the CLI's one-line errors: no such file, past its end
    const first = r.breakpoints[0];
    const { backend, program } = backendForProgram(r.program, first.file);
    const id = String(this.next++);
    const mixed = backend.id === 'python' && (r.mixed || r.breakpoints.some((b) => isNativeSource(b.file)));
    let session: Session;
    if (backend.id === 'python' && !mixed) {
      if (!fs.existsSync(program.program)) throw new ArrayLensError('bad-argument', `no such program: ${program.program}`);
      const python = r.python ?? program.interpreter ?? defaultPython();
      const args = debugpyLaunchArguments({ program: program.program, args: program.args, cwd: process.cwd(), python, subProcess: false, stopOnEntry: false });
      const { stops, at } = await DapStops.launch(debugpyAdapter(python), args, r.breakpoints, { timeoutMs: r.timeoutMs, launchRule: 'any' });
      const held = heldByDap(stops, 'python', (frameId) => backend.attach({ channel: stops.debuggee.client, pid: () => stops.pid })(frameId));
      session = new Session(id, 'python', r.breakpoints, held, null, at, '');
    } else if (backend.id === 'python') {
      if (!fs.existsSync(program.program)) throw new ArrayLensError('bad-argument', `no such program: ${program.program}`);
      const p = await MixedProgram.launch({
        python: r.python ?? program.interpreter ?? defaultPython(),
        program: program.program,
        args: program.args,
        breakpoints: r.breakpoints,
        lldbDap: r.lldbDap,
        stopTimeoutMs: r.timeoutMs,
      });
      const stop = p.stoppedAt!;
      session = new Session(id, stop.side, r.breakpoints, heldMixed(p), null, mixedLocation(stop), '');
    } else if (backend.id === 'native') {
      if (r.mixed) throw new ArrayLensError('bad-argument', `--mixed is for a Python program whose extension has native code; ${program.program} is not Python`);
      // A Node program stopping in its addon's C/C++: the native debugger runs node itself (as the backend's launch).
      const native =
        program.kind === 'node'
          ? { file: nodeExecutable(program.interpreter), args: [...(program.interpreterArgs ?? []), program.program, ...program.args] }
          : { file: path.resolve(program.program), args: program.args };
      if (program.kind === 'node' && !fs.existsSync(program.program)) throw new ArrayLensError('bad-argument', `no such program: ${program.program}`);
      let held: HeldProgram;
      let at: StopLocation;
      if (r.debugger === 'gdb') {
        const p = await GdbProgram.launch({ program: native.file, args: native.args, gdb: r.gdb, breakpoints: r.breakpoints, stopTimeoutMs: r.timeoutMs });
        held = heldByGdb(p);
        at = p.stoppedAt!;
      } else {
        const exe = findLldbDap(r.lldbDap);
        if (!fs.existsSync(native.file)) throw new ArrayLensError('bad-argument', `no such program: ${program.program}`);
        const launched = await DapStops.launch(lldbDapAdapter(exe), lldbLaunchArguments({ program: native.file, args: native.args }), r.breakpoints, {
          timeoutMs: r.timeoutMs,
          launchRule: 'breakpoint',
          unresolvedIn: path.basename(native.file),
        });
        const stops = launched.stops;
        held = heldByDap(stops, 'native', backendById('native').attach({ channel: stops.debuggee.client, pid: () => stops.pid }));
        at = launched.at;
      }
      session = new Session(id, 'native', r.breakpoints, held, null, at, '');
    } else {
      // Node under the inspector protocol: the backend runs the program to the first breakpoint.
      const target = await launchProgram(r.program, {
        breakpoint: first,
        stopTimeoutMs: r.timeoutMs,
        python: r.python,
        debugger: r.debugger,
        lldbDap: r.lldbDap,
        gdb: r.gdb,
        mixed: r.mixed,
      });
      const at: StopLocation = { file: path.resolve(first.file), line: first.line, function: '', reason: 'breakpoint' };
      session = new Session(id, target.language, r.breakpoints, null, target, at, `this ${target.language} session stops once here`);
    }
    this.sessions.set(id, session);
    const info = session.info();
    if (info.continue.mode === 'none' && r.breakpoints.length > 1)
      info.continue.note += `; only the first breakpoint (${path.basename(first.file)}:${first.line}) was set`;
    return info;
  }

  /** Ended and failed sessions stay listed (their messages say what happened) until closed. */
  continue(id: string, timeoutMs: number): Promise<ContinueResult> {
    const s = this.get(id);
    return s.serial(() => s.continue(timeoutMs));
  }

  /** `work` on the target of session `id`'s current stop, after the calls before it. */
  withTarget<T>(id: string, work: (t: DebugTarget) => Promise<T>): Promise<T> {
    const s = this.get(id);
    return s.serial(() => work(s.target()));
  }

  async close(id: string): Promise<{ session: string; closed: true }> {
    const s = this.get(id);
    this.sessions.delete(id);
    await s.close(); // not queued: closing ends a run that is still waiting for its stop
    return { session: id, closed: true };
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close().catch(() => undefined)));
  }

  /** At process exit, when nothing asynchronous runs any more. */
  killAll(): void {
    for (const s of this.sessions.values()) s.killNow();
  }
}
