// Node backend: NodeTarget, a DebugTarget over a Node program paused under its inspector (CDP): launched here
// (launch.ts starts `node --inspect-brk` and runs to the breakpoint) or attached to. Arrays are described by
// describe.ts; bytes come from /proc/PID/mem at the address an N-API probe reports, or as base64 through the inspector.

import { ChildProcess } from 'child_process';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { DirectTransport } from '../../transport/direct';
import { Transport, TransportKind } from '../../transport/transport';
import { TransportChoice, TransportSelector, directCandidate } from '../../transport/selector';
import { ArrayHandle, DebugTarget } from '../../engine/target';
import { CallFrame, CdpClient, EvaluateResult, PausedEvent, RemoteObject } from '../../rpc/cdpClient';
import { NodeArrays, OBJECT_GROUP, PROBE_GROUP } from './describe';
import { NodeLaunchOptions, killAndWait, runToBreakpoint, startNode } from './launch';

export { NodeLaunchOptions, lineHasCode, nodeExecutable, scriptUrlRegex } from './launch';

export class NodeTarget implements DebugTarget {
  readonly language = 'node' as const;
  /** What the program wrote on stdout/stderr (the inspector's own banner left out). */
  readonly programOutput: string[] = [];
  private readonly arrays: NodeArrays;
  private frame: CallFrame | null = null;
  /** URL of the script the program stopped in (CDP call frames leave `url` empty since Node 20). */
  private scriptUrl = '';
  private ended = false;

  /** The inspector's WebSocket URL (another client may attach there, e.g. NodeTarget.attach). */
  inspectorUrl = '';
  /** For attached sessions: whether direct reads were checked against the inspector's bytes (null: not yet). */
  private directVerified: boolean | null = null;

  private constructor(
    private readonly cdp: CdpClient,
    /** The node process ArrayLens started, or null when it attached to someone else's (never killed then). */
    private readonly child: ChildProcess | null,
    private readonly attachedPid?: number,
  ) {
    this.arrays = new NodeArrays(cdp, () => this.topFrame());
    child?.on('exit', () => (this.ended = true));
    cdp.on('close', () => (this.ended = true));
  }

  get pid(): number | undefined {
    return this.child ? this.child.pid : this.attachedPid;
  }

  /** The exit code of a program launched here once it ended (null while it runs, after a signal, or when attached). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** Which address source is in use and why: said once, in the error of a refused direct transport. */
  get probeStatus(): string {
    return this.arrays.probeStatus;
  }

  /**
   * Attaches to a Node process that is paused already or pauses next (its inspector at `url`: `node --inspect`,
   * or js-debug's CDP proxy in VS Code). Closing only disconnects. `pid` (else the debuggee's own
   * process.pid) is used for direct reads only after they agree with the inspector's bytes.
   */
  static async attach(opts: { url: string; pid?: number; timeoutMs?: number }): Promise<NodeTarget> {
    const c = await CdpClient.connect(opts.url);
    try {
      const scriptUrls = new Map<string, string>();
      c.on('Debugger.scriptParsed', (e: { scriptId: string; url: string }) => scriptUrls.set(e.scriptId, e.url));
      // A paused V8 sends Debugger.paused to every session that enables the Debugger domain.
      const paused = c.waitEvent<PausedEvent>('Debugger.paused', opts.timeoutMs ?? 30000);
      paused.catch(() => undefined);
      await c.send('Runtime.enable');
      await c.send('Debugger.enable');
      const stop = await paused;
      if (!stop.callFrames.length) throw new ArrayLensError('debugger-failed', 'Node reported no call frame at the pause');
      let pid = opts.pid;
      if (pid === undefined) {
        const r = await c.send<EvaluateResult>('Debugger.evaluateOnCallFrame', {
          callFrameId: stop.callFrames[0].callFrameId,
          expression: 'process.pid',
          throwOnSideEffect: true,
          silent: true,
          returnByValue: true,
        });
        if (!r.exceptionDetails && typeof r.result.value === 'number') pid = r.result.value;
      }
      const t = new NodeTarget(c, null, pid);
      t.inspectorUrl = opts.url;
      t.frame = stop.callFrames[0];
      t.scriptUrl = stop.callFrames[0].url || scriptUrls.get(stop.callFrames[0].location.scriptId) || '';
      return t;
    } catch (e) {
      c.close();
      throw e;
    }
  }

