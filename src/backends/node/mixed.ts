// Mixed Node + addon sessions without VS Code: Node runs under its inspector and stops first at a JavaScript line
// (the call into the addon, typically), where its arrays and their addresses are recorded; lldb-dap then attaches
// to the same process and the program goes on to a breakpoint in the addon's C/C++ source (language "native").
//
// Aliases: while lldb holds the process, Node's inspector cannot answer (its thread is stopped too), so the JS
// side is the one recorded at the JavaScript stop, and a native view's aliases are the recorded arrays whose bytes
// overlap it (the probe's addresses are the addon's data pointers: measured equal).

import * as path from 'path';
import { ArrayLensError } from '../../core/errors';
import { StridedView, byteExtent } from '../../core/view';
import { overlapping } from '../../pairing/overlap';
import { Transport, TransportKind } from '../../transport/transport';
import { DapClient } from '../../rpc/dapClient';
import { LldbDebugger, findLldbDap } from '../native/lldb';
import { NativeTarget } from '../native/target';
import { ArrayHandle, DebugTarget, KnownRegion } from '../../engine/target';
import { NodeLaunchOptions, NodeTarget } from './target';

export interface NodeMixedOptions extends Omit<NodeLaunchOptions, 'breakpoint'> {
  /** A JavaScript line before the addon call: the JS arrays are recorded there. */
  jsBreakpoint: { file: string; line: number };
  /** In the addon's C/C++ source: where the native side stops. */
  nativeBreakpoint: { file: string; line: number };
  lldbDap?: string;
  stopTimeoutMs?: number;
}

export interface NodeAlias {
  language: 'node';
  expr: string;
  /** Where the JavaScript side was when it was recorded. */
  recordedAt: string;
}

interface StoppedEvent {
  reason: string;
  description?: string;
  threadId: number;
}

/** Where an array's bytes lie (negative strides reach below its first element), for another debugger to find. */
export function knownRegion(a: ArrayHandle): KnownRegion {
  const e = byteExtent(a.view);
  return { expr: a.expr, language: a.language, address: a.view.address + BigInt(e.lo), nbytes: e.hi - e.lo };
}

/** The addon's frame, stopped by lldb-dap, in a Node process whose JavaScript arrays were recorded just before. */
export class NodeMixedTarget implements DebugTarget {
  readonly language = 'native' as const;
  private closed = false;

  constructor(
    private readonly native: NativeTarget,
    private readonly lldb: DapClient,
    private readonly node: NodeTarget,
    /** The JavaScript frame's arrays at the JS stop (language "node"). */
    readonly jsArrays: ArrayHandle[],
    readonly jsStop: string,
  ) {}

  get pid(): number | undefined {
    return this.node.pid;
  }

  resolve(expr: string): Promise<ArrayHandle> {
    return this.native.resolve(expr);
  }

  /** The addon frame's arrays, with its bare pointers into the recorded JavaScript arrays (`imageData as float32[3072]`). */
  listArrays(): Promise<ArrayHandle[]> {
    return this.native.listArrays(this.jsArrays.map(knownRegion));
  }

  transport(kind: 'auto' | TransportKind, probe: StridedView): Promise<Transport> {
    return this.native.transport(kind, probe);
  }

  /** JavaScript arrays (as recorded at the JS stop) whose bytes overlap `view` (the engine's alias hook). */
  async aliasesOf(_handle: ArrayHandle, view: StridedView): Promise<NodeAlias[]> {
    return this.jsArrays.filter((a) => overlapping(a.view, view)).map((a) => ({ language: 'node', expr: a.expr, recordedAt: this.jsStop }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lldb.kill(); // the debuggee goes with the node target's close below (SIGKILL, waited for)
    await this.node.close();
  }
}

/** Runs the program under Node's inspector to `jsBreakpoint`, attaches lldb-dap, and stops at `nativeBreakpoint`. */
export async function launchNodeMixed(opts: NodeMixedOptions): Promise<NodeMixedTarget> {
  const lldbDap = findLldbDap(opts.lldbDap); // before anything starts: a missing debugger leaves no process behind
  const timeoutMs = opts.stopTimeoutMs ?? 120000;
  const where = `${path.basename(opts.nativeBreakpoint.file)}:${opts.nativeBreakpoint.line}`;
  const node = await NodeTarget.launch({ ...opts, breakpoint: opts.jsBreakpoint, stopTimeoutMs: timeoutMs });
  let lldb: DapClient | null = null;
  try {
    const jsStop = `${path.basename(opts.jsBreakpoint.file)}:${opts.jsBreakpoint.line}`;
    const jsArrays = await node.listArrays();
    if (node.pid === undefined) throw new ArrayLensError('debugger-failed', 'node has no process id');
    lldb = await DapClient.spawn('lldb-dap', lldbDap, []);
    const ll = lldb;
    const ended = new Promise<never>((_, reject) => {
      ll.once('exit', () => reject(new ArrayLensError('debugger-failed', `lldb-dap exited unexpectedly ${ll.lastStderr()}`.trim())));
      ll.once('exited', () => reject(new ArrayLensError('program-ended', `the program ended before reaching ${where}`)));
    });
    ended.catch(() => undefined);
    await Promise.race([
      ll.request('initialize', { clientID: 'arraylens', adapterID: 'lldb-dap', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true }),
      ended,
    ]);
    const initialized = ll.waitEvent('initialized', 30000);
    initialized.catch(() => undefined);
    const attached = ll.request(
      'attach',
      // Without the setting lldb looks for debug info over the network: ~12 s instead of ~0.1 s.
      { pid: node.pid, initCommands: ['settings set symbols.enable-external-lookup false'], stopOnEntry: false },
      60000,
    );
    attached.catch(() => undefined);
    await Promise.race([initialized, ended]);
    await ll.request('setBreakpoints', { source: { path: path.resolve(opts.nativeBreakpoint.file) }, breakpoints: [{ line: opts.nativeBreakpoint.line }] });
    await ll.request('configurationDone', {});
    await Promise.race([attached, ended]);
    const hit = new Promise<StoppedEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ArrayLensError('timeout', `${where} was not reached within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const onStop = (b: StoppedEvent): void => {
        if (b.reason === 'breakpoint') {
          clearTimeout(timer);
          ll.off('stopped', onStop);
          resolve(b);
        } else ll.request('continue', { threadId: b.threadId }).catch(() => undefined); // signals Node handles itself
      };
      ll.on('stopped', onStop);
    });
    hit.catch(() => undefined);
    // Not awaited: the addon's breakpoint can stop the whole process, Node's inspector thread included, before that
    // thread has sent the answer to Debugger.resume (seen in CI: no answer within 60 s). The stop is what counts.
    const resumed = node.resumeProgram();
    resumed.catch(() => undefined);
    const stop = await Promise.race([hit, ended, node.programEnded(`the program ended before reaching ${where}`)]);
    const st = await ll.request<{ stackFrames: { id: number }[] }>('stackTrace', { threadId: stop.threadId, startFrame: 0, levels: 1 });
    if (!st.stackFrames.length) throw new ArrayLensError('debugger-failed', 'lldb-dap reported no stack frame at the stop');
    return new NodeMixedTarget(new NativeTarget(new LldbDebugger(ll, node.pid, st.stackFrames[0].id)), ll, node, jsArrays, jsStop);
  } catch (e) {
    lldb?.kill();
    await node.close();
    throw e;
  }
}
