// Debug sessions ArrayLens can read: our own `arraylens` type (the adapter answers custom requests), debugpy
// sessions of the Python Debugger extension (launch, attach, and the child sessions of subprocesses and workers; the
// engine runs here, over customRequest, with the pid from each session's `process` event), and Node sessions of the
// built-in JavaScript debugger (the engine runs here, on js-debug's CDP proxy for the session).

import * as vscode from 'vscode';
import { ArrayLensError } from '../src/core/errors';
import { DapChannel } from '../src/rpc/dapClient';
import { answerWithin } from '../src/rpc/pending';
import { PairedArraySource } from '../src/pairing/pairedSource';
import { CdpProxyAddress } from '../src/backends/node/jsDebug';
import { backendById, backendForDebugType } from '../src/backends/registry';
import { ArraySource, DapArraySource, EngineArraySource } from '../src/engine/arraySource';
import { ArraySummary, InspectArgs, InspectBody, KnownArray, mayChangeProgram } from '../src/protocol/dap';

export const PYTHON_TYPES = new Set(backendById('python').debugTypes);
/** js-debug's Node types: `node` in launch.json, `pwa-node` for the sessions it runs. */
export const NODE_TYPES = new Set(backendById('node').debugTypes);

/**
 * The session whose launch configuration says "arraylensNative": true (this one or an ancestor: js-debug and debugpy
 * run each process in a child session of the one launch.json started), if any.
 */
export function nativeRoot(s: vscode.DebugSession | undefined): vscode.DebugSession | undefined {
  for (let p = s; p; p = p.parentSession) if (p.configuration.arraylensNative === true) return p;
  return undefined;
}

/** Our own type, or one a backend claims (src/backends/registry.ts). */
export function isSupported(s: vscode.DebugSession): boolean {
  return s.type === 'arraylens' || backendForDebugType(s.type) !== undefined;
}

/** js-debug's CDP proxy for this session (the documented command; the DAP request it wraps as a fallback). */
async function requestCdpProxy(session: vscode.DebugSession): Promise<CdpProxyAddress | undefined> {
  try {
    const a = await vscode.commands.executeCommand<CdpProxyAddress | undefined>('extension.js-debug.requestCDPProxy', session.id);
    if (a) return a;
  } catch {
    /* an older js-debug without the command: ask the session itself */
  }
  return (await session.customRequest('requestCDPProxy')) as CdpProxyAddress | undefined;
}

/** Where a session is stopped: the frame the user selected, or the top frame of the thread that stopped. */
export interface StopPoint {
  session: vscode.DebugSession;
  frameId: number;
}

/**
 * A session's source that remembers, until the debuggee moves, what opening an array gave: a row that opens on
 * request (a Pillow image) has no dtype or shape until someone opens it, and the Arrays view shows them after that.
 */
class RememberingSource implements ArraySource {
  private readonly opened = new Map<string, ArraySummary>();
  /** Bumped on invalidate: an answer to a request made before the debuggee moved describes the old stop. */
  private moves = 0;

  constructor(
    readonly inner: ArraySource,
    private readonly onOpened: (frameId: number, expr: string, array: ArraySummary) => void,
  ) {}

  listArrays(frameId: number, known?: readonly KnownArray[]): Promise<ArraySummary[]> {
    return this.inner.listArrays(frameId, known);
  }

  async inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> {
    const moves = this.moves;
    const body = await this.inner.inspect(args, signal);
    const key = `${args.frameId}\u0000${args.expr}`;
    if (moves === this.moves && !body.array.onRequest && !this.opened.has(key)) {
      this.opened.set(key, body.array);
      this.onOpened(args.frameId, args.expr, body.array);
    }
    return body;
  }

  openedAt(frameId: number, expr: string): ArraySummary | undefined {
    return this.opened.get(`${frameId}\u0000${expr}`);
  }

  invalidate(): void {
    this.moves++;
    this.opened.clear();
    this.inner.invalidate();
  }
}

/** How a tracked session finds the other half of a Node + addon pair ("arraylensNative"). */
export interface SessionFamily {
  get(s: vscode.DebugSession): TrackedSession | undefined;
  /** The native attach session started as a child of this Node process session, if any. */
  nativeChildOf(s: vscode.DebugSession): TrackedSession | undefined;
}

export class TrackedSession {
  pid: number | undefined;
  stops = 0;
  running = false;
  lastStoppedThread: number | undefined;
  /** Order of the last stop among all tracked sessions (the Arrays view follows the session that stopped last). */
  lastStopSeq = 0;
  readonly source: ArraySource;
  private readonly remembering: RememberingSource;
  private readonly channel: DapChannel;

