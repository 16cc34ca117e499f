// Host-side overviews (src/engine/overview.ts): block mean / min / max against a direct computation, NaN and ±Inf
// rules, partial edge blocks, transposed regions, strided views, and strips smaller than the array.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { StridedView, cStrides, gatherView } from '../../src/core/view';
import { loadKernels } from '../../src/engine/kernels';
import { loadedAddon } from '../../src/engine/nativeKernels';
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

/** A transport over `mem` that also reads a view into a caller's buffer (as the direct transport does, by row runs). */
function intoTransport(mem: Buffer): Transport & { readViewInto(v: StridedView, into: Uint8Array): Promise<boolean>; into: number } {
  const t = {
    kind: 'direct' as const,
    into: 0,
    async readView(v: StridedView): Promise<Buffer> {
      return gatherView(mem, 0n, v);
    },
    async readViewInto(v: StridedView, into: Uint8Array): Promise<boolean> {
      // As the direct transport: only views made of forward row runs.
      if (v.strides.some((st) => st < 0)) return false;
      const b = gatherView(mem, 0n, v);
      into.set(b, 0);
      into.fill(0xff, b.length, Math.min(into.length, b.length + 64)); // garbage after the view must not be read
      t.into++;
      return true;
    },
  };
  return t;
}

const native = loadKernels().backend !== 'js' && typeof loadedAddon()?.reduceBlocksAsync === 'function';

describe('block overviews: the addon\'s worker-thread reduce gives the same bits as the JS loops', () => {
  // Deterministic pseudo-random values with NaN, ±Inf, negative zero and large magnitudes sprinkled in.
  function values(n: number, seed: number): number[] {
    let s = seed >>> 0;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return Array.from({ length: n }, () => {
      const r = next();
      if (r < 0.02) return NaN;
      if (r < 0.03) return Infinity;
      if (r < 0.04) return -Infinity;
      if (r < 0.05) return -0;
      return (next() - 0.5) * (r < 0.1 ? 1e30 : 1000);
    });
  }

  it('float32 and float64, C-order and row slices (pooled strips), odd sizes and factors, every mode', { skip: !native && 'the addon is not loaded in this run' }, async () => {
    let cases = 0;
    for (const name of ['float32', 'float64'] as const) {
      for (const [R, W, C, factor] of [[37, 50, 50, 4], [64, 64, 40, 16], [9, 7, 7, 3], [5, 1000, 333, 7], [300, 3, 3, 1], [16, 16, 16, 32]]) {
        const dt = dtype(name);
        const vals = values(R * W, R * 7919 + W * 31 + factor);
        const mem = Buffer.from((name === 'float32' ? new Float32Array(vals) : new Float64Array(vals)).buffer);
        // A column window [1 : 1 + C] of rows W wide when C < W (rows W * itemsize apart), else the whole array.
        const off = C < W ? 1 : 0;
        const v: StridedView = { address: BigInt(off * dt.itemsize), dtype: dt, shape: [R, C], strides: [W * dt.itemsize, dt.itemsize] };
        for (const mode of ['mean', 'min', 'max'] as const) {
          const js = await reduceView(memTransport(mem), v, factor, mode, undefined, 'js');
          const t = intoTransport(mem);
          const nat = await reduceView(t, v, factor, mode, undefined, 'native');
          assert.ok(t.into > 0, 'the native path read the strips into pooled buffers');
          const viaView = await reduceView(memTransport(mem), v, factor, mode, undefined, 'native');
          assert.deepEqual([nat.rows, nat.cols], [js.rows, js.cols]);
          for (let i = 0; i < js.values.length; i++) {
            assert.ok(Object.is(nat.values[i], js.values[i]), `${name} [${R}x${C}/${W}] f${factor} ${mode} block ${i}: native ${nat.values[i]} vs js ${js.values[i]}`);
            assert.ok(Object.is(viaView.values[i], js.values[i]), `${name} ${mode} block ${i} (gathered strips)`);
          }
          cases++;
        }
      }
    }
    assert.equal(cases, 36);
  });

  it('int16 and a reversed (negative-stride) view go through gathered strips with the same results', { skip: !native && 'the addon is not loaded in this run' }, async () => {
    const vals = values(40 * 30, 5).map((x) => (Number.isFinite(x) ? Math.max(-32768, Math.min(32767, Math.round(x))) : 0));
    const mem = Buffer.from(new Int16Array(vals).buffer);
    const v: StridedView = { address: BigInt((39 * 30) * 2), dtype: dtype('int16'), shape: [40, 30], strides: [-60, 2] };
    for (const mode of ['mean', 'min', 'max'] as const) {
      const t = intoTransport(mem);
      const nat = await reduceView(t, v, 4, mode, undefined, 'native');
      const js = await reduceView(memTransport(mem), v, 4, mode, undefined, 'js');
      assert.equal(t.into, 0, 'not into pooled buffers: int16 (converted) and negative strides');
      assert.deepEqual(Array.from(nat.values), Array.from(js.values));
    }
  });

  it('the addon checks what it is given: short x, wrong output sizes, bad mode', { skip: !native && 'the addon is not loaded in this run' }, async () => {
    const red = loadedAddon()!.reduceBlocksAsync;
    const out = (n: number) => [new Float64Array(n), new Float64Array(n), new Uint8Array(n)] as const;
    assert.throws(() => red(new Float32Array(10), 3, 4, 4, 2, 'mean', ...out(4)), /shorter than/);
    assert.throws(() => red(new Float32Array(16), 4, 4, 4, 2, 'mean', ...out(3)), /entries/);
    assert.throws(() => red(new Float32Array(16), 4, 4, 3, 2, 'mean', ...out(4)), /stride at least cols/);
    assert.throws(() => red(new Float32Array(16), 4, 4, 4, 2, 'median' as 'mean', ...out(4)), /mode/);
    assert.throws(() => red(new Int32Array(16) as unknown as Float32Array, 4, 4, 4, 2, 'mean', ...out(4)), /Float32Array or Float64Array/);
    const [acc, cnt, flags] = out(4);
    await red(new Float32Array([1, 2, NaN, 4, 5, 6, Infinity, 8, 9, 10, 11, 12, 13, 14, 15, -Infinity]), 4, 4, 4, 2, 'mean', acc, cnt, flags);
    assert.deepEqual([...acc], [14, 12, 46, 38]);
    assert.deepEqual([...cnt], [4, 2, 4, 3]);
    assert.deepEqual([...flags], [0, 3, 0, 4]);
  });
});
