// The command line of `arraylens`: one table per subcommand (flag, type, default, help), parsed once with
// node:util parseArgs into typed options; `--help` texts are printed from the same tables.

import { parseArgs as tokenize } from 'node:util';
import { ArrayLensError } from '../core/errors';
import { DEFAULT_BINS } from '../engine/engine';
import { TRANSPORT_KINDS, TransportKind } from '../transport/transport';

export interface Location {
  file: string;
  line: number;
}

/** What starting a debuggee needs (inspect and demo). */
export interface LaunchOptions {
  /** The debuggee's argv: PROGRAM [ARGS...] (everything after `--`). */
  program: string[];
  python?: string;
  debugger: 'lldb' | 'gdb';
  mixed: boolean;
  lldbDap?: string;
  gdb?: string;
  timeoutMs: number;
}

export interface InspectOptions extends LaunchOptions {
  break: Location;
  /** Absent with --list. */
  expr?: string;
  list: boolean;
  /** With --list: a listing another process printed (`--list --json`); arrays over the same shared bytes are marked. */
  sameBytesAs?: string;
  slice: string | null;
  values: boolean;
  stats: boolean;
  bins: number;
  transport: 'auto' | TransportKind;
  json: boolean;
}

export interface StatsOptions {
  file: string;
  slice: string | null;
  bins: number;
  json: boolean;
}

export interface LeaksOptions {
  from: Location;
  to: Location;
  minBytes: number;
  python?: string;
  debugger: 'lldb' | 'gdb';
  lldbDap?: string;
  timeoutMs: number;
  json: boolean;
  program: string[];
}

/** `arraylens mcp`: defaults for the programs its clients launch. */
export interface McpOptions {
  python?: string;
  lldbDap?: string;
  gdb?: string;
  timeoutMs: number;
}

export type CommandLine =
  | { command: 'inspect'; options: InspectOptions }
  | { command: 'mcp'; options: McpOptions }
  | { command: 'stats'; options: StatsOptions }
  | { command: 'leaks'; options: LeaksOptions }
  | { command: 'demo' }
  | { command: 'help'; text: string };

interface Flag {
  name: string;
  type: 'string' | 'boolean' | 'integer';
  /** Placeholder of the value in help texts (string and integer flags). */
  value?: string;
  default?: string | number;
  choices?: readonly string[];
  /** Smallest value of an integer flag. */
  min?: number;
  help: string;
}

interface CommandTable {
  name: CommandLine['command'];
  summary: string;
  /** Synopsis after `arraylens NAME`. */
  synopsis: string;
  flags: Flag[];
}

export const DEFAULT_TIMEOUT_S = 120;
const DEFAULT_MIN_BYTES = 1024;

const HELP: Flag = { name: 'help', type: 'boolean', help: 'print this help' };
const JSON_FLAG: Flag = { name: 'json', type: 'boolean', help: 'print one JSON object instead of a readable summary' };
const SLICE: Flag = { name: 'slice', type: 'string', value: 'INDEX', help: 'NumPy basic indexing of the array first, e.g. "[1, :, ::-2]" or "[..., 0]"' };
const BINS: Flag = { name: 'bins', type: 'integer', value: 'N', default: DEFAULT_BINS, min: 1, help: 'histogram bins' };
const PYTHON: Flag = { name: 'python', type: 'string', value: 'PATH', help: 'Python with debugpy (default: the interpreter in PROGRAM, $ARRAYLENS_PYTHON, .venv/bin/python, python3)' };
const LLDB_DAP: Flag = { name: 'lldb-dap', type: 'string', value: 'PATH', help: 'lldb-dap to run (default: $ARRAYLENS_LLDB_DAP, lldb-dap-NN or lldb-dap on PATH)' };
const TIMEOUT: Flag = { name: 'timeout', type: 'integer', value: 'SECONDS', default: DEFAULT_TIMEOUT_S, min: 1, help: 'give up when a breakpoint is not reached within SECONDS' };

