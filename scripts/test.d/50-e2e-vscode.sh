#!/usr/bin/env bash
# End to end in a real VS Code: packages the .vsix, runs test/e2e/vscode.e2e.ts (code-server + Chromium), then
# says whether the desktop (Electron) suite can run here. Fails loudly when code-server cannot be installed.
set -uo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[e2e-vscode] %s\n' "$*" >&2; }

if ! bash scripts/setup.d/50-code-server.sh --strict; then
  log "FAILED: code-server could not be installed (see above); the VS Code end-to-end suite cannot run"
  exit 1
fi

log "packaging the extension"
if ! npm run --silent package >.cache/e2e/package.log 2>&1; then
  cat .cache/e2e/package.log >&2
  log "FAILED: npm run package"
  exit 1
fi
ls -l arraylens.vsix >&2

# node --test (not scripts/test.sh's glob over *.test.js): the suite runs once, here, with its own timeout.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec \
  out/test/e2e/vscode.e2e.js
status=$?
# The Leaks view (two stops of a Python session, the diff by site, click to the site), same .vsix.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec \
  out/test/e2e/leaks_view.e2e.js || status=1
# Riding the Python Debugger's debugpy sessions (launch, attach, a worker, arraylensNative), same .vsix.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec out/test/e2e/ride_python.e2e.js || status=1
# Riding native sessions (lldb-dap, gdb via cdt-gdb-adapter, "debugger": "gdb", CodeLLDB's offer), same .vsix.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec out/test/e2e/ride_native.e2e.js || status=1
# Eigen/OpenCV arrays of a C++ program under the arraylens type (lldb): Arrays view rows, cv::Mat as a BGR(A) colour image in the inspector.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec out/test/e2e/native_images.e2e.js || status=1
# Where the views sit: the Arrays view shown at the first stop (also after the user collapsed it), the editor keeps focus.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec out/test/e2e/views_visible.e2e.js || status=1
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec out/test/e2e/lm_tools.e2e.js || status=1  # language-model tools via vscode.lm.invokeTool
# Two debugged processes over one shared-memory segment / mapped file: alias marks naming the other pid; an opened Pillow row shows its dtype and shape.
ARRAYLENS_VSIX=$PWD/arraylens.vsix node --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec out/test/e2e/shm_view.e2e.js || status=1
log "screenshots of each step: test/artifacts/"

bash test/e2e/electron/run.sh || status=1
exit $status
