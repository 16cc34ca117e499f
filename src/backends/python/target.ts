// Python backend: runs a program under debugpy (its own adapter process, no VS Code), stops at a breakpoint,
// and describes NumPy arrays of the stopped frame without moving their data.

import * as path from 'path';
import { HOST_BYTE_ORDER, dtype, parseDType } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral, parseRawLayout } from '../../core/layout';
import { StridedView, cStrides, validateView } from '../../core/view';
import { DirectTransport } from '../../transport/direct';
import { AllowedRanges, EvaluateTransport, MemfdTransport } from './transport';
import { Transport, TransportKind } from '../../transport/transport';
import { DapChannel, DapClient } from '../../rpc/dapClient';
import { ArrayHandle, DebugTarget } from '../../engine/target';
import { PythonArrayDescription, describeExpression, listArraysExpression, integerExpression, parseDescription, raiseIfLookupError, raiseIfPythonError, unquotePythonString } from './expressions';

export interface PythonLaunchOptions {
  python: string;
  program: string;
  args: string[];
  cwd?: string;
  breakpoint: { file: string; line: number };
  stopTimeoutMs?: number;
  /** Extra environment variables for the debuggee (e.g. LD_PRELOAD of the leak tracker). */
  env?: Record<string, string>;
}

/** Converts a Python description into a validated strided view. */
export function viewFromDescription(expr: string, d: PythonArrayDescription): StridedView {
  if (d.structured)
    throw new ArrayLensError('not-an-array', `'${expr}' has a structured dtype: inspect one field, e.g. ${expr}['x']`);
  if (d.address === null)
    throw new ArrayLensError('not-an-array', `'${expr}' (${d.typeName}) exposes no data pointer in its __array_interface__`);
  let dt;
  if (d.dtypeName === 'bfloat16') dt = dtype('bfloat16', d.typestr.startsWith('>') ? 'big' : d.typestr.startsWith('<') ? 'little' : HOST_BYTE_ORDER);
  else {
    try {
      dt = parseDType(d.typestr);
    } catch {
      throw new ArrayLensError('unsupported-dtype', `'${expr}' has dtype ${d.dtypeName} (${d.typestr}), which ArrayLens cannot show yet`);
    }
  }
  const view: StridedView = { address: d.address, dtype: dt, shape: d.shape, strides: d.strides ?? cStrides(d.shape, dt.itemsize) };
  validateView(view);
  return view;
}

export class PythonTarget implements DebugTarget {
  readonly language = 'python' as const;
  private frameId = 0;
  private threadId = 0;
  /** What the program wrote (stdout/stderr categories), as debugpy forwarded it. */
  readonly programOutput: string[] = [];
  private readonly allowed = new AllowedRanges();
  private transports = new Map<TransportKind, Transport>();
  /** The source file holding the breakpoint of the last stop (continueTo clears it). */
  private breakpointFile: string | null = null;

  private constructor(
    private readonly dap: DapChannel,
    readonly pid: number | undefined,
    private readonly client: DapClient | null,
  ) {}

  /** Wraps a debugpy session someone else started (VS Code's Python extension), stopped at `frameId`. */
  static attachToSession(dap: DapChannel, pid: number | undefined, frameId: number): PythonTarget {
    const t = new PythonTarget(dap, pid, null);
    t.frameId = frameId;
    return t;
  }

