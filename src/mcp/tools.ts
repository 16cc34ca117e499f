// The tools of `arraylens mcp`: names, descriptions and JSON Schemas of inputs and results, and the typed reading of
// a call's arguments (a bad one is refused with the CLI's own one-line message). Also read by the VS Code
// language-model tools (extension/lmTools.ts), which take the same inspect arguments.

import { ArrayLensError } from '../core/errors';
import { Location, parseBreak } from '../cli/args';
import { DEFAULT_BINS } from '../engine/engine';
import { TRANSPORT_KINDS, TransportKind } from '../transport/transport';

export const DEFAULT_MAX_VALUES = 10_000;
/** The most values one answer carries, whatever max_values asks: larger views are read by slices. */
export const MAX_VALUES_LIMIT = 1_000_000;
const MAX_BINS = 1 << 20;

export type ToolName = 'launch' | 'list_arrays' | 'inspect' | 'continue' | 'leaks' | 'close';

type Schema = Record<string, unknown>;

const SESSION: Schema = { type: 'string', description: 'the session id launch returned' };
const TIMEOUT: Schema = { type: 'integer', minimum: 1, description: 'give up when no stop comes within this many seconds (default 120)' };
const PROGRAM: Schema = {
  type: 'array',
  items: { type: 'string' },
  minItems: 1,
  description: 'the command line: ["python3", "script.py", "arg"], ["./a.out"], ["node", "x.js"]',
};
const LOCATION: Schema = { type: 'object', properties: { file: { type: ['string', 'null'] }, line: { type: 'integer' }, function: { type: 'string' }, reason: { type: 'string' } } };

/** What an `inspect` call may ask, shared with the VS Code tool's input schema in package.json. */
export const INSPECT_PROPERTIES: Schema = {
  expr: { type: 'string', description: 'array expression of the stopped frame (a.b[2], m.data as float32[m.rows,m.cols])' },
  slice: { type: 'string', description: 'NumPy basic indexing of the array first, e.g. "[1, :, ::-2]" or "[..., 0]"' },
  values: { type: 'boolean', description: 'include the values of the view (nested lists, row-major)' },
  max_values: { type: 'integer', minimum: 1, maximum: MAX_VALUES_LIMIT, description: `values are left out above this many elements (default ${DEFAULT_MAX_VALUES})` },
  stats: { type: 'boolean', description: 'include stats of the whole view: counts of nan/inf/zeros, min, max, mean, std, histogram' },
  bins: { type: 'integer', minimum: 1, maximum: MAX_BINS, description: `histogram bins (default ${DEFAULT_BINS})` },
};

export interface ToolSpec {
  name: ToolName;
  description: string;
  inputSchema: Schema & { type: 'object' };
  outputSchema: Schema & { type: 'object' };
}

const object = (properties: Schema, required: string[] = []): Schema & { type: 'object' } => ({ type: 'object', properties, required, additionalProperties: false });
const result = (properties: Schema, required: string[]): Schema & { type: 'object' } => ({ type: 'object', properties, required });

