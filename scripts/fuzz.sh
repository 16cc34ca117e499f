#!/usr/bin/env bash
# Nightly-size fuzzing: every fuzz suite (test/unit/fuzz*.test.ts, test/unit/py/fuzz_hypothesis.py) with
# ARRAYLENS_FUZZ_RUNS cases in total (default 120000; `npm test` runs the same suites with 4000) under a fresh seed
# unless ARRAYLENS_FUZZ_SEED is set; prints cases, time and failures per property and in total.
set -uo pipefail
cd "$(dirname "$0")/.."
export ARRAYLENS_FUZZ_RUNS=${ARRAYLENS_FUZZ_RUNS:-120000}
export ARRAYLENS_FUZZ_SEED=${ARRAYLENS_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
ARRAYLENS_FUZZ_REPORT=$(mktemp)
export ARRAYLENS_FUZZ_REPORT
trap 'rm -f "$ARRAYLENS_FUZZ_REPORT"' EXIT
echo "fuzzing: ARRAYLENS_FUZZ_RUNS=$ARRAYLENS_FUZZ_RUNS ARRAYLENS_FUZZ_SEED=$ARRAYLENS_FUZZ_SEED (rerun a failure with the same seed)"
start=$(date +%s%N)
node --test --test-concurrency=1 --test-reporter=dot out/test/unit/fuzz*.test.js
status=$?
end=$(date +%s%N)
node -e '
const [file, ns, status] = process.argv.slice(1);
const rows = require("fs").readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
const w = Math.max(8, ...rows.map((r) => r.name.length));
console.log(`${"property".padEnd(w)}  ${"cases".padStart(8)}  ${"time".padStart(8)}  failures`);
for (const r of rows) console.log(`${r.name.padEnd(w)}  ${String(r.cases).padStart(8)}  ${(r.ms / 1000).toFixed(1).padStart(7)}s  ${r.failures}`);
const cases = rows.reduce((a, r) => a + r.cases, 0);
const failures = rows.reduce((a, r) => a + r.failures, 0);
// A suite that died (a crash in the addon, a hang stopped by the runner) fails node --test without a failing property.
const crashes = status !== "0" && failures === 0 ? "yes, see above" : 0;
console.log(`total: ${cases} cases in ${(Number(ns) / 1e9).toFixed(1)} s, failures: ${failures}, crashes: ${crashes}`);
' "$ARRAYLENS_FUZZ_REPORT" "$((end - start))" "$status"
exit $status
