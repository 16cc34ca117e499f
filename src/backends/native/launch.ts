// Native programs under lldb-dap (default) or gdb/MI: picks the backend and starts the program.

import { ArrayLensError } from '../../core/errors';
import { DebugTarget } from '../../engine/target';

export interface NativeLaunchOptions {
  program: string;
  args: string[];
  cwd?: string;
  breakpoint: { file: string; line: number };
  debugger: 'lldb' | 'gdb';
  lldbDap?: string;
  gdb?: string;
  stopTimeoutMs: number;
}

export async function launchNative(opts: NativeLaunchOptions): Promise<DebugTarget> {
  if (opts.debugger !== 'lldb' && opts.debugger !== 'gdb')
    throw new ArrayLensError('bad-argument', `--debugger ${String(opts.debugger)}: use lldb or gdb`);
  if (opts.debugger === 'gdb') {
    const { launchGdb } = await import('./gdb');
    return launchGdb(opts);
  }
  const { launchLldb } = await import('./lldb');
  return launchLldb(opts);
}
