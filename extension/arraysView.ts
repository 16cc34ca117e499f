// The Arrays view in Run and Debug: the arrays of the selected frame (name, dtype, shape, size), refreshed on
// every stop and on every frame selection.

import * as vscode from 'vscode';
import { withListingAliases } from '../src/pairing/sameBytes';
import { ArraySummary, aliasText } from '../src/protocol/dap';
import { offerRows } from './debugWithArrayLens';
import { explain } from './progress';
import { SessionTracker, StopPoint, isSupported } from './sessions';

export class ArrayItem extends vscode.TreeItem {
  constructor(
    readonly array: ArraySummary,
    readonly stop: StopPoint,
  ) {
    super(array.expr, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'array';
    this.command = { command: 'arraylens.inspectArrayItem', title: 'Open in Array Inspector', arguments: [this] };
    if (array.onRequest) {
      // Listing never runs the object's code, so there is no dtype or shape to show yet: opening it computes them.
      this.description = 'opens on request';
      this.tooltip = new vscode.MarkdownString('', true);
      this.tooltip.appendText(`${array.expr}: `);
      this.tooltip.appendMarkdown(`\`\` ${array.typeName.replace(/`/g, "'")} \`\`\n\n`);
      this.tooltip.appendText(`Not computed while listing (${array.onRequest}). Click to compute it and open it in the Array Inspector.`);
      this.iconPath = new vscode.ThemeIcon('play-circle');
      return;
    }
    const shape = `(${array.shape.join(', ')}${array.shape.length === 1 ? ',' : ''})`;
    const aliases = aliasText(array.aliases ?? [], array.language);
    this.description = `${array.dtype} ${shape} · ${formatSize(array.size)}${aliases ? ` · ⇄ ${aliases}` : ''}`;
    this.tooltip = new vscode.MarkdownString('', true);
    // The type goes in a code span: Rust/C++ names (`Bound<PyAny> *`) would otherwise be read as HTML and markup.
    this.tooltip.appendText(`${array.expr}: `);
    this.tooltip.appendMarkdown(`\`\` ${array.typeName.replace(/`/g, "'")} \`\`\n\n`);
    this.tooltip.appendText(`dtype ${array.dtype} (${array.byteOrder}), shape ${shape}, strides (${array.strides.join(', ')})\n`);
    this.tooltip.appendText(`${array.size} elements, ${array.nbytes} bytes at ${array.address}`);
    if (aliases) {
      this.tooltip.appendMarkdown('\n\n$(link) ');
      this.tooltip.appendText(`Same bytes as ${aliases}`);
      // "at file:line": the other debugger of a Node + addon pair is not stopped now; that is where it showed them.
      if (array.aliases!.some((a) => a.recordedAt)) this.tooltip.appendText(' — as the other debugger showed them at its last stop');
    }
    // The link icon marks an array whose bytes other rows (or the other language) show too; otherwise how many dims.
    this.iconPath = new vscode.ThemeIcon(
      aliases ? 'link' : array.shape.length >= 2 ? 'symbol-array' : array.shape.length === 1 ? 'list-ordered' : 'symbol-number',
    );
  }
}

/** A one-line message row of a tree view (info, progress, error), with a codicon; the Leaks view uses it too. */
export class MessageItem extends vscode.TreeItem {
  constructor(label: string, iconName: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(iconName);
    this.tooltip = tooltip ?? label;
    this.contextValue = 'message';
  }
}

interface ShownStop {
  session: string;
  frameId: number;
  /** The session's stop count: a new stop lists again even in the same frame id. */
  stops: number;
}

function sameStop(a: ShownStop | null, b: ShownStop): boolean {
  return !!a && a.session === b.session && a.frameId === b.frameId && a.stops === b.stops;
}

function formatSize(n: number): string {
  if (n < 1e4) return `${n} el`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k el`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)}M el`;
  return `${(n / 1e9).toFixed(2)}G el`;
}

