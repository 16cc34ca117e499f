// Host-side overviews (src/engine/overview.ts): block mean / min / max against a direct computation, NaN and ±Inf
// rules, partial edge blocks, transposed regions, strided views, and strips smaller than the array.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { StridedView, cStrides, gatherView } from '../../src/core/view';
import { readReducedTile, reduceView } from '../../src/engine/overview';
import { chunkIndices, compareArrays } from '../../src/inspector/compare';
import { Transport } from '../../src/transport/transport';

function memTransport(mem: Buffer): Transport & { reads: number } {
  const t = {
    kind: 'direct' as const,
    reads: 0,
    async readView(v: StridedView): Promise<Buffer> {
      t.reads++;
      return gatherView(mem, 0n, v);
    },
  };
  return t;
}

function floats(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function f32(values: number[], shape: number[]): { t: Transport & { reads: number }; v: StridedView } {
  const mem = Buffer.from(new Float32Array(values).buffer);
  return { t: memTransport(mem), v: { address: 0n, dtype: dtype('float32'), shape, strides: cStrides(shape, 4) } };
}

describe('block overviews', () => {
  it('mean / min / max of 2×2 blocks, partial blocks at the edges', async () => {
    // 3 × 5: blocks [0:2, 0:2] [0:2, 2:4] [0:2, 4:5] / [2:3, ...]
    const vals = Array.from({ length: 15 }, (_, i) => i);
    const { t, v } = f32(vals, [3, 5]);
    const mean = await reduceView(t, v, 2, 'mean');
    assert.deepEqual([mean.rows, mean.cols], [2, 3]);
    assert.deepEqual(Array.from(mean.values), [3, 5, 6.5, 10.5, 12.5, 14]);
    assert.deepEqual(Array.from((await reduceView(t, v, 2, 'min')).values), [0, 2, 4, 10, 12, 14]);
    assert.deepEqual(Array.from((await reduceView(t, v, 2, 'max')).values), [6, 8, 9, 11, 13, 14]);
  });

  it('NaN is ignored, ±Inf only counts for min/max; a block of nothing finite keeps what it holds', async () => {
    const { t, v } = f32([NaN, 1, Infinity, 5, NaN, NaN, -Infinity, -Infinity, 2, 3, Infinity, -Infinity], [2, 6]);
    // blocks (2×2): [NaN 1 / -Inf -Inf] [Inf 5 / 2 3] [NaN NaN / Inf -Inf]
    assert.deepEqual(Array.from((await reduceView(t, v, 2, 'mean')).values), [1, 10 / 3, NaN]);
    assert.deepEqual(Array.from((await reduceView(t, v, 2, 'max')).values), [1, Infinity, Infinity]);
    assert.deepEqual(Array.from((await reduceView(t, v, 2, 'min')).values), [-Infinity, 2, -Infinity]);
    const { t: t2, v: v2 } = f32([NaN, NaN, Infinity, Infinity, Infinity, -Infinity], [1, 6]);
    assert.deepEqual(Array.from((await reduceView(t2, v2, 2, 'mean')).values), [NaN, Infinity, NaN]);
    assert.deepEqual(Array.from((await reduceView(t2, v2, 2, 'min')).values), [NaN, Infinity, -Infinity]);
  });

  it('reads in strips of whole block rows, and transposes after reducing', async () => {
    const rows = 4096;
    const cols = 1024; // 4 MiB: 8 MiB strips hold 2048 rows -> 2 reads
    const vals = Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) * 10 + (i % cols));
    const { t, v } = f32(vals, [rows, cols]);
    const tile = await readReducedTile(t, v, '[0:4096, 0:8]', true, 4, 'mean');
    assert.deepEqual(tile.shape, [2, 1024]);
    assert.equal(tile.dtype, 'float32');
    const out = floats(tile.base64);
    // out[c][r] = mean of rows 4r..4r+3, cols 4c..4c+3 = (4r + 1.5) * 10 + 4c + 1.5
    assert.equal(out[0 * 1024 + 5], (20 + 1.5) * 10 + 1.5);
    assert.equal(out[1 * 1024 + 7], (28 + 1.5) * 10 + 4 + 1.5);
    t.reads = 0;
    await reduceView(t, v, 4, 'max');
    assert.equal(t.reads, 2, 'two 8 MiB strips');
  });

  it('handles strided (negative-step) views and 1-D regions, and refuses oversize outputs', async () => {
    const { t, v } = f32([0, 1, 2, 3, 4, 5, 6, 7], [8]);
    const rev = await readReducedTile(t, v, '[::-1]', false, 4, 'mean');
    assert.deepEqual(rev.shape, [2]);
    assert.deepEqual(Array.from(floats(rev.base64)), [5.5, 1.5]);
    const big: StridedView = { address: 0n, dtype: dtype('uint8'), shape: [1 << 12, 1 << 12], strides: [0, 0] };
    await assert.rejects(readReducedTile(t, big, '[:, :]', false, 1, 'mean'), /too large/);
  });
});

describe('compare (host side)', () => {
  it('covers a whole N-d array in C order with tiles of at most 2 dims and the element limit', () => {
    assert.deepEqual([...chunkIndices([2, 3, 4], 8)], ['[0, 0:2, :]', '[0, 2:3, :]', '[1, 0:2, :]', '[1, 2:3, :]']);
    assert.deepEqual([...chunkIndices([5], 2)], ['[0:2]', '[2:4]', '[4:5]']);
    assert.deepEqual([...chunkIndices([2, 5], 2)], ['[0, 0:2]', '[0, 2:4]', '[0, 4:5]', '[1, 0:2]', '[1, 2:4]', '[1, 4:5]']);
    assert.deepEqual([...chunkIndices([])], ['[]']);
    assert.deepEqual([...chunkIndices([3, 0])], []);
  });

  it('counts like numpy: NaN at the same place is equal but never close; equal infinities are close', () => {
    const summary = (shape: number[]) => ({ expr: 'x', typeName: 't', dtype: 'float64' as const, byteOrder: 'little' as const, shape, strides: [], address: '0x0', size: 4, nbytes: 32 });
    const a = { summary: summary([2, 2]), values: Float64Array.from([1, NaN, Infinity, 1]) };
    const b = { summary: summary([2, 2]), values: Float64Array.from([1 + 1e-9, NaN, Infinity, 3]) };
    const r = compareArrays(a, b, { a: 'a', b: 'b' }, 1e-5, 1e-8, { index: '[:, :]', transpose: false });
    assert.equal(r.differing, 2);
    assert.equal(r.notClose, 2, 'the NaN pair and 1 vs 3');
    assert.equal(r.allclose, false);
    assert.equal(r.maxAbs, 2);
    assert.deepEqual(r.maxAbsIndex, [1, 1]);
    assert.throws(() => compareArrays(a, { ...b, summary: summary([4]) }, { a: 'a', b: 'b' }, 0, 0, { index: '[:]', transpose: false }), /shapes differ/);
  });
});