export const COMMANDS: readonly CommandTable[] = [
  {
    name: 'inspect',
    summary: 'run PROGRAM to a line and inspect an array of the stopped frame; the debuggee is always ended',
    synopsis: '--break FILE:LINE (--expr EXPR | --list) [options] -- PROGRAM [ARGS...]',
    flags: [
      { name: 'break', type: 'string', value: 'FILE:LINE', help: 'stop at the first hit of this line (required)' },
      { name: 'expr', type: 'string', value: 'EXPR', help: 'array expression of the stopped frame, or a layout: "PTR as DTYPE[D0,D1] strides [S0,S1]"' },
      { name: 'list', type: 'boolean', help: 'list the arrays of the stopped frame instead of inspecting one' },
      { name: 'same-bytes-as', type: 'string', value: 'LISTING.json', help: "with --list: another process's --list --json; arrays over the same shared memory or mapped file are marked as aliases" },
      SLICE,
      { name: 'values', type: 'boolean', help: 'include the values of the view' },
      { name: 'stats', type: 'boolean', help: 'include stats of the whole view (counts, min, max, mean, std, histogram)' },
      BINS,
      { name: 'transport', type: 'string', value: 'KIND', default: 'auto', choices: ['auto', ...TRANSPORT_KINDS], help: 'how bytes are read' },
      PYTHON,
      { name: 'debugger', type: 'string', value: 'NAME', default: 'lldb', choices: ['lldb', 'gdb'], help: 'native debugger' },
      LLDB_DAP,
      { name: 'gdb', type: 'string', value: 'PATH', help: 'gdb to run with --debugger gdb (default: gdb on PATH)' },
      { name: 'mixed', type: 'boolean', help: "a Python program stopping in its extension's native code: debugpy runs it, lldb-dap attaches (implied by a .rs/.c/.cpp --break)" },
      TIMEOUT,
      JSON_FLAG,
      HELP,
    ],
  },
  {
    name: 'stats',
    summary: 'stats of a .npy file (any byte order, C or Fortran order), memory-mapped',
    synopsis: 'FILE.npy [options]',
    flags: [SLICE, BINS, JSON_FLAG, HELP],
  },
  {
    name: 'leaks',
    summary: 'run PROGRAM to FROM, then to TO, and report the buffers allocated in between and still alive',
    synopsis: '--from FILE:LINE --to FILE:LINE [options] -- PROGRAM [ARGS...]',
    flags: [
      { name: 'from', type: 'string', value: 'FILE:LINE', help: 'first stop: the snapshot everything is compared with (required)' },
      { name: 'to', type: 'string', value: 'FILE:LINE', help: 'second stop (required)' },
      { name: 'min-bytes', type: 'integer', value: 'N', default: DEFAULT_MIN_BYTES, min: 0, help: 'leave out blocks smaller than N bytes' },
      PYTHON,
      { name: 'debugger', type: 'string', value: 'NAME', default: 'lldb', choices: ['lldb', 'gdb'], help: 'native debugger; leak checks of native programs need lldb' },
      LLDB_DAP,
      TIMEOUT,
      JSON_FLAG,
      HELP,
    ],
  },
  { name: 'demo', summary: 'inspect the bundled example program (examples/demo.py)', synopsis: '', flags: [HELP] },
  {
    name: 'mcp',
    summary: 'serve the Model Context Protocol on stdin/stdout: tools launch, list_arrays, inspect, continue, leaks, close for coding agents',
    synopsis: '[options]',
    flags: [
      PYTHON,
      LLDB_DAP,
      { name: 'gdb', type: 'string', value: 'PATH', help: 'gdb to run for launches with "debugger": "gdb" (default: gdb on PATH)' },
      { ...TIMEOUT, help: 'default time a launch or continue waits for its stop (a call may pass timeout_s)' },
      HELP,
    ],
  },
];

function table(name: string): CommandTable | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function flagLabel(f: Flag): string {
  return f.value ? `--${f.name} ${f.value}` : `--${f.name}`;
}

/** `arraylens NAME --help`. */
export function commandHelp(name: string): string {
  const t = table(name);
  if (!t) throw new ArrayLensError('bad-argument', `unknown command '${name}' (${COMMANDS.map((c) => c.name).join(', ')})`);
  const width = Math.max(...t.flags.map((f) => flagLabel(f).length)) + 2;
  const rows = t.flags.map((f) => {
    const extra = [f.choices ? `one of ${f.choices.join(', ')}` : '', f.default !== undefined ? `default ${f.default}` : ''].filter(Boolean).join('; ');
    return `  ${flagLabel(f).padEnd(width)}${f.help}${extra ? ` (${extra})` : ''}`;
  });
  return [`arraylens ${t.name}: ${t.summary}`, '', `usage: arraylens ${t.name} ${t.synopsis}`.trimEnd(), '', 'options:', ...rows, ''].join('\n');
}

/** `arraylens --help`: every command's synopsis. */
export function usage(): string {
  const rows = COMMANDS.map((t) => [`  arraylens ${t.name} ${t.synopsis}`.trimEnd(), `      ${t.summary}`]).flat();
  return ['arraylens: see arrays as they are in memory in a stopped program', '', ...rows, '', 'arraylens COMMAND --help lists the options of COMMAND.', ''].join('\n');
}

