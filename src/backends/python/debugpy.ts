// debugpy's adapter command line and launch arguments, written once for every path that runs Python under it
// (headless launch, mixed launch, the `arraylens` debug type, the mixed DAP session).

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import type { DapAdapter } from '../dapLaunch';

/** CPython 3.11+ freezes core modules: debugpy then warns that breakpoints in them may be missed; off for both processes. */
const FROZEN_MODULES_OFF = '-Xfrozen_modules=off';

/**
 * The interpreter when none is given: ARRAYLENS_PYTHON, else the .venv of the package this code runs from (the
 * repository for the CLI and tests, the extension folder for dist/adapter.js), else python3.
 */
export function defaultPython(): string {
  if (process.env.ARRAYLENS_PYTHON) return process.env.ARRAYLENS_PYTHON;
  for (let dir = __dirname, up = 0; up < 6; up++, dir = path.dirname(dir)) {
    if (!fs.existsSync(path.join(dir, 'package.json'))) continue;
    const venv = path.join(dir, '.venv', 'bin', 'python');
    return fs.existsSync(venv) ? venv : 'python3';
  }
  return 'python3';
}

/**
 * Runs debugpy's adapter (as `python -m debugpy.adapter` would) with TCP_QUICKACK set before every read on its TCP
 * sockets. Why not plain `-m debugpy.adapter`: pydevd, in the debuggee, writes each message's header and body with two
 * `sendall`s on a socket with Nagle's algorithm on, so the body waits until the header is acknowledged, and Linux delays
 * that ACK by ~40 ms: every request answered by the debuggee (evaluate, variables, stackTrace) took ~50 ms here.
 * Acknowledging at once on the adapter's side (our process, not the debuggee) removes the wait: a debugpy `evaluate`
 * 52 → 7.5 ms median (bench/dap.ts measures both in one run). Nothing in the debuggee changes. Hand-written: debugpy
 * has no option for it (its own TODO notes the unbuffered socket reads), and pydevd is the debuggee's code.
 */
export const ADAPTER_BOOT = [
  'import runpy, socket',
  'q = getattr(socket, "TCP_QUICKACK", None)',
  'if q is not None:',
  '    base = socket.socket.recv_into',
  '    inet = (socket.AF_INET, getattr(socket, "AF_INET6", socket.AF_INET))',
  '    def recv_into(self, *a, **k):',
  '        if self.family in inet and self.type == socket.SOCK_STREAM:',
  '            try:',
  '                self.setsockopt(socket.IPPROTO_TCP, q, 1)',
  '            except OSError:',
  '                pass',
  '        return base(self, *a, **k)',
  '    socket.socket.recv_into = recv_into',
  'runpy.run_module("debugpy.adapter", run_name="__main__", alter_sys=True)',
].join('\n');

/** debugpy's adapter run by `python`; `hint` ends the message when debugpy is missing (how to pick another python). */
export function debugpyAdapter(python: string, hint = 'or pass --python', opts: { plain?: boolean } = {}): DapAdapter {
  return {
    name: 'debugpy',
    command: python,
    // `plain`: the adapter as debugpy ships it (bench/dap.ts compares).
    args: opts.plain ? [FROZEN_MODULES_OFF, '-m', 'debugpy.adapter'] : [FROZEN_MODULES_OFF, '-c', ADAPTER_BOOT],
    unverifiedIsError: true,
    exitCodeInMessage: false,
    exitError: (stderr) =>
      /No module named '?debugpy/.test(stderr)
        ? new ArrayLensError('debugger-missing', `debugpy is not installed for ${python}: run '${python} -m pip install debugpy' ${hint}`)
        : new ArrayLensError('debugger-failed', `debugpy exited: ${stderr || 'no output'}`),
  };
}

/**
 * debugpy's launch arguments from ours (a launch configuration, or the CLI's few): the program resolved against cwd,
 * `python` as debugpy wants it (a list), output through DAP, only the user's code.
 */
export function debugpyLaunchArguments(ours: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...ours };
  out.type = 'debugpy';
  out.program = path.resolve(String(ours.cwd ?? process.cwd()), String(ours.program));
  if (typeof ours.python === 'string' && ours.python) out.python = [ours.python];
  else delete out.python;
  out.pythonArgs = [FROZEN_MODULES_OFF];
  out.console ??= 'internalConsole';
  out.justMyCode ??= true;
  out.redirectOutput ??= true;
  return out;
}
