// The Node backend: .js/.mjs/.cjs programs and node command lines under Node's inspector, and sessions of VS Code's
// built-in JavaScript debugger (js-debug) read over its CDP proxy. The `arraylens` debug type does not run Node.

import { ArrayLensError } from '../../core/errors';
import { Backend } from '../backend';
import { JsDebugNodeTarget } from './jsDebug';

export const nodeBackend: Backend = {
  id: 'node',
  // js-debug's Node types: `node` in launch.json, `pwa-node` for the sessions it runs.
  debugTypes: ['pwa-node', 'node'],
  claimsProgram: (p) => p.kind === 'node',
  async launch(p, o) {
    const { NodeTarget } = await import('./target');
    return NodeTarget.launch({
      node: p.interpreter,
      nodeArgs: p.interpreterArgs,
      program: p.program,
      args: p.args,
      breakpoint: o.breakpoint,
      stopTimeoutMs: o.stopTimeoutMs,
      ...(o.env ? { env: { ...process.env, ...o.env } } : {}),
    });
  },
  proxy: (config) => {
    throw new ArrayLensError('bad-argument', `'${String(config.program)}' is a JavaScript program: debug it with the built-in "node" debug type; the Arrays view works there too`);
  },
  attach: (ctx) => {
    const cdpProxy = ctx.cdpProxy;
    if (!cdpProxy) throw new ArrayLensError('bad-argument', 'a Node session is read through its CDP proxy: js-debug sessions only');
    // The paused top frame of the session (js-debug's proxy names no DAP frame), attached at first use.
    return () => new JsDebugNodeTarget(cdpProxy);
  },
};
