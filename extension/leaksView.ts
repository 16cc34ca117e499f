// The Leaks view in Run and Debug (beside Arrays): the CLI's buffer ledger of the debugged process at every stop
// (src/leaks/liveLedger.ts, in a worker thread: the tracker's table read from /proc, the unreferenced scan, sites by
// addr2line), the allocation tracker being preloaded by the launch (Python, native and mixed `arraylens` launches, Node
// + addon). For a Python program the ledger also holds the census of its NumPy arrays and the native calls that took
// references (src/leaks/pythonCensus.ts, callWatch.ts), evaluated in the paused frame through the session; the first
// census starts tracemalloc so that later arrays have allocation sites. Each stop is diffed against the previous one
// or a pinned one; entries are grouped by allocation site and clicking one opens the site. Nothing runs while the view
// is hidden (stops passed then are skipped: the diff names the stops it compares).

import * as path from 'path';
import * as vscode from 'vscode';
import { ArrayLensError } from '../src/core/errors';
import { hooksOffExpression } from '../src/leaks/callWatch';
import { LedgerComparison, LedgerStopSummary, ProcessLedger, PythonEvaluate } from '../src/leaks/liveLedger';
import { LeakSource, LedgerSection, SessionFacts, formatBytes, ledgerFootnote, ledgerSections, leakSourceOf, parseSite, snapshotLine } from './leaksModel';
import { MessageItem } from './arraysView';
import { explain } from './progress';
import { SessionTracker, TrackedSession } from './sessions';

const VIEW_ID = 'arraylens.leaks';

function openSiteCommand(site: string | null): vscode.Command | undefined {
  const at = parseSite(site);
  if (!at) return undefined;
  const line = at.line - 1;
  return {
    command: 'vscode.open',
    title: 'Open Allocation Site',
    arguments: [vscode.Uri.file(at.file), { selection: new vscode.Range(line, 0, line, 0), preview: true }],
  };
}

class SectionItem extends vscode.TreeItem {
  constructor(
    label: string,
    description: string,
    iconName: string,
    readonly children: vscode.TreeItem[],
  ) {
    super(label, children.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    this.description = description;
    this.iconPath = new vscode.ThemeIcon(iconName);
    this.contextValue = 'leakSection';
  }
}

const SECTION_ICONS: Record<LedgerSection['id'], string> = {
  new: 'diff-added',
  grown: 'arrow-up',
  freed: 'diff-removed',
  unreferenced: 'warning',
  dangling: 'debug-disconnect',
  refcount: 'references',
};

/** A site group (or dangling view, or reference growth) of the ledger. */
class LedgerItem extends vscode.TreeItem {
  constructor(row: { label: string; description: string; tooltip: string; site: string | null }, icon: string) {
    super(row.label, vscode.TreeItemCollapsibleState.None);
    this.description = row.description;
    this.tooltip = row.tooltip;
    this.iconPath = new vscode.ThemeIcon(icon);
    this.contextValue = 'leakSite';
    this.command = openSiteCommand(row.site);
  }
}

/** Per process followed through its ledger (a Node + addon process has two sessions). */
interface LedgerState {
  ledger: ProcessLedger;
  source: Extract<LeakSource, { kind: 'ledger' }>;
  sessions: Set<string>;
  /** `sessionId:stops` of the stop the latest snapshot was taken at. */
  stopKey: string | null;
  summary: LedgerStopSummary | null;
  comparison: LedgerComparison | null;
  /** The snapshot being taken, so that a second refresh at the same stop waits for it instead of taking another. */
  taking: { key: string; done: Promise<void> } | null;
}

/** The rows of a ledger state: the sections of the comparison, or the snapshot alone, or why there is no ledger. */
export function ledgerItems(s: LedgerState): vscode.TreeItem[] {
  const sum = s.summary;
  if (!sum) return [new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')];
  if (!sum.tracker && !sum.census) return [new MessageItem(s.source.noTracker, 'warning')];
  const pinned = s.ledger.pinned;
  const pinNote = pinned !== null ? [new MessageItem(`Pinned: stop ${pinned} (later stops are compared with it)`, 'pinned')] : [];
  // A Python program without the tracker (or whose memory cannot be read): the census part, and why that is all.
  const partial = sum.tracker
    ? []
    : [new MessageItem(sum.unreadable ? `No native blocks: ${sum.unreadable}` : s.source.noTracker, 'warning', sum.unreadable ?? s.source.noTracker)];
  const noNumpy = sum.census && !sum.census.numpy ? [new MessageItem('NumPy is not loaded in this program: no arrays in the ledger', 'info')] : [];
  const c = s.comparison;
  if (!c) {
    const holds = [
      sum.census ? 'NumPy arrays found by a census of the program (allocation sites traced from the first snapshot on).' : '',
      sum.tracker ? `Blocks of ${formatBytes(sum.minBytes)} or more recorded by the allocation tracker.` : '',
    ].filter(Boolean);
    return [
      ...pinNote,
      ...partial,
      new MessageItem(snapshotLine(sum), 'record', `Process ${s.ledger.pid}: ${holds.join(' ')}`),
      new MessageItem('Continue to the next stop to see what was allocated, freed or lost', 'debug-continue'),
    ];
  }
  const sections = ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f)).map(
    (sec) => new SectionItem(sec.label, sec.description, SECTION_ICONS[sec.id], sec.rows.map((r) => new LedgerItem(r, SECTION_ICONS[sec.id]))),
  );
  return [...pinNote, ...partial, ...noNumpy, ...sections, new MessageItem(ledgerFootnote(c.report, c.from, c.to, c.pinned), 'info')];
}

