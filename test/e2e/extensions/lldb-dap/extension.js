// Test-only stand-in for LLVM's lldb-dap extension (llvm-vs-code-extensions.lldb-dap), which cannot be installed here:
// it registers the `lldb-dap` debug type and, as that extension does, returns a DebugAdapterExecutable of the lldb-dap
// binary (the "lldb-dap.executable-path" setting, else lldb-dap on PATH) with the launch configuration passed through.
'use strict';
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('lldb-dap', {
      createDebugAdapterDescriptor(session) {
        const exe = vscode.workspace.getConfiguration('lldb-dap', session.workspaceFolder).get('executable-path') || 'lldb-dap';
        return new vscode.DebugAdapterExecutable(exe, [], { cwd: session.workspaceFolder ? session.workspaceFolder.uri.fsPath : undefined });
      },
    }),
  );
}

module.exports = { activate, deactivate() {} };
