#!/usr/bin/env bash
# Leak checks: the LD_PRELOAD allocation tracker (src/leaks/tracker, gcc) and the leak fixtures: a C program and a
# CPython extension built against the .venv interpreter's headers, and a Node addon (node-gyp). Fast when already built.
set -euo pipefail
SETUP_STEP=leaks
source "$(dirname "$0")/common.bash"

T=src/leaks/tracker
mkdir -p "$T/build"
if newer "$T/build/libarraylens_leaktracker.so" "$T/arraylens_leaktracker.c"; then
  log "gcc $T/arraylens_leaktracker.c"
  nice gcc -O2 -g -fPIC -shared -fvisibility=hidden -o "$T/build/libarraylens_leaktracker.so" "$T/arraylens_leaktracker.c"
fi

F=test/fixtures/leaks
mkdir -p "$F/build"
if newer "$F/build/lost_buffers" "$F/lost_buffers.c"; then
  log "gcc $F/lost_buffers.c"
  nice gcc -g -O0 -o "$F/build/lost_buffers" "$F/lost_buffers.c"
fi

PY=.venv/bin/python
if [ -x "$PY" ]; then
  read -r INC SUFFIX < <("$PY" -c "import sysconfig; print(sysconfig.get_paths()['include'], sysconfig.get_config_var('EXT_SUFFIX'))")
  if newer "$F/build/refext$SUFFIX" "$F/refext.c"; then
    log "gcc $F/refext.c (CPython extension for $PY)"
    nice gcc -g -O0 -fPIC -shared -I"$INC" -o "$F/build/refext$SUFFIX" "$F/refext.c"
  fi
else
  log "no .venv python: the refcount fixture (test/fixtures/leaks/refext.c) is not built"
fi

# The Node addon fixture (node-addon-api): headers of the running Node (--nodedir: no download), rebuilt when its
# sources change.
NA=$F/node_addon
if command -v node >/dev/null 2>&1 && [ -x node_modules/.bin/node-gyp ]; then
  if newer "$NA/build/Release/leak_addon.node" "$NA/leak_addon.cc" "$NA/binding.gyp"; then
    nodedir=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
    log "node-gyp $NA (--nodedir $nodedir)"
    (cd "$NA" && nice "$PWD/../../../../node_modules/.bin/node-gyp" rebuild --nodedir="$nodedir" --loglevel=error >/dev/null)
  fi
else
  log "node or node-gyp missing: the Node addon leak fixture ($NA) is not built"
fi