export class ArraysView implements vscode.TreeDataProvider<vscode.TreeItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: vscode.TreeItem[] = [];
  private generation = 0;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * Sets the view's description (next to its title): the pid of the process whose arrays are listed, so that with
   * several processes (debugpy's subprocess and worker sessions) it is clear whose they are.
   */
  describe: (text: string | undefined) => void = () => undefined;
  /**
   * Called with the first row of a session's first stop that has arrays: the tree shows itself (a pane collapsed or
   * out of sight at the bottom of Run and Debug is where new users never look), once per session.
   */
  revealFirstArrays: (first: vscode.TreeItem) => void = () => undefined;
  private readonly revealedSessions = new Set<string>();

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      // The session that stopped, whichever is active: the native child of a Node + addon pair stops while VS Code
      // keeps the JavaScript session active.
      tracker.onStopped((t) => void this.refresh(true, t.session)),
      tracker.onRunning(() => (tracker.latestStopped() ? void this.refresh() : this.show([new MessageItem('Running…', 'debug-continue')]))),
      tracker.onEnded(() => void this.refresh()),
      vscode.debug.onDidChangeActiveStackItem(() => void this.refresh()),
      vscode.debug.onDidChangeActiveDebugSession(() => void this.refresh()),
    );
  }

  /**
   * The stop whose arrays are shown, and the listing under way: a refresh for the same stop (VS Code's frame selection
   * echoing a stop event) keeps the rows, or waits for that listing, instead of listing again and redrawing.
   */
  private shownStop: ShownStop | null = null;
  private listing: { stop: ShownStop; arrays: Thenable<ArraySummary[]> } | null = null;

  private show(items: vscode.TreeItem[], stop: ShownStop | null = null, pid?: number): void {
    this.describe(stop && pid !== undefined ? `pid ${pid}` : undefined);
    this.shownStop = stop;
    this.items = items;
    this.changed.fire();
  }

  /** Lists the arrays again even when the stop is the one shown (the Refresh command). */
  reload(): Promise<void> {
    this.shownStop = null;
    this.listing = null;
    return this.refresh();
  }

  /** `stopped`: the session that just stopped; otherwise the selected frame's, the active one or the last stopped. */
  async refresh(afterStopEvent = false, stopped?: vscode.DebugSession): Promise<void> {
    const gen = ++this.generation;
    const session = stopped ?? this.tracker.preferredSession();
    if (!session) return this.show([new MessageItem('Start debugging to see arrays', 'info')]);
    // CodeLLDB and Microsoft C/C++: one line saying so, and "Debug this with ArrayLens".
    if (!isSupported(session) && offerRows(session)) return this.show(offerRows(session)!);
    if (!isSupported(session))
      return this.show([new MessageItem(`Session type '${session.type}' is not supported yet`, 'info', 'Use the "arraylens" launch type (Python, C/C++/Rust, mixed), a debugpy session or a Node session of the built-in JavaScript debugger.')]);
    let stop: StopPoint | null;
    try {
      // A frame the user selected in another stopped session wins (currentStop without a session looks at it first).
      stop = await this.tracker.currentStop(stopped, afterStopEvent);
      if (!stop && !stopped) stop = await this.tracker.currentStop(session, afterStopEvent);
    } catch (e) {
      return this.show([new MessageItem(explain(e), 'error')]);
    }
    if (gen !== this.generation) return;
    if (!stop) return this.show([new MessageItem('Stop at a breakpoint to see arrays', 'debug-pause')]);
    const t = this.tracker.get(stop.session)!;
    const key: ShownStop = { session: stop.session.id, frameId: stop.frameId, stops: t.stops };
    if (sameStop(this.shownStop, key)) return;
    if (!this.listing || !sameStop(this.listing.stop, key)) {
      const frameId = stop.frameId;
      // Rows over the same bytes (torch.from_numpy(a) and a, a view and its base) are marked as each other's aliases.
      const list = (): Thenable<ArraySummary[]> => t.source.listArrays(frameId).then((arrays) => withListingAliases(arrays));
      this.listing = { stop: key, arrays: vscode.window.withProgress({ location: { viewId: 'arraylens.arrays' } }, list) };
    }
    const listing = this.listing.arrays;
    try {
      const arrays = await listing;
      if (gen !== this.generation) return;
      this.show(arrays.length ? arrays.map((a) => new ArrayItem(a, stop!)) : [new MessageItem('No arrays in this frame', 'info')], key, t.pid);
      if (arrays.length && !this.revealedSessions.has(key.session)) {
        this.revealedSessions.add(key.session);
        this.revealFirstArrays(this.items[0]);
      }
    } catch (e) {
      if (this.listing?.arrays === listing) this.listing = null; // the next refresh of this stop tries again
      if (gen !== this.generation) return;
      this.show([new MessageItem(explain(e), 'error')]);
    }
  }

  getTreeItem(e: vscode.TreeItem): vscode.TreeItem {
    return e;
  }

  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    return e ? [] : this.items;
  }

  /** Every row is a root (TreeView.reveal needs the method). */
  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
