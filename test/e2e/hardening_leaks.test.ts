// The Python leak census runs none of the program's code (issue 18): an object whose `__class__` property writes a
// marker file, and an ndarray subclass overriding `base`, are walked by a real `arraylens leaks` run under debugpy.
// And the leak hooks (tracemalloc, the native-call profile hook) are off again once stopped.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { CLI, PYTHON, ROOT } from '../helpers/env';
import { PythonTarget } from '../../src/backends/python/target';
import { callWatchExpression, hooksOffExpression, parseCallWatch } from '../../src/leaks/callWatch';
import { censusExpression, parseCensus } from '../../src/leaks/pythonCensus';
import { ProcessLedger } from '../../src/leaks/liveLedger';

const PROGRAM = [
  'import sys', // 1
  'import numpy as np', // 2
  'MARK = sys.argv[1]', // 3
  'class Sneaky:', // 4
  '    @property', // 5
  '    def __class__(self):', // 6
  "        open(MARK, 'a').write('__class__ ran\\n')", // 7
  '        return Sneaky', // 8
  'class Sub(np.ndarray):', // 9
  '    @property', // 10
  '    def base(self):', // 11
  "        open(MARK, 'a').write('base ran\\n')", // 12
  '        return None', // 13
  'keep = []', // 14
  'x = 0  # FROM', // 15
  'keep.append(Sneaky())', // 16
  'keep.append(np.zeros(1000).view(Sub))', // 17
  'keep.append(np.full(500, 2.0))', // 18
  'x = 1  # TO', // 19
  'print(len(keep))', // 20
].join('\n');

let work: string;

describe('leak census: no program code runs (real debugpy, issue 18)', () => {
  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-census-')));
    fs.writeFileSync(path.join(work, 'sneaky.py'), PROGRAM + '\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('a __class__ property and an overridden ndarray.base are not run; the census still sees the new arrays', () => {
    const prog = path.join(work, 'sneaky.py');
    const mark = path.join(work, 'ran');
    const r = spawnSync(process.execPath, [CLI, 'leaks', '--json', '--from', `${prog}:15`, '--to', `${prog}:19`, '--', PYTHON, prog, mark], {
      encoding: 'utf8',
      timeout: 180000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8') : '', '', 'program code ran during the census');
    const report = JSON.parse(r.stdout) as { new: { site: string; bytes: number }[] };
    assert.ok(
      report.new.some((g) => g.site === `${prog}:18` && g.bytes === 4000),
      `the array made at line 18 is reported new: ${JSON.stringify(report.new)}`,
    );
  });
});

describe('leak hooks are removed (real debugpy, issue 18)', () => {
  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-hooks-')));
    fs.writeFileSync(path.join(work, 'hooks.py'), PROGRAM + '\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('tracemalloc and the profile hook, installed by a census and the watch, are off after hooksOff', async () => {
    const prog = path.join(work, 'hooks.py');
    const t = await PythonTarget.launch({ python: PYTHON, program: prog, args: [path.join(work, 'ran')], breakpoint: { file: prog, line: 15 } });
    try {
      const state = async () => (await t.evaluate("repr((sys.getprofile() is None, __import__('tracemalloc').is_tracing()))")).replace(/^['"]|['"]$/g, '');
      assert.equal(await state(), '(True, False)', 'nothing installed before the leak check');
      assert.equal(parseCensus(await t.evaluate(censusExpression('from'))).started, true);
      assert.equal(parseCallWatch(await t.evaluate(callWatchExpression('start'))).watching, true);
      assert.equal(await state(), '(False, True)', 'the census and the watch installed their hooks');
      assert.match(await t.evaluate(hooksOffExpression()), /ok:profile,tracemalloc/);
      assert.equal(await state(), '(True, False)', 'both hooks are off again');
      assert.match(await t.evaluate(hooksOffExpression()), /ok:['"]?$/, 'a second stop finds nothing to remove');
      // What the Leaks view does: its ledger's snapshot installs both, hiding the view evaluates hooksOffExpression.
      const ledger = new ProcessLedger(t.pid!, path.join(ROOT, 'out', 'src', 'leaks', 'ledgerWorker.js'));
      try {
        await ledger.snapshot((e) => t.evaluate(e));
        assert.equal(await state(), '(False, True)', "the ledger's snapshot installed the hooks");
        assert.match(await t.evaluate(hooksOffExpression()), /ok:profile,tracemalloc/);
        assert.equal(await state(), '(True, False)');
      } finally {
        await ledger.dispose();
      }
    } finally {
      await t.close();
    }
  });
});
