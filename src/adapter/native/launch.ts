// Native programs under lldb-dap or gdb.

import { ArrayLensError } from '../../core/errors';
import { DebugTarget } from '../target';

export interface NativeLaunchOptions {
  program: string;
  args: string[];
  breakpoint: { file: string; line: number };
  debugger: 'lldb' | 'gdb';
  lldbDap?: string;
  gdb?: string;
  stopTimeoutMs: number;
}

export async function launchNative(opts: NativeLaunchOptions): Promise<DebugTarget> {
  throw new ArrayLensError('debugger-missing', `native debugging (${opts.debugger}) is not wired yet`);
}
