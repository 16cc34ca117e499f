// Native programs (C/C++/Rust executables) through the `arraylens` debug type: lldb-dap runs the program, every DAP
// message is proxied unchanged by the adapter (src/debugAdapter/server.ts), and arraylens/listArrays + arraylens/inspect are answered
// by the native backend (NativeTarget over LldbDebugger) on the same lldb-dap connection. "debugger": "gdb" goes
// through cdt-gdb-adapter instead (gdb 13 has no DAP of its own): see cdtGdb.ts.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { DapChannel } from '../../rpc/dapClient';
import type { DapProxy } from '../backend';
import { EngineArraySource } from '../../engine/arraySource';
import { LldbDebugger, findLldbDap, lldbInitCommands } from './lldb';
import { NativeTarget } from './target';

/** Launch attributes of ours that lldb-dap does not know (or takes under another name). */
const OURS_ONLY = ['python', 'mixed', 'lldbDap', 'debugger', 'type', 'request', 'name', '__configurationTarget', '__sessionId', '__parentSessionId', 'processId'];

/** Checks what can be checked before any debugger starts; throws what the user should change. */
export function checkNativeLaunch(args: Record<string, unknown>): void {
  const dbg = args.debugger;
  if (dbg !== undefined && dbg !== 'lldb' && dbg !== 'gdb')
    throw new ArrayLensError('bad-argument', `"debugger": ${JSON.stringify(dbg)} is not known: use "lldb" (the default, lldb-dap) or "gdb" (through cdt-gdb-adapter)`);
  const program = path.resolve(String(args.cwd ?? process.cwd()), String(args.program));
  if (/\.(m?js|cjs|ts)$/i.test(program))
    throw new ArrayLensError('bad-argument', `'${args.program}' is a JavaScript program: debug it with the built-in "node" debug type; the Arrays view works there too`);
  let st: fs.Stats;
  try {
    st = fs.statSync(program);
  } catch {
    throw new ArrayLensError('bad-argument', `no such program: ${program} (build it first, or fix "program" / "cwd" in the launch configuration)`);
  }
  if (!st.isFile()) throw new ArrayLensError('bad-argument', `"program" must be an executable file: ${program} is not a file`);
  try {
    fs.accessSync(program, fs.constants.X_OK);
  } catch {
    throw new ArrayLensError('bad-argument', `${program} is not executable: a .py script runs under debugpy, anything else must be a built C/C++/Rust executable`);
  }
}

/**
 * `"request": "attach"`: the pid of a running process ("processId": a number, or its decimal string as
 * `${command:pickProcess}` gives it). Throws what the user should change.
 */
export function attachedPid(args: Record<string, unknown>): number {
  const raw = args.processId;
  const pid = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(pid) || pid <= 0)
    throw new ArrayLensError('bad-argument', `an "attach" configuration needs "processId": the pid of a running process (got ${JSON.stringify(raw)})`);
  try {
    fs.statSync(`/proc/${pid}`);
  } catch {
    throw new ArrayLensError('bad-argument', `no process ${pid} is running: start the program first, or fix "processId"`);
  }
  return pid;
}

/**
 * lldb-dap's attach arguments: by pid, never stopping on entry (the process goes on until a breakpoint), fast symbols.
 * Disconnecting detaches (src/debugAdapter/server.ts forces terminateDebuggee: false): an attached process is not ours.
 */
export function attachArguments(ours: Record<string, unknown>, pid: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ours)) if (!OURS_ONLY.includes(k) && k !== 'program' && k !== 'args' && k !== 'env') out[k] = v;
  out.pid = pid;
  out.initCommands = lldbInitCommands(ours.initCommands);
  out.stopOnEntry = false;
  return out;
}

/** The lldb-dap behind the debug type: the configured one ("lldbDap", else ARRAYLENS_LLDB_DAP), else lldb-dap-NN on PATH. */
export function nativeDapBackend(lldbDap?: string): DapProxy {
  const command = findLldbDap(lldbDap || undefined);
  return {
    name: 'lldb-dap',
    command,
    args: [],
    attachArguments(ours) {
      const pid = attachedPid(ours);
      return { pid, arguments: attachArguments(ours, pid) };
    },
    launchArguments(ours) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(ours)) if (!OURS_ONLY.includes(k)) out[k] = v;
      const cwd = String(ours.cwd ?? process.cwd());
      out.program = path.resolve(cwd, String(ours.program));
      out.cwd = cwd;
      out.args = Array.isArray(ours.args) ? ours.args.map(String) : [];
      // lldb-dap takes the environment as "NAME=value" strings (an object only in newer versions).
      if (ours.env && typeof ours.env === 'object' && !Array.isArray(ours.env))
        out.env = Object.entries(ours.env as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
      out.initCommands = lldbInitCommands(ours.initCommands);
      out.stopOnEntry = ours.stopOnEntry === true;
      return out;
    },
    makeSource: (channel, pid) => new EngineArraySource(attachedFrames(channel, pid)),
    explainExit: (stderr) => `lldb-dap (${command}) exited: ${stderr || 'no output'}`,
  };
}

/** Frames of an lldb-dap session ArrayLens does not own: a frame's target only reads; closing it must not end the program. */
export function attachedFrames(channel: DapChannel, pid: () => number | undefined): (frameId: number) => NativeTarget {
  return (frameId) => new NativeTarget(new LldbDebugger(sessionChannel(channel), pid(), frameId), { endsDebuggee: false });
}

/** The session's connection to lldb-dap as LldbDebugger wants it: the session, not the target, ends the debugger. */
function sessionChannel(channel: DapChannel): ConstructorParameters<typeof LldbDebugger>[0] {
  return {
    request: channel.request.bind(channel),
    // A failed evaluate is the expression's fault while the session lives; dapServer reports a dead debugger itself.
    isAlive: true,
    close: () => Promise.resolve(),
    kill: () => undefined,
  };
}
