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

/** debugpy's adapter run by `python`; `hint` ends the message when debugpy is missing (how to pick another python). */
export function debugpyAdapter(python: string, hint = 'or pass --python'): DapAdapter {
  return {
    name: 'debugpy',
    command: python,
    args: [FROZEN_MODULES_OFF, '-m', 'debugpy.adapter'],
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