/** `FILE:LINE` (the file may itself contain colons). */
export function parseBreak(text: string, flag = 'break'): Location {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m || !m[1]) throw new ArrayLensError('bad-argument', `--${flag} ${text}: expected FILE:LINE`);
  return { file: m[1], line: Number(m[2]) };
}

type Values = Map<string, string | true>;

/** The flags of one command, checked against its table; positionals before `--` and everything after it apart. */
function readFlags(t: CommandTable, args: string[]): { values: Values; positionals: string[]; afterDashes: string[] | null } {
  const see = `see arraylens ${t.name} --help`;
  const options = Object.fromEntries(COMMANDS.flatMap((c) => c.flags).map((f) => [f.name, { type: f.type === 'boolean' ? ('boolean' as const) : ('string' as const) }]));
  // Not strict: unknown and misplaced flags get messages that name the command, and a value may start with '-'.
  const { tokens } = tokenize({ args, options, strict: false, allowPositionals: true, tokens: true });
  const values: Values = new Map();
  const positionals: string[] = [];
  let afterDashes: string[] | null = null;
  for (const tok of tokens) {
    if (tok.kind === 'option-terminator') {
      afterDashes = args.slice(tok.index + 1);
      break;
    }
    if (tok.kind === 'positional') {
      positionals.push(tok.value);
      continue;
    }
    const flag = t.flags.find((f) => f.name === tok.name) ?? (tok.rawName === '-h' ? HELP : undefined);
    if (!flag) {
      const owners = COMMANDS.filter((c) => c.flags.some((f) => f.name === tok.name)).map((c) => c.name);
      if (tok.rawName.startsWith('--') && owners.length)
        throw new ArrayLensError('bad-argument', `${t.name}: ${tok.rawName} is not an option of ${t.name} (it belongs to ${owners.join(', ')}); ${see}`);
      throw new ArrayLensError('bad-argument', `${t.name}: unknown option ${tok.rawName} (${see})`);
    }
    if (flag.type === 'boolean') {
      if (tok.value !== undefined) throw new ArrayLensError('bad-argument', `${t.name}: --${flag.name} takes no value (${see})`);
      values.set(flag.name, true);
      continue;
    }
    const v = tok.value;
    // `--break --expr a`: the next flag is not the value of --break.
    const isFlag = !tok.inlineValue && v !== undefined && v.startsWith('--') && t.flags.some((f) => `--${f.name}` === v.split('=')[0]);
    if (v === undefined || isFlag) throw new ArrayLensError('bad-argument', `${t.name}: --${flag.name} needs a value (${flag.value}); ${see}`);
    values.set(flag.name, v);
  }
  return { values, positionals, afterDashes };
}

/** Typed reads of one command's flags, with its table's defaults, choices and bounds. */
class FlagReader {
  constructor(
    private readonly t: CommandTable,
    private readonly values: Values,
  ) {}

  private flag(name: string): Flag {
    const f = this.t.flags.find((x) => x.name === name);
    if (!f) throw new Error(`arraylens ${this.t.name} has no --${name} in its table`);
    return f;
  }

  has(name: string): boolean {
    return this.flag(name).type === 'boolean' && this.values.get(name) === true;
  }

  string(name: string): string | undefined {
    const f = this.flag(name);
    const v = this.values.get(name);
    const s = typeof v === 'string' ? v : typeof f.default === 'string' ? f.default : undefined;
    if (s !== undefined && f.choices && !f.choices.includes(s))
      throw new ArrayLensError('bad-argument', `--${name} ${s}: use ${f.choices.join(', ')}`);
    return s;
  }

  integer(name: string): number {
    const f = this.flag(name);
    const v = this.values.get(name);
    if (typeof v !== 'string') return f.default as number;
    const min = f.min ?? 0;
    if (!/^\d+$/.test(v) || Number(v) < min)
      throw new ArrayLensError('bad-argument', `--${name} ${v}: expected ${min > 0 ? `a whole number of at least ${min}` : 'a positive integer or 0'}`);
    return Number(v);
  }
}

function needProgram(t: CommandTable, afterDashes: string[] | null, positionals: string[]): string[] {
  if (positionals.length)
    throw new ArrayLensError('bad-argument', `${t.name}: unexpected argument '${positionals[0]}': the program and its arguments go after --, e.g. -- python3 script.py`);
  if (!afterDashes?.length) throw new ArrayLensError('bad-argument', `${t.name} needs the program after --, e.g. -- python3 script.py`);
  return afterDashes;
}

