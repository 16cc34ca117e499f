// The Arrays view in Run and Debug: the arrays of the selected frame (name, dtype, shape, size), refreshed on
// every stop and on every frame selection; rows over the same bytes as another row, or as an array of another
// debugged process stopped now (one shared-memory segment or mapped file), are marked with those names.

import * as vscode from 'vscode';
import { ProcessListing, readProcessMaps, withProcessAliases } from '../src/pairing/processMaps';
import { withListingAliases } from '../src/pairing/sameBytes';
import { ArrayAlias, ArraySummary, aliasText } from '../src/protocol/dap';
import { offerRows } from './debugWithArrayLens';
import { explain } from './progress';
import { SessionTracker, StopPoint, TrackedSession, isSupported } from './sessions';

/** How another process is named in a mark: its program (`shm_owner.py`), or nothing known. */
export type ProcessNamer = (pid: number) => string | undefined;

/** `head, grid (shm_owner.py, pid 4242)`: the aliases in other processes, grouped by process. */
function otherProcessText(aliases: readonly ArrayAlias[], nameOf: ProcessNamer): string {
  const groups = new Map<number, string[]>();
  for (const a of aliases) groups.set(a.pid!, [...(groups.get(a.pid!) ?? []), a.expr]);
  return [...groups].map(([pid, names]) => `${names.join(', ')} (${nameOf(pid) ? `${nameOf(pid)}, ` : ''}pid ${pid})`).join(', ');
}

export class ArrayItem extends vscode.TreeItem {
  /**
   * `opened`: what opening an on-request row gave (its dtype and shape, computed then); the row shows those from then
   * on. `nameOf`: the program of another process, for marks naming that process.
   */
  constructor(
    readonly array: ArraySummary,
    readonly stop: StopPoint,
    opened?: ArraySummary,
    nameOf: ProcessNamer = () => undefined,
  ) {
    super(array.expr, vscode.TreeItemCollapsibleState.None);
    this.contextValue = 'array';
    this.command = { command: 'arraylens.inspectArrayItem', title: 'Open in Array Inspector', arguments: [this] };
    if (array.onRequest && opened) {
      const shape = `(${opened.shape.join(', ')}${opened.shape.length === 1 ? ',' : ''})`;
      this.description = `${opened.dtype} ${shape} · ${formatSize(opened.size)} · opened`;
      this.tooltip = new vscode.MarkdownString('', true);
      this.tooltip.appendText(`${array.expr}: `);
      this.tooltip.appendMarkdown(`\`\` ${array.typeName.replace(/`/g, "'")} \`\`\n\n`);
      this.tooltip.appendText(`dtype ${opened.dtype} (${opened.byteOrder}), shape ${shape}, strides (${opened.strides.join(', ')})\n`);
      this.tooltip.appendText(`${opened.size} elements, ${opened.nbytes} bytes at ${opened.address}\n\n`);
      this.tooltip.appendText(`Computed when it was opened at this stop (${array.onRequest}); listing the frame again does not run it.`);
      this.iconPath = new vscode.ThemeIcon(opened.shape.length >= 2 ? 'symbol-array' : opened.shape.length === 1 ? 'list-ordered' : 'symbol-number');
      return;
    }
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
    const inProcess = (array.aliases ?? []).filter((a) => a.pid === undefined);
    const elsewhere = (array.aliases ?? []).filter((a) => a.pid !== undefined);
    const aliases = [aliasText(inProcess, array.language), otherProcessText(elsewhere, nameOf)].filter((t) => t).join(', ');
    this.description = `${array.dtype} ${shape} · ${formatSize(array.size)}${aliases ? ` · ⇄ ${aliases}` : ''}`;
    this.tooltip = new vscode.MarkdownString('', true);
    // The type goes in a code span: Rust/C++ names (`Bound<PyAny> *`) would otherwise be read as HTML and markup.
    this.tooltip.appendText(`${array.expr}: `);
    this.tooltip.appendMarkdown(`\`\` ${array.typeName.replace(/`/g, "'")} \`\`\n\n`);
    this.tooltip.appendText(`dtype ${array.dtype} (${array.byteOrder}), shape ${shape}, strides (${array.strides.join(', ')})\n`);
    this.tooltip.appendText(`${array.size} elements, ${array.nbytes} bytes at ${array.address}`);
    if (inProcess.length) {
      this.tooltip.appendMarkdown('\n\n$(link) ');
      this.tooltip.appendText(`Same bytes as ${aliasText(inProcess, array.language)}`);
      // "at file:line": the other debugger of a Node + addon pair is not stopped now; that is where it showed them.
      if (inProcess.some((a) => a.recordedAt)) this.tooltip.appendText(' — as the other debugger showed them at its last stop');
    }
    for (const pid of new Set(elsewhere.map((a) => a.pid!))) {
      const names = elsewhere.filter((a) => a.pid === pid).map((a) => a.expr);
      this.tooltip.appendMarkdown('\n\n$(link) ');
      // Over one shared-memory segment or mapped file: a write in either process is seen by the other.
      this.tooltip.appendText(`Same bytes as ${names.join(', ')} in process ${pid}${nameOf(pid) ? ` (${nameOf(pid)})` : ''}, stopped now: shared memory or a mapped file`);
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
  /**
   * The other processes stopped now (`pid:session:stops`), whose arrays the rows are marked with: one of them going
   * on, stopping again or ending marks the rows again.
   */
  peers: string;
}

