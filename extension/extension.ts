// ArrayLens activation: the Arrays view, the Array Inspector panels, the commands, and the `arraylens` debug type
// (adapter in dist/adapter.js, told which Python to use).

import * as path from 'path';
import * as vscode from 'vscode';
import { ArrayItem, ArraysView } from './arraysView';
import { InspectorPanels } from './inspectorPanel';
import { registerNodeNative, registerPythonNative } from './nodeNative';
import { LeaksView } from './leaksView';
import { registerLanguageModelTools } from './lmTools';
import { RIDDEN_NATIVE_TYPES, RIDDEN_PYTHON_TYPES, trackerFields, wantsTracker } from './leaksModel';
import { trackerLibrary } from '../src/leaks/leakTable';
import { backendForLaunchConfig } from '../src/backends/registry';
import { registerDebugWithArrayLens } from './debugWithArrayLens';
import { explain } from './progress';
import { SessionTracker, isSupported } from './sessions';
import { applyNodeProbeEnv, nodeProbeEnv } from '../src/backends/node/probeSetting';

function configuredPython(folder?: vscode.WorkspaceFolder): string {
  return vscode.workspace.getConfiguration('arraylens', folder).get<string>('python') ?? '';
}

/**
 * Preloads the allocation tracker (src/leaks/tracker) into a program ArrayLens launches (Python, native, mixed, Node
 * with "arraylensNative") when asked ("leakTracker": true or the arraylens.leakTracker setting; debugpy, lldb-dap and
 * gdb launches with "arraylensLeakTracker": true), so the Leaks view can follow its native blocks.
 */
function addLeakTracker(type: string, config: vscode.DebugConfiguration, folder: vscode.WorkspaceFolder | undefined, log: vscode.OutputChannel): void {
  if (!wantsTracker(type, config, vscode.workspace.getConfiguration('arraylens', folder).get<boolean>('leakTracker', false))) return;
  const tracker = trackerLibrary();
  if (!tracker) {
    log.appendLine(`${new Date().toISOString()} the leak tracker is not built (npm run setup): '${String(config.name)}' runs without it`);
    return;
  }
  Object.assign(config, trackerFields(type, config, tracker, process.env.LD_PRELOAD));
}

/** The Variables view passes `{ variable: { name, evaluateName } }` to its context-menu commands. */
interface VariableContext {
  sessionId?: string;
  variable?: { name?: string; evaluateName?: string };
}

