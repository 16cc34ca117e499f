// The `arraylens` launch configuration equivalent to a CodeLLDB (`lldb`) or Microsoft C/C++ (`cppdbg`, `cppvsdbg`)
// one: ArrayLens does not ride those adapters (they cannot be installed and tested here), so the Arrays view offers to
// debug the same program under ArrayLens instead ("Debug this with ArrayLens", extension/debugWithArrayLens.ts).

import { ArrayLensError } from '../../core/errors';

/** Debug types whose sessions are offered "Debug this with ArrayLens", and what users call their extension. */
export const OFFERED_DEBUG_TYPES: Readonly<Record<string, string>> = {
  lldb: 'CodeLLDB',
  cppdbg: 'C/C++ (cppdbg)',
  cppvsdbg: 'C/C++ (cppvsdbg)',
};

/** The name of the written configuration: theirs, marked. */
export function arrayLensName(theirs: string): string {
  return `${theirs} (ArrayLens)`;
}

/** CodeLLDB takes "args" as an array or one string (split like a shell would, quotes kept together). */
function argsOf(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  return [...raw.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** "env" (CodeLLDB: an object) or "environment" (cppdbg: [{ name, value }]) as one object. */
function envOf(c: Record<string, unknown>): Record<string, string> | undefined {
  if (c.env && typeof c.env === 'object' && !Array.isArray(c.env))
    return Object.fromEntries(Object.entries(c.env as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  if (Array.isArray(c.environment)) {
    const out: Record<string, string> = {};
    for (const e of c.environment as { name?: unknown; value?: unknown }[]) if (typeof e?.name === 'string') out[e.name] = String(e.value ?? '');
    return out;
  }
  return undefined;
}

/**
 * `theirs` (as launch.json holds it, variables unresolved) as an `arraylens` configuration: program, args, cwd and
 * environment carried over; cppdbg's "MIMode": "gdb" keeps gdb. Throws what the user should change when there is no
 * program to carry (CodeLLDB's "cargo" builds, an attach without a pid).
 */
export function equivalentArrayLensConfiguration(theirs: Record<string, unknown>): Record<string, unknown> {
  const type = String(theirs.type);
  const label = OFFERED_DEBUG_TYPES[type] ?? type;
  const out: Record<string, unknown> = { type: 'arraylens', request: 'launch', name: arrayLensName(String(theirs.name ?? label)) };
  if (theirs.request === 'attach') {
    const pid = theirs.pid ?? theirs.processId;
    if (typeof pid !== 'number' && !(typeof pid === 'string' && /^\d+$/.test(pid)))
      throw new ArrayLensError('bad-argument', `this ${label} configuration attaches without a fixed pid (${JSON.stringify(pid)}): write an "arraylens" attach configuration with "processId"`);
    out.request = 'attach';
    out.processId = Number(pid);
  } else {
    if (typeof theirs.program !== 'string' || !theirs.program)
      throw new ArrayLensError(
        'bad-argument',
        theirs.cargo ? `this ${label} configuration builds with "cargo": build it, then add an "arraylens" configuration with the executable as "program"` : `this ${label} configuration has no "program" to carry over`,
      );
    out.program = theirs.program;
    const args = argsOf(theirs.args);
    if (args) out.args = args;
    const env = envOf(theirs);
    if (env) out.env = env;
    if (theirs.stopOnEntry === true || theirs.stopAtEntry === true) out.stopOnEntry = true;
  }
  if (typeof theirs.cwd === 'string') out.cwd = theirs.cwd;
  if (type === 'cppdbg' && theirs.MIMode === 'gdb') {
    out.debugger = 'gdb';
    if (typeof theirs.miDebuggerPath === 'string') out.gdb = theirs.miDebuggerPath;
  }
  return out;
}
