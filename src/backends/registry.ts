// The backends ArrayLens has, and the questions callers ask them: which one runs this program, which one reads this
// VS Code debug type, which one is behind an `arraylens` launch. No caller tests names or extensions itself.

import * as fs from 'fs';
import { ArrayLensError } from '../core/errors';
import type { DebugTarget } from '../engine/target';
import { Backend, BackendId, LaunchOptions, ProgramSpec, classifyProgram } from './backend';
import { nativeBackend } from './native/backend';
import { nodeBackend } from './node/backend';
import { pythonBackend } from './python/backend';

/** Asked in this order: native comes before node because it claims a Node program stopping in its addon's C/C++. */
const BACKENDS: readonly Backend[] = [pythonBackend, nativeBackend, nodeBackend];

export function backendById(id: BackendId): Backend {
  return BACKENDS.find((b) => b.id === id)!;
}

/** The backend that runs `argv` (a command line) to a breakpoint in `breakpointFile`, and the program as it sees it. */
export function backendForProgram(argv: string[], breakpointFile: string): { backend: Backend; program: ProgramSpec } {
  const program = classifyProgram(argv);
  const backend = BACKENDS.find((b) => b.claimsProgram(program, breakpointFile)) ?? nativeBackend;
  return { backend, program };
}

/** The backend that reads sessions of VS Code debug type `type` (debugpy, pwa-node, ...), if any. */
export function backendForDebugType(type: string): Backend | undefined {
  return BACKENDS.find((b) => b.debugTypes.includes(type));
}

/**
 * The backend behind an `arraylens` launch configuration: Python for a .py/.pyw program, else native (lldb-dap; it
 * explains a JavaScript program). `"request": "attach"` is native: lldb-dap attaches by pid.
 */
export function backendForLaunchConfig(config: Record<string, unknown>): Backend {
  if (config.request !== 'attach' && typeof config.program === 'string' && /\.pyw?$/i.test(config.program)) return pythonBackend;
  return nativeBackend;
}

/** Runs `argv` to `opts.breakpoint` under the backend that claims it (the CLI's `inspect`; tests). */
export async function launchProgram(argv: string[], opts: LaunchOptions): Promise<DebugTarget> {
  const { backend, program } = backendForProgram(argv, opts.breakpoint.file);
  if (program.kind !== 'native' && !fs.existsSync(program.program))
    throw new ArrayLensError('bad-argument', `no such program: ${program.program}`);
  if (opts.mixed && program.kind !== 'python')
    throw new ArrayLensError('bad-argument', `--mixed is for a Python program whose extension has native code; ${program.program} is not Python`);
  return backend.launch(program, opts);
}
