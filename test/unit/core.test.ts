// Core model against NumPy: slicing (shape, strides, offset) and whole-array stats on NumPy-generated vectors.

import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { dtype, parseDType, typestr } from '../../src/core/dtype';
import { toJson, viewValues } from '../../src/core/decode';
import { sliceView, parseIndex, formatIndex } from '../../src/core/indexing';
import { parseRawLayout } from '../../src/core/layout';
import { npyView, parseNpyHeader } from '../../src/core/npy';
import { binIndex, histogramSpec, hypot, jsKernels, statsOfBuffer } from '../../src/core/stats';
import { StridedView, byteExtent, cStrides, gatherView, memoryOrder, outerChunks, validateView } from '../../src/core/view';
import { loadKernels } from '../../src/engine/kernels';
import { PYTHON, ROOT } from '../helpers/env';

const VECTORS = path.join(ROOT, 'test', 'unit', 'py', 'vectors.py');

function py(args: string[]): string {
  return execFileSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

describe('NumPy basic indexing', () => {
  const cases = JSON.parse(py([VECTORS, 'indexing', '20261122', '600'])) as {
    shape: number[];
    strides: number[];
    index: string;
    out_shape: number[];
    out_strides: number[];
    offset: number | null;
  }[];
  it(`matches NumPy on ${cases.length} random views and indices`, () => {
    for (const c of cases) {
      const base: StridedView = { address: 1_000_000n, dtype: dtype('int32'), shape: c.shape, strides: c.strides };
      const v = sliceView(base, c.index);
      const label = `${JSON.stringify(c.shape)}/${JSON.stringify(c.strides)} ${c.index}`;
      assert.deepEqual(v.shape, c.out_shape, label);
      assert.deepEqual(v.strides, c.out_strides, label);
      if (c.offset !== null) assert.equal(Number(v.address - base.address), c.offset, label);
    }
  });
  it('parses and prints indices', () => {
    assert.equal(formatIndex(parseIndex('[1, :, ::-2]')), '[1, :, ::-2]');
    assert.equal(formatIndex(parseIndex('..., 0')), '[..., 0]');
    assert.equal(formatIndex(parseIndex('[None, 2:]')), '[None, 2:]');
  });
  it('rejects what is not basic indexing with a reason', () => {
    assert.throws(() => parseIndex('[1, [2, 3]]'), /fancy indexing/);
    assert.throws(() => parseIndex('[..., ...]'), /single ellipsis/);
    assert.throws(() => parseIndex('[::0]'), /step cannot be zero/);
    assert.throws(() => parseIndex('[a]'), /'a' is not an integer/);
    assert.throws(() => parseIndex('[1'), /missing closing bracket/);
    const v: StridedView = { address: 16n, dtype: dtype('float32'), shape: [3, 4], strides: [16, 4] };
    assert.throws(() => sliceView(v, '[3]'), /index 3 is out of bounds for axis 0 with size 3/);
    assert.throws(() => sliceView(v, '[0, 0, 0]'), /too many indices for array: array is 2-dimensional, but 3 were indexed/);
  });
});

describe('strided views', () => {
  it('validates absurd shapes before anything is read', () => {
    const f = dtype('float64');
    assert.throws(() => validateView({ address: 8n, dtype: f, shape: [2 ** 40, 2 ** 20], strides: [8 * 2 ** 20, 8] }), /overflows/);
    assert.throws(() => validateView({ address: 8n, dtype: f, shape: [-1], strides: [8] }), /non-negative/);
    assert.throws(() => validateView({ address: 0n, dtype: f, shape: [4], strides: [8] }), /null data pointer/);
    assert.throws(() => validateView({ address: 8n, dtype: f, shape: [4], strides: [-8] }), /below address 0/);
    assert.throws(() => validateView({ address: 8n, dtype: f, shape: [4], strides: [8, 8] }), /strides has 2/);
    validateView({ address: 0n, dtype: f, shape: [0, 5], strides: [40, 8] }); // empty arrays may have any pointer
  });
  it('memory order keeps the element multiset and is contiguous for transposes and reversals', () => {
    const v: StridedView = { address: 1000n, dtype: dtype('float32'), shape: [5, 7], strides: [4, 20] };
    const m = memoryOrder(v);
    assert.deepEqual(m.shape, [35]);
    assert.deepEqual(m.strides, [4]);
    const r = memoryOrder({ address: 1000n + 136n, dtype: dtype('float32'), shape: [5, 7], strides: [-28, -4] });
    assert.equal(r.address, 1000n);
    assert.deepEqual(r.shape, [35]);
  });
  it('gathers any strided view in C order, and chunks cover every element once', () => {
    const src = new Uint8Array(256).map((_, i) => i);
    const v: StridedView = { address: 200n, dtype: dtype('uint8'), shape: [3, 4], strides: [-50, 3] };
    const g = gatherView(src, 0n, v);
    assert.deepEqual([...g], [200, 203, 206, 209, 150, 153, 156, 159, 100, 103, 106, 109]);
    const chunks = [...outerChunks({ address: 0n, dtype: dtype('uint8'), shape: [10, 10], strides: [10, 1] }, 7)];
    assert.equal(chunks.reduce((s, c) => s + c.shape.reduce((a, b) => a * b, 1), 0), 100);
    assert.deepEqual(byteExtent(v), { lo: -100, hi: 10 });
    assert.deepEqual(cStrides([2, 3, 4], 8), [96, 32, 8]);
  });
});

describe('dtypes, layouts, JSON', () => {
  it('parses NumPy codes and native names', () => {
    assert.deepEqual(parseDType('>f4'), { name: 'float32', kind: 'f', itemsize: 4, byteOrder: 'big' });
    assert.equal(parseDType('uint8_t').name, 'uint8');
    assert.equal(parseDType('f64').name, 'float64');
    assert.equal(parseDType('|b1').name, 'bool');
    assert.equal(typestr(dtype('bfloat16', 'little')), '<V2');
    assert.throws(() => parseDType('<M8'), /unsupported dtype '<M8'/);
  });
  it('parses raw layouts with expressions and strides', () => {
    const l = parseRawLayout('m.data as float32[m.rows, m.cols]')!;
    assert.equal(l.pointer, 'm.data');
    assert.deepEqual(l.dims, ['m.rows', 'm.cols']);
    const s = parseRawLayout('p as uint8[16,20,3] strides [60, 3, 1]')!;
    assert.deepEqual(s.strides, ['60', '3', '1']);
    assert.equal(parseRawLayout('holder.data'), null);
    assert.throws(() => parseRawLayout('p as float32[2,3] strides [4]'), /2 dimensions but 1 strides/);
  });
  it('writes int64 exactly and NaN/Inf as text', () => {
    const b = Buffer.alloc(24);
    b.writeBigInt64LE(-(2n ** 63n), 0);
    b.writeDoubleLE(NaN, 8);
    b.writeDoubleLE(-Infinity, 16);
    assert.equal(toJson(viewValues(b, { address: 0n, dtype: dtype('int64'), shape: [1], strides: [8] })), '[-9223372036854775808]');
    assert.equal(toJson(viewValues(b, { address: 8n, dtype: dtype('float64'), shape: [2], strides: [8] })), '["nan","-inf"]');
  });
  it('reads .npy headers', () => {
    const hdr = "{'descr': '>i2', 'fortran_order': True, 'shape': (3, 4), }";
    const h = parseNpyHeader(Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, hdr.length, 0]), Buffer.from(hdr)]));
    assert.deepEqual(npyView(h).strides, [2, 6]);
    assert.equal(h.dtype.byteOrder, 'big');
  });
});

