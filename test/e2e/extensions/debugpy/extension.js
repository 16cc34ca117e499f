// Test-only stand-in for the Python Debugger extension (ms-python.debugpy), which cannot be installed here: it
// registers the same debug types and starts the real debugpy adapter as that extension does, nothing mocked.
//   launch                         -> DebugAdapterExecutable: <python> -m debugpy.adapter
//   attach with "connect"          -> DebugAdapterServer: the adapter that `python -m debugpy --listen` (or
//                                     debugpy's own startDebugging request for a subprocess) already runs
//   attach with "listen"/processId -> DebugAdapterExecutable as for launch
// Child sessions (subprocesses, multiprocessing workers) arrive as `startDebugging` reverse requests of type
// debugpy with "connect": VS Code answers them because the type is registered here.
'use strict';
const vscode = require('vscode');

function interpreter(folder) {
  return vscode.workspace.getConfiguration('python', folder).get('defaultInterpreterPath') || 'python3';
}

function activate(context) {
  for (const type of ['debugpy', 'python']) {
    context.subscriptions.push(
      vscode.debug.registerDebugConfigurationProvider(type, {
        resolveDebugConfiguration(folder, config) {
          // As the real extension: the selected interpreter runs the program unless the configuration names one.
          if (config.request === 'launch' && !config.python) config.python = interpreter(folder);
          return config;
        },
      }),
      vscode.debug.registerDebugAdapterDescriptorFactory(type, {
        createDebugAdapterDescriptor(session) {
          const c = session.configuration;
          if (c.request === 'attach' && c.connect) return new vscode.DebugAdapterServer(Number(c.connect.port), c.connect.host || '127.0.0.1');
          if (c.request === 'attach' && c.port !== undefined && !c.listen) return new vscode.DebugAdapterServer(Number(c.port), c.host || '127.0.0.1');
          const python = interpreter(session.workspaceFolder);
          return new vscode.DebugAdapterExecutable(python, ['-Xfrozen_modules=off', '-m', 'debugpy.adapter']);
        },
      }),
    );
  }
}

module.exports = { activate, deactivate() {} };
