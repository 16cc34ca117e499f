// gdb backend: gdb 13 has no DAP, so this drives `gdb --interpreter=mi3` directly (break, run, wait for
// *stopped, variable objects for values and members, -data-read-memory-bytes as the non-direct read path).

import * as fs from 'fs';
import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { Transport, readViewByRanges } from '../../transport/transport';
import { MiClient, MiTuple, MiValue, miQuote } from '../../rpc/miClient';
import { NativeDebugger, NativeTarget, NativeValue, killQuietly } from './target';
import { NativeProgram } from './lldb';
import { whereAny } from '../dapLaunch';
import { hex } from './types';

export function findGdb(configured?: string): string {
  const hint = 'install Debian gdb (apt-get install gdb), or pass --gdb PATH / set arraylens.gdb';
  const want = configured || process.env.ARRAYLENS_GDB || 'gdb';
  if (want.includes('/')) {
    if (fs.existsSync(want)) return want;
    throw new ArrayLensError('debugger-missing', `gdb not found at '${want}': ${hint}`);
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, want);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new ArrayLensError('debugger-missing', `gdb not found on PATH: ${hint}`);
}

function str(v: MiValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

/** gdb's memory reads over MI (~48 MB/s measured): reported as the 'dap' kind, the debugger's own read path. */
export class MiMemoryTransport implements Transport {
  readonly kind = 'dap' as const;
  constructor(private readonly mi: MiClient) {}

  async readRange(address: bigint, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    const CHUNK = 4 << 20;
    for (let done = 0; done < length; ) {
      const n = Math.min(CHUNK, length - done);
      const at = address + BigInt(done);
      let r;
      try {
        r = await this.mi.command(`-data-read-memory-bytes ${hex(at)} ${n}`, 120000);
      } catch (e) {
        if (e instanceof ArrayLensError && e.code === 'debugger-failed' && this.mi.isAlive)
          throw new ArrayLensError('unreadable', `address ${hex(at)} is not readable (${n} bytes requested): ${e.message}`);
        throw e;
      }
      let got = 0;
      for (const block of (r.results.memory as MiTuple[] | undefined) ?? []) {
        const begin = BigInt(str(block.begin));
        const hexText = str(block.contents);
        const off = Number(begin - address);
        Buffer.from(hexText, 'hex').copy(out, off);
        got += hexText.length / 2;
      }
      if (got < n) throw new ArrayLensError('unreadable', `address ${hex(at)} is not readable (${n - got} of ${n} bytes unreadable)`);
      done += n;
    }
    return out;
  }

  readView(view: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }
}

export class GdbDebugger implements NativeDebugger {
  readonly name = 'gdb';
  private memory: MiMemoryTransport | null = null;
  /** Variable objects made here: deleted when the stop they describe is left (their children go with them). */
  private readonly variables: string[] = [];

  constructor(
    private readonly mi: MiClient,
    readonly pid: number | undefined,
  ) {}

  async evaluate(expr: string): Promise<NativeValue> {
    try {
      const r = await this.mi.command(`-var-create - * ${miQuote(expr)}`, 60000);
      const numchild = Number(str(r.results.numchild) || '0');
      const name = str(r.results.name);
      if (name) this.variables.push(name);
      return { name: expr, type: str(r.results.type), value: str(r.results.value), handle: numchild > 0 || name ? name : undefined };
    } catch (e) {
      if (!(e instanceof ArrayLensError) || e.code !== 'debugger-failed' || !this.mi.isAlive) throw e;
      // -var-create only says "unable to create variable object": ask again for gdb's own reason.
      const why = await this.mi.command(`-data-evaluate-expression ${miQuote(expr)}`).then(
        () => e.message,
        (e2: Error) => e2.message,
      );
      throw new ArrayLensError('unknown-expression', `cannot evaluate '${expr}': ${why}`);
    }
  }

  async children(v: NativeValue): Promise<NativeValue[]> {
    if (typeof v.handle !== 'string' || !v.handle) return [];
    const r = await this.mi.command(`-var-list-children --all-values ${v.handle}`);
    const kids = r.results.children as MiValue[] | undefined;
    const out: NativeValue[] = [];
    for (const k of kids ?? []) {
      const c = (k as MiTuple).child as MiTuple | undefined;
      if (!c) continue;
      const n = Number(str(c.numchild) || '0');
      const exp = str(c.exp);
      const child: NativeValue = { name: exp, type: str(c.type), value: str(c.value), handle: n > 0 ? str(c.name) : undefined };
      // C++ access-specifier pseudo-children: their members stand for the object's own.
      if (/^(public|private|protected)$/.test(exp) && !child.type) out.push(...(await this.children(child)));
      else out.push(child);
    }
    return out;
  }

  async canonicalType(typeName: string): Promise<string | null> {
    const r = await this.mi.command(`-interpreter-exec console ${miQuote(`whatis ${typeName}`)}`);
    const m = /type = (.+)/.exec(r.console);
    return m ? m[1].trim() : null;
  }

  async localNames(): Promise<string[]> {
    const r = await this.mi.command('-stack-list-variables --no-values');
    return ((r.results.variables as MiTuple[] | undefined) ?? []).map((v) => str(v.name)).filter(Boolean);
  }

  memoryTransport(): Transport {
    this.memory ??= new MiMemoryTransport(this.mi);
    return this.memory;
  }

  /** Deletes the variable objects of this stop (a session that runs on would otherwise pile them up in gdb). */
  async releaseVariables(): Promise<void> {
    for (const name of this.variables.splice(0)) await this.mi.command(`-var-delete ${name}`).catch(() => undefined);
  }

  async close(): Promise<void> {
    try {
      if (this.mi.isAlive) await this.mi.command('-interpreter-exec console kill', 5000).catch(() => undefined);
      await this.mi.close();
    } finally {
      this.mi.kill();
      killQuietly(this.pid);
    }
  }
}

/** Where gdb holds the program, from a *stopped record's frame (file null without debug info there). */
export interface GdbStop {
  file: string | null;
  line: number;
  function: string;
  /** 'breakpoint', or 'signal' (description: the signal's name), or gdb's own reason. */
  reason: string;
  description?: string;
}

/** The exit code of an `exited*` *stopped record (gdb writes it in octal), null when a signal ended the program. */
function exitCodeOf(stop: MiTuple): number | null {
  const reason = str(stop.reason);
  if (reason === 'exited-normally') return 0;
  const code = str(stop['exit-code']);
  return reason === 'exited' && code ? parseInt(code, 8) : null;
}

function stopOf(stop: MiTuple): GdbStop {
  const frame = stop.frame as MiTuple | undefined;
  const reason = str(stop.reason);
  const line = Number(str(frame?.line));
  const file = frame && str(frame.fullname) && line > 0 ? str(frame.fullname) : null;
  const out: GdbStop = { file, line: file ? line : 0, function: str(frame?.func), reason: reason === 'breakpoint-hit' ? 'breakpoint' : reason === 'signal-received' ? 'signal' : reason || 'stopped' };
  const sig = str(stop['signal-name']);
  if (out.reason === 'signal' && sig) out.description = sig;
  return out;
}

/**
 * A program under gdb/MI with all of its breakpoints set, held at a stop between calls: the headless launch (the CLI's
 * one breakpoint) and an agent's continues from one breakpoint to whichever comes next, or to the end.
 */
export class GdbProgram {
  private pidSeen: number | undefined;
  private stop: GdbStop | null = null;
  /** The debuggers handed out for the current stop. */
  private handedOut: GdbDebugger[] = [];

  private constructor(private readonly mi: MiClient) {
    mi.on('thread-group-started', (r: MiTuple) => (this.pidSeen = Number(str(r.pid)) || this.pidSeen));
  }

  get pid(): number | undefined {
    return this.pidSeen;
  }

  /** Where the program is held now (null while it runs or once it ended). */
  get stoppedAt(): GdbStop | null {
    return this.stop;
  }

  /** Starts `opts.program` under gdb and runs it to the first of `breakpoints` it reaches (a breakpoint, else an error). */
  static async launch(opts: { program: string; args: string[]; cwd?: string; gdb?: string; breakpoints: readonly { file: string; line: number }[]; stopTimeoutMs: number }): Promise<GdbProgram> {
    const exe = findGdb(opts.gdb);
    const program = path.resolve(opts.program);
    if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
    const where = whereAny(opts.breakpoints);
    const mi = await MiClient.spawn(exe, [
      '--interpreter=mi3',
      '-q',
      '-nx',
      '-iex',
      'set debuginfod enabled off',
      '-iex',
      'set confirm off',
      '-iex',
      'set pagination off',
      // issue 18: inspecting never runs code in the debuggee (memory writes are refused at each stop, see below).
      '-iex',
      'set may-call-functions off',
      '--args',
      program,
      ...opts.args,
    ]);
    const p = new GdbProgram(mi);
    try {
      if (opts.cwd) await mi.command(`-environment-cd ${miQuote(opts.cwd)}`);
      // The debuggee must not write into the MI stream we parse.
      await mi.command('-inferior-tty-set /dev/null');
      for (const bp of opts.breakpoints) await mi.command(`-break-insert -f ${miQuote(`${path.resolve(bp.file)}:${bp.line}`)}`);
      const stop = await p.resume('-exec-run', opts.stopTimeoutMs);
      const reason = str(stop.reason);
      if (reason.startsWith('exited')) {
        const code = str(stop['exit-code']);
        throw new ArrayLensError('program-ended', `the program ended${code ? ` (exit code ${parseInt(code, 8)})` : ''} before reaching ${where}`);
      }
      if (reason !== 'breakpoint-hit') {
        const sig = str(stop['signal-name']);
        throw new ArrayLensError('program-ended', `the program stopped (${sig || reason || 'unknown reason'}) before reaching ${where}`);
      }
      await p.holdStill();
      p.stop = stopOf(stop);
      return p;
    } catch (e) {
      await p.close();
      throw e;
    }
  }

  /** `command` (-exec-run, -exec-continue) and the *stopped record that ends the run. */
  private async resume(command: string, timeoutMs: number): Promise<MiTuple> {
    this.stop = null;
    const stopped = this.mi.waitAsync('stopped', timeoutMs);
    stopped.catch(() => undefined);
    await this.mi.command(command, 60000);
    return stopped;
  }

  /** Not before a stop: gdb inserts breakpoints by writing memory. While held, nothing is written (issue 18). */
  private async holdStill(): Promise<void> {
    await this.mi.command(`-interpreter-exec console ${miQuote('set may-write-memory off')}`);
  }

  /** Runs on to the next breakpoint (or any other stop: a signal), or to the end of the program. */
  async continue(timeoutMs: number): Promise<{ at: GdbStop } | { ended: true; exitCode: number | null }> {
    for (const d of this.handedOut.splice(0)) await d.releaseVariables();
    await this.mi.command(`-interpreter-exec console ${miQuote('set may-write-memory on')}`);
    let stop: MiTuple;
    try {
      stop = await this.resume('-exec-continue', timeoutMs);
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'timeout') throw new ArrayLensError('timeout', `the program reached no breakpoint and did not end within ${Math.round(timeoutMs / 1000)} s`);
      throw e;
    }
    if (str(stop.reason).startsWith('exited')) return { ended: true, exitCode: exitCodeOf(stop) };
    await this.holdStill();
    this.stop = stopOf(stop);
    return { at: this.stop };
  }

  /** The debugger questions at the current stop (closing it ends gdb and the program: wrap it with endsDebuggee false to keep them). */
  debugger(): GdbDebugger {
    const d = new GdbDebugger(this.mi, this.pid);
    this.handedOut.push(d);
    return d;
  }

  /** Ends the program and gdb. */
  async close(): Promise<void> {
    this.stop = null;
    this.handedOut = [];
    await new GdbDebugger(this.mi, this.pid).close();
  }
}

/** Starts `opts.program` under gdb/MI and returns the target once it stops at the breakpoint. */
export async function launchGdb(opts: NativeProgram & { gdb?: string }): Promise<NativeTarget> {
  const p = await GdbProgram.launch({ ...opts, breakpoints: [opts.breakpoint] });
  const t = new NativeTarget(p.debugger());
  // Where gdb really stopped: it moves a breakpoint off a line without code (the CLI's stoppedAt).
  const at = p.stoppedAt;
  if (at?.file) t.stoppedAt = { file: at.file, line: at.line };
  return t;
}