  static async launch(opts: NodeLaunchOptions): Promise<NodeTarget> {
    const s = await startNode(opts);
    const t = new NodeTarget(s.cdp, s.child);
    t.inspectorUrl = s.url;
    t.frame = s.stop.callFrames[0];
    t.scriptUrl = s.scriptUrl;
    s.redirectOutput(t.programOutput);
    return t;
  }

  /** The stopped frame's function and 1-based line (tests and summaries). */
  get location(): { functionName: string; url: string; line: number } {
    const f = this.topFrame();
    return { functionName: f.functionName, url: this.scriptUrl, line: f.location.lineNumber + 1 };
  }

  private topFrame(): CallFrame {
    if (!this.frame || this.ended) throw new ArrayLensError('stale', 'the Node program is no longer paused');
    return this.frame;
  }

  /** Evaluates a user expression on the top frame, side-effect free; the result stays a remote object. */
  evaluate(expr: string): Promise<RemoteObject> {
    return this.arrays.evaluate(expr);
  }

  resolve(expr: string): Promise<ArrayHandle> {
    return this.arrays.resolve(expr);
  }

  /** Arrays in the top frame's scopes (local, block, closure, module; not global), inner names first. */
  listArrays(): Promise<ArrayHandle[]> {
    return this.arrays.listArrays();
  }

