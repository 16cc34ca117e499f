#!/usr/bin/env bash
# Container fixtures of issue 15: test/fixtures/c/eigen_cv.cpp (Eigen + OpenCV core headers from APT_PKGS, g++ -g -O0)
# and the Rust crate test/fixtures/rust/containers (nalgebra, image from crates.io; target/ never committed).
set -euo pipefail
SETUP_STEP=containers
source "$(dirname "$0")/common.bash"

C=test/fixtures/c
mkdir -p "$C/build"
if [ -d /usr/include/eigen3 ] && [ -d /usr/include/opencv4 ]; then
  if newer "$C/build/eigen_cv" "$C/eigen_cv.cpp"; then
    log "g++ $C/eigen_cv.cpp"
    nice g++ -g -O0 -I/usr/include/eigen3 -I/usr/include/opencv4 -o "$C/build/eigen_cv" "$C/eigen_cv.cpp" -lopencv_core
  fi
else
  log "Eigen/OpenCV headers missing (apt-get install libeigen3-dev libopencv-core-dev): $C/eigen_cv.cpp not built"
fi

R=test/fixtures/rust/containers
if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install Rust (rustup) to build $R"
  exit 0
fi
if newer "$R/target/debug/arraylens-containers" $R/Cargo.toml $R/Cargo.lock $R/src/*.rs; then
  log "cargo build $R"
  (cd "$R" && { nice cargo build --offline -q 2>/dev/null || nice cargo build -q; })
fi