export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'launch',
    description:
      'Run a program under its debugger (Python: debugpy; C/C++/Rust: lldb-dap or gdb; Node; a Python program stopping in its extension\'s native code: both) ' +
      'to the first of the breakpoints it reaches, and keep it stopped there. Returns the session id for the other tools and where it stopped.',
    inputSchema: object(
      {
        program: PROGRAM,
        breakpoints: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'FILE:LINE of each breakpoint' },
        python: { type: 'string', description: 'Python with debugpy (default: the interpreter in program, .venv/bin/python, python3)' },
        debugger: { type: 'string', enum: ['lldb', 'gdb'], description: 'native debugger (default lldb)' },
        mixed: { type: 'boolean', description: 'a Python program stopping in its extension\'s native code (implied by a .rs/.c/.cpp breakpoint)' },
        timeout_s: TIMEOUT,
      },
      ['program', 'breakpoints'],
    ),
    outputSchema: result(
      {
        session: { type: 'string' },
        language: { type: 'string', enum: ['python', 'native', 'node'] },
        pid: { type: ['integer', 'null'] },
        stoppedAt: LOCATION,
        continue: { type: 'object', properties: { mode: { type: 'string', enum: ['any-breakpoint', 'listed-order', 'none'] }, note: { type: 'string' } } },
      },
      ['session', 'stoppedAt', 'continue'],
    ),
  },
  {
    name: 'list_arrays',
    description: "The arrays of the session's stopped frame: expression, dtype, shape, strides (bytes), language, and the other arrays over the same bytes (aliases).",
    inputSchema: object({ session: SESSION }, ['session']),
    outputSchema: result({ pid: { type: ['integer', 'null'] }, arrays: { type: 'array', items: { type: 'object' } } }, ['arrays']),
  },
  {
    name: 'inspect',
    description:
      'One array of the stopped frame as `arraylens inspect --json` prints it: dtype, byte order, shape, strides, address, and optionally the values ' +
      `(capped at max_values, default ${DEFAULT_MAX_VALUES}: pass slice for a part of a larger array) and exact stats of the whole view as NumPy computes them.`,
    inputSchema: object({ session: SESSION, ...INSPECT_PROPERTIES, transport: { type: 'string', enum: ['auto', ...TRANSPORT_KINDS], description: 'how bytes are read (default auto)' } }, ['session', 'expr']),
    outputSchema: result(
      {
        expr: { type: 'string' },
        language: { type: 'string' },
        dtype: { type: 'string' },
        byteOrder: { type: 'string' },
        shape: { type: 'array', items: { type: 'integer' } },
        strides: { type: 'array', items: { type: 'integer' } },
        address: { type: 'string' },
        slice: { type: ['string', 'null'] },
        transport: { type: 'string' },
        values: {},
        max_values: { type: 'integer' },
        values_omitted: { type: 'string' },
        stats: { type: 'object' },
      },
      ['expr', 'dtype', 'shape', 'strides', 'address'],
    ),
  },
  {
    name: 'continue',
    description: 'Let the program run on to its next stop at one of the breakpoints, or to its end (then the session has ended). The launch result says how continue works for that debugger.',
    inputSchema: object({ session: SESSION, timeout_s: TIMEOUT }, ['session']),
    outputSchema: result(
      {
        session: { type: 'string' },
        // Mixed sessions: 'python' when debugpy holds the program, 'native' at a stop in the extension's code.
        language: { type: 'string', enum: ['python', 'native', 'node'] },
        stoppedAt: LOCATION,
        ended: { type: 'boolean' },
        exitCode: { type: ['integer', 'null'] },
      },
      ['session'],
    ),
  },
  {
    name: 'leaks',
    description:
      'Run a program with the allocation tracker to FROM, then to TO, and report (as `arraylens leaks --json`) the buffers allocated in between and still alive, ' +
      'what grew, what was freed, references native code took and blocks nothing points to.',
    inputSchema: object(
      {
        program: PROGRAM,
        from: { type: 'string', description: 'FILE:LINE of the first stop' },
        to: { type: 'string', description: 'FILE:LINE of the second stop' },
        min_bytes: { type: 'integer', minimum: 0, description: 'leave out blocks smaller than this (default 1024)' },
        python: { type: 'string', description: 'Python with debugpy' },
        timeout_s: TIMEOUT,
      },
      ['program', 'from', 'to'],
    ),
    outputSchema: result({ from: { type: 'string' }, to: { type: 'string' }, new: { type: 'array' }, grown: { type: 'array' }, freed: { type: 'array' }, unreferenced: { type: 'array' } }, ['from', 'to']),
  },
  {
    name: 'close',
    description: 'End the session: its program and debugger stop.',
    inputSchema: object({ session: SESSION }, ['session']),
    outputSchema: result({ session: { type: 'string' }, closed: { type: 'boolean' } }, ['session', 'closed']),
  },
];

/** Typed reads of one call's arguments, checked against the tool's schema with the CLI's messages. */
export class ToolArgs {
  private readonly args: Record<string, unknown>;

