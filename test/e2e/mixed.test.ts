// Mixed Python + Rust under real debugpy and real lldb-dap: a NumPy array handed to a PyO3/rust-numpy extension (built
// by maturin into .venv) is inspected at a breakpoint in the Rust function, as an ndarray ArrayView2 and through its
// PyObject pointers, against NumPy; the NumPy array of the Python caller is reported as its alias; no process is left.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { ArrayLensError } from '../../src/core/errors';
import { MixedTarget, launchMixed } from '../../src/backends/python/mixed';
import { inspectArray, streamStats } from '../../src/engine/engine';
import { loadKernels } from '../../src/engine/kernels';
import { InspectResult } from '../../src/protocol/cli';
import { CLI, PYTHON, ROOT, assertCliError, fixture, markerLine, taggedProcesses, waitNoTaggedProcess } from '../helpers/env';
import { BINS, Expected, assertMatches, expectedFromNumpy } from './native_common';

const DIR = fixture('rust', 'mixed');
const LIB = path.join(DIR, 'src', 'lib.rs');
const PROGRAM = path.join(DIR, 'program.py');
const LINE = markerLine(LIB, '// BREAK');
/** Past the end of lib.rs: lldb cannot slide this breakpoint to a line with code. */
const NO_CODE = fs.readFileSync(LIB, 'utf8').split('\n').length + 20;
const LAYOUTS = ['c', 'fortran', 'reversed', 'sliced'] as const;

/** Every process started on behalf of a test carries this in its environment (children inherit it). */
const TAG = `arraylens-mixed-${process.pid}-${Date.now()}`;
process.env.ARRAYLENS_TEST_TAG = TAG;

