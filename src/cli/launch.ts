// Starts PROGRAM under the debugger of the backend that claims it (src/backends/registry.ts): the CLI's typed
// launch options become the backend's.

import { launchProgram } from '../backends/registry';
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
