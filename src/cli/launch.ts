// Chooses the debugger for PROGRAM (debugpy for Python, lldb/gdb for native, Node's inspector for JS) and starts it.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../core/errors';
import { PythonTarget } from '../backends/python/target';
import { DebugTarget } from '../engine/target';
import { LaunchOptions } from './args';

export type ProgramKind = 'python' | 'node' | 'native';

export function classifyProgram(argv: string[]): {
  kind: ProgramKind;
  interpreter?: string;
  interpreterArgs?: string[];
  program: string;
  args: string[];
} {
  const first = argv[0];
  const base = path.basename(first);
  if (/^python[\d.]*$/.test(base) || /^pypy[\d.]*$/.test(base)) {
    const rest = argv.slice(1);
    const i = rest.findIndex((a) => !a.startsWith('-'));
    if (i < 0) throw new ArrayLensError('bad-argument', `${first} needs a script to run`);
    return { kind: 'python', interpreter: first, program: rest[i], args: rest.slice(i + 1) };
  }
  if (first.endsWith('.py')) return { kind: 'python', program: first, args: argv.slice(1) };
  if (base === 'node' || base === 'nodejs') {
    const i = argv.findIndex((a, k) => k > 0 && !a.startsWith('-'));
    if (i < 0) throw new ArrayLensError('bad-argument', `${first} needs a script to run`);
    return { kind: 'node', interpreter: first, interpreterArgs: argv.slice(1, i), program: argv[i], args: argv.slice(i + 1) };
  }
  if (/\.(c|m)?js$/.test(first)) return { kind: 'node', program: first, args: argv.slice(1) };
  return { kind: 'native', program: first, args: argv.slice(1) };
}

export function defaultPython(): string {
  if (process.env.ARRAYLENS_PYTHON) return process.env.ARRAYLENS_PYTHON;
  const venv = path.join(__dirname, '..', '..', '..', '.venv', 'bin', 'python');
  return fs.existsSync(venv) ? venv : 'python3';
}

export async function launchTarget(o: LaunchOptions, bp: { file: string; line: number }): Promise<DebugTarget> {
  const prog = classifyProgram(o.program);
  const timeoutMs = o.timeoutMs;
  if (prog.kind !== 'native' && !fs.existsSync(prog.program))
    throw new ArrayLensError('bad-argument', `no such program: ${prog.program}`);
  if (o.mixed && prog.kind !== 'python')
    throw new ArrayLensError('bad-argument', `--mixed is for a Python program whose extension has native code; ${prog.program} is not Python`);
  if (prog.kind === 'python') {
    const { isNativeSource, launchMixed } = await import('../backends/python/mixed');
    // A Python program stopping in its extension's native code (--mixed, or implied by a .rs/.c/.cpp breakpoint):
    // debugpy runs it, lldb-dap attaches to it.
    if (o.mixed || isNativeSource(bp.file))
      return launchMixed({
        python: o.python ?? prog.interpreter ?? defaultPython(),
        program: prog.program,
        args: prog.args,
        breakpoint: bp,
        lldbDap: o.lldbDap,
        stopTimeoutMs: timeoutMs,
      });
  }
  switch (prog.kind) {
    case 'python':
      return PythonTarget.launch({
        python: o.python ?? prog.interpreter ?? defaultPython(),
        program: prog.program,
        args: prog.args,
        breakpoint: bp,
        stopTimeoutMs: timeoutMs,
      });
    case 'native': {
      const { launchNative } = await import('../backends/native/launch');
      return launchNative({
        program: prog.program,
        args: prog.args,
        breakpoint: bp,
        debugger: o.debugger,
        lldbDap: o.lldbDap,
        gdb: o.gdb,
        stopTimeoutMs: timeoutMs,
      });
    }
    case 'node': {
      const { NodeTarget, nodeExecutable } = await import('../backends/node/target');
      // A breakpoint in an addon's C/C++ source: the native debugger runs node itself (language "native").
      if (/\.(c|cc|cpp|cxx|h|hh|hpp)$/.test(bp.file)) {
        const { launchNative } = await import('../backends/native/launch');
        return launchNative({
          program: nodeExecutable(prog.interpreter),
          args: [...(prog.interpreterArgs ?? []), prog.program, ...prog.args],
          breakpoint: bp,
          debugger: o.debugger,
          lldbDap: o.lldbDap,
          gdb: o.gdb,
          stopTimeoutMs: timeoutMs,
        });
      }
      return NodeTarget.launch({
        node: prog.interpreter,
        nodeArgs: prog.interpreterArgs,
        program: prog.program,
        args: prog.args,
        breakpoint: bp,
        stopTimeoutMs: timeoutMs,
      });
    }
  }
}
