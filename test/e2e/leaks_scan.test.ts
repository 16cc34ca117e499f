// The unreferenced-scan kernel and interval arithmetic on hand-made memory images (pure logic; it lives beside the
// leak e2e tests it serves).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockIndex, markPointers, subtractIntervals } from '../../src/leaks/scan';

function image(values: number[]): Uint32Array {
  const w = new Uint32Array(values.length * 2);
  values.forEach((v, i) => {
    w[2 * i] = v % 4294967296;
    w[2 * i + 1] = Math.floor(v / 4294967296);
  });
  return w;
}

describe('leak scan kernel', () => {
  const A = 0x55d400001000;
  const B = 0x55d400009000;
  const C = 0x7f1200000000;
  const index = blockIndex([
    { addr: C, size: 64 },
    { addr: A, size: 4096 },
    { addr: B, size: 16 },
  ]);

  it('marks blocks whose first byte a word points to', () => {
    const marks = new Uint8Array(3);
    const newly: number[] = [];
    const n = markPointers(image([0, 1.5, A, A + 8, 42, C + 64, B]), index, marks, newly);
    assert.equal(n, 2);
    assert.deepEqual([...marks], [1, 1, 0], 'A and B by their starts; C + 64 is one past its end');
    assert.deepEqual(newly.sort(), [0, 1]);
  });

  it('with interior pointers, anywhere inside counts, one past the end does not', () => {
    const marks = new Uint8Array(3);
    markPointers(image([A + 4095, C + 64, B + 15]), index, marks, [], true);
    assert.deepEqual([...marks], [1, 1, 0]);
  });

  it('a block is counted once however many words point to it', () => {
    const marks = new Uint8Array(3);
    const newly: number[] = [];
    assert.equal(markPointers(image([A, A, A]), index, marks, newly), 1);
    assert.deepEqual(newly, [0]);
  });

  it('subtracts holes from root ranges', () => {
    assert.deepEqual(
      subtractIntervals(
        [
          [0, 100],
          [200, 300],
        ],
        [
          [10, 20],
          [90, 210],
          [250, 260],
        ],
      ),
      [
        [0, 10],
        [20, 90],
        [210, 250],
        [260, 300],
      ],
    );
    assert.deepEqual(subtractIntervals([[0, 10]], []), [[0, 10]]);
    assert.deepEqual(subtractIntervals([[5, 10]], [[0, 20]]), []);
  });
});
