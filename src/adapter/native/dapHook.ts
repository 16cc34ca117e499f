// Hook of the `arraylens` debug type for native programs: returns the debugger to proxy (lldb-dap / gdb) and how
// to build engine targets over its connection. Placeholder until the native backend fills it in.

import { ArrayLensError } from '../../core/errors';
import type { DownstreamBackend } from '../dapServer';

export async function nativeDapBackend(program: string): Promise<DownstreamBackend> {
  throw new ArrayLensError(
    'debugger-missing',
    `'${program}' is not a Python script, and native programs are not wired into the arraylens debug type yet: ` +
      `launch a .py program, or inspect native arrays headless with 'npx arraylens inspect ${program} …'`,
  );
}
