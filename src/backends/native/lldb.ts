// lldb-dap backend: runs a native program under lldb-dap (Debian lldb-22: the only packaged lldb-dap with
// readMemory), stops at FILE:LINE, and answers the NativeDebugger questions over DAP.

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { DapMemoryTransport } from '../../transport/dapMemory';
import { Transport } from '../../transport/transport';
import { DapClient } from '../../rpc/dapClient';
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
export async function launchLldb(opts: NativeProgram & { lldbDap?: string }): Promise<NativeTarget> {
  const exe = findLldbDap(opts.lldbDap);
  const program = path.resolve(opts.program);
  if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
  const where = `${path.basename(opts.breakpoint.file)}:${opts.breakpoint.line}`;
  const client = await DapClient.spawn('lldb-dap', exe, []);
  let pid: number | undefined;
  client.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
  let exitCode: number | undefined;
  client.on('exited', (b: { exitCode?: number }) => (exitCode = b.exitCode));
  const ended = new Promise<never>((_, reject) => {
    const fail = (): void =>
      reject(
        new ArrayLensError(
          'program-ended',
          `the program ended${exitCode !== undefined ? ` (exit code ${exitCode})` : ''} before reaching ${where}`,
        ),
      );
    client.once('exited', fail);
    client.once('terminated', fail);
    client.once('exit', () => reject(new ArrayLensError('debugger-failed', `lldb-dap exited unexpectedly ${client.lastStderr()}`.trim())));
  });
  ended.catch(() => undefined);
  try {
    await Promise.race([
      client.request('initialize', {
        clientID: 'arraylens',
        adapterID: 'lldb-dap',
        linesStartAt1: true,
        columnsStartAt1: true,
        pathFormat: 'path',
        supportsMemoryReferences: true,
      }),
      ended,
    ]);
    const initialized = client.waitEvent('initialized', 30000);
    initialized.catch(() => undefined);
    const launched = client.request(
      'launch',
      {
        program,
        args: opts.args,
        cwd: opts.cwd ?? process.cwd(),
        // Without this lldb looks for debug info over the network: ~12 s instead of ~0.1 s.
        initCommands: ['settings set symbols.enable-external-lookup false'],
        stopOnEntry: false,
      },
      60000,
    );
    launched.catch(() => undefined);
    await Promise.race([initialized, ended]);
    const stopped = client.waitEvent<{ reason: string; description?: string; threadId: number }>('stopped', opts.stopTimeoutMs);
    stopped.catch(() => undefined);
    const bp = await client.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setBreakpoints', {
      source: { path: path.resolve(opts.breakpoint.file) },
      breakpoints: [{ line: opts.breakpoint.line }],
    });
    const unverified = bp.breakpoints[0] && bp.breakpoints[0].verified === false;
    await client.request('configurationDone', {});
    await Promise.race([launched, ended]);
    let stop;
    try {
      stop = await Promise.race([stopped, ended]);
    } catch (e) {
      if (unverified && e instanceof ArrayLensError && e.code === 'program-ended')
        throw new ArrayLensError('program-ended', `${e.message}: no code at ${where} in ${path.basename(program)} (breakpoint not resolved)`);
      throw e;
    }
    if (stop.reason !== 'breakpoint')
      throw new ArrayLensError('program-ended', `the program stopped (${stop.description ?? stop.reason}) before reaching ${where}`);
    const st = await client.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
    if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', 'lldb-dap reported no stack frame at the stop');
    return new NativeTarget(new LldbDebugger(client, pid, st.stackFrames[0].id));
  } catch (e) {
    await client.close().catch(() => undefined);
    client.kill();
    killQuietly(pid);
    throw e;
  }
}