function facts(session: vscode.DebugSession): SessionFacts {
  const ancestors: SessionFacts['ancestors'] = [];
  for (let p = session.parentSession; p; p = p.parentSession) ancestors.push({ type: p.type, configuration: p.configuration });
  return { type: session.type, configuration: session.configuration, ancestors };
}

export class LeaksView implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: vscode.TreeItem[] = [];
  private generation = 0;
  /** Ledgers by process id. */
  private readonly ledgers = new Map<number, LedgerState>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Snapshots are taken only while the view is shown: a Python census starts tracemalloc and the native-call watch in the debuggee, which slow the program. */
  private visible = false;
  /** Python sessions whose debuggee may hold the census's tracemalloc and the native-call watch: off when hidden. */
  private readonly hooked = new Map<string, vscode.DebugSession>();

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onStopped((t) => {
        void this.refresh(true, t.session);
        if (!this.visible) void this.hooksOff(true);
      }),
      tracker.onRunning(() => this.show([new MessageItem('Running…', 'debug-continue')])),
      tracker.onEnded((t) => {
        // The session is over: a launched program is gone with its hooks; an attached one runs on, and the guard
        // the hooks started in it (src/leaks/hooksGuard.ts) turns them off once debugpy has no client.
        this.hooked.delete(t.session.id);
        for (const [pid, l] of this.ledgers)
          if (l.sessions.has(t.session.id)) {
            this.ledgers.delete(pid);
            void l.ledger.dispose();
          }
        void this.refresh();
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => void this.refresh()),
    );
  }

  /** Told by the TreeView; becoming visible at a stop takes the snapshot there. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) void this.refresh();
    else void this.hooksOff(false);
  }

  /**
   * Issue 18: the hooks a Python leak check installs slow the program; once the view is hidden they are removed at
   * the current stop, or at the next one if the program runs. Their ledger is dropped: showing the view again starts
   * a new baseline (tracemalloc restarted, allocation sites from then on).
   */
  private async hooksOff(afterStopEvent: boolean): Promise<void> {
    for (const [id, session] of [...this.hooked]) {
      let stop;
      try {
        stop = await this.tracker.currentStop(session, afterStopEvent);
      } catch {
        stop = undefined;
      }
      if (!stop || this.visible) continue; // running: the next stop removes them
      this.hooked.delete(id);
      try {
        await stop.session.customRequest('evaluate', { expression: hooksOffExpression(), frameId: stop.frameId, context: 'clipboard' });
      } catch {
        // the session ended meanwhile: its program (launched) is gone with the hooks
      }
      for (const [pid, l] of this.ledgers)
        if (l.sessions.has(id)) {
          this.ledgers.delete(pid);
          void l.ledger.dispose();
        }
    }
  }

  private show(items: vscode.TreeItem[]): void {
    this.items = items;
    this.changed.fire();
  }

  /** The process a ledger session debugs: its `process` event, an attach's processId, else that of a session above it. */
  private pidOf(session: vscode.DebugSession, t: TrackedSession): number | undefined {
    if (t.pid) return t.pid;
    const raw = session.configuration.processId;
    const pid = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : undefined;
    if (pid) return pid;
    for (let p = session.parentSession; p; p = p.parentSession) {
      const up = this.tracker.get(p)?.pid;
      if (up) return up;
    }
    return undefined;
  }

  /** Takes the snapshot at this stop when none was taken yet (one per stop), then shows the diff with the baseline. */
  async refresh(afterStopEvent = false, stopped?: vscode.DebugSession): Promise<void> {
    const gen = ++this.generation;
    // The session that just stopped, else the active one if stopped, else the last stopped (as the Arrays view): at a
    // Node + addon native stop VS Code keeps the JavaScript session focused.
    const session = stopped ?? this.tracker.preferredSession();
    if (!session) return this.show([new MessageItem('Debug a program (arraylens, debugpy, lldb-dap or gdb session, or Node with "arraylensNative") to see leaks', 'info')]);
    const source = leakSourceOf(facts(session));
    void vscode.commands.executeCommand('setContext', 'arraylens.leaksPinned', this.pinnedStop(session) !== null);
    if (source.kind === 'unsupported') return this.show([new MessageItem(source.message, 'info', source.tooltip)]);
    const t = this.tracker.get(session);
    if (!t || t.running || t.stops === 0) return this.show([new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')]);
    return this.refreshLedger(gen, session, t, source, afterStopEvent);
  }

  private async refreshLedger(
    gen: number,
    session: vscode.DebugSession,
    t: TrackedSession,
    source: Extract<LeakSource, { kind: 'ledger' }>,
    afterStopEvent: boolean,
  ): Promise<void> {
    const pid = this.pidOf(session, t);
    if (!pid) return this.show([new MessageItem('Waiting for the debugger to say which process this is…', 'loading~spin')]);
    let state = this.ledgers.get(pid);
    if (!state) {
      state = { ledger: new ProcessLedger(pid), source, sessions: new Set(), stopKey: null, summary: null, comparison: null, taking: null };
      this.ledgers.set(pid, state);
    }
    state.sessions.add(session.id);
    // A Node + addon process: the native session knows more about the tracker's absence than the JavaScript one.
    if (source.attached || !state.source.attached) state.source = source;
    const key = `${session.id}:${t.stops}`;
    if (state.stopKey === key) return this.show(ledgerItems(state));
    if (!this.visible) return;
    const s = state;
    if (!s.summary) this.show([new MessageItem(`Taking a snapshot of process ${pid} at stop ${(s.ledger.latestStop ?? 0) + 1}…`, 'loading~spin')]);
    try {
      if (s.taking?.key !== key) {
        const done = vscode.window.withProgress({ location: { viewId: VIEW_ID }, title: `Leaks: snapshot of process ${pid}` }, async () => {
          if (source.program === 'python') this.hooked.set(session.id, session);
          const summary = await s.ledger.snapshot(source.program === 'python' ? await this.evaluatorAt(session, afterStopEvent) : undefined);
          s.stopKey = key;
          s.summary = summary;
          s.comparison = summary.tracker || summary.census ? await s.ledger.compare() : null;
        });
        s.taking = { key, done: Promise.resolve(done) };
      }
      await s.taking.done;
      if (gen !== this.generation) return;
      this.show(ledgerItems(s));
    } catch (e) {
      if (s.taking?.key === key) s.taking = null; // Refresh Leaks tries again
      if (gen !== this.generation) return;
      this.show([new MessageItem(explain(e), 'error')]);
    }
  }

  /** A Python session's `evaluate` in the frame it is stopped at (the census and the native-call watch run there). */
  private async evaluatorAt(session: vscode.DebugSession, afterStopEvent: boolean): Promise<PythonEvaluate> {
    const stop = await this.tracker.currentStop(session, afterStopEvent);
    if (!stop) throw new ArrayLensError('stale', 'the program is not stopped: stop at a breakpoint to take a snapshot');
    return async (expression) => {
      const r = (await stop.session.customRequest('evaluate', { expression, frameId: stop.frameId, context: 'clipboard' })) as { result: string };
      return r.result;
    };
  }

  private ledgerOf(session: vscode.DebugSession | undefined): LedgerState | undefined {
    if (!session) return undefined;
    for (const l of this.ledgers.values()) if (l.sessions.has(session.id)) return l;
    return undefined;
  }

  private pinnedStop(session: vscode.DebugSession): number | null {
    return this.ledgerOf(session)?.ledger.pinned ?? null;
  }

  /** Pins (or unpins) the snapshot of the shown session's latest stop: later stops are compared with it. */
  async setPinned(pin: boolean): Promise<void> {
    const session = this.tracker.preferredSession();
    const l = this.ledgerOf(session);
    if (l) {
      if (pin) l.ledger.pin();
      else l.ledger.unpin();
      if (l.summary?.tracker || l.summary?.census) {
        try {
          l.comparison = await l.ledger.compare();
        } catch (e) {
          return this.show([new MessageItem(explain(e), 'error')]);
        }
      }
    } else if (pin) {
      void vscode.window.showInformationMessage('ArrayLens: stop at a breakpoint with the Leaks view open to take a snapshot to pin.');
      return;
    }
    await this.refresh();
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    if (!e) return this.items;
    return e instanceof SectionItem ? e.children : [];
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    for (const l of this.ledgers.values()) void l.ledger.dispose();
    this.ledgers.clear();
    this.changed.dispose();
  }
}
