#!/usr/bin/env bash
# Idempotent set-up: Debian packages, npm deps, the Python test env, the native addon, the TypeScript build,
# test fixtures. Each step checks first, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '[setup] %s\n' "$*" >&2; }

# 1. Debian packages (lldb-22: the only packaged lldb-dap with readMemory; chromium: webview tests).
APT_PKGS=(lldb-22 gdb chromium libkrb5-dev build-essential python3-dev libeigen3-dev libopencv-core-dev)
missing=()
for p in "${APT_PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing Debian packages (run as root to install): ${missing[*]}"
  fi
fi

# 2. npm dependencies.
if [ ! -d node_modules ] || [ package.json -nt node_modules/.arraylens-stamp ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.arraylens-stamp ]; }; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch node_modules/.arraylens-stamp
fi

# 3. Python test environment.
PY_REQ="numpy debugpy ml_dtypes maturin pytest hypothesis"
if [ ! -x .venv/bin/python ] || [ scripts/setup.sh -nt .venv/.arraylens-stamp ]; then
  log "creating .venv with $PY_REQ"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check $PY_REQ
  touch .venv/.arraylens-stamp
fi

# 4. Native addon (node-gyp, N-API: one binary for Node and VS Code's host).
if [ -f native/binding.gyp ]; then
  newest=$(find native -path native/build -prune -o -type f -newer native/build/Release/arraylens_native.node -print 2>/dev/null | head -n 1 || true)
  if [ ! -f native/build/Release/arraylens_native.node ] || [ -n "$newest" ]; then
    log "building the native addon"
    # Offline: build against the headers of the running Node (node-gyp would otherwise try to download them).
    nodedir=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
    gyp_args=()
    if [ -f "$nodedir/include/node/node_api.h" ]; then gyp_args+=("--nodedir=$nodedir"); fi
    (cd native && nice "$ROOT/node_modules/.bin/node-gyp" rebuild "${gyp_args[@]}" --loglevel=error >/dev/null)
  fi
fi

# 5. TypeScript and bundles.
bash scripts/build.sh

# 6. Fixtures (Rust crates, C programs, addons) that tests need built.
for f in scripts/setup.d/*.sh; do
  [ -f "$f" ] && bash "$f"
done
log "ready"
