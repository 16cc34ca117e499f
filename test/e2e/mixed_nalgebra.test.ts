// Mixed Python + Rust, nalgebra side (issue 15): a NumPy array handed to the PyO3 fixture's sum_matrix becomes a
// nalgebra DMatrixView over the same bytes (rust-numpy's nalgebra feature); at the Rust breakpoint, under real debugpy
// and lldb-dap, that view equals NumPy and is marked as an alias of the caller's array, while an owned copy is not.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { MixedTarget, launchMixed } from '../../src/backends/python/mixed';
import { inspectArray } from '../../src/engine/engine';
import { InspectResult } from '../../src/protocol/cli';
import { CLI, PYTHON, ROOT, fixture, markerLine, waitNoTaggedProcess } from '../helpers/env';
import { BINS, Expected, assertMatches, expectedFromNumpy } from './native_common';

const DIR = fixture('rust', 'mixed');
const LIB = path.join(DIR, 'src', 'lib.rs');
const PROGRAM = path.join(DIR, 'nalgebra_program.py');
const LINE = markerLine(LIB, '// STOP nalgebra');
/** nalgebra views take no negative strides, so the mixed fixture's `reversed` layout is not among these. */
const LAYOUTS = ['c', 'fortran', 'sliced'] as const;
const PYTHON_A = [{ language: 'python', expr: 'a' }];

const TAG = `arraylens-mixed-nalgebra-${process.pid}-${Date.now()}`;
process.env.ARRAYLENS_TEST_TAG = TAG;

describe('mixed Python + Rust: a NumPy array as a nalgebra DMatrixView at a Rust breakpoint', () => {
  let expected: Expected[];
  before(() => {
    // The extension built and installed by the setup hook (seconds when nothing changed).
    execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.d', '25-mixed-fixture.sh')], { stdio: 'inherit' });
    const r = spawnSync(PYTHON, ['-c', 'import arraylens_mixed; arraylens_mixed.sum_matrix'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `the mixed fixture with sum_matrix is not installed in ${PYTHON} (needs cargo and maturin): ${r.stderr}`);
    expected = expectedFromNumpy(path.join(DIR, 'expected.py'), LAYOUTS.map((name) => ({ name })));
  });

  LAYOUTS.forEach((layout, i) => {
    describe(`${layout} array`, () => {
      let target: MixedTarget;
      before(async () => {
        target = await launchMixed({ python: PYTHON, program: PROGRAM, args: [layout], cwd: DIR, breakpoint: { file: LIB, line: LINE }, stopTimeoutMs: 90000 });
      });
      after(async () => {
        await target?.close();
        assert.deepEqual(await waitNoTaggedProcess(TAG), [], 'debuggee, debugpy and lldb-dap all gone after close()');
      });

      it('the DMatrixView = NumPy, same bytes and strides as the array, aliased to the caller\'s `a`', async () => {
        const r = await inspectArray(target, 'matrix', { values: true, stats: true, bins: BINS });
        assert.equal(r.language, 'native');
        assert.match(r.typeName ?? '', /^nalgebra::base::matrix::Matrix<f(loat|32), .*ViewStorage</);
        assertMatches(r, expected[i]);
        const a = await inspectArray(target, 'a', {});
        assert.equal(r.address, a.address, 'the view points into the NumPy array');
        assert.deepEqual(r.strides, a.strides, 'NumPy\'s byte strides');
        assert.deepEqual(r.aliases, PYTHON_A);
      });

      it('an owned copy of it (clone_owned) has the same numbers but is no alias', async () => {
        const r = await inspectArray(target, 'owned', { values: true, stats: true, bins: BINS });
        assertMatches(r, expected[i]);
        const view = await inspectArray(target, 'matrix', {});
        assert.notEqual(r.address, view.address);
        assert.deepEqual(r.aliases ?? [], []);
      });
    });
  });

  it(`CLI: inspect --break lib.rs:${LINE} --expr matrix --stats --json -- python nalgebra_program.py sliced`, async () => {
    const tag = `${TAG}-cli`;
    const r = spawnSync(
      process.execPath,
      [CLI, 'inspect', '--break', `${LIB}:${LINE}`, '--expr', 'matrix', '--stats', '--bins', String(BINS), '--json', '--', PYTHON, PROGRAM, 'sliced'],
      { encoding: 'utf8', timeout: 180000, cwd: ROOT, env: { ...process.env, ARRAYLENS_TEST_TAG: tag } },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as InspectResult;
    const e = expected[LAYOUTS.indexOf('sliced')];
    assert.equal(j.language, 'native');
    assert.deepEqual(j.shape, e.shape);
    assert.deepEqual(j.aliases, PYTHON_A);
    assertMatches({ ...j, values: e.values as InspectResult['values'] }, e);
    assert.deepEqual(await waitNoTaggedProcess(tag), [], 'nothing left running');
  });
});
