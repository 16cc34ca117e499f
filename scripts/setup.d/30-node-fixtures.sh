#!/usr/bin/env bash
# Node pieces that need a compiler: the N-API address probe the Node backend loads into debuggees (direct reads),
# and the node-addon-api test addon (test/fixtures/node/addon) the native debugger inspects inside Node.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
log() { printf '[setup:node] %s\n' "$*" >&2; }

# 1. The address probe (cc only, no Node headers); findProbe builds it once per source version into .cache/.
if [ -f out/src/backends/node/probe.js ]; then
  node -e '
    const p = require(process.argv[1]).findProbe();
    if (p.file === null) { console.error("[setup:node] no address probe: " + p.reason); }
  ' "$ROOT/out/src/backends/node/probe.js"
fi

# 2. The addon fixture, rebuilt when its sources change.
ADDON=test/fixtures/node/addon
OUT=$ADDON/build/Release/fixture_addon.node
if [ ! -f "$OUT" ] || [ "$ADDON/addon.cc" -nt "$OUT" ] || [ "$ADDON/binding.gyp" -nt "$OUT" ]; then
  log "building the addon fixture ($ADDON)"
  (cd "$ADDON" && "$ROOT/node_modules/.bin/node-gyp" rebuild --loglevel=error >/dev/null)
fi
