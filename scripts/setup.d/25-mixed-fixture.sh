#!/usr/bin/env bash
# Mixed Python + Rust fixture: test/fixtures/rust/mixed (PyO3 + rust-numpy, crates from crates.io) built by maturin
# in the dev profile (debug info kept, not stripped) and installed into .venv. Fast when already installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
log() { printf '[setup:mixed] %s\n' "$*" >&2; }

M=test/fixtures/rust/mixed
PY=.venv/bin/python
if ! command -v cargo >/dev/null 2>&1; then log "cargo not found: install Rust to build $M (the mixed e2e tests need it)"; exit 0; fi
if [ ! -x "$PY" ] || [ ! -x .venv/bin/maturin ]; then log ".venv with maturin missing (scripts/setup.sh step 3): $M not built"; exit 0; fi

# Up to date when the stamp is newer than every source and the installed module is the one built from this checkout.
stamp=$M/target/.arraylens-installed
installed=$("$PY" -c 'import arraylens_mixed, os; print(os.path.realpath(arraylens_mixed.__file__))' 2>/dev/null || true)
stale=0
[ -e "$stamp" ] || stale=1
for s in $M/Cargo.toml $M/Cargo.lock $M/pyproject.toml $M/src/*.rs; do [ "$s" -nt "$stamp" ] && stale=1; done
[ -n "$installed" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$installed" ] || stale=1
[ $stale = 0 ] && exit 0

log "maturin develop $M (dev profile, debug info)"
# `maturin develop` builds with cargo and installs into the venv it is told about; --offline first, so that a
# machine with the crates cached needs no network.
(
  cd "$M"
  export VIRTUAL_ENV="$PWD/../../../../.venv" CARGO_TERM_QUIET=true
  nice "$VIRTUAL_ENV/bin/maturin" develop --quiet --offline 2>/dev/null || nice "$VIRTUAL_ENV/bin/maturin" develop --quiet
)
installed=$("$PY" -c 'import arraylens_mixed, os; print(os.path.realpath(arraylens_mixed.__file__))')
mkdir -p "$M/target"
printf '%s\n' "$installed" >"$stamp"
log "installed $installed"