/** The Arrays view's tree, its description following the listed process (ArraysView.describe). */
function registerArraysTree(view: ArraysView): vscode.Disposable {
  const tree = vscode.window.createTreeView('arraylens.arrays', { treeDataProvider: view });
  view.describe = (text) => (tree.description = text);
  // Shows the view (opens its container, expands its pane) without taking the keyboard from the editor or selecting.
  view.revealFirstArrays = (first) => {
    if (!tree.visible) void Promise.resolve(tree.reveal(first, { select: false, focus: false })).catch(() => undefined);
  };
  return tree;
}

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ArrayLens');
  // arraylens.nodeProbe as ARRAYLENS_NODE_PROBE (read by the probe lookup here and in the adapters started from here).
  const probeEnvAtActivation = process.env.ARRAYLENS_NODE_PROBE;
  const applyNodeProbe = (): void => applyNodeProbeEnv(process.env, nodeProbeEnv(vscode.workspace.getConfiguration('arraylens').get('nodeProbe'), probeEnvAtActivation));
  applyNodeProbe();
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('arraylens.nodeProbe') && applyNodeProbe()));
  const tracker = new SessionTracker();
  const view = new ArraysView(tracker);
  const panels = new InspectorPanels(context, tracker, log);
  context.subscriptions.push(
    log,
    tracker,
    view,
    panels,
    registerArraysTree(view),
    registerLanguageModelTools(tracker),
    // js-debug sends no `process` event: the pid nodeNative learns is the Leaks view's too.
    registerNodeNative(log, (s, pid) => {
      const t = tracker.get(s);
      if (t) t.pid ??= pid;
    }),
    registerPythonNative(tracker, log),
  );

  const open = async (expr: string | undefined, session: vscode.DebugSession | undefined): Promise<void> => {
    if (!expr) return;
    // The stopped session when the active one is running (the native child of a Node + addon pair).
    const s = session ?? tracker.preferredSession();
    if (!s) {
      void vscode.window.showErrorMessage('ArrayLens: no debug session. Start debugging a Python program and stop at a breakpoint first.');
      return;
    }
    const t = tracker.get(s);
    if (!t || !isSupported(s)) {
      void vscode.window.showErrorMessage(
        `ArrayLens: '${s.type}' sessions are not supported yet: use the "arraylens" launch type (Python, C/C++/Rust, mixed), a debugpy session or a Node session of the built-in JavaScript debugger.`,
      );
      return;
    }
    try {
      await panels.open(t, expr.trim());
    } catch (e) {
      void vscode.window.showErrorMessage(`ArrayLens: ${explain(e)}`);
    }
  };

  // The Leaks view: at the stops of a session while it is shown, the ledger of its process (the tracker's blocks, and
  // for Python the NumPy census too), diffed against the previous stop or a pinned one.
  const leaks = new LeaksView(tracker);
  const leaksTree = vscode.window.createTreeView('arraylens.leaks', { treeDataProvider: leaks });
  leaks.setVisible(leaksTree.visible);
  context.subscriptions.push(
    leaks,
    leaksTree,
    leaksTree.onDidChangeVisibility((e) => leaks.setVisible(e.visible)),
    vscode.commands.registerCommand('arraylens.refreshLeaks', () => leaks.refresh()),
    vscode.commands.registerCommand('arraylens.pinLeakSnapshot', () => leaks.setPinned(true)),
    vscode.commands.registerCommand('arraylens.unpinLeakSnapshot', () => leaks.setPinned(false)),
  );
  // The debug types ArrayLens rides get the tracker only when their configuration asks ("arraylensLeakTracker": true).
  for (const type of ['node', 'pwa-node', ...RIDDEN_PYTHON_TYPES, ...RIDDEN_NATIVE_TYPES])
    context.subscriptions.push(
      vscode.debug.registerDebugConfigurationProvider(type, {
        resolveDebugConfiguration(folder, config) {
          addLeakTracker(type, config, folder, log);
          return config;
        },
      }),
    );

  context.subscriptions.push(
    vscode.commands.registerCommand('arraylens.refresh', () => view.reload()),
    registerDebugWithArrayLens(),
    vscode.commands.registerCommand('arraylens.inspectVariable', (arg?: VariableContext) => {
      const v = arg?.variable;
      const session = arg?.sessionId ? tracker.byId(arg.sessionId)?.session : undefined;
      return open(v?.evaluateName || v?.name, session);
    }),
    vscode.commands.registerCommand('arraylens.inspectExpression', async () => {
      const expr = await vscode.window.showInputBox({
        title: 'Inspect Array Expression',
        prompt: "A name, attribute or literal subscript in the selected frame, e.g. image, holder.data or arrays['big']",
        ignoreFocusOut: true,
      });
      return open(expr, undefined);
    }),
    vscode.commands.registerCommand('arraylens.inspectArrayItem', (item?: ArrayItem) => {
      if (item instanceof ArrayItem) return open(item.array.expr, item.stop.session);
    }),
    vscode.debug.registerDebugConfigurationProvider('arraylens', {
      resolveDebugConfiguration(folder, config) {
        if (!config.type && !config.request && !config.name) {
          const doc = vscode.window.activeTextEditor?.document;
          if (!doc || doc.isUntitled) {
            void vscode.window.showErrorMessage('ArrayLens: open a Python file to debug, or add an "arraylens" configuration to launch.json.');
            return undefined;
          }
          Object.assign(config, { type: 'arraylens', request: 'launch', name: 'ArrayLens: Python', program: doc.uri.fsPath });
        }
        if (config.request === 'attach') {
          // A running native process by pid (also started for "arraylensNative" Node sessions: extension/nodeNative.ts).
          if (config.processId === undefined || config.processId === '') {
            void vscode.window.showErrorMessage('ArrayLens: an "attach" configuration needs "processId": the pid of a running process.');
            return undefined;
          }
        } else if (!config.program) {
          void vscode.window.showErrorMessage('ArrayLens: the launch configuration needs "program" (a .py script or a native executable).');
          return undefined;
        }
        if (!config.python && configuredPython(folder)) config.python = configuredPython(folder);
        const lldbDap = vscode.workspace.getConfiguration('arraylens', folder).get<string>('lldbDap') ?? '';
        if (!config.lldbDap && lldbDap) config.lldbDap = lldbDap;
        if (!config.cwd && folder) config.cwd = folder.uri.fsPath;
        if (typeof config.variablesSummary !== 'boolean')
          config.variablesSummary = vscode.workspace.getConfiguration('arraylens', folder).get<boolean>('variablesSummary', true);
        addLeakTracker('arraylens', config, folder, log);
        return config;
      },
    }),
    vscode.debug.registerDebugAdapterDescriptorFactory('arraylens', {
      createDebugAdapterDescriptor(session) {
        const python = (session.configuration.python as string | undefined) || configuredPython(session.workspaceFolder);
        const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
        if (python) env.ARRAYLENS_PYTHON = python;
        // A native program alone: lldb-dap answers from `initialize` on (no debugpy needed on the machine).
        const cfg = session.configuration;
        const native = typeof cfg.program === 'string' && cfg.mixed !== true && backendForLaunchConfig(cfg).id === 'native';
        if (cfg.debugger === 'gdb' && (cfg.request === 'attach' || native)) {
          env.ARRAYLENS_ADAPTER_BACKEND = 'cdt-gdb';
          if (typeof cfg.gdb === 'string' && cfg.gdb) env.ARRAYLENS_GDB = cfg.gdb;
        } else if (cfg.request === 'attach' || native) {
          env.ARRAYLENS_ADAPTER_BACKEND = 'lldb-dap';
          if (typeof cfg.lldbDap === 'string' && cfg.lldbDap) env.ARRAYLENS_LLDB_DAP = cfg.lldbDap;
        }
        return new vscode.DebugAdapterExecutable(process.execPath, [path.join(context.extensionPath, 'dist', 'adapter.js')], { env });
      },
    }),
  );
  void view.refresh();
}

export function deactivate(): void {
  /* disposables go with the context */
}
