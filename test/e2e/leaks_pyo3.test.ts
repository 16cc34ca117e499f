// `arraylens leaks` on a Python program calling a PyO3 function that leaks a reference (test/fixtures/rust/mixed:
// keep_ref forgets a Py<PyAny>) next to its leak-free twin borrow_ref; the references are named by the line of the
// call that took them. Real debugpy, the preloaded tracker and the crate built into .venv by
// scripts/setup.d/25-mixed-fixture.sh. Sites come from markers in the fixture.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { before, describe, it } from 'node:test';
import { CLI, PYTHON, fixture, markerLine, waitNoProcess } from '../helpers/env';

const PY = fixture('leaks', 'pyo3_leak.py');
const site = (marker: string): string => `${PY}:${markerLine(PY, marker)}`;

interface Group {
  site: string;
  count: number;
  bytes: number;
}
interface Report {
  new: Group[];
  freed: Group[];
  refcount: { site: string; expr?: string; call?: string; delta: number }[];
  unreferenced: Group[];
  dangling: unknown[];
}

function tag(): string {
  return `arraylens-leaks-pyo3-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

function run(json: boolean, programArgs: string[]): { code: number | null; stdout: string; stderr: string } {
  const args = [CLI, 'leaks', ...(json ? ['--json'] : []), '--from', site('BREAK FROM'), '--to', site('BREAK TO'), '--', PYTHON, PY, ...programArgs];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 180000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(programArgs: string[]): Report {
  const r = run(true, programArgs);
  assert.equal(r.code, 0, `leaks failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

const inFixtures = (groups: Group[]): Group[] => groups.filter((g) => g.site.startsWith(path.dirname(PY)));

describe('arraylens leaks: PyO3 function leaking a reference', () => {
  before(() => {
    const r = spawnSync(PYTHON, ['-c', 'import arraylens_mixed; arraylens_mixed.keep_ref; arraylens_mixed.borrow_ref'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `the mixed fixture with keep_ref/borrow_ref is not installed in ${PYTHON} (scripts/setup.d/25-mixed-fixture.sh): ${r.stderr}`);
  });

  it('reports the leaked references of keep_ref (one per call) at the call, and nothing for its twin borrow_ref', async () => {
    const t = tag();
    const r = report(['leak', t]);
    // `kept` predates FROM (its allocation site is unknown): the site is the call that took the references.
    assert.deepEqual(r.refcount, [{ site: site('SITE keep_ref'), expr: 'kept', call: 'arraylens_mixed.keep_ref', delta: 3 }]);
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(inFixtures(list), [], 'no buffers were lost or freed');
    assert.deepEqual(r.dangling, []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('arrays made on the call line and never named, and calls through a Python wrapper, are named by their call', async () => {
    const t = tag();
    const r = report(['temp', 'wrapper', t]);
    assert.deepEqual(r.refcount, [
      // stash(kept): the native call is on the wrapper's line, the innermost frame of the user's code
      { site: site('SITE stash'), expr: 'kept', call: 'arraylens_mixed.keep_ref', delta: 3 },
      // np.ones(4) inside the call: three arrays only the leaked references keep alive
      { site: site('SITE keep_temp'), call: 'arraylens_mixed.keep_ref', delta: 3 },
    ]);
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(inFixtures(list), []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('the leak-free twin alone reports nothing', async () => {
    const t = tag();
    const r = report([t]);
    assert.deepEqual(r.refcount, []);
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(inFixtures(list), []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('text output names the array and the delta', () => {
    const r = run(false, ['leak', tag()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /references held by native code \(refcount growth\):\n\s+\+3\s+kept\s+\S*pyo3_leak\.py:(\d+)\s+taken by arraylens_mixed\.keep_ref\(\)\n/);
    assert.equal(Number(/pyo3_leak\.py:(\d+)\s+taken by/.exec(r.stdout)?.[1]), markerLine(PY, 'SITE keep_ref'));
  });
});
