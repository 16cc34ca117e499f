// "Debug this with ArrayLens": for sessions of debuggers ArrayLens does not ride (CodeLLDB, Microsoft C/C++), the
// Arrays view's rows saying so, and the command that writes the equivalent `arraylens` configuration next to the
// user's in .vscode/launch.json and starts it in place of their session.

import * as vscode from 'vscode';
import { OFFERED_DEBUG_TYPES, arrayLensName, equivalentArrayLensConfiguration } from '../src/backends/native/equivalentLaunch';
import { explain } from './progress';

export const DEBUG_WITH_ARRAYLENS = 'arraylens.debugWithArrayLens';

/** The row that runs the command for `session` (a click, or its inline button). */
export class DebugWithArrayLensItem extends vscode.TreeItem {
  constructor(readonly session: vscode.DebugSession) {
    super('Debug this with ArrayLens', vscode.TreeItemCollapsibleState.None);
    this.iconPath = new vscode.ThemeIcon('debug-alt');
    this.contextValue = 'debugWithArrayLens';
    this.tooltip = `Writes "${arrayLensName(session.name)}" next to "${session.name}" in .vscode/launch.json (program, args, cwd, env carried over) and debugs it with ArrayLens instead.`;
    this.command = { command: DEBUG_WITH_ARRAYLENS, title: 'Debug this with ArrayLens', arguments: [this] };
  }
}

/** The Arrays view's rows for a session of a type ArrayLens offers to replace, or undefined for any other type. */
export function offerRows(session: vscode.DebugSession): vscode.TreeItem[] | undefined {
  const label = OFFERED_DEBUG_TYPES[session.type];
  if (!label) return undefined;
  const line = new vscode.TreeItem(`${label} sessions: ArrayLens cannot read arrays through this debugger`, vscode.TreeItemCollapsibleState.None);
  line.iconPath = new vscode.ThemeIcon('info');
  line.tooltip = `ArrayLens reads arrays in lldb-dap, gdb (CDT), debugpy, Node and its own "arraylens" sessions. ${label}'s adapter is not one of them.`;
  line.contextValue = 'message';
  return [line, new DebugWithArrayLensItem(session)];
}

/** The user's configuration as launch.json holds it (variables unresolved), else the session's resolved one. */
function theirConfiguration(session: vscode.DebugSession): { config: Record<string, unknown>; list: Record<string, unknown>[]; index: number } {
  const launch = vscode.workspace.getConfiguration('launch', session.workspaceFolder?.uri);
  const list = [...(launch.get<Record<string, unknown>[]>('configurations') ?? [])];
  const index = list.findIndex((c) => c.name === session.configuration.name && c.type === session.type);
  return { config: index >= 0 ? list[index] : (session.configuration as Record<string, unknown>), list, index };
}

async function debugWithArrayLens(arg?: unknown): Promise<void> {
  const session = arg instanceof DebugWithArrayLensItem ? arg.session : vscode.debug.activeDebugSession;
  if (!session || !OFFERED_DEBUG_TYPES[session.type]) {
    void vscode.window.showErrorMessage(`ArrayLens: start a ${Object.values(OFFERED_DEBUG_TYPES).join(' or ')} session first; it is debugged again under ArrayLens.`);
    return;
  }
  try {
    const { config, list, index } = theirConfiguration(session);
    const ours = equivalentArrayLensConfiguration(config);
    // Written next to theirs; run again, it replaces the one written before instead of adding another.
    const existing = list.findIndex((c) => c.name === ours.name && c.type === 'arraylens');
    if (existing >= 0) list[existing] = ours;
    else list.splice(index >= 0 ? index + 1 : list.length, 0, ours);
    const folder = session.workspaceFolder;
    await vscode.workspace
      .getConfiguration('launch', folder?.uri)
      .update('configurations', list, folder ? vscode.ConfigurationTarget.WorkspaceFolder : vscode.ConfigurationTarget.Global);
    // Their session runs the same program: it ends first, so the two do not run side by side.
    await vscode.debug.stopDebugging(session);
    const started = await vscode.debug.startDebugging(folder, String(ours.name));
    if (!started) void vscode.window.showErrorMessage(`ArrayLens: "${String(ours.name)}" was written to launch.json but did not start: see the Debug Console.`);
  } catch (e) {
    void vscode.window.showErrorMessage(`ArrayLens: ${explain(e)}`);
  }
}

export function registerDebugWithArrayLens(): vscode.Disposable {
  return vscode.commands.registerCommand(DEBUG_WITH_ARRAYLENS, debugWithArrayLens);
}
