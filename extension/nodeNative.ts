// "arraylensNative": true in a Node launch configuration of the built-in JavaScript debugger (js-debug), or in a
// debugpy configuration of the Python Debugger extension: when the session of the program's process starts, an
// `arraylens` attach session (lldb-dap, by pid) starts as its child, so breakpoints in .js/.ts/.py and in the addon's
// or extension's .cc/.c/.rs both hit; the Arrays view marks the native arrays that overlap the JS/Python arrays of
// that side's last stop, and those the other way round (src/pairing/pairedSource.ts).
//
// The pid (checked with js-debug 1.117 in code-server 4.139): js-debug sends no DAP `process` event. Its launcher
// session (the one of launch.json) starts one child session per Node process, recognisable by
// `__pendingTargetId` in its configuration; that child answers a DAP `evaluate` of `process.pid` without a frame (in
// the global context, also while running). Its name ends in ` [pid]` as well: the fallback.
//
// debugpy sends a DAP `process` event with the pid for every process session (the launched program, a `--listen`
// program it attached to, each subprocess and multiprocessing worker): SessionTracker.onProcess. lldb-dap attaches by
// pid on this machine, so a session attached over "connect" to a host that is not this one gets no native child.
//
// Timing: the attach takes about a second after the process starts; addon/extension code that runs before that is
// not stopped in (stop at a JavaScript/Python breakpoint before the native call, as with any attach).

import * as vscode from 'vscode';
import { NODE_TYPES, PYTHON_TYPES, SessionTracker, nativeRoot } from './sessions';

async function nodePid(s: vscode.DebugSession, log: vscode.OutputChannel): Promise<number | undefined> {
  try {
    const r = (await Promise.race([
      s.customRequest('evaluate', { expression: 'process.pid', context: 'watch' }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 10000)),
    ])) as { result?: string };
    const pid = Number(r?.result);
    if (Number.isInteger(pid) && pid > 0) return pid;
    log.appendLine(`${new Date().toISOString()} evaluate process.pid in '${s.name}' gave ${JSON.stringify(r?.result)}: the pid is read from the name`);
  } catch (e) {
    log.appendLine(`${new Date().toISOString()} evaluate process.pid in '${s.name}' failed (${e instanceof Error ? e.message : String(e)}): the pid is read from the name`);
  }
  const m = /\[(\d+)\]\s*$/.exec(s.name);
  return m ? Number(m[1]) : undefined;
}

/** `onPid`: told the pid of each Node process session (the Leaks view reads the process by it). */
export function registerNodeNative(log: vscode.OutputChannel, onPid: (s: vscode.DebugSession, pid: number) => void = () => undefined): vscode.Disposable {
  const started = new Set<string>();
  return vscode.debug.onDidStartDebugSession(async (s) => {
    if (!NODE_TYPES.has(s.type) || !('__pendingTargetId' in s.configuration) || started.has(s.id)) return;
    const root = nativeRoot(s);
    if (!root) return;
    started.add(s.id);
    log.appendLine(`${new Date().toISOString()} arraylensNative: '${s.name}' started`);
    const pid = await nodePid(s, log);
    if (pid === undefined) {
      void vscode.window.showErrorMessage(`ArrayLens: could not learn the process id of '${s.name}' from the JavaScript debugger: the addon's breakpoints will not hit`);
      return;
    }
    onPid(s, pid);
    await attachNative(s, root, pid, log);
  });
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0']);

/** debugpy sessions with "arraylensNative": lldb-dap attaches to each process once its session says the pid. */
export function registerPythonNative(tracker: SessionTracker, log: vscode.OutputChannel): vscode.Disposable {
  const started = new Set<string>();
  return tracker.onProcess((t) => {
    const s = t.session;
    if (!PYTHON_TYPES.has(s.type) || t.pid === undefined || started.has(s.id)) return;
    const root = nativeRoot(s);
    if (!root) return;
    started.add(s.id);
    const host = (s.configuration.connect as { host?: string } | undefined)?.host ?? (s.configuration.host as string | undefined);
    if (root.configuration.request === 'attach' && host !== undefined && !LOCAL_HOSTS.has(host)) {
      void vscode.window.showErrorMessage(
        `ArrayLens: "arraylensNative" attaches lldb-dap on this machine, and '${s.name}' runs on ${host}: start the program here, or debug its native code on that machine`,
      );
      return;
    }
    void attachNative(s, root, t.pid, log);
  });
}

/** Starts the `arraylens` attach session (lldb-dap) on `pid` as a child of `s`, whose process it is. */
async function attachNative(s: vscode.DebugSession, root: vscode.DebugSession, pid: number, log: vscode.OutputChannel): Promise<void> {
  log.appendLine(`${new Date().toISOString()} arraylensNative: attaching lldb-dap to ${s.name} (pid ${pid})`);
  const config: vscode.DebugConfiguration = {
    type: 'arraylens',
    request: 'attach',
    name: `Native: ${s.name}`,
    processId: pid,
    cwd: root.configuration.cwd,
  };
  if (typeof root.configuration.lldbDap === 'string') config.lldbDap = root.configuration.lldbDap;
  const ok = await vscode.debug.startDebugging(s.workspaceFolder, config, { parentSession: s, lifecycleManagedByParent: true, compact: false });
  log.appendLine(`${new Date().toISOString()} arraylensNative: the attach session ${ok ? 'started' : 'failed'}`);
  if (!ok) void vscode.window.showErrorMessage(`ArrayLens: the native debugger did not attach to '${s.name}' (pid ${pid}): see the Debug Console`);
}
