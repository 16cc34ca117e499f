#!/usr/bin/env bash
# Native test fixtures: the C/C++ programs (gcc/g++ -g -O0) and the Rust crate (ndarray 0.15/0.16/0.17, half,
# num-complex; crates fetched by cargo from crates.io, target/ never committed). Fast when already built.
set -euo pipefail
SETUP_STEP=native
source "$(dirname "$0")/common.bash"

C=test/fixtures/c
mkdir -p "$C/build"
if newer "$C/build/arrays" "$C/arrays.c"; then log "gcc $C/arrays.c"; nice gcc -g -O0 -o "$C/build/arrays" "$C/arrays.c" -lm; fi
if newer "$C/build/containers" "$C/containers.cpp"; then log "g++ $C/containers.cpp"; nice g++ -g -O0 -o "$C/build/containers" "$C/containers.cpp"; fi

R=test/fixtures/rust/arrays
if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install Rust (rustup) to build $R (the Rust e2e tests need it)"
  exit 0
fi
if newer "$R/target/debug/arraylens-rust-fixtures" $R/Cargo.toml $R/Cargo.lock $R/src/*.rs $R/src/bin/*.rs || newer "$R/target/debug/big" $R/src/bin/big.rs; then
  log "cargo build $R"
  (cd "$R" && { nice cargo build --offline -q 2>/dev/null || nice cargo build -q; })
fi
