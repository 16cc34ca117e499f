// gdb over the Debug Adapter Protocol through the CDT GDB debug adapter (npm cdt-gdb-adapter, the adapter of Eclipse
// CDT's VS Code extension): the NativeDebugger of `gdb` sessions someone else started and of the `arraylens` debug
// type's "debugger": "gdb". gdb 13 has no DAP of its own; cdt speaks MI to it.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { DapMemoryTransport } from '../../transport/dapMemory';
import { Transport } from '../../transport/transport';
import type { DapChannel } from '../../rpc/dapClient';
import { EngineArraySource } from '../../engine/arraySource';
import type { DapProxy } from '../backend';
import type { DapAdapter } from '../dapLaunch';
import { NativeDebugger, NativeTarget, NativeValue } from './target';
import { findGdb } from './gdb';
import { parseAddressText, parseIntegerText } from './types';

const ADAPTER_HINT = 'reinstall the ArrayLens extension, or set ARRAYLENS_CDT_GDB_ADAPTER to cdt-gdb-adapter\'s dist/debugAdapter.js';

/**
 * cdt-gdb-adapter's entry script: ARRAYLENS_CDT_GDB_ADAPTER, else the bundle beside dist/adapter.js and
 * dist/extension.js (webpack builds dist/cdtGdbAdapter.js: the .vsix carries no node_modules), else the npm package
 * of the repository (out/src/backends/native -> node_modules).
 */
