// Test-only caller of ArrayLens's language-model tools (extension/lmTools.ts): an `arraylens` Python session is started
// to the configured breakpoint, then each configured call goes through vscode.lm.invokeTool, as a chat agent's would,
// and the answers (text parts) or error messages are written to lmcaller.resultFile for test/e2e/lm_tools.e2e.ts.
'use strict';
const fs = require('fs');
const vscode = require('vscode');

/** Resolves at the first stop of `session` (the active stack item becomes one of its frames). */
function stoppedFrame(timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no stop within ${timeoutMs} ms`));
    }, timeoutMs);
    const check = () => {
      const item = vscode.debug.activeStackItem;
      if (item instanceof vscode.DebugStackFrame) {
        clearTimeout(timer);
        sub.dispose();
        resolve(item);
      }
    };
    const sub = vscode.debug.onDidChangeActiveStackItem(check);
    check();
  });
}

async function run(cfg) {
  const out = { lm: typeof vscode.lm?.invokeTool === 'function', tools: [], calls: {} };
  out.tools = (vscode.lm?.tools ?? []).map((t) => t.name).filter((n) => n.startsWith('arraylens_'));
  const program = cfg.get('program');
  vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(program), new vscode.Position(cfg.get('line') - 1, 0)))]);
  const stop = stoppedFrame(120000);
  const started = await vscode.debug.startDebugging(undefined, { type: 'arraylens', request: 'launch', name: 'lmcaller', program, python: cfg.get('python') });
  if (!started) throw new Error('startDebugging refused the arraylens launch');
  const frame = await stop;
  out.stoppedSessionType = frame.session.type;
  // The tools read the session ArrayLens tracks; it saw the stop before VS Code selected the frame.
  for (const call of cfg.get('calls')) {
    try {
      const r = await vscode.lm.invokeTool(call.tool, { input: call.input, toolInvocationToken: undefined }, new vscode.CancellationTokenSource().token);
      out.calls[call.label] = { text: r.content.map((p) => p.value).join('') };
    } catch (e) {
      out.calls[call.label] = { error: e instanceof Error ? e.message : String(e) };
    }
  }
  await vscode.debug.stopDebugging(frame.session);
  return out;
}

function activate() {
  const cfg = vscode.workspace.getConfiguration('lmcaller');
  const file = cfg.get('resultFile');
  if (!file) return;
  run(cfg).then(
    (out) => fs.writeFileSync(file, JSON.stringify(out)),
    (e) => fs.writeFileSync(file, JSON.stringify({ failed: e instanceof Error ? e.stack : String(e) })),
  );
}

module.exports = { activate, deactivate() {} };
