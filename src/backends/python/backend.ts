// The Python backend: .py programs and python/pypy command lines under debugpy (with lldb-dap attached when the
// breakpoint is in the extension's native source), the debugpy proxy of the `arraylens` debug type, and VS Code's own
// debugpy sessions.

import * as path from 'path';
import { EngineArraySource } from '../../engine/arraySource';
import { Backend, DapProxy, isNativeSource } from '../backend';
import { debugpyAdapter, debugpyLaunchArguments, defaultPython } from './debugpy';
import { PythonTarget } from './target';

/** debugpy run by `python` behind the `arraylens` debug type. */
export function debugpyProxy(python: string): DapProxy {
  const adapter = debugpyAdapter(python, 'or set "python" in the launch configuration (or the arraylens.python setting)');
  return {
    name: adapter.name,
    command: adapter.command,
    args: adapter.args,
    launchArguments: debugpyLaunchArguments,
    makeSource: (channel, pid) => new EngineArraySource((frameId) => PythonTarget.attachToSession(channel, pid(), frameId)),
    explainExit: (stderr) => adapter.exitError(stderr).message,
  };
}

export const pythonBackend: Backend = {
  id: 'python',
  debugTypes: ['debugpy', 'python'],
  claimsProgram: (p) => p.kind === 'python',
  async launch(p, o) {
    const python = o.python ?? p.interpreter ?? defaultPython();
    // A Python program stopping in its extension's native code (--mixed, or implied by a .rs/.c/.cpp breakpoint):
    // debugpy runs it, lldb-dap attaches to it.
    if (o.mixed || isNativeSource(o.breakpoint.file)) {
      const { launchMixed } = await import('./mixed');
      return launchMixed({ python, program: p.program, args: p.args, cwd: o.cwd, breakpoint: o.breakpoint, lldbDap: o.lldbDap, stopTimeoutMs: o.stopTimeoutMs });
    }
    return PythonTarget.launch({ python, program: path.resolve(p.program), args: p.args, cwd: o.cwd, breakpoint: o.breakpoint, stopTimeoutMs: o.stopTimeoutMs, env: o.env });
  },
  proxy: () => debugpyProxy(defaultPython()),
  attach: (ctx) => (frameId) => PythonTarget.attachToSession(ctx.channel, ctx.pid(), frameId),
};
