// The Leaks view in Run and Debug (beside Arrays): at every stop of an `arraylens` session running a Python program,
// a census of the live NumPy arrays (src/leaks/pythonCensus.ts, evaluated in the paused frame; the first one starts
// tracemalloc so that later arrays have allocation sites), diffed against the census of the previous stop. Entries
// are grouped by allocation site with count and bytes; clicking one opens the site. Nothing runs in the debuggee
// while the view is hidden (stops passed then are skipped: the diff names the stops it compares).

import * as path from 'path';
import * as vscode from 'vscode';
import { PythonCensus, censusExpression, parseCensus } from '../src/leaks/pythonCensus';
import { LeakDiff, RefGrowth, SiteGroup, describeGroup, diffCensus, formatBytes, isPythonConfiguration, parseSite } from './leaksModel';
import { explain } from './progress';
import { SessionTracker } from './sessions';

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
  constructor(g: SiteGroup, kind: 'new' | 'freed') {
    const d = describeGroup(g, (f) => path.basename(f));
    super(d.label, vscode.TreeItemCollapsibleState.None);
    this.description = d.description;
    this.tooltip = `${kind === 'new' ? 'Allocated since the previous stop and still alive' : 'Freed since the previous stop'}: ${g.count} array(s), ${g.bytes} bytes\n${g.site ?? 'allocated before tracing began (the first stop)'}${g.names.length ? `\n${g.names.join(', ')}` : ''}`;
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

/** Per debug session: the last census and the stop it was taken at. */
interface SessionState {
  stop: number;
  census: PythonCensus;
  diff: LeakDiff | null;
  previousStop: number | null;
}

export function leakItems(diff: LeakDiff, previousStop: number, stop: number): vscode.TreeItem[] {
  const total = (gs: SiteGroup[]): string => `${gs.reduce((n, g) => n + g.count, 0)} arrays · ${formatBytes(gs.reduce((n, g) => n + g.bytes, 0))}`;
  return [
    new SectionItem(`New since stop ${previousStop}`, total(diff.added), 'diff-added', diff.added.map((g) => new SiteItem(g, 'new'))),
    new SectionItem(`Freed since stop ${previousStop}`, total(diff.freed), 'diff-removed', diff.freed.map((g) => new SiteItem(g, 'freed'))),
    new SectionItem('References grown', diff.refGrowth.length ? `${diff.refGrowth.length} arrays` : 'none', 'references', diff.refGrowth.map((r) => new RefItem(r))),
    new MessageItem(`Stop ${stop} compared with stop ${previousStop}`, 'info'),
  ];
}

export class LeaksView implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: vscode.TreeItem[] = [];
  private generation = 0;
  private readonly states = new Map<string, SessionState>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The census runs only while the view is shown: it starts tracemalloc in the debuggee, which slows the program. */
  private visible = false;

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onStopped(() => void this.refresh(true)),
      tracker.onRunning(() => this.show([new MessageItem('Running…', 'debug-continue')])),
      tracker.onEnded((t) => {
        this.states.delete(t.session.id);
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

  /** Takes the census at this stop when none was taken yet (one per stop), then shows the diff with the previous one. */
  async refresh(afterStopEvent = false): Promise<void> {
    const gen = ++this.generation;
    const session = vscode.debug.activeDebugSession;
    if (!session) return this.show([new MessageItem('Debug a Python program (arraylens launch type) to see leaks', 'info')]);
    if (session.type !== 'arraylens' || !isPythonConfiguration(session.configuration))
      return this.show([
        new MessageItem('Leaks: Python programs of arraylens sessions only', 'info', 'The Leaks view works for "type": "arraylens" launch configurations running a Python program. For native and Node programs use `arraylens leaks` on the command line.'),
      ]);
    const t = this.tracker.get(session);
    if (!t || t.running || t.stops === 0) return this.show([new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')]);
    const state = this.states.get(session.id);
    if (state && state.stop === t.stops) return this.render(state);
    if (!this.visible) return;
    try {
      const stop = await this.tracker.currentStop(session, afterStopEvent);
      if (gen !== this.generation) return;
      if (!stop) return this.show([new MessageItem('Stop at a breakpoint to take a snapshot', 'debug-pause')]);
      const stopNo = t.stops;
      const expression = state ? censusExpression('to', { fromIds: state.census.arrays.map((a) => a.id) }) : censusExpression('from');
      const r = (await vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () =>
        session.customRequest('evaluate', { expression, frameId: stop.frameId, context: 'clipboard' }),
      )) as { result: string };
      const census = parseCensus(r.result);
      if (census.error) throw new Error(census.error);
      const next: SessionState = state
        ? { stop: stopNo, census, diff: diffCensus(state.census, census), previousStop: state.stop }
        : { stop: stopNo, census, diff: null, previousStop: null };
      this.states.set(session.id, next);
      if (gen !== this.generation) return;
      this.render(next);
    } catch (e) {
      if (gen !== this.generation) return;
      this.show([new MessageItem(explain(e), 'error')]);
    }
  }

  private render(s: SessionState): void {
    if (!s.census.numpy) return this.show([new MessageItem('NumPy is not loaded in this program: no arrays to follow', 'info')]);
    if (!s.diff || s.previousStop === null)
      return this.show([
        new MessageItem(`Snapshot taken at stop ${s.stop}: ${s.census.arrays.length} arrays`, 'record', 'Allocation sites are traced from here on (tracemalloc).'),
        new MessageItem('Continue to the next stop to see what was allocated, freed or kept', 'debug-continue'),
      ]);
    this.show(leakItems(s.diff, s.previousStop, s.stop));
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
    this.changed.dispose();
  }
}
