# Sourced by the setup.d steps that build files (setup.sh runs only *.sh, so this is no step): the repo root as the
# working folder, a log line tagged with the step ($SETUP_STEP), and the "is this build output stale" test.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
log() { printf '[setup:%s] %s\n' "$SETUP_STEP" "$*" >&2; }

newer() { # newer OUT SRC...: true when OUT is missing or older than a source
  local out=$1; shift
  [ -e "$out" ] || return 0
  for s in "$@"; do [ "$s" -nt "$out" ] && return 0; done
  return 1
}