  /**
   * The process's memory at the address the probe reported (a launched child, or an attached process whose bytes agree
   * with the inspector's), else base64 through the inspector.
   */
  private readonly transports = new TransportSelector(
    'Node',
    [
      {
        kind: 'direct',
        reason: 'buffer addresses from the probe, /proc/PID/mem readable',
        instead: 'use --transport evaluate',
        open: async () => {
          // Without the probe, buffers have stand-in addresses that only the evaluate path understands.
          if (!this.arrays.addressesReal) return { unavailable: `direct reads need the buffer's address, and ${this.probeStatus}` };
          if (this.pid === undefined) return { unavailable: 'the inspector did not say which process runs the program' };
          if (!(await this.directAgrees()))
            return this.directVerified === null
              ? { unavailable: 'no buffer described yet to check direct reads against', later: true }
              : { unavailable: `process ${this.pid} memory is not readable here (/proc/${this.pid}/mem)` };
          return directCandidate(this.pid).open();
        },
      },
      { kind: 'evaluate', reason: 'base64 through the inspector', open: () => this.arrays.evaluateTransport() },
    ],
    { dap: 'transport dap does not apply to Node programs: use direct or evaluate', memfd: 'transport memfd does not apply to Node programs: use direct or evaluate' },
  );

  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return this.transports.select(kind, probe);
  }

  /** How the last transport was chosen (e.g. evaluate, because the address probe is off). */
  get transportChoice(): TransportChoice | null {
    return this.transports.lastChoice;
  }

  /**
   * Launched sessions read their own child. An attached session's pid may name another process (another pid
   * namespace, a remote inspector): direct reads are used only once they return the inspector's bytes.
   */
  private async directAgrees(): Promise<boolean> {
    if (this.child) return true;
    if (this.directVerified !== null) return this.directVerified;
    const e = this.arrays.buffers.first();
    const d = e && this.pid !== undefined ? DirectTransport.tryOpen(this.pid) : null;
    if (!e || !d) return false; // nothing to check against yet: ask again on the next transport request
    try {
      const n = Math.min(e.byteLength, 4096);
      const viaInspector = await this.arrays.evaluateTransport().readRange!(e.address, n);
      this.directVerified = (await d.readRange(e.address, n)).equals(viaInspector);
    } catch {
      this.directVerified = false;
    } finally {
      await d.dispose();
    }
    return this.directVerified;
  }

  /** Drops the transports and the frame: the program is about to run. */
  private async leaveFrame(): Promise<void> {
    await this.transports.reset();
    this.frame = null;
  }

  /** Resumes the program and keeps it running through later JavaScript pauses (`debugger;` statements). */
  async resumeProgram(): Promise<void> {
    await this.leaveFrame();
    this.cdp.on('Debugger.paused', () => this.cdp.send('Debugger.resume').catch(() => undefined));
    await this.cdp.send('Debugger.resume');
  }

  /** Rejects with `message` (code program-ended) when the program launched here ends. */
  programEnded(message: string): Promise<never> {
    const child = this.child;
    const p = new Promise<never>((_, reject) => {
      if (!child) return;
      const fail = (): void => reject(new ArrayLensError('program-ended', message));
      if (child.exitCode !== null || child.signalCode !== null) fail();
      child.once('exit', fail);
      child.stderr!.on('data', (d: Buffer) => {
        if (/Waiting for the debugger to disconnect/.test(d.toString())) fail();
      });
    });
    p.catch(() => undefined);
    return p;
  }

  /**
   * Runs on (programs ArrayLens launched only) to a breakpoint at `file:line` and stops there as launch does: other
   * pauses are resumed; rejects when the program ends first or does not get there within `timeoutMs`.
   */
  async continueTo(file: string, line: number, timeoutMs = 120000): Promise<void> {
    if (!this.child) throw new ArrayLensError('bad-argument', 'only programs ArrayLens launched can be continued to a line');
    this.topFrame();
    await this.leaveFrame();
    const ended = this.programEnded(`the program ended before reaching ${path.basename(file)}:${line}`);
    const c = this.cdp;
    const { stop, breakpointId } = await runToBreakpoint(c, { file, line }, () => c.send('Debugger.resume'), ended, timeoutMs);
    this.frame = stop.callFrames[0];
    this.scriptUrl = stop.callFrames[0].url || pathToFileURL(path.resolve(file)).href;
    await c.send('Debugger.removeBreakpoint', { breakpointId }).catch(() => undefined);
  }

  /** Lets the program run to its end (tests use it to check that inspection changed nothing). */
  async continueToEnd(timeoutMs = 60000): Promise<void> {
    const child = this.child;
    if (!child) throw new ArrayLensError('bad-argument', 'only programs ArrayLens launched can be run to their end');
    await this.leaveFrame();
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ArrayLensError('timeout', `the program did not end within ${timeoutMs / 1000} s`)), timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) finish();
      child.once('exit', finish);
      // With an inspector attached, Node waits at the end until the client leaves.
      child.stderr!.on('data', (d: Buffer) => {
        if (/Waiting for the debugger to disconnect/.test(d.toString())) this.cdp.close();
      });
    });
    this.cdp.on('Debugger.paused', () => this.cdp.send('Debugger.resume').catch(() => undefined));
    await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP }).catch(() => undefined);
    // The program may end, and the connection close, before the answer to resume arrives.
    this.cdp.send('Debugger.resume').catch(() => undefined);
    await done;
  }

  async close(): Promise<void> {
    await this.leaveFrame();
    if (!this.child) {
      // Someone else's program: leave it as it was, minus what ArrayLens held in it.
      for (const objectGroup of [OBJECT_GROUP, PROBE_GROUP])
        await this.cdp.send('Runtime.releaseObjectGroup', { objectGroup }, 5000).catch(() => undefined);
      this.cdp.close();
      return;
    }
    this.cdp.close();
    await killAndWait(this.child);
  }
}