function sameStop(a: ShownStop | null, b: ShownStop): boolean {
  return !!a && a.session === b.session && a.frameId === b.frameId && a.stops === b.stops && a.peers === b.peers;
}

/** Which rows a listing and its marks were made from, and what opening an on-request row gave since. */
interface ShownRows {
  arrays: ArraySummary[];
  stop: StopPoint;
  t: TrackedSession;
  nameOf: ProcessNamer;
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
      tracker.onStopped((t) => void (this.keepsFocusElsewhere(t) ? this.refresh() : this.refresh(true, t.session))),
      tracker.onRunning(() => (tracker.latestStopped() ? void this.refresh() : this.show([new MessageItem('Running…', 'debug-continue')]))),
      tracker.onEnded((t) => {
        this.listings.delete(t.session.id);
        void this.refresh();
      }),
      // A pid known late (a debugpy child's process event) can give the rows shown marks from that process.
      tracker.onProcess(() => void this.refresh()),
      tracker.onOpened(({ t, frameId, expr }) => this.showOpened(t, frameId, expr)),
      vscode.debug.onDidChangeActiveStackItem(() => void this.refresh()),
      vscode.debug.onDidChangeActiveDebugSession(() => void this.refresh()),
    );
  }

  /**
   * Whether VS Code keeps its focus (and its Variables view) on another process that is stopped too when `t` stops:
   * it does not move the focus off a stopped session, so with two programs debugged at once this view stays with the
   * focused one as well (its rows get marks from `t`'s arrays) instead of showing `t` until the next refresh. The two
   * halves of a Node + addon or Python + native pair are one process: there the side that stopped is shown.
   */
  private keepsFocusElsewhere(t: TrackedSession): boolean {
    const item = vscode.debug.activeStackItem;
    const focused = item ? this.tracker.get(item.session) : undefined;
    return !!focused && focused !== t && !focused.running && focused.stops > 0 && focused.pid !== undefined && t.pid !== undefined && focused.pid !== t.pid;
  }

  /** Each session's latest listing (with its in-listing aliases), shared by its own rows and other sessions' marks. */
  private readonly listings = new Map<string, { stops: number; frameId: number; arrays: Promise<ArraySummary[]> }>();

  private listingOf(t: TrackedSession, frameId: number): Promise<ArraySummary[]> {
    const cached = this.listings.get(t.session.id);
    if (cached && cached.stops === t.stops && cached.frameId === frameId) return cached.arrays;
    // Rows over the same bytes (torch.from_numpy(a) and a, a view and its base) are marked as each other's aliases.
    const arrays = t.source.listArrays(frameId).then((a) => withListingAliases(a));
    const entry = { stops: t.stops, frameId, arrays };
    this.listings.set(t.session.id, entry);
    // A failed listing is asked again next time, not remembered.
    arrays.catch(() => this.listings.get(t.session.id) === entry && this.listings.delete(t.session.id));
    return arrays;
  }

  /**
   * `arrays` of `t` marked with the arrays of the other processes stopped now over the same shared-memory segment or
   * mapped file (their memory maps, src/pairing/processMaps.ts). A process whose map or listing cannot be had adds no
   * marks: the rows of this one still show.
   */
  private async markedAcrossProcesses(t: TrackedSession, arrays: ArraySummary[], peers: TrackedSession[]): Promise<ArraySummary[]> {
    if (!peers.length || t.pid === undefined || process.platform !== 'linux') return arrays;
    let mine: ProcessListing;
    try {
      mine = { pid: t.pid, arrays, maps: readProcessMaps(t.pid) };
    } catch {
      return arrays; // not a local process (an attach to another machine): nothing to compare
    }
    const others = await Promise.all(
      peers.map(async (p): Promise<ProcessListing | null> => {
        try {
          const stop = await this.tracker.currentStop(p.session);
          if (!stop) return null;
          return { pid: p.pid!, arrays: await this.listingOf(p, stop.frameId), maps: readProcessMaps(p.pid!) };
        } catch {
          return null;
        }
      }),
    );
    return withProcessAliases(mine, others.filter((o): o is ProcessListing => o !== null));
  }

  private shownRows: ShownRows | null = null;

  private rowsOf(r: ShownRows): vscode.TreeItem[] {
    return r.arrays.length
      ? r.arrays.map((a) => new ArrayItem(a, r.stop, a.onRequest ? r.t.openedArray(r.stop.frameId, a.expr) : undefined, r.nameOf))
      : [new MessageItem('No arrays in this frame', 'info')];
  }

  /** An on-request row of the rows shown was opened: it shows what opening it computed (dtype, shape). */
  private showOpened(t: TrackedSession, frameId: number, expr: string): void {
    const r = this.shownRows;
    if (!r || r.t !== t || r.stop.frameId !== frameId || !r.arrays.some((a) => a.onRequest && a.expr === expr)) return;
    this.items = this.rowsOf(r);
    this.changed.fire();
  }

  /**
   * The stop whose arrays are shown, and the listing under way: a refresh for the same stop (VS Code's frame selection
   * echoing a stop event) keeps the rows, or waits for that listing, instead of listing again and redrawing.
   */
  private shownStop: ShownStop | null = null;
  private listing: { stop: ShownStop; arrays: Thenable<ArraySummary[]> } | null = null;

  private show(items: vscode.TreeItem[], stop: ShownStop | null = null, pid?: number, rows: ShownRows | null = null): void {
    this.describe(stop && pid !== undefined ? `pid ${pid}` : undefined);
    this.shownStop = stop;
    this.shownRows = rows;
    this.items = items;
    this.changed.fire();
  }

  /** Lists the arrays again even when the stop is the one shown (the Refresh command). */
  reload(): Promise<void> {
    this.shownStop = null;
    this.listing = null;
    this.listings.clear();
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
    const peers = this.tracker.otherStoppedProcesses(t);
    const key: ShownStop = { session: stop.session.id, frameId: stop.frameId, stops: t.stops, peers: peers.map((p) => `${p.pid}:${p.session.id}:${p.stops}`).join(',') };
    if (sameStop(this.shownStop, key)) return;
    if (!this.listing || !sameStop(this.listing.stop, key)) {
      const frameId = stop.frameId;
      const list = async (): Promise<ArraySummary[]> => this.markedAcrossProcesses(t, await this.listingOf(t, frameId), peers);
      this.listing = { stop: key, arrays: vscode.window.withProgress({ location: { viewId: 'arraylens.arrays' } }, list) };
    }
    const listing = this.listing.arrays;
    // Each process named by the program it runs, as of now (the peers' sessions may end while these rows show).
    const names = new Map(peers.map((p) => [p.pid!, p.programName()]));
    try {
      const arrays = await listing;
      if (gen !== this.generation) return;
      const rows: ShownRows = { arrays, stop, t, nameOf: (pid) => names.get(pid) };
      this.show(this.rowsOf(rows), key, t.pid, rows);
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
