// Real debugpy + real NumPy: every kind of array in the zoo fixture, each transport, compared with NumPy's answers.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { inspectArray } from '../../src/engine/engine';
import { loadCases, pythonCaseSuite } from '../helpers/cases';
import { fixture } from '../helpers/env';

const ZOO = fixture('python', 'zoo.py');
const CASES = loadCases(ZOO);

describe('python backend on the array zoo (real debugpy)', () => {
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-zoo-')), 'result.json');
  const suite = pythonCaseSuite(ZOO, [resultFile], { cases: CASES, transports: ['direct', 'memfd', 'evaluate'] });

  it('lists the frame arrays with dtype and shape', async () => {
    const arrays = await suite.target.listArrays();
    const byName = new Map(arrays.map((a) => [a.expr, a]));
    assert.deepEqual(byName.get('f_float32')?.view.shape, [11, 13]);
    assert.equal(byName.get('bf16')?.view.dtype.name, 'bfloat16');
    assert.equal(byName.get('be_int32')?.view.dtype.byteOrder, 'big');
    assert.equal(byName.get('mm')?.typeName, 'numpy.memmap');
    assert.equal(byName.get('tagged')?.typeName, '__main__.Tagged');
    assert.ok(byName.has('iface'), 'objects with __array_interface__ are listed');
    assert.ok(!byName.has('rec'), 'structured arrays are left out of the list');
  });

  it('explains what is not inspectable', async () => {
    await assert.rejects(inspectArray(suite.target, 'nope'), /NameError: name 'nope' is not defined/);
    await assert.rejects(inspectArray(suite.target, 'holder'), /'holder' is a __main__\.Holder, not an array/);
    await assert.rejects(inspectArray(suite.target, 'rec'), /structured dtype: inspect one field/);
    await assert.rejects(inspectArray(suite.target, 'f_float32', { slice: '[1, 2, 3]' }), /too many indices/);
    await assert.rejects(inspectArray(suite.target, '__import__("os").system("x")'), /not an inspectable expression/);
    await assert.rejects(inspectArray(suite.target, '0x10 as float32[4]'), /not readable/);
  });

  it('inspection changed nothing in the program: contents, flags, refcounts, stdout', async () => {
    await suite.target.continueToEnd();
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { changed: string[]; checked: number };
    assert.deepEqual(r.changed, []);
    assert.ok(r.checked > 30);
    assert.equal(suite.target.programOutput.join(''), 'zoo ready\nzoo done\n');
  });
});