/** The extension built and installed by the setup hook (idempotent: seconds when nothing changed). */
function ensureExtension(): void {
  execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.d', '25-mixed-fixture.sh')], { stdio: 'inherit' });
  const r = spawnSync(PYTHON, ['-c', 'import arraylens_mixed'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the mixed fixture is not installed in ${PYTHON} (needs cargo and maturin): ${r.stderr}`);
}

const PYTHON_A = [{ language: 'python', expr: 'a' }];

describe('mixed Python + Rust: debugpy runs the program, lldb-dap stops in the extension', () => {
  let expected: Expected[];
  before(() => {
    ensureExtension();
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

      it('the breakpoint in the Rust function hit: ArrayView2 there = NumPy, aliased to the caller\'s array', async () => {
        // The scan that checks the end below sees the debuggee and both adapters while they run.
        const running = taggedProcesses(TAG).map((p) => p.cmd);
        assert.ok(taggedProcesses(TAG).some((p) => p.pid === target.pid), 'the debuggee carries the tag');
        assert.ok(running.some((c) => /lldb-dap/.test(c)) && running.some((c) => /debugpy\.adapter/.test(c)), running.join('\n'));
        const r = await inspectArray(target, 'view', { values: true, stats: true, bins: BINS });
        assert.equal(r.language, 'native');
        assert.equal(r.transport, 'direct');
        assert.match(r.typeName ?? '', /^ndarray::ArrayBase<ndarray::ViewRepr</);
        assertMatches(r, expected[i]);
        assert.deepEqual(r.aliases, PYTHON_A);
      });

      for (const expr of ['a', 'obj', 'raw', 'any']) {
        it(`${expr}: the NumPy array decoded from its PyObject in memory`, async () => {
          const view = await inspectArray(target, 'view', {});
          const r = await inspectArray(target, expr, { values: true, stats: true, bins: BINS });
          assert.match(r.typeName ?? '', /numpy\.ndarray \(PyObject at 0x[0-9a-f]+\)$/);
          assertMatches(r, expected[i]);
          assert.equal(r.address, view.address, 'same bytes as the ArrayView');
          assert.deepEqual(r.strides, view.strides);
          assert.deepEqual(r.aliases, PYTHON_A);
        });
      }

      it('the Python caller\'s array, found in its frame from the native stop, has the same stats', async () => {
        const py = (await target.pythonArrays()).find((a) => a.expr === 'a');
        assert.ok(py, 'the caller frame has a');
        assert.equal(py.language, 'python');
        const native = await target.resolve('view');
        assert.equal(py.view.address, native.view.address);
        assert.deepEqual(py.view.shape, native.view.shape);
        assert.deepEqual(py.view.strides, native.view.strides);
        const k = loadKernels().kernels;
        const t = await target.transport('auto', py.view);
        const pyStats = (await streamStats(t, py.view, BINS, k)).stats;
        const rustStats = (await streamStats(t, native.view, BINS, k)).stats;
        assert.deepEqual(pyStats, rustStats);
        assert.deepEqual(pyStats.histogram.counts, expected[i].stats.counts);
      });

      it('a Python object that is not an array, and an unknown name', async () => {
        const is = (code: string, re: RegExp) => (e: unknown) => e instanceof ArrayLensError && e.code === code && re.test(e.message);
        await assert.rejects(() => inspectArray(target, 'tag', {}), is('not-an-array', /'tag' is a Python str object, not a NumPy array/));
        await assert.rejects(() => inspectArray(target, 'tag_ptr', {}), is('not-an-array', /Python str object/));
        await assert.rejects(() => inspectArray(target, 'nope', {}), is('unknown-expression', /nope/));
      });
    });
  });

  describe('CLI', () => {
    let dir: string;
    let program: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-mixed-'));
      program = path.join(dir, 'program.py');
      fs.copyFileSync(PROGRAM, program);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    function cli(tag: string, args: string[], programArgs: string[] = []): { status: number | null; stdout: string; stderr: string } {
      return spawnSync(process.execPath, [CLI, 'inspect', ...args, '--', PYTHON, program, ...programArgs], {
        encoding: 'utf8',
        timeout: 180000,
        cwd: ROOT,
        env: { ...process.env, ARRAYLENS_TEST_TAG: tag },
      });
    }

    it(`inspect --break lib.rs:${LINE} --expr view --stats --json -- python program.py: aliases and NumPy's stats`, async () => {
      const tag = `${TAG}-cli`;
      const r = cli(tag, ['--break', `${LIB}:${LINE}`, '--expr', 'view', '--stats', '--bins', String(BINS), '--json'], ['sliced']);
      assert.equal(r.status, 0, r.stderr);
      const j = JSON.parse(r.stdout) as InspectResult;
      const e = expected[LAYOUTS.indexOf('sliced')];
      assert.equal(j.language, 'native');
      assert.deepEqual(j.shape, e.shape);
      assert.deepEqual(j.aliases, PYTHON_A);
      assertMatches({ ...j, values: e.values as InspectResult['values'] }, e);
      assert.deepEqual(await waitNoTaggedProcess(tag), [], 'nothing left running');
    });

    it('--mixed --list: the native frame\'s arrays, the PyObject ones included', async () => {
      const tag = `${TAG}-list`;
      const r = cli(tag, ['--mixed', '--break', `${LIB}:${LINE}`, '--list', '--json'], ['fortran']);
      assert.equal(r.status, 0, r.stderr);
      const rows = (JSON.parse(r.stdout) as { arrays: { expr: string; language: string; strides: number[] }[] }).arrays;
      assert.deepEqual(rows.map((a) => a.expr).sort(), ['a', 'any', 'obj', 'raw', 'view']);
      assert.ok(rows.every((a) => a.language === 'native'));
      assert.deepEqual(await waitNoTaggedProcess(tag), [], 'nothing left running');
    });

    const failures: [string, string[], RegExp][] = [
      ['lldb-dap missing', ['--lldb-dap', '/nonexistent/lldb-dap'], /lldb-dap not found at '\/nonexistent\/lldb-dap': install Debian lldb-22/],
      ['lldb-dap dies at once', ['--lldb-dap', '/bin/false'], /lldb-dap \(\/bin\/false\) exited unexpectedly|lldb-dap exited/],
      // Past the end of the file: refused before anything starts (the debuggers would leave it unresolved or move it).
      ['a line past the end of the file', ['--break', `${LIB}:${NO_CODE}`], new RegExp(`lib\\.rs:${NO_CODE}: the file has \\d+ lines; pick a line from 1 to \\d+`)],
    ];
    for (const [what, extra, message] of failures) {
      it(`error: ${what} -> one clear line, no process left`, async () => {
        const tag = `${TAG}-${what.replace(/\W+/g, '-')}`;
        const args = extra.includes('--break') ? extra : ['--break', `${LIB}:${LINE}`, ...extra];
        const r = cli(tag, [...args, '--expr', 'view', '--json']);
        assertCliError(r, r.status, message);
        assert.deepEqual(await waitNoTaggedProcess(tag), [], 'nothing left running');
      });
    }
  });
});
