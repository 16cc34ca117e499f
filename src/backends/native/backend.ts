// The native backend: C/C++/Rust executables (and node itself, when the breakpoint is in an addon's C/C++ source)
// under lldb-dap or gdb/MI, the proxy of the `arraylens` debug type (lldb-dap, or cdt-gdb-adapter for "debugger": "gdb"),
// and the lldb-dap and gdb (CDT GDB adapter) sessions of VS Code.

import { Backend } from '../backend';
import { cdtFrames, cdtGdbProxy } from './cdtGdb';
import { attachedFrames, attachedPid, checkNativeLaunch, nativeDapBackend } from './proxy';

const ADDON_SOURCE = /\.(c|cc|cpp|cxx|h|hh|hpp)$/;

export const nativeBackend: Backend = {
  id: 'native',
  // 'lldb-dap': LLVM's extension; 'gdb': Eclipse CDT's (cdt-gdb-adapter).
  debugTypes: ['lldb-dap', 'gdb'],
  // A Node program stopping in its addon's C/C++ source: the native debugger runs node itself.
  claimsProgram: (p, breakpointFile) => p.kind === 'native' || (p.kind === 'node' && ADDON_SOURCE.test(breakpointFile)),
  async launch(p, o) {
    let program = p.program;
    let args = p.args;
    if (p.kind === 'node') {
      const { nodeExecutable } = await import('../node/target');
      program = nodeExecutable(p.interpreter);
      args = [...(p.interpreterArgs ?? []), p.program, ...p.args];
    }
    const { launchNative } = await import('./launch');
    return launchNative({ program, args, cwd: o.cwd, breakpoint: o.breakpoint, debugger: o.debugger ?? 'lldb', lldbDap: o.lldbDap, gdb: o.gdb, stopTimeoutMs: o.stopTimeoutMs });
  },
  proxy(config) {
    const lldbDap = typeof config.lldbDap === 'string' ? config.lldbDap : undefined;
    // What the user must change is said before looking for lldb-dap.
    if (config.request === 'attach') attachedPid(config);
    else if (config.program !== undefined) checkNativeLaunch(config);
    if (config.debugger === 'gdb') return cdtGdbProxy(config);
    return nativeDapBackend(lldbDap);
  },
  attach: (ctx) => (ctx.debugType === 'gdb' ? cdtFrames(ctx.channel, ctx.pid) : attachedFrames(ctx.channel, ctx.pid)),
};
