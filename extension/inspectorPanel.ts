// One Array Inspector panel: the webview (strict CSP, resources only from dist/) and its InspectorHost, which
// answers the webview from the session's ArraySource and follows the session's stops.

import * as vscode from 'vscode';
import { InspectorHost } from '../src/inspector/inspectorHost';
import type { HostMessage } from '../src/protocol/webview';
import { inspectorHtml, makeNonce } from './inspectorHtml';
import { explain, withDelayedProgress } from './progress';
import { SessionTracker, TrackedSession } from './sessions';

export class InspectorPanels implements vscode.Disposable {
  private readonly panels = new Map<string, InspectorPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly tracker: SessionTracker,
    private readonly log: vscode.OutputChannel,
  ) {
    this.disposables.push(
      tracker.onStopped((t) => this.forSession(t, (p) => void p.refresh(false, true))),
      tracker.onRunning((t) => this.forSession(t, (p) => p.host.running())),
      tracker.onEnded((t) => this.forSession(t, (p) => p.host.ended('the program exited or the session was stopped'))),
      vscode.debug.onDidChangeActiveStackItem(() => {
        for (const p of this.panels.values()) void p.refresh(true);
      }),
    );
  }

  private forSession(t: TrackedSession, f: (p: InspectorPanel) => void): void {
    for (const p of this.panels.values()) if (p.session.session.id === t.session.id) f(p);
  }

  async open(t: TrackedSession, expr: string): Promise<void> {
    const key = `${t.session.id}\u0000${expr}`;
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return;
    }
    const p = new InspectorPanel(this.context, this.tracker, t, expr, this.log, () => this.panels.delete(key));
    this.panels.set(key, p);
    await p.refresh();
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

class InspectorPanel {
  readonly panel: vscode.WebviewPanel;
  readonly host: InspectorHost;
  private lastFrame: number | null = null;
  private lastStops = -1;

  constructor(
    context: vscode.ExtensionContext,
    private readonly tracker: SessionTracker,
    readonly session: TrackedSession,
    expr: string,
    private readonly log: vscode.OutputChannel,
    onDispose: () => void,
  ) {
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    this.panel = vscode.window.createWebviewPanel('arraylens.inspector', `${expr} · Array Inspector`, vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [dist],
    });
    const webview = this.panel.webview;
    this.host = new InspectorHost(
      (m: HostMessage) => void webview.postMessage(m),
      expr,
      session.session.name,
      null,
      (problem) => log.appendLine(`[inspector ${expr}] ${problem}`),
      {
        bins: () => Math.max(1, Math.min(4096, Math.trunc(vscode.workspace.getConfiguration('arraylens').get<number>('histogramBins') ?? 256))),
        transport: () => vscode.workspace.getConfiguration('arraylens').get<'auto' | 'direct' | 'dap' | 'memfd' | 'evaluate'>('transport') ?? 'auto',
        onPinned: (pinned) => (this.panel.title = `${pinned} · Array Inspector`),
        save: async (name, data, kind) => {
          const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
          const filters: Record<string, string[]> = { npy: { 'NumPy array': ['npy'] }, png: { 'PNG image': ['png'] }, csv: { CSV: ['csv'] } }[kind];
          const uri = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters, title: `Save ${kind.toUpperCase()}` });
          if (!uri) return null;
          await vscode.workspace.fs.writeFile(uri, data);
          return uri.fsPath;
        },
        copy: (text) => Promise.resolve(vscode.env.clipboard.writeText(text)),
      },
    );
    webview.onDidReceiveMessage((m: unknown) => void this.host.handle(m));
    webview.html = inspectorHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      title: `${expr} · Array Inspector`,
    });
    this.panel.onDidDispose(() => {
      this.host.dispose();
      onDispose();
    });
  }

  /** Re-reads the array at the session's current stop (skipped when nothing moved and `onlyIfMoved`). */
  async refresh(onlyIfMoved = false, afterStopEvent = false): Promise<void> {
    let stop;
    try {
      stop = await this.tracker.currentStop(this.session.session, afterStopEvent);
    } catch {
      stop = null;
    }
    if (!stop) return;
    if (onlyIfMoved && stop.frameId === this.lastFrame && this.session.stops === this.lastStops) return;
    this.lastFrame = stop.frameId;
    this.lastStops = this.session.stops;
    const frameId = stop.frameId;
    try {
      const state = await withDelayedProgress(`ArrayLens: reading ${this.host.expr}`, () =>
        this.host.stopped({ source: this.session.source, frameId }),
      );
      const { stop: timed, totalMs, describeMs, sampleMs } = this.host.stopTimings;
      const ms = (x: number | null): string => (x === null ? '-' : x.toFixed(0));
      if (timed === state.stop)
        this.log.appendLine(
          `[inspector ${this.host.expr}] stop ${state.stop} shown in ${ms(totalMs)} ms (describe ${ms(describeMs)} ms, first picture's sample ${ms(sampleMs)} ms)`,
        );
      if (state.error && state.stop === 1) void vscode.window.showWarningMessage(`ArrayLens: ${state.error}`);
    } catch (e) {
      void vscode.window.showErrorMessage(`ArrayLens: ${explain(e)}`);
    }
  }
}
