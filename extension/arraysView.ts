// The Arrays view in Run and Debug: the arrays of the selected frame (name, dtype, shape, size), refreshed on
// every stop and on every frame selection.

import * as vscode from 'vscode';
import type { ArraySummary } from '../src/protocol/dap';
import { explain } from './progress';
import { SessionTracker, StopPoint, isSupported } from './sessions';

export class ArrayItem extends vscode.TreeItem {
  constructor(
    readonly array: ArraySummary,
    readonly stop: StopPoint,
  ) {
    super(array.expr, vscode.TreeItemCollapsibleState.None);
    const shape = `(${array.shape.join(', ')}${array.shape.length === 1 ? ',' : ''})`;
    const aliases = (array.aliases ?? []).map((a) => `${a.expr} (${a.language})`);
    this.description = `${array.dtype} ${shape} · ${formatSize(array.size)}${aliases.length ? ` · ⇄ ${aliases.join(', ')}` : ''}`;
    this.tooltip = new vscode.MarkdownString('', true);
    // The type goes in a code span: Rust/C++ names (`Bound<PyAny> *`) would otherwise be read as HTML and markup.
    this.tooltip.appendText(`${array.expr}: `);
    this.tooltip.appendMarkdown(`\`\` ${array.typeName.replace(/`/g, "'")} \`\`\n\n`);
    this.tooltip.appendText(`dtype ${array.dtype} (${array.byteOrder}), shape ${shape}, strides (${array.strides.join(', ')})\n`);
    this.tooltip.appendText(`${array.size} elements, ${array.nbytes} bytes at ${array.address}`);
    if (aliases.length) {
      this.tooltip.appendMarkdown('\n\n$(link) ');
      this.tooltip.appendText(`Same bytes as ${aliases.join(', ')}`);
    }
    // The link icon marks an array seen from two languages (mixed sessions); otherwise the icon says how many dims.
    this.iconPath = new vscode.ThemeIcon(
      aliases.length ? 'link' : array.shape.length >= 2 ? 'symbol-array' : array.shape.length === 1 ? 'list-ordered' : 'symbol-number',
    );
    this.contextValue = 'array';
    this.command = { command: 'arraylens.inspectArrayItem', title: 'Open in Array Inspector', arguments: [this] };
  }
}

class MessageItem extends vscode.TreeItem {
  constructor(label: string, iconName: string, tooltip?: string) {
    super(label, vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon(iconName);
    this.tooltip = tooltip ?? label;
    this.contextValue = 'message';
  }
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

  constructor(private readonly tracker: SessionTracker) {
    this.disposables.push(
      tracker.onStopped(() => void this.refresh(true)),
      tracker.onRunning(() => this.show([new MessageItem('Running…', 'debug-continue')])),
      tracker.onEnded(() => void this.refresh()),
      vscode.debug.onDidChangeActiveStackItem(() => void this.refresh()),
      vscode.debug.onDidChangeActiveDebugSession(() => void this.refresh()),
    );
  }

  private show(items: vscode.TreeItem[]): void {
    this.items = items;
    this.changed.fire();
  }

  async refresh(afterStopEvent = false): Promise<void> {
    const gen = ++this.generation;
    const session = vscode.debug.activeDebugSession;
    if (!session) return this.show([new MessageItem('Start debugging to see arrays', 'info')]);
    if (!isSupported(session))
      return this.show([new MessageItem(`Session type '${session.type}' is not supported yet`, 'info', 'Use the "arraylens" launch type (Python, C/C++/Rust, mixed), a debugpy session or a Node session of the built-in JavaScript debugger.')]);
    let stop: StopPoint | null;
    try {
      stop = await this.tracker.currentStop(session, afterStopEvent);
    } catch (e) {
      return this.show([new MessageItem(explain(e), 'error')]);
    }
    if (gen !== this.generation) return;
    if (!stop) return this.show([new MessageItem('Stop at a breakpoint to see arrays', 'debug-pause')]);
    const t = this.tracker.get(stop.session)!;
    try {
      const arrays = await vscode.window.withProgress({ location: { viewId: 'arraylens.arrays' } }, () => t.source.listArrays(stop!.frameId));
      if (gen !== this.generation) return;
      this.show(arrays.length ? arrays.map((a) => new ArrayItem(a, stop!)) : [new MessageItem('No arrays in this frame', 'info')]);
    } catch (e) {
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

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