  static async launch(opts: PythonLaunchOptions): Promise<PythonTarget> {
    const client = await DapClient.spawn('debugpy', opts.python, ['-Xfrozen_modules=off', '-m', 'debugpy.adapter']);
    let pid: number | undefined;
    client.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
    const output: string[] = [];
    client.on('output', (b: { category?: string; output?: string }) => {
      if ((b.category === 'stdout' || b.category === 'stderr') && b.output) output.push(b.output);
    });
    const ended = new Promise<never>((_, reject) => {
      const fail = (): void =>
        reject(
          new ArrayLensError(
            'program-ended',
            `the program ended before reaching ${path.basename(opts.breakpoint.file)}:${opts.breakpoint.line}`,
          ),
        );
      client.once('terminated', fail);
      client.once('exited', fail);
      client.once('exit', () =>
        reject(
          new ArrayLensError(
            /No module named '?debugpy/.test(client.lastStderr()) ? 'debugger-missing' : 'debugger-failed',
            /No module named '?debugpy/.test(client.lastStderr())
              ? `debugpy is not installed for ${opts.python}: run '${opts.python} -m pip install debugpy' or pass --python`
              : `debugpy exited: ${client.lastStderr()}`,
          ),
        ),
      );
    });
    ended.catch(() => undefined);
    try {
      await Promise.race([
        client.request('initialize', {
          clientID: 'arraylens',
          adapterID: 'debugpy',
          linesStartAt1: true,
          columnsStartAt1: true,
          pathFormat: 'path',
          supportsRunInTerminalRequest: false,
        }),
        ended,
      ]);
      const initialized = client.waitEvent('initialized', 30000);
      const launched = client.request(
        'launch',
        {
          program: path.resolve(opts.program),
          args: opts.args,
          cwd: opts.cwd ?? process.cwd(),
          ...(opts.env ? { env: opts.env } : {}),
          python: [opts.python],
          pythonArgs: ['-Xfrozen_modules=off'],
          console: 'internalConsole',
          redirectOutput: true,
          justMyCode: true,
          subProcess: false,
          stopOnEntry: false,
        },
        60000,
      );
      launched.catch(() => undefined);
      await Promise.race([initialized, ended]);
      const stopped = client.waitEvent('stopped', opts.stopTimeoutMs ?? 120000);
      stopped.catch(() => undefined);
      const bp = await client.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setBreakpoints', {
        source: { path: path.resolve(opts.breakpoint.file) },
        breakpoints: [{ line: opts.breakpoint.line }],
      });
      if (bp.breakpoints[0] && bp.breakpoints[0].verified === false && bp.breakpoints[0].message)
        throw new ArrayLensError('bad-argument', `breakpoint ${opts.breakpoint.file}:${opts.breakpoint.line}: ${bp.breakpoints[0].message}`);
      await client.request('configurationDone', {});
      await Promise.race([launched, ended]);
      const stop = await Promise.race([stopped, ended]);
      const t = new PythonTarget(client, pid, client);
      t.programOutput.push(...output);
      client.on('output', (b: { category?: string; output?: string }) => {
        if ((b.category === 'stdout' || b.category === 'stderr') && b.output) t.programOutput.push(b.output);
      });
      t.threadId = stop.threadId;
      t.breakpointFile = path.resolve(opts.breakpoint.file);
      const st = await client.request<{ stackFrames: { id: number }[] }>('stackTrace', {
        threadId: stop.threadId,
        startFrame: 0,
        levels: 1,
      });
      if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', 'debugpy reported no stack frame at the stop');
      t.frameId = st.stackFrames[0].id;
      return t;
    } catch (e) {
      await client.close().catch(() => undefined);
      killQuietly(pid);
      if (/No module named '?debugpy/.test(client.lastStderr()))
        throw new ArrayLensError(
          'debugger-missing',
          `debugpy is not installed for ${opts.python}: run '${opts.python} -m pip install debugpy' or pass --python`,
        );
      throw e;
    }
  }

  /** Lets the program run on to its end (tests use it to check that inspection changed nothing). */
  async continueToEnd(timeoutMs = 60000): Promise<void> {
    if (!this.client) throw new ArrayLensError('bad-argument', 'only sessions ArrayLens launched can be continued here');
    const done = this.client.waitEvent('terminated', timeoutMs);
    await this.client.request('continue', { threadId: this.threadId });
    await done;
  }

  /**
   * Moves the breakpoint to `file:line` and lets the program run to its next stop there (leak checks stop twice).
   * Views resolved at the previous stop are forgotten: their memory may have moved on.
   */
  async continueTo(file: string, line: number, timeoutMs = 120000): Promise<void> {
    const client = this.client;
    if (!client) throw new ArrayLensError('bad-argument', 'only sessions ArrayLens launched can be continued here');
    const where = `${path.basename(file)}:${line}`;
    const source = path.resolve(file);
    if (this.breakpointFile && this.breakpointFile !== source)
      await client.request('setBreakpoints', { source: { path: this.breakpointFile }, breakpoints: [] });
    const bp = await client.request<{ breakpoints: { verified: boolean; message?: string }[] }>('setBreakpoints', {
      source: { path: source },
      breakpoints: [{ line }],
    });
    if (bp.breakpoints[0] && bp.breakpoints[0].verified === false && bp.breakpoints[0].message)
      throw new ArrayLensError('bad-argument', `breakpoint ${file}:${line}: ${bp.breakpoints[0].message}`);
    this.breakpointFile = source;
    const stopped = client.waitEvent<{ threadId: number }>('stopped', timeoutMs);
    const ended = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}`));
      client.once('terminated', fail);
      client.once('exited', fail);
    });
    stopped.catch(() => undefined);
    ended.catch(() => undefined);
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    await client.request('continue', { threadId: this.threadId });
    const stop = await Promise.race([stopped, ended]);
    this.threadId = stop.threadId;
    const st = await client.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
    if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', 'debugpy reported no stack frame at the stop');
    this.frameId = st.stackFrames[0].id;
  }

  async evaluate(expression: string): Promise<string> {
    try {
      const r = await this.dap.request<{ result: string }>('evaluate', { expression, frameId: this.frameId, context: 'clipboard' }, 120000);
      raiseIfPythonError(unquotePythonString(r.result), r.result);
      return r.result;
    } catch (e) {
      if (e instanceof ArrayLensError && e.code === 'debugger-failed') {
        const msg = e.message.split('\n').filter(Boolean).pop() ?? e.message;
        throw new ArrayLensError('unknown-expression', msg.trim());
      }
      throw e;
    }
  }

  private async evaluateInteger(expr: string): Promise<bigint> {
    if (isIntegerLiteral(expr)) return BigInt(expr.trim());
    const r = unquotePythonString(await this.evaluate(integerExpression(expr)));
    raiseIfLookupError(r);
    if (!/^-?\d+$/.test(r)) throw new ArrayLensError('bad-expression', `'${expr}' is not an integer (got ${r.slice(0, 60)})`);
    return BigInt(r);
  }

  async resolve(expr: string): Promise<ArrayHandle> {
    const raw = parseRawLayout(expr);
    if (raw) {
      const address = await this.evaluateInteger(raw.pointer);
      const shape: number[] = [];
      for (const d of raw.dims) shape.push(Number(await this.evaluateInteger(d)));
      const strides = raw.strides ? await Promise.all(raw.strides.map(async (s) => Number(await this.evaluateInteger(s)))) : cStrides(shape, raw.dtype.itemsize);
      const view: StridedView = { address, dtype: raw.dtype, shape, strides };
      validateView(view);
      return { expr, language: 'python', view, typeName: 'raw layout' };
    }
    const answer = await this.evaluate(describeExpression(expr));
    const d = parseDescription(answer, expr);
    if ('notArray' in d) throw new ArrayLensError('not-an-array', `'${expr}' is a ${d.notArray}, not an array`);
    const view = viewFromDescription(expr, d);
    this.allowed.add(view);
    return { expr, language: 'python', view, typeName: d.typeName };
  }

  async listArrays(): Promise<ArrayHandle[]> {
    const text = unquotePythonString(await this.evaluate(listArraysExpression()));
    const out: ArrayHandle[] = [];
    for (const line of text.split('\\n')) {
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const name = line.slice(0, eq);
      try {
        const d = parseDescription(line.slice(eq + 1));
        if ('notArray' in d) continue;
        const view = viewFromDescription(name, d);
        this.allowed.add(view);
        out.push({ expr: name, language: 'python', view, typeName: d.typeName });
      } catch {
        /* arrays we cannot show (object dtype, structured) are left out of the list */
      }
    }
    return out;
  }

  async transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    const cached = this.transports.get(kind as TransportKind);
    if (cached) return cached;
    const make = async (k: TransportKind): Promise<Transport | null> => {
      switch (k) {
        case 'direct': {
          if (this.pid === undefined) return null;
          const t = DirectTransport.tryOpen(this.pid);
          if (!t) return null;
          try {
            if (probe.shape.every((d) => d > 0)) await t.readRange(probe.address, 1);
          } catch (e) {
            await t.dispose();
            // /proc/PID/mem opened, so reads are allowed: the address itself is bad.
            if (kind === 'auto' || kind === 'direct') throw e;
            return null;
          }
          return t;
        }
        case 'memfd':
          if (this.pid === undefined || process.platform !== 'linux') return null;
          return new MemfdTransport(this.pid, (e) => this.evaluate(e), this.allowed);
        case 'evaluate':
          return new EvaluateTransport((e) => this.evaluate(e), this.allowed);
        case 'dap':
          throw new ArrayLensError(
            'bad-argument',
            'debugpy does not support readMemory (sending it hangs the session): use --transport direct, memfd or evaluate',
          );
      }
    };
    const order: TransportKind[] = kind === 'auto' ? ['direct', 'memfd', 'evaluate'] : [kind];
    for (const k of order) {
      const t = await make(k);
      if (t) {
        this.transports.set(k, t);
        if (kind === 'auto') this.transports.set('auto' as TransportKind, t);
        return t;
      }
    }
    throw new ArrayLensError('unreadable', `transport '${kind}' is not available for process ${this.pid ?? '?'}`);
  }

  async close(): Promise<void> {
    for (const t of new Set(this.transports.values())) await t.dispose?.();
    this.transports.clear();
    if (this.client) {
      await this.client.close().catch(() => undefined);
      killQuietly(this.pid);
    }
  }
}

export function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
