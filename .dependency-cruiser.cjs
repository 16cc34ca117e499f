// The layer arrows of docs/architecture.md as build-failing rules (run by `npm run depcheck` in scripts/test.sh):
// a folder imports its own layer and lower ones only, no import cycle anywhere, type-only imports included.
/* global module */

/** Bottom to top; folders on one row are one layer (siblings may import each other, cycles still fail). */
const LAYERS = [
  ['src/core'],
  ['src/protocol'],
  ['src/rpc', 'src/transport'],
  ['src/engine'],
  ['src/pairing'],
  ['src/backends', 'src/inspector', 'src/leaks'],
  ['src/debugAdapter', 'src/cli', 'src/mcp'],
  ['extension'],
];

const dirs = (folders) => `^(${folders.join('|')})/`;

const layerRules = LAYERS.slice(0, -1).map((folders, i) => {
  const above = LAYERS.slice(i + 1).flat();
  return {
    name: `layer-${folders.join('+').replace(/\//g, '-')}`,
    comment: `${folders.join(', ')} may import only its own layer and lower ones, never ${above.join(', ')}`,
    severity: 'error',
    from: { path: dirs(folders) },
    to: { path: dirs([...above, 'webview']) },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'import cycles hide which side owns a concept: move the shared type or function down a layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'extension-not-to-webview',
      comment: 'extension/ loads the webview bundle from dist/, it never imports webview/ sources',
      severity: 'error',
      from: { path: '^extension/' },
      to: { path: '^webview/' },
    },
    {
      name: 'webview-only-protocol-and-core',
      comment: 'webview/ talks to the host only through src/protocol messages, and shares src/core',
      severity: 'error',
      from: { path: '^webview/' },
      to: { pathNot: '^(webview|src/protocol|src/core)/' },
    },
    {
      name: 'no-vscode-below-extension',
      comment: 'only extension/ may import vscode: src/ runs headless (CLI, DAP server, tests), webview/ in a browser',
      severity: 'error',
      from: { path: '^(src|webview)/' },
      // `vscode` has no runtime module outside the editor: it resolves to its types (or not at all)
      to: { path: '^(node_modules/@types/vscode/|vscode$)' },
    },
  ],
  options: {
    includeOnly: '^(src|extension|webview)/|^node_modules/@types/vscode/|^vscode$',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
