// Debug sessions ArrayLens can read: our own `arraylens` type (the adapter answers custom requests), debugpy
// sessions of the Python extension (the engine runs here, over customRequest, with the pid from `process`), and Node
// sessions of the built-in JavaScript debugger (the engine runs here, on js-debug's CDP proxy for the session).

import * as vscode from 'vscode';
import { ArrayLensError } from '../src/core/errors';
import { DapChannel } from '../src/adapter/dap/client';
import { NodeAliasingArraySource, RecordingArraySource } from '../src/adapter/node/attachAliases';
import { CdpProxyAddress, JsDebugNodeTarget } from '../src/adapter/node/jsDebug';
import { PythonTarget } from '../src/adapter/python/backend';
import { ArraySource, DapArraySource, EngineArraySource } from '../src/adapter/session';

export const PYTHON_TYPES = new Set(['debugpy', 'python']);
/** js-debug's Node types: `node` in launch.json, `pwa-node` for the sessions it runs. */
export const NODE_TYPES = new Set(['pwa-node', 'node']);

export function isSupported(s: vscode.DebugSession): boolean {
  return s.type === 'arraylens' || PYTHON_TYPES.has(s.type) || NODE_TYPES.has(s.type);
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

export class TrackedSession {
  pid: number | undefined;
  stops = 0;
  running = false;
  lastStoppedThread: number | undefined;
  readonly source: ArraySource;

  /** `lookup`: the tracked session of another debug session (a native attach session marks aliases of its Node parent's arrays). */
  constructor(
    readonly session: vscode.DebugSession,
    lookup: (s: vscode.DebugSession) => TrackedSession | undefined = () => undefined,
  ) {
    const channel: DapChannel = {
      request: <T>(command: string, args?: unknown, timeoutMs = 60000): Promise<T> =>
        new Promise<T>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new ArrayLensError('timeout', `${session.type} did not answer '${command}' within ${Math.round(timeoutMs / 1000)} s`)),
            timeoutMs,
          );
          Promise.resolve(session.customRequest(command, args)).then(
            (b) => {
              clearTimeout(timer);
              resolve(b as T);
            },
            (e: unknown) => {
              clearTimeout(timer);
              reject(new ArrayLensError('debugger-failed', e instanceof Error ? e.message : String(e)));
            },
          );
        }),
    };
    const parent = session.parentSession;
    this.source =
      session.type === 'arraylens'
        ? parent && NODE_TYPES.has(parent.type)
          ? // The native side of a Node + addon pair ("arraylensNative"): aliases are the JS arrays of the last JS stop.
            new NodeAliasingArraySource(new DapArraySource(channel), () => {
              const js = lookup(parent)?.source;
              return js instanceof RecordingArraySource ? js.recorded : [];
            })
          : new DapArraySource(channel)
        : NODE_TYPES.has(session.type)
          ? // The paused top frame of the session (js-debug's proxy names no DAP frame), attached at first use.
            new RecordingArraySource(new EngineArraySource(() => new JsDebugNodeTarget(() => requestCdpProxy(session))))
          : new EngineArraySource((frameId) => PythonTarget.attachToSession(channel, this.pid, frameId));
  }
}

/** Follows supported sessions through a DebugAdapterTracker: pid, stops, continues, end. */
export class SessionTracker implements vscode.Disposable {
  private readonly sessions = new Map<string, TrackedSession>();
  private readonly stoppedEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly runningEmitter = new vscode.EventEmitter<TrackedSession>();
  private readonly endedEmitter = new vscode.EventEmitter<TrackedSession>();
  readonly onStopped = this.stoppedEmitter.event;
  readonly onRunning = this.runningEmitter.event;
  readonly onEnded = this.endedEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias -- the tracker object literal needs both
    this.disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker(session) {
          if (!isSupported(session)) return undefined;
          const t = new TrackedSession(session, (s) => self.sessions.get(s.id));
          self.sessions.set(session.id, t);
          return {
            onDidSendMessage(m: { type?: string; event?: string; body?: { systemProcessId?: number; threadId?: number } }) {
              if (m.type !== 'event') return;
              if (m.event === 'process' && typeof m.body?.systemProcessId === 'number') t.pid = m.body.systemProcessId;
              else if (m.event === 'stopped') {
                t.stops++;
                t.running = false;
                t.lastStoppedThread = m.body?.threadId;
                t.source.invalidate();
                self.stoppedEmitter.fire(t);
              } else if (m.event === 'continued') self.markRunning(t);
            },
            onWillReceiveMessage(m: { type?: string; command?: string }) {
              if (m.type === 'request' && ['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto'].includes(m.command ?? ''))
                self.markRunning(t);
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
  }
}
