// What a language backend (src/backends/{python,native,node}) offers the rest of ArrayLens: which programs and VS Code
// debug types it claims, a headless launch, the proxy behind the `arraylens` debug type, and attaching to a session
// someone else started. src/backends/registry.ts holds the three; callers ask it instead of testing names themselves.

import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import type { ArraySource } from '../engine/arraySource';
import type { DebugTarget } from '../engine/target';
import type { DapChannel } from '../rpc/dapClient';

export type BackendId = 'python' | 'native' | 'node';

/** A program as a command line names it: an interpreter with its script (python3 x.py, node x.js) or an executable. */
export interface ProgramSpec {
  kind: BackendId;
  interpreter?: string;
  interpreterArgs?: string[];
  program: string;
  args: string[];
}

/** Which language runs `argv` (its interpreter, else the script's extension; anything else is native). */
export function classifyProgram(argv: string[]): ProgramSpec {
  const first = argv[0];
  const base = path.basename(first);
  if (/^python[\d.]*$/.test(base) || /^pypy[\d.]*$/.test(base)) {
    const rest = argv.slice(1);
    const i = rest.findIndex((a) => !a.startsWith('-'));
    if (i < 0) throw new ArrayLensError('bad-argument', `${first} needs a script to run`);
    return { kind: 'python', interpreter: first, program: rest[i], args: rest.slice(i + 1) };
  }
  if (/\.pyw?$/.test(first)) return { kind: 'python', program: first, args: argv.slice(1) };
  if (base === 'node' || base === 'nodejs') {
    const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
    if (i < 0) throw new ArrayLensError('bad-argument', `${first} needs a script to run`);
    return { kind: 'node', interpreter: first, interpreterArgs: argv.slice(1, i), program: argv[i], args: argv.slice(i + 1) };
  }
  if (/\.(c|m)?js$/.test(first)) return { kind: 'node', program: first, args: argv.slice(1) };
  return { kind: 'native', program: first, args: argv.slice(1) };
}

const NATIVE_SOURCE = /\.(rs|c|cc|cpp|cxx|c\+\+|m|mm|h|hh|hpp|hxx)$/i;

/** True when a breakpoint in `file` belongs to a native debugger (an extension's or addon's source). */
export function isNativeSource(file: string): boolean {
  return NATIVE_SOURCE.test(file);
}

/** A headless launch, typed (the CLI's flags parsed once; leak checks; tests). */
export interface LaunchOptions {
  breakpoint: { file: string; line: number };
  stopTimeoutMs: number;
  /** The interpreter of a Python program (else the one on the command line, else the default). */
  python?: string;
  /** Native programs: lldb-dap (the default) or gdb/MI. */
  debugger?: 'lldb' | 'gdb';
  lldbDap?: string;
  gdb?: string;
  /** A Python program stopping in its extension's native code (also implied by a native breakpoint file). */
  mixed?: boolean;
  env?: Record<string, string>;
  cwd?: string;
}

/** The debugger behind an `arraylens` debug session: src/debugAdapter/server.ts forwards DAP to it unchanged. */
export interface DapProxy {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The launch arguments this debugger understands, from ours. */
  launchArguments(ours: Record<string, unknown>): Record<string, unknown>;
  /** `"request": "attach"`: the pid and this debugger's attach arguments (throws what the user should change). */
  attachArguments?(ours: Record<string, unknown>): { pid: number; arguments: Record<string, unknown> };
  /** The engine's answers over the session's connection (the session owns the debuggee). */
  makeSource(channel: DapChannel, pid: () => number | undefined): ArraySource;
  /** A message for the user when the debugger process dies early (stderr tail given). */
  explainExit(stderr: string): string;
}

/** A session someone else started, as a backend attaches to it. */
export interface AttachContext {
  /** Requests on the session's own connection. */
  channel: DapChannel;
  /** The debuggee's pid, once the session said it. */
  pid(): number | undefined;
  /** The session's VS Code debug type (a backend claiming several reads each through its own adapter). */
  debugType?: string;
  /** js-debug sessions: the address of its CDP proxy for this session. */
  cdpProxy?(): Promise<{ host: string; port: number; path?: string } | undefined>;
}

export interface Backend {
  readonly id: BackendId;
  /** VS Code debug types (other than `arraylens`) whose sessions this backend reads. */
  readonly debugTypes: readonly string[];
  /** Whether this backend runs `program` to a breakpoint in `breakpointFile` (asked in the registry's order). */
  claimsProgram(program: ProgramSpec, breakpointFile: string): boolean;
  /** Runs `program` to `opts.breakpoint` and returns the stopped target (close() ends the program). */
  launch(program: ProgramSpec, opts: LaunchOptions): Promise<DebugTarget>;
  /** The debugger behind the `arraylens` debug type for this launch configuration (throws what to change). */
  proxy(config: Record<string, unknown>): DapProxy;
  /** The target of one frame of a stopped session someone else started; closing it never ends their program. */
  attach(ctx: AttachContext): (frameId: number) => DebugTarget;
}