export function findCdtGdbAdapter(): string {
  const explicit = process.env.ARRAYLENS_CDT_GDB_ADAPTER;
  if (explicit) {
    if (fs.existsSync(explicit)) return explicit;
    throw new ArrayLensError('debugger-missing', `cdt-gdb-adapter not found at '${explicit}' (ARRAYLENS_CDT_GDB_ADAPTER): ${ADAPTER_HINT}`);
  }
  const candidates = [
    path.join(__dirname, 'cdtGdbAdapter.js'),
    path.resolve(__dirname, '..', '..', '..', '..', 'node_modules', 'cdt-gdb-adapter', 'dist', 'debugAdapter.js'),
    path.resolve(__dirname, '..', 'node_modules', 'cdt-gdb-adapter', 'dist', 'debugAdapter.js'),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new ArrayLensError('debugger-missing', `cdt-gdb-adapter not found (looked in ${candidates.join(', ')}): ${ADAPTER_HINT}`);
  return found;
}

/** gdb options of every session ArrayLens starts: inspecting never calls debuggee functions (issue 18); no network. */
export const CDT_GDB_ARGUMENTS = ['-iex', 'set may-call-functions off', '-iex', 'set debuginfod enabled off'];

/** One command line argument as gdb's shell start-up reads it (cdt takes the program's arguments as one string). */
function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./=:,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** cdt's launch arguments from ours (the `arraylens` type's, or a headless launch's). */
export function cdtLaunchArguments(ours: Record<string, unknown>): Record<string, unknown> {
  const cwd = String(ours.cwd ?? process.cwd());
  const out: Record<string, unknown> = {
    gdb: findGdb(typeof ours.gdb === 'string' ? ours.gdb : undefined),
    program: path.resolve(cwd, String(ours.program)),
    cwd,
    gdbArguments: [...CDT_GDB_ARGUMENTS, ...(Array.isArray(ours.gdbArguments) ? ours.gdbArguments.map(String) : [])],
  };
  if (Array.isArray(ours.args) && ours.args.length) out.arguments = ours.args.map((a) => shellQuote(String(a))).join(' ');
  if (ours.env && typeof ours.env === 'object' && !Array.isArray(ours.env)) out.environment = ours.env;
  if (Array.isArray(ours.initCommands)) out.initCommands = ours.initCommands.map(String);
  return out;
}

/** cdt-gdb-adapter as an adapter that runs under node (tests and the headless path). */
export function cdtGdbAdapter(node = process.execPath): DapAdapter {
  const script = findCdtGdbAdapter();
  return {
    name: 'cdt-gdb-adapter',
    command: node,
    args: [script],
    unverifiedIsError: false,
    exitCodeInMessage: true,
    exitError: (stderr) => new ArrayLensError('debugger-failed', `cdt-gdb-adapter (${script}) exited unexpectedly ${stderr}`.trim()),
  };
}

/** The cdt-gdb-adapter behind the `arraylens` debug type's "debugger": "gdb". */
export function cdtGdbProxy(config: Record<string, unknown>): DapProxy {
  const script = findCdtGdbAdapter();
  // Said before any session starts: gdb missing is the user's to fix.
  findGdb(typeof config.gdb === 'string' ? config.gdb : undefined);
  return {
    name: 'cdt-gdb-adapter',
    // The adapter server runs under VS Code's node (ELECTRON_RUN_AS_NODE is in its environment, and so in cdt's).
    command: process.execPath,
    args: [script],
    launchArguments: (ours) => cdtLaunchArguments(ours),
    attachArguments(ours) {
      const pid = Number(ours.processId);
      if (!Number.isInteger(pid) || pid <= 0)
        throw new ArrayLensError('bad-argument', `an "attach" configuration needs "processId": the pid of a running process (got ${JSON.stringify(ours.processId)})`);
      // The program is optional: gdb reads the symbols of the process it attaches to.
      const args = cdtLaunchArguments({ ...ours, program: ours.program ?? fs.readlinkSync(`/proc/${pid}/exe`) });
      delete args.arguments;
      delete args.environment;
      return { pid, arguments: { ...args, processId: String(pid) } };
    },
    makeSource: (channel, pid) => new EngineArraySource(cdtFrames(channel, pid)),
    explainExit: (stderr) => `cdt-gdb-adapter (${script}) exited: ${stderr || 'no output'}`,
  };
}

/** The error text cdt answers (successfully) when gdb cannot create a variable object for an expression. */
const CDT_EVAL_ERROR = /^Error: could not evaluate expression/;

interface CdtVariable {
  name: string;
  type?: string;
  value: string;
  variablesReference: number;
}

/** Sessions that were told `set may-call-functions off` already (once per connection is enough: it is gdb-wide). */
const readOnlySessions = new WeakSet<object>();

/** gdb through cdt-gdb-adapter, at one frame of a stopped session. */
export class CdtGdbDebugger implements NativeDebugger {
  readonly name = 'gdb (cdt-gdb-adapter)';
  private memory: DapMemoryTransport | null = null;
  private discovered: number | undefined;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly channel: DapChannel,
    private readonly knownPid: () => number | undefined,
    private readonly frameId: number,
  ) {}

  /** The debuggee's pid: cdt sends no `process` event, so it is found from gdb's ptrace link (see findTracedPid). */
  get pid(): number | undefined {
    return this.knownPid() ?? this.discovered;
  }

  /** Before the first question: gdb calls no debuggee function from here on, and the pid is known when it can be. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      if (!readOnlySessions.has(this.channel)) {
        // cdt sends '>'-prefixed repl input to gdb's console (needs a frame): the session-wide guard against calls.
        await this.channel.request('evaluate', { expression: '>set may-call-functions off', frameId: this.frameId, context: 'repl' });
        readOnlySessions.add(this.channel);
      }
      if (this.knownPid() === undefined) this.discovered = await findTracedPid((a, n) => this.rawRead(a, n), () => this.stackPointer()).catch(() => undefined);
    })();
    return this.ready;
  }

  private async rawEvaluate(expr: string): Promise<{ result: string; type?: string; variablesReference: number }> {
    return this.channel.request<{ result: string; type?: string; variablesReference: number }>(
      'evaluate',
      { expression: expr, frameId: this.frameId, context: 'watch' },
      60000,
    );
  }

  private async stackPointer(): Promise<bigint | null> {
    const r = await this.rawEvaluate('$sp');
    return parseAddressText(r.result);
  }

  private async rawRead(address: bigint, length: number): Promise<Buffer> {
    return this.memoryTransport().readRange!(address, length);
  }

  async evaluate(expr: string): Promise<NativeValue> {
    await this.prepare();
    let r;
    try {
      r = await this.rawEvaluate(expr);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'debugger-failed') throw new ArrayLensError('unknown-expression', `cannot evaluate '${expr}': ${e.message}`);
      throw e;
    }
    // cdt answers a failed -var-create with success and this text (no type): gdb's reason stays in cdt's log.
    if (r.type === undefined && CDT_EVAL_ERROR.test(r.result))
      throw new ArrayLensError('unknown-expression', `cannot evaluate '${expr}': gdb cannot evaluate it in this frame (no such variable or member?)`);
    return { name: expr, type: r.type ?? '', value: r.result, handle: r.variablesReference > 0 ? r.variablesReference : undefined };
  }

  async children(v: NativeValue): Promise<NativeValue[]> {
    if (typeof v.handle !== 'number') return [];
    const r = await this.channel.request<{ variables: CdtVariable[] }>('variables', { variablesReference: v.handle });
    return r.variables.map((x) => ({
      name: x.name,
      type: x.type ?? '',
      // cdt shows a struct's type where MI gives no value: keep the value empty then, as gdb/MI does.
      value: x.value === x.type && x.variablesReference > 0 ? '' : x.value,
      handle: x.variablesReference > 0 ? x.variablesReference : undefined,
    }));
  }

  /**
   * cdt forwards no console output in its answers, so `whatis` is out of reach: a scalar typedef is told apart by
   * casts of constants (no memory, no calls): its size, whether 1.5 stays 1.5 (floating), whether -1 stays -1 (signed).
   */
  async canonicalType(typeName: string): Promise<string | null> {
    // Typedef names only: a struct/union/enum/class never is a scalar, and casting a constant to one is an error.
    if (!/^[A-Za-z_][\w:\s]*$/.test(typeName) || /^(struct|union|enum|class)\s/.test(typeName)) return null;
    const value = async (e: string): Promise<string | null> => {
      const r = await this.rawEvaluate(e).catch(() => null);
      return r && r.type !== undefined ? r.result.trim() : null;
    };
    const size = parseIntegerText((await value(`sizeof(${typeName})`)) ?? '');
    const frac = await value(`(${typeName})1.5`);
    if (size === null || frac === null) return null;
    if (frac === 'true' || frac === 'false') return 'bool';
    if (frac === '1.5') return ({ 4: 'float', 8: 'double' } as Record<string, string>)[String(size)] ?? null;
    if (!/^1\b/.test(frac) || ![1n, 2n, 4n, 8n].includes(size)) return null;
    const neg = parseIntegerText((await value(`(${typeName})-1`)) ?? '');
    return `${neg !== null && neg < 0n ? '' : 'u'}int${Number(size) * 8}_t`;
  }

  async localNames(): Promise<string[]> {
    await this.prepare();
    const scopes = await this.channel.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: this.frameId });
    const locals = scopes.scopes.find((s) => /local/i.test(s.name)) ?? scopes.scopes[0];
    if (!locals) return [];
    const r = await this.channel.request<{ variables: CdtVariable[] }>('variables', { variablesReference: locals.variablesReference });
    return [...new Set(r.variables.map((v) => v.name))];
  }

  /** DAP readMemory in 4 MiB requests (src/transport/dapMemory.ts): one 64 MiB request crashed cdt-gdb-adapter. */
  memoryTransport(): Transport {
    this.memory ??= new DapMemoryTransport(this.channel);
    return this.memory;
  }

  /** The session owns gdb and the program: nothing to end here. */
  async close(): Promise<void> {}
}