  constructor(
    private readonly tool: string,
    args: unknown,
    properties: Schema,
  ) {
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args)))
      throw new ArrayLensError('bad-argument', `${tool}: the arguments must be an object`);
    this.args = (args ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(this.args).filter((k) => !(k in properties));
    if (unknown.length) throw new ArrayLensError('bad-argument', `${tool}: unknown argument '${unknown[0]}' (it takes ${Object.keys(properties).join(', ')})`);
  }

  present(name: string): boolean {
    return this.args[name] !== undefined && this.args[name] !== null;
  }

  string(name: string, required: true, hint?: string): string;
  string(name: string, required?: false): string | undefined;
  string(name: string, required = false, hint?: string): string | undefined {
    if (!this.present(name)) {
      if (required) throw new ArrayLensError('bad-argument', `${this.tool} needs ${name}${hint ? ` ${hint}` : ''}`);
      return undefined;
    }
    const v = this.args[name];
    if (typeof v !== 'string' || !v) throw new ArrayLensError('bad-argument', `${this.tool}: ${name} must be a non-empty string`);
    return v;
  }

  boolean(name: string): boolean {
    const v = this.args[name];
    if (!this.present(name)) return false;
    if (typeof v !== 'boolean') throw new ArrayLensError('bad-argument', `${this.tool}: ${name} must be true or false`);
    return v;
  }

  /** `--NAME V: expected ...` as the CLI says it. */
  integer(name: string, flag: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    if (!this.present(name)) return def;
    const v = this.args[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new ArrayLensError('bad-argument', `--${flag} ${String(v)}: expected ${min > 0 ? `a whole number of at least ${min}` : 'a positive integer or 0'}`);
    if (v > max) throw new ArrayLensError('bad-argument', `--${flag} ${v}: use an integer from ${min} to ${max}`);
    return v;
  }

  choice<T extends string>(name: string, flag: string, choices: readonly T[], def: T): T {
    const v = this.string(name) ?? def;
    if (!choices.includes(v as T)) throw new ArrayLensError('bad-argument', `--${flag} ${v}: use ${choices.join(', ')}`);
    return v as T;
  }

  strings(name: string, hint: string): string[] {
    const v = this.args[name];
    if (!this.present(name)) throw new ArrayLensError('bad-argument', `${this.tool} needs ${name} ${hint}`);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x)) throw new ArrayLensError('bad-argument', `${this.tool}: ${name} must be a list of non-empty strings ${hint}`);
    if (!v.length) throw new ArrayLensError('bad-argument', `${this.tool} needs ${name} ${hint}`);
    return v as string[];
  }

  location(name: string, flag: string): Location {
    return parseBreak(this.string(name, true, 'FILE:LINE'), flag);
  }

  timeoutMs(): number {
    return this.integer('timeout_s', 'timeout', 120, 1) * 1000;
  }
}

export interface InspectToolArgs {
  expr: string;
  slice: string | null;
  values: boolean;
  maxValues: number;
  stats: boolean;
  bins: number;
  transport: 'auto' | TransportKind;
}

export function readInspectArgs(a: ToolArgs): InspectToolArgs {
  return {
    expr: a.string('expr', true, '(an array expression of the stopped frame)'),
    slice: a.string('slice') ?? null,
    values: a.boolean('values'),
    maxValues: a.integer('max_values', 'max-values', DEFAULT_MAX_VALUES, 1, MAX_VALUES_LIMIT),
    stats: a.boolean('stats'),
    bins: a.integer('bins', 'bins', DEFAULT_BINS, 1, MAX_BINS),
    transport: a.choice('transport', 'transport', ['auto', ...TRANSPORT_KINDS] as const, 'auto'),
  };
}

/** Why values were left out of an answer whose view has `shape`, or null when they fit under `max`. */
export function valuesOmitted(shape: readonly number[], max: number): string | null {
  // Elements plus the lists holding them: np.empty((10**9, 0)) has no elements and is no small answer.
  let elements = 1;
  for (const d of shape) elements *= d;
  let lists = 0;
  for (let axis = 0, rows = 1; axis < shape.length - 1 && rows > 0; axis++) lists += rows *= shape[axis];
  if (elements + lists <= max) return null;
  const what = elements >= lists ? `${elements} elements` : `${lists} nested lists`;
  return `shape [${shape.join(', ')}] is ${what}, more than max_values ${max}: pass slice to read a part (or raise max_values, at most ${MAX_VALUES_LIMIT})`;
}
