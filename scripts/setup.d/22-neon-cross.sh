#!/usr/bin/env bash
# The arm64 (NEON) kernels are checked on this x86-64 machine by cross-compiling native/test/isa_vs_serial.cc and
# running it under qemu-aarch64 (test/unit/nativeChecks.test.ts). Debian g++-aarch64-linux-gnu (brings the arm64
# libc/libstdc++ under /usr/aarch64-linux-gnu) + qemu-user: measured here 63 MiB download, 336 MiB on disk, 17 s
# with apt-get update; under 0.1 s when both are installed.
# Nothing to do on an arm64 host (the check runs natively) or when both are installed.
set -euo pipefail
log() { printf '[setup:neon] %s\n' "$*" >&2; }

[ "$(uname -m)" = x86_64 ] || exit 0
PKGS=(g++-aarch64-linux-gnu qemu-user)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing ${missing[*]} (install them as root with apt-get): the NEON kernel check in test/unit/nativeChecks.test.ts will fail"
  exit 0
fi
log "installing ${missing[*]} (cross g++ and qemu for the NEON kernel check)"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
  log "apt-get could not install ${missing[*]}: the NEON kernel check in test/unit/nativeChecks.test.ts will fail"
fi