describe('stats against NumPy', () => {
  it('histogram bins follow numpy.histogram exactly at the edges', () => {
    const spec = histogramSpec(0, 1, 10);
    assert.equal(binIndex(1, spec), 9);
    assert.equal(binIndex(0, spec), 0);
    assert.equal(binIndex(0.1, spec), 1);
    assert.equal(binIndex(2, spec), -1);
    assert.deepEqual([...histogramSpec(3, 3, 2).edges], [2.5, 3, 3.5]);
  });
  it('complex magnitude equals NumPy abs() bit for bit', () => {
    const pairs: [number, number][] = [];
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 10 ** Math.floor((seed % 9) - 4);
    for (let i = 0; i < 2000; i++) pairs.push([rnd(), rnd()]);
    const expected = JSON.parse(
      execFileSync(PYTHON, ['-c', 'import json,sys,numpy as np; p=np.array(json.load(sys.stdin)); print(json.dumps(np.abs(p[:,0]+1j*p[:,1]).tolist()))'], {
        encoding: 'utf8',
        input: JSON.stringify(pairs),
      }),
    ) as number[];
    pairs.forEach(([a, b], i) => assert.equal(hypot(a, b), expected[i], `hypot(${a}, ${b})`));
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-stats-'));
  const vectors = JSON.parse(py([VECTORS, 'stats', dir, '424242', '76'])) as {
    file: string;
    dtype: string;
    bins: number;
    slice: string | null;
    stats: Record<string, unknown> & { min: number | string | null; max: number | string | null; mean: number | null; std: number | null; histogram: { lo: number | null; hi: number | null; counts: number[] } };
  }[];
  const kernels = [jsKernels, loadKernels().kernels].filter((k, i, a) => a.findIndex((x) => x.name === k.name) === i);
  for (const k of kernels) {
    it(`${k.name} kernels equal NumPy on ${vectors.length} random arrays (every dtype, byte order, order, NaN/Inf)`, async () => {
      for (const vec of vectors) {
        const buf = fs.readFileSync(vec.file);
        let view = npyView(parseNpyHeader(buf));
        if (vec.slice) view = sliceView(view, vec.slice);
        const s = await statsOfBuffer(buf, view, vec.bins, k);
        const e = vec.stats;
        const label = `${path.basename(vec.file)} ${vec.dtype}${vec.slice ?? ''} bins=${vec.bins}`;
        for (const key of ['count', 'nan', 'posinf', 'neginf', 'zeros'] as const) assert.equal(s[key], e[key], `${label} ${key}`);
        assert.equal(s.min === null ? null : String(s.min), e.min === null ? null : String(e.min), `${label} min`);
        assert.equal(s.max === null ? null : String(s.max), e.max === null ? null : String(e.max), `${label} max`);
        if (e.mean === null) assert.equal(s.mean, null);
        else {
          const scale = Math.max(1, Math.abs(e.mean));
          assert.ok(Math.abs(s.mean! - e.mean) <= 1e-9 * Math.abs(e.mean) + 1e-12 * scale, `${label} mean ${s.mean} vs ${e.mean}`);
          assert.ok(Math.abs(s.std! - e.std!) <= 1e-7 * Math.abs(e.std!) + 1e-12 * scale, `${label} std ${s.std} vs ${e.std}`);
        }
        assert.deepEqual(s.histogram.counts, e.histogram.counts, `${label} histogram`);
        assert.equal(s.histogram.lo, e.histogram.lo, `${label} lo`);
        assert.equal(s.histogram.hi, e.histogram.hi, `${label} hi`);
      }
    });
  }
});
