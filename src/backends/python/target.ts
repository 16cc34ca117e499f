// Python backend: runs a program under debugpy (its own adapter process, no VS Code), stops at a breakpoint,
// and describes NumPy arrays of the stopped frame without moving their data.

import { HOST_BYTE_ORDER, dtype, parseDType } from '../../core/dtype';
import { ArrayLensError } from '../../core/errors';
import { isIntegerLiteral, parseRawLayout } from '../../core/layout';
import { StridedView, cStrides, validateView } from '../../core/view';
import { AllowedRanges, pythonTransports } from './transport';
import { checkProcessIdentity } from './identity';
import { Transport, TransportKind } from '../../transport/transport';
import { TransportChoice, TransportSelector } from '../../transport/selector';
import { DapChannel } from '../../rpc/dapClient';
import { DapDebuggee, killQuietly, launchToBreakpoint } from '../dapLaunch';
import { debugpyAdapter, debugpyLaunchArguments } from './debugpy';
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
  /** Where the launch stopped (top frame), for the CLI's `stoppedAt`. */
  stoppedAt: { file: string; line: number } | undefined;
  private readonly allowed = new AllowedRanges();
  private readonly transports: TransportSelector;

  private constructor(
    private readonly dap: DapChannel,
    readonly pid: number | undefined,
    /** The program ArrayLens launched (null: a session someone else started). */
    private readonly debuggee: DapDebuggee | null,
  ) {
    // The pid is debugpy's word: /proc/PID is read only once the debuggee's own account of itself matches it.
    const sameProcess = () => (this.pid === undefined ? Promise.resolve(null) : checkProcessIdentity(this.dap, this.pid, (e) => this.evaluate(e)));
    this.transports = new TransportSelector('debugpy', pythonTransports(this.pid, (e) => this.evaluate(e), this.allowed, sameProcess), {
      dap: 'debugpy does not support readMemory (sending it hangs the session): use --transport direct, memfd or evaluate',
    });
  }

  /** Wraps a debugpy session someone else started (VS Code's Python extension), stopped at `frameId`. */
  static attachToSession(dap: DapChannel, pid: number | undefined, frameId: number): PythonTarget {
    const t = new PythonTarget(dap, pid, null);
    t.frameId = frameId;
    return t;
  }

  static async launch(opts: PythonLaunchOptions): Promise<PythonTarget> {
    const args = debugpyLaunchArguments({
      program: opts.program,
      args: opts.args,
      cwd: opts.cwd ?? process.cwd(),
      ...(opts.env ? { env: opts.env } : {}),
      python: opts.python,
      subProcess: false,
      stopOnEntry: false,
    });
    const d = await launchToBreakpoint(debugpyAdapter(opts.python), args, opts.breakpoint, { timeoutMs: opts.stopTimeoutMs ?? 120000, rule: 'any' });
    const t = new PythonTarget(d.client, d.pid, d);
    t.frameId = d.frameId;
    t.stoppedAt = d.stoppedAt;
    return t;
  }

  /** What the program wrote (stdout/stderr categories), as debugpy forwarded it. */
  get programOutput(): readonly string[] {
    return this.debuggee?.output ?? [];
  }

  private launched(): DapDebuggee {
    if (!this.debuggee) throw new ArrayLensError('bad-argument', 'only sessions ArrayLens launched can be continued here');
    return this.debuggee;
  }

  /** Lets the program run on to its end (tests use it to check that inspection changed nothing). */
  async continueToEnd(timeoutMs = 60000): Promise<void> {
    await this.launched().continueToEnd(timeoutMs);
  }

  /**
   * Moves the breakpoint to `file:line` and lets the program run to its next stop there (leak checks stop twice).
   * Views resolved at the previous stop are forgotten: their memory may have moved on.
   */
  async continueTo(file: string, line: number, timeoutMs = 120000): Promise<void> {
    const d = this.launched();
    await this.transports.reset();
    this.allowed.clear();
    await d.continueTo({ file, line }, { timeoutMs, rule: 'any' });
    this.frameId = d.frameId;
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
        out.push({ expr: name, language: 'python', view, typeName: d.typeName, ...(d.onRequest ? { onRequest: d.onRequest } : {}) });
      } catch {
        /* arrays we cannot show (object dtype, structured) are left out of the list */
      }
    }
    return out;
  }

  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return this.transports.select(kind, probe);
  }

  /** How the last transport was chosen (e.g. direct: /proc/PID/mem readable). */
  get transportChoice(): TransportChoice | null {
    return this.transports.lastChoice;
  }

  async close(): Promise<void> {
    await this.transports.reset();
    await this.debuggee?.close();
  }
}

export { killQuietly };
