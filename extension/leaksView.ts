// The Leaks view in Run and Debug (beside Arrays). For an `arraylens` session running a Python program: a census of the
// live NumPy arrays at every stop (src/leaks/pythonCensus.ts, evaluated in the paused frame; the first one starts
// tracemalloc so that later arrays have allocation sites). For native, mixed Python + native and Node + addon sessions:
// the CLI's buffer ledger of the process (src/leaks/liveLedger.ts, in a worker thread: the tracker's table read from
// /proc, the unreferenced scan, sites by addr2line), the allocation tracker being preloaded by the launch. Each stop is
// diffed against the previous one or a pinned one; entries are grouped by allocation site and clicking one opens the
// site. Nothing runs while the view is hidden (stops passed then are skipped: the diff names the stops it compares).

import * as path from 'path';
import * as vscode from 'vscode';
import { LedgerComparison, LedgerStopSummary, ProcessLedger } from '../src/leaks/liveLedger';
import { PythonCensus, censusExpression, parseCensus } from '../src/leaks/pythonCensus';
import {
  LeakDiff,
  LeakSource,
  LedgerSection,
  RefGrowth,
  SessionFacts,
  SiteGroup,
  describeGroup,
  diffCensus,
  formatBytes,
  ledgerFootnote,
  ledgerSections,
  leakSourceOf,
  parseSite,
} from './leaksModel';
import { explain } from './progress';
import { SessionTracker, TrackedSession } from './sessions';

const VIEW_ID = 'arraylens.leaks';

class MessageItem extends vscode.TreeItem {
  constructor(label: string, iconName: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(iconName);
    this.tooltip = tooltip ?? label;
    this.contextValue = 'message';
  }
}

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

class SiteItem extends vscode.TreeItem {
  constructor(g: SiteGroup, kind: 'new' | 'freed', since: string) {
    const d = describeGroup(g, (f) => path.basename(f));
    super(d.label, vscode.TreeItemCollapsibleState.None);
    this.description = d.description;
    this.tooltip = `${kind === 'new' ? `Allocated since ${since} and still alive` : `Freed since ${since}`}: ${g.count} array(s), ${g.bytes} bytes\n${g.site ?? 'allocated before tracing began (the first stop)'}${g.names.length ? `\n${g.names.join(', ')}` : ''}`;
    this.iconPath = new vscode.ThemeIcon(kind === 'new' ? 'diff-added' : 'diff-removed');
    this.contextValue = 'leakSite';
    this.command = openSiteCommand(g.site);
  }
}

