// Runs the Hypothesis half of the fuzz suite (test/unit/py/fuzz_hypothesis.py: .npy files NumPy writes, NumPy's own
// basic indexing) against the TypeScript core through test/unit/fuzzOracle.ts, with this suite's share of the cases.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { PYTHON, ROOT } from '../helpers/env';
import { recordFuzz, runsOf } from './fuzzConfig';

const SCRIPT = path.join(ROOT, 'test', 'unit', 'py', 'fuzz_hypothesis.py');
const ORACLE = path.join(__dirname, 'fuzzOracle.js');

describe('fuzz: Hypothesis (.npy files by NumPy, slices vs NumPy)', () => {
  it('the TypeScript core agrees with NumPy', () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} missing: run npm run setup (it installs hypothesis into .venv)`);
    const npy = runsOf('hypothesis: npy headers');
    const slices = runsOf('hypothesis: slices vs NumPy');
    const r = spawnSync(PYTHON, [SCRIPT, ORACLE, String(npy), String(slices)], { encoding: 'utf8', timeout: 3600_000 });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let results: { name: string; cases: number; ms: number; failures: number }[] = [];
    try {
      results = JSON.parse(last) as typeof results;
    } catch {
      assert.fail(`fuzz_hypothesis.py printed no results (exit ${r.status}): ${r.stderr.slice(-3000)}`);
    }
    for (const x of results) recordFuzz(x.name, x.cases, x.ms, x.failures);
    assert.equal(r.status, 0, r.stderr.slice(-6000));
  });
});