function parseInspect(t: CommandTable, r: FlagReader, positionals: string[], afterDashes: string[] | null): InspectOptions {
  const br = r.string('break');
  if (!br) throw new ArrayLensError('bad-argument', 'inspect needs --break FILE:LINE');
  const list = r.has('list');
  const expr = r.string('expr');
  if (!expr && !list) throw new ArrayLensError('bad-argument', 'inspect needs --expr EXPR (or --list)');
  const sameBytesAs = r.string('same-bytes-as');
  if (sameBytesAs && !list) throw new ArrayLensError('bad-argument', 'inspect: --same-bytes-as marks a listing: use it with --list');
  const program = needProgram(t, afterDashes, positionals);
  return {
    break: parseBreak(br),
    expr,
    list,
    ...(sameBytesAs ? { sameBytesAs } : {}),
    slice: r.string('slice') ?? null,
    values: r.has('values'),
    stats: r.has('stats'),
    bins: r.integer('bins'),
    transport: r.string('transport') as 'auto' | TransportKind,
    python: r.string('python'),
    debugger: r.string('debugger') as 'lldb' | 'gdb',
    lldbDap: r.string('lldb-dap'),
    gdb: r.string('gdb'),
    mixed: r.has('mixed'),
    timeoutMs: r.integer('timeout') * 1000,
    json: r.has('json'),
    program,
  };
}

function parseStats(r: FlagReader, positionals: string[], afterDashes: string[] | null): StatsOptions {
  // No program here: after `--` come file names (one starting with '-' included).
  const files = [...positionals, ...(afterDashes ?? [])];
  if (files.length === 0) throw new ArrayLensError('bad-argument', 'stats needs a .npy file: arraylens stats FILE.npy');
  if (files.length > 1) throw new ArrayLensError('bad-argument', `stats takes one .npy file, not also '${files[1]}' (see arraylens stats --help)`);
  return { file: files[0], slice: r.string('slice') ?? null, bins: r.integer('bins'), json: r.has('json') };
}

function parseLeaks(t: CommandTable, r: FlagReader, positionals: string[], afterDashes: string[] | null): LeaksOptions {
  const at = (flag: 'from' | 'to'): Location => {
    const v = r.string(flag);
    if (!v) throw new ArrayLensError('bad-argument', `leaks needs --${flag} FILE:LINE`);
    return parseBreak(v, flag);
  };
  const from = at('from');
  const to = at('to');
  return {
    from,
    to,
    minBytes: r.integer('min-bytes'),
    python: r.string('python'),
    debugger: r.string('debugger') as 'lldb' | 'gdb',
    lldbDap: r.string('lldb-dap'),
    timeoutMs: r.integer('timeout') * 1000,
    json: r.has('json'),
    program: needProgram(t, afterDashes, positionals),
  };
}

/** argv without node and the script: `COMMAND [FLAGS...] [-- PROGRAM [ARGS...]]`. */
export function parseCommandLine(argv: string[]): CommandLine {
  const [name, ...rest] = argv;
  if (name === undefined) throw new ArrayLensError('bad-argument', `no command given: arraylens ${COMMANDS.map((c) => c.name).join('|')} (see arraylens --help)`);
  if (name === '--help' || name === '-h' || name === 'help') {
    const about = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
    return { command: 'help', text: about ? commandHelp(about) : usage() };
  }
  const t = table(name);
  if (!t) {
    const hint = name.startsWith('-') ? 'the command comes first' : `unknown command '${name}'`;
    throw new ArrayLensError('bad-argument', `${hint}: arraylens ${COMMANDS.map((c) => c.name).join('|')} [options] (see arraylens --help)`);
  }
  const { values, positionals, afterDashes } = readFlags(t, rest);
  if (values.has('help')) return { command: 'help', text: commandHelp(t.name) };
  const r = new FlagReader(t, values);
  switch (t.name) {
    case 'inspect':
      return { command: 'inspect', options: parseInspect(t, r, positionals, afterDashes) };
    case 'stats':
      return { command: 'stats', options: parseStats(r, positionals, afterDashes) };
    case 'leaks':
      return { command: 'leaks', options: parseLeaks(t, r, positionals, afterDashes) };
    case 'mcp':
      if (positionals.length || afterDashes?.length) throw new ArrayLensError('bad-argument', 'mcp takes no program: its clients launch programs (see arraylens mcp --help)');
      return { command: 'mcp', options: { python: r.string('python'), lldbDap: r.string('lldb-dap'), gdb: r.string('gdb'), timeoutMs: r.integer('timeout') * 1000 } };
    default:
      if (positionals.length || afterDashes?.length) throw new ArrayLensError('bad-argument', `${t.name} takes no arguments (see arraylens ${t.name} --help)`);
      return { command: 'demo' };
  }
}