  constructor(
    readonly session: vscode.DebugSession,
    family: SessionFamily = { get: () => undefined, nativeChildOf: () => undefined },
    /** An array of this session was opened (inspected) for the first time since its last stop. */
    onOpened: (t: TrackedSession, frameId: number, expr: string, array: ArraySummary) => void = () => undefined,
  ) {
    const channel: DapChannel = {
      // VS Code keeps the seqs; the answer gets the same timeout rule as every other peer's (src/rpc/pending.ts).
      request: <T>(command: string, args?: unknown, timeoutMs = 60000): Promise<T> =>
        answerWithin<T>(
          session.type,
          command,
          Promise.resolve(session.customRequest(command, args) as Thenable<T>).catch((e: unknown) => {
            throw new ArrayLensError('debugger-failed', e instanceof Error ? e.message : String(e));
          }),
          { timeoutMs },
        ),
    };
    this.channel = channel;
    const parent = session.parentSession;
    const recordedBy = (t: TrackedSession | undefined) => (t?.remembering.inner instanceof PairedArraySource ? t.remembering.inner.recorded : null);
    const where = (frameId: number) => this.frameLocation(frameId);
    const backend = backendForDebugType(session.type);
    const attached = (): EngineArraySource =>
      new EngineArraySource(backend!.attach({ channel, pid: () => this.pid, debugType: session.type, cdpProxy: () => requestCdpProxy(session) }));
    const inner: ArraySource =
      session.type === 'arraylens' || !backend
        ? parent && (NODE_TYPES.has(parent.type) || PYTHON_TYPES.has(parent.type))
          ? // The native side of a Node + addon or Python + extension pair ("arraylensNative"): aliases are the
            // JS/Python arrays of that side's last stop.
            new PairedArraySource(new DapArraySource(channel), 'native', () => recordedBy(family.get(parent)), where)
          : new DapArraySource(channel)
        : backend.id === 'node'
          ? // The paused top frame of the session, attached at first use; with a native child, aliases are the addon's
            // views at its last stop.
            new PairedArraySource(attached(), 'node', () => recordedBy(family.nativeChildOf(session)), where)
          : backend.id === 'python' && nativeRoot(session)
            ? // debugpy with "arraylensNative": aliases are the extension's arrays at the native child's last stop.
              new PairedArraySource(attached(), 'python', () => recordedBy(family.nativeChildOf(session)), where)
            : attached();
    this.source = this.remembering = new RememberingSource(inner, (frameId, expr, array) => onOpened(this, frameId, expr, array));
  }

  /** What opening `expr` in `frameId` gave since the last stop (dtype and shape of an on-request row), if opened. */
  openedArray(frameId: number, expr: string): ArraySummary | undefined {
    return this.remembering.openedAt(frameId, expr);
  }

  /** How the user knows this process: the program's file name (`shm_user.py`), else the session's name. */
  programName(): string {
    const p: unknown = this.session.configuration.program;
    return typeof p === 'string' && p ? (p.split(/[\\/]/).pop() ?? p) : this.session.name;
  }

  /**
   * `file:line` of a frame of the last stop, for the other side's alias marks. js-debug sessions list the top frame of
   * the pause whichever frame is asked for (src/backends/node/jsDebug.ts), so theirs is the top frame's.
   */
  async frameLocation(frameId: number): Promise<string | undefined> {
    if (this.lastStoppedThread === undefined) return undefined;
    const st = await this.channel.request<{ stackFrames: { id: number; name: string; line: number; source?: { name?: string; path?: string } }[] }>(
      'stackTrace',
      { threadId: this.lastStoppedThread, startFrame: 0, levels: 64 },
      10000,
    );
    const f = NODE_TYPES.has(this.session.type) ? st.stackFrames[0] : st.stackFrames.find((x) => x.id === frameId);
    if (!f) return undefined;
    const file = f.source?.path ?? f.source?.name;
    return file ? `${file.split(/[\\/]/).pop()}:${f.line}` : `${f.name}:${f.line}`;
  }
}

