#!/usr/bin/env bash
# Every test: lint, unit + e2e suites (node:test), the core suite again without the native addon, the public
# acceptance cases, and the extra suites in scripts/test.d (webview in Chromium, code-server end to end).
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
run() { echo "== $*"; "$@" || { echo "!! FAILED: $*"; fail=1; }; }

run node_modules/.bin/eslint --max-warnings=0 src extension webview test bench
run npm run --silent depcheck
run node --test --test-concurrency=1 --test-reporter=spec $(find out/test -name '*.test.js' | sort)
# Without the addon: every unit suite but the C++ kernel checks, which build and test the sources with g++ (not the
# addon) and ran above (~75 s here).
run env ARRAYLENS_NO_NATIVE=1 node --test --test-reporter=spec $(find out/test/unit -name '*.test.js' ! -name nativeChecks.test.js | sort)
for f in scripts/test.d/*.sh; do [ -f "$f" ] && run bash "$f"; done
run .venv/bin/python ../shared/acceptance/check_inspect.py inspect --python .venv/bin/python ../shared/acceptance/cases/python_public.py
run .venv/bin/python ../shared/acceptance/check_inspect.py stats ../shared/acceptance/cases/python_public.py
if [ -f ../shared/acceptance/cases/native_c_public.py ] && [ -f src/backends/native/lldb.ts ]; then
  run .venv/bin/python ../shared/acceptance/check_inspect.py inspect ../shared/acceptance/cases/native_c_public.py
  run .venv/bin/python ../shared/acceptance/check_inspect.py inspect ../shared/acceptance/cases/native_c_public_gdb.py
fi
if [ $fail -ne 0 ]; then echo "SOME TEST SUITES FAILED"; exit 1; fi
echo "all test suites passed"
