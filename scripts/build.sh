#!/usr/bin/env bash
# Compiles TypeScript to out/ (CLI, tests) and bundles extension, adapter and webview with webpack into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=out/.build-stamp
if [ -f "$stamp" ] && [ -z "$(find src extension webview test bench tsconfig.json webpack.config.js package.json -newer "$stamp" -type f 2>/dev/null | grep -v '/fixtures/' | head -n 1)" ]; then
  exit 0
fi
echo "[build] tsc" >&2
node_modules/.bin/tsc -p .
if [ -f webpack.config.js ]; then
  echo "[build] webpack" >&2
  node_modules/.bin/webpack --mode production --no-stats >/dev/null
  # The Node address probe goes with the bundles (dist/probe: its source, and its build when a C compiler is here), so
  # the installed extension reads a Node program's arrays at their real addresses (src/backends/node/probe.ts).
  node -e "const e = require('./out/src/backends/node/probe.js').stageProbe('dist/probe'); if (e) console.error('[build] dist/probe: no build of the address probe (' + e + '): the extension builds it when first needed')"
fi
mkdir -p out && touch "$stamp"
