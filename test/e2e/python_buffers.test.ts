// Real debugpy: buffer-protocol objects (bytes, bytearray, array.array, ctypes arrays, memoryviews, mmap) read in
// place, compared with NumPy's view of the same memory; inspection leaves refcounts and buffer exports as they were.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { inspectArray } from '../../src/engine/engine';
import { assertCasesMatchNumpy, loadCases, pythonCaseSuite } from '../helpers/cases';
import { fixture } from '../helpers/env';

const BUFFERS = fixture('python', 'buffers.py');
const CASES = loadCases(BUFFERS);

describe('python backend on buffer-protocol objects (real debugpy)', () => {
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-buffers-')), 'result.json');
  const suite = pythonCaseSuite(BUFFERS, [resultFile], { cases: CASES, transports: ['direct', 'memfd', 'evaluate'] });

  it('lists every buffer exporter with its dtype, shape and strides, in place', async () => {
    const arrays = await suite.target.listArrays();
    const byName = new Map(arrays.map((a) => [a.expr, a]));
    const row = (n: string): { dtype: string; shape: number[]; strides: number[]; type: string } => {
      const a = byName.get(n);
      assert.ok(a, `${n} is listed (got ${[...byName.keys()].join(', ')})`);
      return { dtype: a.view.dtype.name, shape: [...a.view.shape], strides: [...a.view.strides], type: a.typeName };
    };
    assert.deepEqual(row('ba'), { dtype: 'uint8', shape: [96], strides: [1], type: 'builtins.bytearray' });
    assert.deepEqual(row('by'), { dtype: 'uint8', shape: [40], strides: [1], type: 'builtins.bytes' });
    assert.deepEqual(row('arr_d'), { dtype: 'float64', shape: [34], strides: [8], type: 'array.array' });
    assert.deepEqual(row('ct_2d').shape, [3, 4]);
    assert.equal(row('ct_2d').dtype, 'float64');
    assert.deepEqual(row('mv_strided'), { dtype: 'int16', shape: [20], strides: [-6], type: 'builtins.memoryview' });
    assert.deepEqual(row('mv_T').strides, [8, 48]);
    assert.deepEqual(row('mm'), { dtype: 'uint8', shape: [4096], strides: [1], type: 'mmap.mmap' });
    assert.ok(!byName.has('held'), 'a dict is not an array');
  });

  it('a sub-view shares its exporter\'s bytes', async () => {
    const by = await suite.target.resolve('by');
    const sub = await suite.target.resolve('mv_of_bytes');
    assert.equal(sub.view.address, by.view.address + 5n);
    assert.deepEqual(sub.view.strides, [2]);
  });

  it('inspection changed nothing: contents, refcounts, buffer exports released, no torch or PIL imported', async () => {
    // Every object opened once more by name, then the program checks itself after the breakpoint.
    for (const c of CASES) await inspectArray(suite.target, c.expr, { stats: true });
    await suite.target.continueToEnd();
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { changed: string[]; checked: number; exports_held: string[]; imported: string[] };
    assert.deepEqual(r.changed, [], 'reference counts and bytes unchanged');
    assert.equal(r.checked, 20);
    assert.deepEqual(r.exports_held, [], 'bytearray and array.array resize, memoryviews release, the mmap closes');
    assert.deepEqual(r.imported, ['ctypes', 'numpy'], 'only what the program imported itself');
    assert.equal(suite.target.programOutput.join(''), 'buffers ready\nbuffers done\n');
  });
});

const COMPUTED = fixture('python', 'computed.py');
const COMPUTED_CASES = loadCases(COMPUTED);

describe('python backend on objects whose array needs computing (real debugpy, real Pillow)', () => {
  const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-computed-'));
  const resultFile = path.join(markers, 'result.json');
  const suite = pythonCaseSuite(COMPUTED, [markers, resultFile]);

  it('listing the frame runs none of it: each is listed as opening on request', async () => {
    const arrays = await suite.target.listArrays();
    const byName = new Map(arrays.map((a) => [a.expr, a]));
    for (const n of ['prop', 'method', 'img_rgb', 'img_lazy', 'img_big']) {
      const a = byName.get(n);
      assert.ok(a, `${n} is listed`);
      assert.match(a.onRequest ?? '', / when opened$/, n);
      assert.deepEqual([...a.view.shape], [0], `${n}: nothing read while listing`);
    }
    assert.ok(!fs.existsSync(path.join(markers, 'prop')), 'the __array_interface__ property did not run');
    assert.ok(!fs.existsSync(path.join(markers, 'method')), '__array__ did not run');
  });

  it('every object opened by name matches np.asarray(obj)', async () => {
    await assertCasesMatchNumpy(suite.target, COMPUTED, COMPUTED_CASES, 'direct');
    assert.ok(fs.existsSync(path.join(markers, 'prop')), 'opening ran the property');
  });

  it('says how the bytes were reached: Pillow memory without a copy, or a copy', async () => {
    const typeOf = async (e: string): Promise<string> => (await suite.target.resolve(e)).typeName;
    assert.equal(await typeOf('img_rgb'), 'PIL.Image.Image (Pillow pixel memory, no copy)');
    assert.equal(await typeOf('img_la'), 'PIL.Image.Image (Pillow pixel memory, no copy)');
    assert.equal(await typeOf('img_big'), 'PIL.Image.Image (a copy made by Pillow __array_interface__)');
    assert.equal(await typeOf('img_1'), 'PIL.Image.Image (a copy made by Pillow __array_interface__)');
    assert.equal(await typeOf('method'), '__main__.ArrayMethod (a copy made by __array__)');
    assert.equal(await typeOf('prop'), '__main__.PropertyInterface (computed __array_interface__, read once)');
    const rgb = (await suite.target.resolve('img_rgb')).view;
    assert.deepEqual([...rgb.strides], [28, 4, 1], 'RGB pixels keep Pillow\'s pad byte');
  });

  it('opening changed no reference count of the objects', async () => {
    await suite.target.continueToEnd();
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { refcounts_changed: string[] };
    assert.deepEqual(r.refcounts_changed, []);
    assert.equal(suite.target.programOutput.join(''), 'computed ready\ncomputed done\n');
  });
});
