// Starts PROGRAM under the debugger of the backend that claims it (src/backends/registry.ts): the CLI's typed
// launch options become the backend's.

import * as fs from 'fs';
import { launchProgram } from '../backends/registry';
import { ArrayLensError } from '../core/errors';
import { DebugTarget } from '../engine/target';
import { LaunchOptions } from './args';

export { classifyProgram } from '../backends/backend';
export type { BackendId as ProgramKind } from '../backends/backend';
export { defaultPython } from '../backends/python/debugpy';

export function launchTarget(o: LaunchOptions, bp: { file: string; line: number }): Promise<DebugTarget> {
  return launchProgram(o.program, {
    breakpoint: bp,
    stopTimeoutMs: o.timeoutMs,
    python: o.python,
    debugger: o.debugger,
    lldbDap: o.lldbDap,
    gdb: o.gdb,
    mixed: o.mixed,
  });
}

/**
 * A breakpoint's file exists and has its line, checked before any process starts (the CLI's --break and MCP's
 * launch): a debugger would otherwise move it to the last line, or never stop and only time out.
 */
export function checkBreakpoint(bp: { file: string; line: number }): void {
  if (!fs.existsSync(bp.file)) throw new ArrayLensError('bad-argument', `--break ${bp.file}:${bp.line}: no such file ${bp.file}`);
  let text: string;
  try {
    text = fs.readFileSync(bp.file, 'utf8');
  } catch {
    return; // unreadable here (a directory, permissions): the debugger says what it makes of it
  }
  const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (bp.line > lines)
    throw new ArrayLensError('bad-argument', `--break ${bp.file}:${bp.line}: the file has ${lines} line${lines === 1 ? '' : 's'}; pick a line from 1 to ${lines}`);
}
