// Real debugpy: buffer-protocol objects (bytes, bytearray, array.array, ctypes arrays, memoryviews, mmap) read in
// place, compared with NumPy's view of the same memory; inspection leaves refcounts and buffer exports as they were.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { PythonTarget } from '../../src/backends/python/target';
import { inspectArray } from '../../src/engine/engine';
import { TransportKind } from '../../src/transport/transport';
import { assertCasesMatchNumpy, loadCases } from '../helpers/cases';
import { PYTHON, fixture, markerLine } from '../helpers/env';

const BUFFERS = fixture('python', 'buffers.py');
const CASES = loadCases(BUFFERS);

describe('python backend on buffer-protocol objects (real debugpy)', () => {
  let target: PythonTarget;
  const resultFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-buffers-')), 'result.json');

  before(async () => {
    target = await PythonTarget.launch({
      python: PYTHON,
      program: BUFFERS,
      args: [resultFile],
      breakpoint: { file: BUFFERS, line: markerLine(BUFFERS, '# BREAK') },
    });
  });

  after(async () => {
    await target?.close();
  });

  for (const transport of ['direct', 'memfd', 'evaluate'] as TransportKind[]) {
    it(`every case matches NumPy through the ${transport} transport`, async () => {
      await assertCasesMatchNumpy(target, BUFFERS, CASES, transport);
    });
  }

  it('lists every buffer exporter with its dtype, shape and strides, in place', async () => {
    const arrays = await target.listArrays();
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
    const by = await target.resolve('by');
    const sub = await target.resolve('mv_of_bytes');
    assert.equal(sub.view.address, by.view.address + 5n);
    assert.deepEqual(sub.view.strides, [2]);
  });

  it('inspection changed nothing: contents, refcounts, buffer exports released, no torch or PIL imported', async () => {
    // Every object opened once more by name, then the program checks itself after the breakpoint.
    for (const c of CASES) await inspectArray(target, c.expr, { stats: true });
    await target.continueToEnd();
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { changed: string[]; checked: number; exports_held: string[]; imported: string[] };
    assert.deepEqual(r.changed, [], 'reference counts and bytes unchanged');
    assert.equal(r.checked, 20);
    assert.deepEqual(r.exports_held, [], 'bytearray and array.array resize, memoryviews release, the mmap closes');
    assert.deepEqual(r.imported, ['ctypes', 'numpy'], 'only what the program imported itself');
    assert.equal(target.programOutput.join(''), 'buffers ready\nbuffers done\n');
  });
});
