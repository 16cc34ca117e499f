#!/usr/bin/env bash
# `npm start`: sets up what is missing, packages the extension, starts code-server in the background with it
# installed and the demo workspace open, checks the URL answers, prints it and exits. `npm run stop` ends it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=$ROOT/.cache/demo
PIDFILE=$STATE/code-server.pid
LOGFILE=$STATE/code-server.log
log() { printf '[start] %s\n' "$*" >&2; }

# Loopback binds need no password (only this machine reaches them); any other host gets code-server's password
# auth with a random password, printed once with the URL (issue 18: `--auth none` on 0.0.0.0 served a shell to the
# network). `bash scripts/start.sh --auth-for HOST` prints the choice and exits (the tests use it).
auth_for_host() {
  case "$1" in
    127.*|localhost|::1|'[::1]') echo none ;;
    *) echo password ;;
  esac
}
if [ "${1:-}" = "--auth-for" ]; then auth_for_host "${2:-}"; exit 0; fi

bash scripts/setup.sh
bash scripts/setup.d/50-code-server.sh --strict   # setup.sh only warns when it cannot install
log "packaging the extension"
npm run --silent package >"$ROOT/.cache/package.log" 2>&1 || { cat "$ROOT/.cache/package.log" >&2; log "npm run package failed"; exit 1; }

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  log "a demo code-server is already running: restarting it with the fresh build"
  bash scripts/stop.sh
fi

NODE24=$ROOT/.cache/e2e/node24/node_modules/node/bin/node
ENTRY=$ROOT/.cache/e2e/code-server/node_modules/code-server/out/node/entry.js
PORT=${ARRAYLENS_PORT:-8080}
HOST=${ARRAYLENS_HOST:-127.0.0.1}
AUTH=$(auth_for_host "$HOST")
if [ "$AUTH" = password ]; then
  # code-server reads the password from $PASSWORD; it is kept nowhere on disk and printed once below.
  PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  export PASSWORD
  log "ARRAYLENS_HOST=$HOST is not loopback: other machines can reach it, so code-server asks for a password"
fi

# Everything code-server keeps goes under .cache/demo: HOME, XDG dirs, user data, extensions, config.
mkdir -p "$STATE/home/.config" "$STATE/home/.local/share" "$STATE/home/.cache" "$STATE/user-data/User" "$STATE/extensions"
export HOME=$STATE/home XDG_CONFIG_HOME=$STATE/home/.config XDG_DATA_HOME=$STATE/home/.local/share XDG_CACHE_HOME=$STATE/home/.cache
export PATH="$(dirname "$NODE24"):$PATH"
unset VSCODE_IPC_HOOK_CLI ELECTRON_RUN_AS_NODE
printf 'auth: %s\ncert: false\n' "$AUTH" >"$STATE/config.yaml"
cat >"$STATE/user-data/User/settings.json" <<'EOF'
{
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "remote.autoForwardPorts": false,
  "git.openRepositoryInParentFolders": "never"
}
EOF
CS=("$NODE24" "$ENTRY" --user-data-dir "$STATE/user-data" --extensions-dir "$STATE/extensions" --config "$STATE/config.yaml")

# The demo workspace: the mixed Python + Rust example first (examples/mixed_demo.py calling the PyO3 crate of
# test/fixtures/rust/mixed, which setup builds into .venv; its Rust sources appear as rust/), then the Python demo.
WS=$STATE/workspace
mkdir -p "$WS/.vscode"
cp "$ROOT"/examples/*.py "$WS/"
ln -sfn "$ROOT/test/fixtures/rust/mixed/src" "$WS/rust"
if ! "$ROOT/.venv/bin/python" -c 'import arraylens_mixed' 2>/dev/null; then
  log "the Rust extension of the mixed demo is not built (needs cargo: install Rust, then npm run setup); the Python demo works"
fi
cat >"$WS/.vscode/launch.json" <<EOF
{
  "version": "0.2.0",
  "configurations": [
    {
      // Python under debugpy and lldb-dap on the same process: breakpoints in .py and in rust/lib.rs both hit.
      "type": "arraylens",
      "request": "launch",
      "name": "ArrayLens: Python + Rust (mixed)",
      "program": "\${workspaceFolder}/mixed_demo.py",
      "cwd": "\${workspaceFolder}",
      "python": "$ROOT/.venv/bin/python",
      "mixed": true
    },
    {
      "type": "arraylens",
      "request": "launch",
      "name": "ArrayLens: demo.py",
      "program": "\${workspaceFolder}/demo.py",
      "cwd": "\${workspaceFolder}",
      "python": "$ROOT/.venv/bin/python"
    }
  ]
}
EOF

"${CS[@]}" --install-extension "$ROOT/arraylens.vsix" --force >"$STATE/install.log" 2>&1 || { cat "$STATE/install.log" >&2; log "installing arraylens.vsix into code-server failed"; exit 1; }

if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  log "port $PORT on $HOST is taken: set ARRAYLENS_PORT to another port"
  exit 1
fi
# setsid: its own session and process group, so `npm run stop` ends the extension host and debuggees with it.
setsid "${CS[@]}" --bind-addr "$HOST:$PORT" --auth "$AUTH" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override --ignore-last-opened \
  >"$LOGFILE" 2>&1 </dev/null &
echo $! >"$PIDFILE"

URL="http://$HOST:$PORT/?folder=$WS"
CHECK=$URL
case "$HOST" in 0.0.0.0|'::'|'[::]') URL="http://$(hostname):$PORT/?folder=$WS" CHECK="http://127.0.0.1:$PORT/?folder=$WS" ;; esac
# Behind a password the page answers with the login form's redirect; /healthz answers without one.
[ "$AUTH" = password ] && CHECK="${CHECK%%/\?*}/healthz"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$CHECK" || true)
  if [ "$code" = 200 ]; then
    log "code-server $("$NODE24" -p "require('$ENTRY/../../../package.json').version") (pid $(cat "$PIDFILE"), log $LOGFILE)"
    echo
    echo "  ArrayLens demo is running. Open:  $URL"
    if [ "$AUTH" = password ]; then echo "  Password (shown only now):        $PASSWORD"; fi
    echo "  Mixed Python + Rust: open rust/lib.rs, put a breakpoint on the line marked // BREAK (F9) and press F5"
    echo "  (\"ArrayLens: Python + Rust (mixed)\"): the Arrays view in Run and Debug lists the Rust ArrayView, marked"
    echo "  as the same bytes as the NumPy array 'image' of mixed_demo.py; the eye icon on a row opens the Array Inspector."
    echo "  Python alone: pick \"ArrayLens: demo.py\", break on the # BREAK line of demo.py, F5."
    echo "  Stop it with: npm run stop"
    exit 0
  fi
  kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break
  sleep 0.2
done
log "code-server did not answer HTTP 200 on $URL; last log lines:"
tail -n 20 "$LOGFILE" >&2 || true
bash scripts/stop.sh || true
exit 1
