// Bundles for the installed extension: dist/extension.js (VS Code host), dist/adapter.js (the `arraylens` debug
// adapter, run by VS Code with node), dist/cdtGdbAdapter.js (cdt-gdb-adapter), dist/ledgerWorker.js (the Leaks view's worker thread) and dist/webview.js (the
// Array Inspector, in the browser). The native addon is never bundled: src/engine/kernels.ts loads
// native/build/Release/*.node relative to dist/ at run time.
'use strict';

const fs = require('fs');
const path = require('path');

/** @type {import('webpack').RuleSetRule} */
const tsRule = { test: /\.ts$/, exclude: /node_modules/, use: [{ loader: 'ts-loader', options: { transpileOnly: true } }] };

/** Copies the codicon font and stylesheet, and the inspector's stylesheet, next to the webview bundle (all loaded from dist/). */
class CopyCodiconsPlugin {
  apply(compiler) {
    compiler.hooks.afterEmit.tap('CopyCodiconsPlugin', () => {
      const from = path.join(__dirname, 'node_modules', '@vscode', 'codicons', 'dist');
      const to = path.join(__dirname, 'dist', 'codicons');
      fs.mkdirSync(to, { recursive: true });
      for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(from, f), path.join(to, f));
      fs.copyFileSync(path.join(__dirname, 'webview', 'inspector.css'), path.join(__dirname, 'dist', 'webview.css'));
    });
  }
}

/**
 * Leaves `require(<expression>)` as Node's own require: the addon path is only known at run time
 * (src/engine/nativeKernels.ts), and webpack would otherwise turn it into an empty context that always throws.
 */
class RuntimeRequirePlugin {
  apply(compiler) {
    compiler.hooks.normalModuleFactory.tap('RuntimeRequirePlugin', (factory) => {
      for (const type of ['javascript/auto', 'javascript/dynamic']) {
        factory.hooks.parser.for(type).tap('RuntimeRequirePlugin', (parser) => {
          parser.hooks.call.for('require').tap({ name: 'RuntimeRequirePlugin', stage: -100 }, (expr) => {
            const arg = expr.arguments[0];
            if (expr.arguments.length === 1 && arg.type !== 'Literal' && arg.type !== 'TemplateLiteral') return true;
            return undefined;
          });
        });
      }
    });
  }
}

/** @returns {import('webpack').Configuration} */
function nodeBundle(name, entry, externals) {
  return {
    name,
    target: 'node20',
    entry,
    output: { path: path.join(__dirname, 'dist'), filename: `${name}.js`, libraryTarget: 'commonjs2' },
    // Keep the real __dirname (dist/) so run-time paths to the addon and .venv resolve.
    node: { __dirname: false, __filename: false },
    // ws's optional native speed-ups: left to Node's require, which fails inside ws's try and ws uses its JS code.
    externals: { vscode: 'commonjs vscode', bufferutil: 'commonjs bufferutil', 'utf-8-validate': 'commonjs utf-8-validate', ...externals },
    externalsPresets: { node: true },
    resolve: { extensions: ['.ts', '.js'] },
    module: { rules: [tsRule] },
    devtool: 'nosources-source-map',
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    plugins: [new RuntimeRequirePlugin()],
  };
}

/** A bundle whose first line names what it contains and under which licence. */
function withBanner(config, banner) {
  const { BannerPlugin } = require('webpack');
  config.plugins.push(new BannerPlugin({ banner, entryOnly: true }));
  return config;
}

module.exports = [
  nodeBundle('extension', './extension/extension.ts', {}),
  nodeBundle('adapter', './src/debugAdapter/server.ts', {}),
  // The Leaks view's worker thread (src/leaks/liveLedger.ts starts dist/ledgerWorker.js beside dist/extension.js).
  nodeBundle('ledgerWorker', './src/leaks/ledgerWorker.ts', {}),
  // cdt-gdb-adapter (gdb over DAP: gdb sessions and "debugger": "gdb"), run by node as its own process: one file, so the
  // .vsix (built --no-dependencies) needs none of node_modules. Its pty addon (openGdbConsole) and serialport
  // (gdbtarget UARTs) are never loaded by a local launch or attach: left to Node's require, they fail only if asked for.
  withBanner(
    nodeBundle('cdtGdbAdapter', './node_modules/cdt-gdb-adapter/dist/debugAdapter.js', {
      serialport: 'commonjs serialport',
      '../../build/Release/pty.node': 'commonjs ../../build/Release/pty.node',
    }),
    // Its licence (EPL-2.0) asks object code to say where the source is; minifying drops the packages' own headers.
    `cdt-gdb-adapter ${require('cdt-gdb-adapter/package.json').version} (EPL-2.0, source: https://github.com/eclipse-cdt-cloud/cdt-gdb-adapter) ` +
      'with @vscode/debugadapter (MIT, https://github.com/microsoft/vscode-debugadapter-node)',
  ),
  {
    name: 'webview',
    target: 'web',
    entry: './webview/main.ts',
    output: { path: path.join(__dirname, 'dist'), filename: 'webview.js' },
    resolve: { extensions: ['.ts', '.js'], fallback: { fs: false, path: false, child_process: false } },
    module: { rules: [tsRule] },
    devtool: 'nosources-source-map',
    performance: { hints: false },
    plugins: [new CopyCodiconsPlugin()],
  },
];