/** Frames of a cdt-gdb-adapter session (ours or someone else's): a frame's target only reads; closing it ends nothing. */
export function cdtFrames(channel: DapChannel, pid: () => number | undefined): (frameId: number) => NativeTarget {
  return (frameId) => new NativeTarget(new CdtGdbDebugger(channel, pid, frameId), { endsDebuggee: false });
}

function parentOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

function descendsFromUs(pid: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 64; p = parentOf(p), i++) if (p === process.pid) return true;
  return false;
}

/**
 * The process a gdb started under this process (VS Code's extension host starts debug adapters; the arraylens adapter
 * starts cdt) is debugging: processes traced by a gdb descended from us, confirmed by reading the stopped thread's
 * stack through the session and through /proc/PID/mem (two sessions at once each find their own).
 */
export async function findTracedPid(sessionRead: (address: bigint, length: number) => Promise<Buffer>, stackPointer: () => Promise<bigint | null>): Promise<number | undefined> {
  const traced: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${d}/status`, 'utf8');
    } catch {
      continue;
    }
    const tracer = Number(/^TracerPid:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    // Threads of one process share its tgid: only the process itself (Tgid == Pid) is a candidate.
    if (!tracer || /^Tgid:\s*(\d+)/m.exec(status)?.[1] !== d) continue;
    let comm = '';
    try {
      comm = fs.readFileSync(`/proc/${tracer}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (/^gdb/.test(comm) && descendsFromUs(tracer)) traced.push(Number(d));
  }
  if (!traced.length) return undefined;
  const sp = await stackPointer();
  if (sp === null) return traced.length === 1 ? traced[0] : undefined;
  const want = await sessionRead(sp, 64);
  for (const pid of traced) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(`/proc/${pid}/mem`, 'r');
      const got = Buffer.alloc(64);
      fs.readSync(fd, got, 0, 64, Number(sp));
      if (got.equals(want)) return pid;
    } catch {
      /* not readable: not ours to read directly anyway */
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }
  return undefined;
}
