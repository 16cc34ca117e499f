#!/usr/bin/env bash
# `npm run stop`: ends the demo code-server that `npm start` left running, with its extension host and debuggees.
set -euo pipefail
cd "$(dirname "$0")/.."
PIDFILE=.cache/demo/code-server.pid
if [ ! -f "$PIDFILE" ]; then
  echo "[stop] no demo code-server running (no $PIDFILE)" >&2
  exit 0
fi
pid=$(cat "$PIDFILE")
# start.sh runs it under setsid: its pid is the process group id.
if kill -0 -- "-$pid" 2>/dev/null; then
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  echo "[stop] stopped the demo code-server (pid $pid)" >&2
else
  echo "[stop] the demo code-server (pid $pid) was not running" >&2
fi
rm -f "$PIDFILE"
