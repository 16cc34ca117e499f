// Command-line parsing for `arraylens`: flags before `--`, the debuggee's argv after it.

import { ArrayLensError } from '../core/errors';

export interface ParsedArgs {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
  program: string[];
}

const VALUE_FLAGS = new Set(['break', 'expr', 'slice', 'bins', 'python', 'debugger', 'transport', 'timeout', 'lldb-dap', 'gdb', 'out', 'size', 'from', 'to', 'min-bytes']);
const BOOL_FLAGS = new Set(['values', 'stats', 'json', 'help', 'list', 'mixed']);

export function parseArgs(argv: string[]): ParsedArgs {
  const dd = argv.indexOf('--');
  const mine = dd >= 0 ? argv.slice(0, dd) : argv;
  const program = dd >= 0 ? argv.slice(dd + 1) : [];
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let command = '';
  for (let i = 0; i < mine.length; i++) {
    const a = mine[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (VALUE_FLAGS.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : mine[++i];
        if (value === undefined) throw new ArrayLensError('bad-argument', `--${name} needs a value`);
        flags.set(name, value);
      } else if (BOOL_FLAGS.has(name)) flags.set(name, true);
      else throw new ArrayLensError('bad-argument', `unknown option --${name} (see arraylens --help)`);
    } else if (!command) command = a;
    else positional.push(a);
  }
  return { command, positional, flags, program };
}

export function flagString(p: ParsedArgs, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagInt(p: ParsedArgs, name: string, def: number): number {
  const v = flagString(p, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new ArrayLensError('bad-argument', `--${name} ${v}: expected a positive integer`);
  return Number(v);
}

/** `FILE:LINE` (the file may itself contain colons). */
export function parseBreak(text: string): { file: string; line: number } {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m || !m[1]) throw new ArrayLensError('bad-argument', `--break ${text}: expected FILE:LINE`);
  return { file: m[1], line: Number(m[2]) };
}
