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

  constructor(
    private readonly mi: MiClient,
    readonly pid: number | undefined,
  ) {}

  async evaluate(expr: string): Promise<NativeValue> {
    try {
      const r = await this.mi.command(`-var-create - * ${miQuote(expr)}`, 60000);
      const numchild = Number(str(r.results.numchild) || '0');
      const name = str(r.results.name);
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

/** Starts `opts.program` under gdb/MI and returns the target once it stops at the breakpoint. */
export async function launchGdb(opts: NativeProgram & { gdb?: string }): Promise<NativeTarget> {
  const exe = findGdb(opts.gdb);
  const program = path.resolve(opts.program);
  if (!fs.existsSync(program)) throw new ArrayLensError('bad-argument', `no such program: ${opts.program}`);
  const where = `${path.basename(opts.breakpoint.file)}:${opts.breakpoint.line}`;
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
    // issue 18: inspecting never runs code in the debuggee (memory writes are refused after the stop, see below).
    '-iex',
    'set may-call-functions off',
    '--args',
    program,
    ...opts.args,
  ]);
  let pid: number | undefined;
  mi.on('thread-group-started', (r: MiTuple) => (pid = Number(str(r.pid)) || pid));
  try {
    if (opts.cwd) await mi.command(`-environment-cd ${miQuote(opts.cwd)}`);
    // The debuggee must not write into the MI stream we parse.
    await mi.command('-inferior-tty-set /dev/null');
    await mi.command(`-break-insert -f ${miQuote(`${path.resolve(opts.breakpoint.file)}:${opts.breakpoint.line}`)}`);
    const stopped = mi.waitAsync('stopped', opts.stopTimeoutMs);
    stopped.catch(() => undefined);
    await mi.command('-exec-run', 60000);
    const stop = await stopped;
    const reason = str(stop.reason);
    if (reason.startsWith('exited')) {
      const code = str(stop['exit-code']);
      throw new ArrayLensError('program-ended', `the program ended${code ? ` (exit code ${parseInt(code, 8)})` : ''} before reaching ${where}`);
    }
    if (reason !== 'breakpoint-hit') {
      const sig = str(stop['signal-name']);
      throw new ArrayLensError('program-ended', `the program stopped (${sig || reason || 'unknown reason'}) before reaching ${where}`);
    }
    // Not before: gdb inserts breakpoints by writing memory. From here on, nothing is written (issue 18).
    await mi.command(`-interpreter-exec console ${miQuote('set may-write-memory off')}`);
    const t = new NativeTarget(new GdbDebugger(mi, pid));
    // Where gdb really stopped: it moves a breakpoint off a line without code (the CLI's stoppedAt).
    const frame = stop.frame as MiTuple | undefined;
    const line = Number(str(frame?.line));
    if (frame && str(frame.fullname) && line > 0) t.stoppedAt = { file: str(frame.fullname), line };
    return t;
  } catch (e) {
    if (mi.isAlive) await mi.command('-interpreter-exec console kill', 5000).catch(() => undefined);
    await mi.close().catch(() => undefined);
    mi.kill();
    killQuietly(pid);
    throw e;
  }
}