/** Follows supported sessions through a DebugAdapterTracker: pid, stops, continues, end. */
export class SessionTracker implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly stoppedEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly runningEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly endedEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly processEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly openedEmitter = new vscode.EventEmitter<{ t: TrackedSession; frameId: number; expr: string; array: ArraySummary }>();
  readonly onStopped = this.stoppedEmitter.event;
  readonly onRunning = this.runningEmitter.event;
  readonly onEnded = this.endedEmitter.event;
  /** The session's debugger said which process runs the program (`process` event): `pid` is set. */
  readonly onProcess = this.processEmitter.event;
  /** An array was opened for the first time since its session's last stop (TrackedSession.openedArray has it). */
  readonly onOpened = this.openedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private stopSeq = 0;

  constructor() {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the tracker object literal needs both
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker(session) {
          if (!isSupported(session)) return undefined;
          const t = new TrackedSession(
            session,
            {
              get: (s) => self.sessions.get(s.id),
              nativeChildOf: (s) => [...self.sessions.values()].find((c) => c.session.type === 'arraylens' && c.session.parentSession?.id === s.id),
            },
            (t, frameId, expr, array) => self.openedEmitter.fire({ t, frameId, expr, array }),
          );
          self.sessions.set(session.id, t);
          return {
            onDidSendMessage(m: { type?: string; event?: string; body?: { systemProcessId?: number; threadId?: number } }) {
              if (m.type !== 'event') return;
              if (m.event === 'process' && typeof m.body?.systemProcessId === 'number') {
                t.pid = m.body.systemProcessId;
                self.processEmitter.fire(t);
              } else if (m.event === 'stopped') {
                t.stops++;
                t.lastStopSeq = ++self.stopSeq;
                t.running = false;
                t.lastStoppedThread = m.body?.threadId;
                t.source.invalidate();
                self.stoppedEmitter.fire(t);
              } else if (m.event === 'continued') self.markRunning(t);
            },
            onWillReceiveMessage(m: { type?: string; command?: string; arguments?: unknown }) {
              if (m.type === 'request' && ['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto'].includes(m.command ?? ''))
                self.markRunning(t);
              else if (m.type === 'request' && mayChangeProgram(m.command ?? '', m.arguments)) t.source.invalidate();
            },
            onExit() {
              self.end(t);
            },
          };
        },
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        const t = this.sessions.get(s.id);
        if (t) this.end(t);
      }),
    );
  }

  private markRunning(t: TrackedSession): void {
    if (t.running) return;
    t.running = true;
    t.source.invalidate();
    this.runningEmitter.fire(t);
  }

  private end(t: TrackedSession): void {
    if (!this.sessions.has(t.session.id)) return;
    this.sessions.delete(t.session.id);
    t.source.invalidate();
    this.endedEmitter.fire(t);
  }

  get(session: vscode.DebugSession | undefined): TrackedSession | undefined {
    return session ? this.sessions.get(session.id) : undefined;
  }

  byId(id: string): TrackedSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * The other local processes stopped now, besides `t`'s: sessions with a pid of their own (a Node + addon pair or a
   * debugpy + lldb-dap pair is one process, and a child session reporting its parent's pid is too).
   */
  otherStoppedProcesses(t: TrackedSession): TrackedSession[] {
    const byPid = new Map<number, TrackedSession>();
    for (const o of this.sessions.values()) {
      if (o === t || o.pid === undefined || o.pid === t.pid || o.running || o.stops === 0) continue;
      // One session per process: the one that stopped last speaks for it.
      const seen = byPid.get(o.pid);
      if (!seen || o.lastStopSeq > seen.lastStopSeq) byPid.set(o.pid, o);
    }
    return [...byPid.values()].sort((a, b) => a.pid! - b.pid!);
  }

  /** The tracked session that stopped last and has not moved on since. */
  latestStopped(): TrackedSession | undefined {
    let best: TrackedSession | undefined;
    for (const t of this.sessions.values()) if (!t.running && t.stops > 0 && (!best || t.lastStopSeq > best.lastStopSeq)) best = t;
    return best;
  }

  /**
   * The session whose arrays to show: the active one while it is stopped, else the one that stopped last. In a Node +
   * addon pair the native child's stop leaves VS Code's focus on the JavaScript session (js-debug may not even hear
   * that its program went on: lldb stops the process with the inspector's thread), yet the child is what is stopped.
   */
  preferredSession(): vscode.DebugSession | undefined {
    const active = vscode.debug.activeDebugSession;
    const t = this.get(active);
    if (t && !t.running && t.stops > 0) return active;
    return this.latestStopped()?.session ?? active;
  }

  /**
   * The selected frame when it is in a supported, stopped session; else the top frame of the last stop.
   * `afterStopEvent`: called right on a `stopped` event, when the selection may still name a frame of the previous stop.
   */
  async currentStop(session?: vscode.DebugSession, afterStopEvent = false): Promise<StopPoint | null> {
    const item = vscode.debug.activeStackItem;
    if (!afterStopEvent && item instanceof vscode.DebugStackFrame && (!session || item.session.id === session.id)) {
      const t = this.get(item.session);
      if (t && !t.running) return { session: item.session, frameId: item.frameId };
    }
    const s = session ?? vscode.debug.activeDebugSession;
    const t = this.get(s);
    if (!t || t.running || t.stops === 0) return null;
    const threadId = !afterStopEvent && item instanceof vscode.DebugThread && item.session.id === t.session.id ? item.threadId : t.lastStoppedThread;
    if (threadId === undefined) return null;
    const st = (await t.session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames: { id: number }[] };
    return st.stackFrames.length ? { session: t.session, frameId: st.stackFrames[0].id } : null;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.stoppedEmitter.dispose();
    this.runningEmitter.dispose();
    this.endedEmitter.dispose();
    this.processEmitter.dispose();
    this.openedEmitter.dispose();
  }
}