class RefItem extends vscode.TreeItem {
  constructor(r: RefGrowth) {
    super(`+${r.delta} ${r.expr ?? '(unnamed array)'}`, vscode.TreeItemCollapsibleState.None);
    const at = parseSite(r.site);
    this.description = at ? `${path.basename(at.file)}:${at.line}` : '';
    this.tooltip = `References no Python object explains grew by ${r.delta} (held by native code, or leaked)${r.site ? `\n${r.site}` : ''}`;
    this.iconPath = new vscode.ThemeIcon('references');
    this.contextValue = 'leakRef';
    this.command = openSiteCommand(r.site);
  }
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

/** A site group (or dangling view) of the tracker's ledger. */
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

/** A snapshot for the census diff: the stop it was taken at and the census. */
interface CensusAt {
  stop: number;
  census: PythonCensus;
}

/** Per Python debug session: the last census, the one before it, the pinned one, and the diff shown. */
interface SessionState extends CensusAt {
  previous: CensusAt | null;
  pinned: CensusAt | null;
  diff: LeakDiff | null;
}

/** Per process followed through the tracker's ledger (a Node + addon process has two sessions). */
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

export function leakItems(diff: LeakDiff, previousStop: number, stop: number, pinned = false): vscode.TreeItem[] {
  const total = (gs: SiteGroup[]): string => `${gs.reduce((n, g) => n + g.count, 0)} arrays · ${formatBytes(gs.reduce((n, g) => n + g.bytes, 0))}`;
  const since = `${pinned ? 'pinned ' : ''}stop ${previousStop}`;
  return [
    new SectionItem(`New since ${since}`, total(diff.added), 'diff-added', diff.added.map((g) => new SiteItem(g, 'new', since))),
    new SectionItem(`Freed since ${since}`, total(diff.freed), 'diff-removed', diff.freed.map((g) => new SiteItem(g, 'freed', since))),
    new SectionItem('References grown', diff.refGrowth.length ? `${diff.refGrowth.length} arrays` : 'none', 'references', diff.refGrowth.map((r) => new RefItem(r))),
    new MessageItem(`Stop ${stop} compared with ${since}`, 'info'),
  ];
}

/** The rows of a ledger state: the sections of the comparison, or the snapshot alone, or why there is no ledger. */
export function ledgerItems(s: LedgerState): vscode.TreeItem[] {
  const sum = s.summary;
  if (!sum) return [new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')];
  if (!sum.tracker) return [new MessageItem(s.source.noTracker, 'warning')];
  const pinned = s.ledger.pinned;
  const pinNote = pinned !== null ? [new MessageItem(`Pinned: stop ${pinned} (later stops are compared with it)`, 'pinned')] : [];
  const c = s.comparison;
  if (!c)
    return [
      ...pinNote,
      new MessageItem(
        `Snapshot taken at stop ${sum.stop}: ${sum.blocks} native blocks · ${formatBytes(sum.bytes)}`,
        'record',
        `Process ${s.ledger.pid}: blocks of ${formatBytes(sum.minBytes)} or more recorded by the allocation tracker.`,
      ),
      new MessageItem('Continue to the next stop to see what was allocated, freed or lost', 'debug-continue'),
    ];
  const sections = ledgerSections(c.report, c.from, c.pinned, (f) => path.basename(f)).map(
    (sec) => new SectionItem(sec.label, sec.description, SECTION_ICONS[sec.id], sec.rows.map((r) => new LedgerItem(r, SECTION_ICONS[sec.id]))),
  );
  return [...pinNote, ...sections, new MessageItem(ledgerFootnote(c.report, c.from, c.to, c.pinned), 'info')];
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
  private readonly states = new Map<string, SessionState>();
  /** Tracker ledgers by process id. */
  private readonly ledgers = new Map<number, LedgerState>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The census runs only while the view is shown: it starts tracemalloc in the debuggee, which slows the program. */
  private visible = false;

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onStopped(() => void this.refresh(true)),
      tracker.onRunning(() => this.show([new MessageItem('Running…', 'debug-continue')])),
      tracker.onEnded((t) => {
        this.states.delete(t.session.id);
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
  async refresh(afterStopEvent = false): Promise<void> {
    const gen = ++this.generation;
    const session = vscode.debug.activeDebugSession;
    if (!session) return this.show([new MessageItem('Debug a program (arraylens launch type, or Node with "arraylensNative") to see leaks', 'info')]);
    const source = leakSourceOf(facts(session));
    void vscode.commands.executeCommand('setContext', 'arraylens.leaksPinned', this.pinnedStop(session) !== null);
    if (source.kind === 'unsupported') return this.show([new MessageItem(source.message, 'info', source.tooltip)]);
    const t = this.tracker.get(session);
    if (!t || t.running || t.stops === 0) return this.show([new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')]);
    if (source.kind === 'ledger') return this.refreshLedger(gen, session, t, source);
    const state = this.states.get(session.id);
    if (state && state.stop === t.stops) return this.render(state);
    if (!this.visible) return;
    try {
      const stop = await this.tracker.currentStop(session, afterStopEvent);
      if (gen !== this.generation) return;
      if (!stop) return this.show([new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')]);
      const stopNo = t.stops;
      const base = state?.pinned ?? state ?? null;
      const expression = base ? censusExpression('to', { fromIds: base.census.arrays.map((a) => a.id) }) : censusExpression('from');
      const r = (await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () =>
        session.customRequest('evaluate', { expression, frameId: stop.frameId, context: 'clipboard' }),
      )) as { result: string };
      const census = parseCensus(r.result);
      if (census.error) throw new Error(census.error);
      const next: SessionState = {
        stop: stopNo,
        census,
        previous: state ? { stop: state.stop, census: state.census } : null,
        pinned: state?.pinned ?? null,
        diff: base ? diffCensus(base.census, census) : null,
      };
      this.states.set(session.id, next);
      if (gen !== this.generation) return;
      this.render(next);
    } catch (e) {
      if (gen !== this.generation) return;
      this.show([new MessageItem(explain(e), 'error')]);
    }
  }

  private async refreshLedger(gen: number, session: vscode.DebugSession, t: TrackedSession, source: Extract<LeakSource, { kind: 'ledger' }>): Promise<void> {
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
          const summary = await s.ledger.snapshot();
          s.stopKey = key;
          s.summary = summary;
          s.comparison = summary.tracker ? await s.ledger.compare() : null;
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

  private render(s: SessionState): void {
    if (!s.census.numpy) return this.show([new MessageItem('NumPy is not loaded in this program: no arrays to follow', 'info')]);
    const pinNote = s.pinned ? [new MessageItem(`Pinned: stop ${s.pinned.stop} (later stops are compared with it)`, 'pinned')] : [];
    const base = s.pinned ?? s.previous;
    if (!s.diff || !base || base.stop === s.stop)
      return this.show([
        ...pinNote,
        new MessageItem(`Snapshot taken at stop ${s.stop}: ${s.census.arrays.length} arrays`, 'record', 'Allocation sites are traced from here on (tracemalloc).'),
        new MessageItem('Continue to the next stop to see what was allocated, freed or kept', 'debug-continue'),
      ]);
    this.show([...pinNote, ...leakItems(s.diff, base.stop, s.stop, s.pinned !== null)]);
  }

  private ledgerOf(session: vscode.DebugSession | undefined): LedgerState | undefined {
    if (!session) return undefined;
    for (const l of this.ledgers.values()) if (l.sessions.has(session.id)) return l;
    return undefined;
  }

  private pinnedStop(session: vscode.DebugSession): number | null {
    return this.ledgerOf(session)?.ledger.pinned ?? this.states.get(session.id)?.pinned?.stop ?? null;
  }

  /** Pins (or unpins) the snapshot of the active session's latest stop: later stops are compared with it. */
  async setPinned(pin: boolean): Promise<void> {
    const session = vscode.debug.activeDebugSession;
    const l = this.ledgerOf(session);
    const py = session ? this.states.get(session.id) : undefined;
    if (l) {
      if (pin) l.ledger.pin();
      else l.ledger.unpin();
      if (l.summary?.tracker) {
        try {
          l.comparison = await l.ledger.compare();
        } catch (e) {
          return this.show([new MessageItem(explain(e), 'error')]);
        }
      }
    } else if (py) {
      py.pinned = pin ? { stop: py.stop, census: py.census } : null;
      const base = py.pinned ?? py.previous;
      py.diff = base ? diffCensus(base.census, py.census) : null;
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
