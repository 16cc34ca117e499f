// Shared set-up of the fuzz suites (fuzz*.test.ts, test/unit/py/fuzz_*.py): how many cases each property gets out of
// ARRAYLENS_FUZZ_RUNS (a total; a few thousand in `npm test`, >= 10^5 in `npm run fuzz`), the seed, and the record
// `npm run fuzz` sums (ARRAYLENS_FUZZ_REPORT: one JSON line per property).

import * as fs from 'fs';
import fc from 'fast-check';

/** Cases over every property of every fuzz suite together. */
export const FUZZ_TOTAL = Math.max(1, Number(process.env.ARRAYLENS_FUZZ_RUNS ?? 4000));
/** Properties sharing FUZZ_TOTAL, by weight: the TS suites' and the Python suite's (test/unit/py/fuzz_hypothesis.py). */
const WEIGHTS: Record<string, number> = {
  'slice text': 2,
  'slice grammar': 2,
  'raw layouts': 1,
  'native expressions': 2,
  'npy headers (random bytes)': 1,
  'npy headers (grammar)': 1,
  'strided reads': 1,
  'webview messages (random JSON)': 1,
  'webview messages (mutated)': 2,
  'DAP framing': 1,
  'MI lines': 1,
  'CDP frames': 1,
  'native addon (views inside the buffer)': 1,
  'native addon (any descriptor)': 1,
  'hypothesis: npy headers': 1,
  'hypothesis: slices vs NumPy': 1,
};
const WEIGHT_SUM = Object.values(WEIGHTS).reduce((a, b) => a + b, 0);

/** Cases of the property `name`: its share of FUZZ_TOTAL, at least 10. */
export function runsOf(name: string): number {
  const w = WEIGHTS[name];
  if (w === undefined) throw new Error(`fuzz property '${name}' has no weight in fuzzConfig.ts`);
  return Math.max(10, Math.round((FUZZ_TOTAL * w) / WEIGHT_SUM));
}

/** A fixed seed unless ARRAYLENS_FUZZ_SEED says otherwise (npm test is reproducible; `npm run fuzz` varies it). */
export const FUZZ_SEED = process.env.ARRAYLENS_FUZZ_SEED ? Number(process.env.ARRAYLENS_FUZZ_SEED) : 20261207;

export function recordFuzz(name: string, cases: number, ms: number, failures: number): void {
  const file = process.env.ARRAYLENS_FUZZ_REPORT;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ name, cases, ms: Math.round(ms), failures })}\n`);
}

/** Runs `prop` for runsOf(name) cases under the suite's seed and records the count; a failure throws fast-check's report. */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(name: string, prop: fc.IRawProperty<Ts>): Promise<void> {
  const numRuns = runsOf(name);
  const t0 = performance.now();
  let failures = 0;
  try {
    await fc.assert(prop, { numRuns, seed: FUZZ_SEED, includeErrorInReport: true });
  } catch (e) {
    failures = 1;
    throw e;
  } finally {
    recordFuzz(name, numRuns, performance.now() - t0, failures);
  }
}
