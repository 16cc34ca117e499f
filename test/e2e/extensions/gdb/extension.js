// Test-only stand-in for Eclipse CDT's GDB extension (eclipse-cdt.cdt-gdb-vscode), which cannot be installed here: it
// registers the `gdb` debug type and starts cdt-gdb-adapter's dist/debugAdapter.js with node, as that extension's
// "debuggers" contribution does ("runtime": "node", "program": ".../cdt-gdb-adapter/dist/debugAdapter.js"). The
// adapter's path comes from a setting because this stand-in is packaged without node_modules.
'use strict';
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('gdb', {
      createDebugAdapterDescriptor(session) {
        const script = vscode.workspace.getConfiguration('arraylensTests', session.workspaceFolder).get('cdtGdbAdapter');
        if (!script) throw new Error('set arraylensTests.cdtGdbAdapter to cdt-gdb-adapter/dist/debugAdapter.js');
        return new vscode.DebugAdapterExecutable('node', [script]);
      },
    }),
  );
}

module.exports = { activate, deactivate() {} };
