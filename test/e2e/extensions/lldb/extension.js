// Test-only stand-in registered under CodeLLDB's debug type (`lldb`). CodeLLDB's adapter cannot be installed here and
// ArrayLens does not read its sessions; the stand-in only has to run a real session of that type, which lldb-dap does
// with CodeLLDB's launch attributes (program, args, cwd, env as an object) passed through.
'use strict';
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('lldb', {
      createDebugAdapterDescriptor(session) {
        const exe = vscode.workspace.getConfiguration('arraylensTests', session.workspaceFolder).get('lldbDap') || 'lldb-dap';
        return new vscode.DebugAdapterExecutable(exe, []);
      },
    }),
  );
}

module.exports = { activate, deactivate() {} };
