// readViewByRanges: any strided view read through a raw-range reader equals a gather from the same memory,
// and sparse tiles cost a few grouped reads, not one per row.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { StridedView, gatherView } from '../../src/core/view';
import { readViewByRanges } from '../../src/transport/transport';

describe('reading views through raw ranges', () => {
  const mem = Buffer.alloc(64 << 20);
  for (let i = 0; i < mem.length; i += 4) mem.writeUInt32LE(i / 4, i);
  const cases: [string, StridedView, number][] = [
    ['512x512 tile of an 8192-wide image', { address: 0n, dtype: dtype('uint32'), shape: [512, 512], strides: [8192 * 4, 4] }, 8],
    ['reversed rows, every other column', { address: BigInt(511 * 8192 * 4 + 40), dtype: dtype('uint32'), shape: [512, 100], strides: [-8192 * 4, 8] }, 8],
    ['3-d with 4 MiB outer stride', { address: 0n, dtype: dtype('uint32'), shape: [3, 4, 5], strides: [4 << 20, 4096, 4] }, 3],
    ['dense', { address: 400n, dtype: dtype('float64'), shape: [100, 10], strides: [80, 8] }, 1],
    ['unaligned, stride not a multiple of the itemsize', { address: 3n, dtype: dtype('int16'), shape: [50], strides: [11] }, 1],
  ];
  for (const [label, v, maxReads] of cases) {
    it(label, async () => {
      let reads = 0;
      const got = await readViewByRanges(async (a, l) => {
        reads++;
        return mem.subarray(Number(a), Number(a) + l);
      }, v);
      assert.ok(got.equals(gatherView(mem, 0n, v)));
      assert.ok(reads <= maxReads, `${reads} reads`);
    });
  }
});
