// lldb-dap backend: runs a native program under lldb-dap (Debian lldb-22: the only packaged lldb-dap with
// readMemory), stops at FILE:LINE, and answers the NativeDebugger questions over DAP.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { DapMemoryTransport } from '../../transport/dapMemory';
import { Transport } from '../../transport/transport';
import { DapClient } from '../../rpc/dapClient';
import { DapAdapter, launchToBreakpoint } from '../dapLaunch';
import { NativeDebugger, NativeTarget, NativeValue, killQuietly } from './target';

export interface NativeProgram {
  program: string;
  args: string[];
  cwd?: string;
  breakpoint: { file: string; line: number };
  stopTimeoutMs: number;
}

/** Executable files called `name` on PATH. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** lldb-dap to use: the configured one, else lldb-dap-NN (newest first) or lldb-dap on PATH. */
export function findLldbDap(configured?: string): string {
  const hint = 'install Debian lldb-22 (apt-get install lldb-22), or pass --lldb-dap PATH / set arraylens.lldbDap';
  const explicit = configured || process.env.ARRAYLENS_LLDB_DAP;
  if (explicit) {
    const p = explicit.includes('/') ? explicit : onPath(explicit);
    if (p && fs.existsSync(p)) return p;
    throw new ArrayLensError('debugger-missing', `lldb-dap not found at '${explicit}': ${hint}`);
  }
  const versions: { v: number; p: string }[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^lldb-dap-(\d+)$/.exec(n);
      if (m) versions.push({ v: Number(m[1]), p: path.join(dir, n) });
    }
  }
  versions.sort((a, b) => b.v - a.v);
  const found = versions.find((x) => x.v >= 20)?.p ?? onPath('lldb-dap');
  if (!found) throw new ArrayLensError('debugger-missing', `lldb-dap not found on PATH: ${hint}`);
  return found;
}

/** Without this lldb looks for debug info over the network on every load: ~12 s instead of ~0.1 s. */
const FAST_SYMBOLS = 'settings set symbols.enable-external-lookup false';

/** lldb-dap's initCommands: ours first, then the user's ("initCommands" of a launch configuration). */
export function lldbInitCommands(user?: unknown): string[] {
  return [FAST_SYMBOLS, ...(Array.isArray(user) ? user.map(String) : [])];
}

/** lldb-dap at `exe` as a DAP adapter (readMemory needs supportsMemoryReferences). */
export function lldbDapAdapter(exe: string): DapAdapter {
  return {
    name: 'lldb-dap',
    command: exe,
    args: [],
    initialize: { supportsMemoryReferences: true },
    // A breakpoint in a library not loaded yet stays pending: only the end of the program says it never bound.
    unverifiedIsError: false,
    exitCodeInMessage: true,
    exitError: (stderr) => new ArrayLensError('debugger-failed', `lldb-dap (${exe}) exited unexpectedly ${stderr}`.trim()),
  };
}

/** Headless launch arguments: the program runs on until the breakpoint; `env` as lldb-dap takes it ("NAME=value"). */
export function lldbLaunchArguments(o: { program: string; args: string[]; cwd?: string; env?: Record<string, string> }): Record<string, unknown> {
  return {
    program: o.program,
    args: o.args,
    cwd: o.cwd ?? process.cwd(),
    ...(o.env ? { env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`) } : {}),
    initCommands: lldbInitCommands(),
    stopOnEntry: false,
  };
}

interface DapVariable {
  name: string;
  type?: string;
  value: string;
  variablesReference: number;
  memoryReference?: string;
}

function toValue(name: string, type: string | undefined, value: string, ref: number, mem?: string): NativeValue {
  return {
    name,
    type: type ?? '',
    value,
    address: mem && /^0x[0-9a-f]+$/i.test(mem) ? BigInt(mem) : undefined,
    handle: ref > 0 ? ref : undefined,
  };
}

/** The one line of an lldb error worth showing (`error: ... use of undeclared identifier 'x'`). */
function lldbErrorLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^error:/.test(l)) ?? lines.find((l) => !/not supported|Ran expression as/.test(l)) ?? lines[0] ?? message;
  return err.replace(/^error:\s*(<user expression \d+>:\d+:\d+:\s*)?/, '');
}

/** What LldbDebugger needs of its lldb-dap connection: a DapClient, or a proxied session's channel (native/dapHook.ts). */
export type LldbConnection = Pick<DapClient, 'request' | 'isAlive' | 'close' | 'kill'>;

export class LldbDebugger implements NativeDebugger {
  readonly name = 'lldb-dap';
  private memory: DapMemoryTransport | null = null;

  constructor(
    private readonly client: LldbConnection,
    readonly pid: number | undefined,
    private readonly frameId: number,
  ) {}

  async evaluate(expr: string): Promise<NativeValue> {
    try {
      const r = await this.client.request<{ result: string; type?: string; variablesReference: number; memoryReference?: string }>(
        'evaluate',
        { expression: expr, frameId: this.frameId, context: 'watch' },
        60000,
      );
      return toValue(expr, r.type, r.result, r.variablesReference, r.memoryReference);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'debugger-failed' && this.client.isAlive)
        throw new ArrayLensError('unknown-expression', `cannot evaluate '${expr}': ${lldbErrorLine(e.message)}`);
      throw e;
    }
  }

  async children(v: NativeValue): Promise<NativeValue[]> {
    if (typeof v.handle !== 'number') return [];
    const r = await this.client.request<{ variables: DapVariable[] }>('variables', { variablesReference: v.handle });
    return r.variables.map((x) => toValue(x.name, x.type, x.value, x.variablesReference, x.memoryReference));
  }

  async canonicalType(typeName: string): Promise<string | null> {
    const r = await this.client.request<{ result: string }>('evaluate', {
      expression: `\`type lookup ${typeName}`,
      frameId: this.frameId,
      context: 'repl',
    });
    // `type lookup` prints the target type (`float`) or one typedef level (`typedef __int16_t`); structs print bodies.
    const lines = r.result.split('\n').map((l) => l.trim()).filter(Boolean);
    if (lines.length !== 1 || /[{};]/.test(lines[0])) return null;
    return lines[0].replace(/^typedef\s+/, '');
  }

  async localNames(): Promise<string[]> {
    const scopes = await this.client.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: this.frameId });
    const locals = scopes.scopes.find((s) => /local/i.test(s.name)) ?? scopes.scopes[0];
    if (!locals) return [];
    const r = await this.client.request<{ variables: DapVariable[] }>('variables', { variablesReference: locals.variablesReference });
    return r.variables.map((v) => v.name);
  }

  memoryTransport(): Transport {
    this.memory ??= new DapMemoryTransport(this.client);
    return this.memory;
  }

  async close(): Promise<void> {
    try {
      await this.client.close();
    } finally {
      this.client.kill();
      killQuietly(this.pid);
    }
  }
}

/** Starts `opts.program` under lldb-dap and returns the target once it stops at the breakpoint. */
export async function launchLldb(opts: NativeProgram & { lldbDap?: string; env?: Record<string, string> }): Promise<NativeTarget> {
  const exe = findLldbDap(opts.lldbDap);
  const program = path.resolve(opts.program);
  if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
  const d = await launchToBreakpoint(lldbDapAdapter(exe), lldbLaunchArguments({ ...opts, program }), opts.breakpoint, {
    timeoutMs: opts.stopTimeoutMs,
    rule: 'breakpoint',
    unresolvedIn: path.basename(program),
  });
  const t = new NativeTarget(new LldbDebugger(d.client, d.pid, d.frameId));
  t.stoppedAt = d.stoppedAt;
  return t;
}
