// The leak scan's native SIMD kernel (addon markPointers, every ISA this CPU runs) against the JS reference
// (src/leaks/scan.ts markPointers) on heap-like images: the same blocks marked in the same order of discovery,
// whatever the buffer's alignment or length; bad indexes are JS exceptions before any read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockIndex, blockIndex, markPointers, scanKernel } from '../../src/leaks/scan';
import { loadKernels } from '../../src/engine/kernels';
import { loadedAddon } from '../../src/engine/nativeKernels';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
}

/** Blocks spread over a range, and an image of `words` u64 words: noise, near misses, exact and interior hits. */
function heap(seed: number, blocks: number, words: number): { index: BlockIndex; bytes: Uint8Array } {
  const r = rng(seed);
  const base = 0x7f12_3400_0000 + Math.floor(r() * 1000) * 4096;
  const list: { addr: number; size: number }[] = [];
  let at = base;
  for (let i = 0; i < blocks; i++) {
    at += 16 * (1 + Math.floor(r() * 4000));
    const size = 16 * (1 + Math.floor(r() * 300));
    list.push({ addr: at, size });
    at += size;
  }
  const index = blockIndex(list);
  const bytes = new Uint8Array(words * 8 + 16);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < words; i++) {
    const k = r();
    let v: number;
    if (k < 0.02) v = list[Math.floor(r() * blocks)].addr;
    else if (k < 0.04) {
      const b = list[Math.floor(r() * blocks)];
      v = b.addr + Math.floor(r() * (b.size + 32)) - 16; // inside, just before, just past
    } else if (k < 0.06) v = base - 8 + Math.floor(r() * (at - base + 64)); // anywhere around the blocks
    else if (k < 0.5) v = Math.floor(r() * 1e6);
    else {
      dv.setFloat64(i * 8, r() * 100, true);
      continue;
    }
    dv.setBigUint64(i * 8, BigInt(v), true);
  }
  return { index, bytes };
}

function jsMarks(bytes: Uint8Array, index: BlockIndex, interior: boolean): { marks: Uint8Array; newly: number[] } {
  const marks = new Uint8Array(index.starts.length);
  const newly: number[] = [];
  const aligned = new Uint32Array(Math.floor(bytes.length / 8) * 2);
  new Uint8Array(aligned.buffer).set(bytes.subarray(0, aligned.byteLength));
  markPointers(aligned, index, marks, newly, interior);
  return { marks, newly };
}

describe('leak scan kernel: native SIMD vs JS reference', () => {
  const choice = loadKernels();
  const addon = loadedAddon();

  it('the scan uses the native kernel when the addon is loaded, else says js', () => {
    assert.equal(scanKernel().name, addon && choice.backend.startsWith('native-') ? choice.backend : 'js');
  });

  it('marks the same blocks in the same order as the JS kernel (every ISA, offsets, odd lengths, interior or not)', () => {
    if (!addon) {
      console.log(`# native addon not loaded (${choice.reason}): JS kernel only`);
      return;
    }
    let hits = 0;
    for (const isa of addon.backend().supported) {
      for (let seed = 1; seed <= 12; seed++) {
        const { index, bytes } = heap(seed, 50 + seed * 37, 5000 + seed * 97);
        for (const interior of [false, true]) {
          for (const shift of [0, 3, 8]) {
            const buf = bytes.subarray(shift, bytes.length - 16 + shift + (seed % 8)); // unaligned starts, ragged ends
            const want = jsMarks(buf, index, interior);
            const marks = new Uint8Array(index.starts.length);
            const got: number[] = Array.from(addon.markPointers(buf, index.starts, index.ends, marks, { isa, interior }));
            assert.deepEqual(got, want.newly, `${isa} seed ${seed} interior ${interior} shift ${shift}`);
            assert.deepEqual(marks, want.marks);
            hits += got.length;
            // Already-marked blocks are not reported again.
            assert.equal(addon.markPointers(buf, index.starts, index.ends, marks, { isa, interior }).length, 0);
          }
        }
      }
    }
    assert.ok(hits > 1000, `the images hit blocks (${hits})`);
  });

  it('rejects bad indexes and arguments with an exception, before reading', () => {
    if (!addon) return;
    const words = new Uint8Array(64);
    const m = (n: number): Uint8Array => new Uint8Array(n);
    assert.throws(() => addon.markPointers(words, Float64Array.of(32, 16), Float64Array.of(48, 20), m(2)), /sorted/);
    // Overlapping blocks are allowed, as in the JS kernel (tracker blocks and census arrays can overlap).
    const over = { starts: Float64Array.of(16, 32), ends: Float64Array.of(400, 48) };
    const img = new Uint8Array(32);
    new DataView(img.buffer).setBigUint64(0, 40n, true); // inside both: the last block starting at or before it
    new DataView(img.buffer).setBigUint64(8, 100n, true); // inside the first only: not the last start <= it
    new DataView(img.buffer).setBigUint64(16, 16n, true); // the first's start
    for (const interior of [false, true]) {
      const want = jsMarks(img, over, interior);
      const marks = m(2);
      assert.deepEqual(Array.from(addon.markPointers(img, over.starts, over.ends, marks, { interior })), want.newly, `overlap, interior ${interior}`);
      assert.deepEqual(marks, want.marks);
    }
    assert.throws(() => addon.markPointers(words, Float64Array.of(16.5), Float64Array.of(20), m(1)), /integer/);
    assert.throws(() => addon.markPointers(words, Float64Array.of(16), Float64Array.of(8), m(1)), /start <= end/);
    assert.throws(() => addon.markPointers(words, Float64Array.of(16), Float64Array.of(20), m(2)), /same length/);
    assert.throws(() => addon.markPointers(words, Float64Array.of(16), Float64Array.of(20), m(1), { interior: 1 as unknown as boolean }), /boolean/);
    assert.throws(() => addon.markPointers(words, [16] as unknown as Float64Array, Float64Array.of(20), m(1)), /Float64Array/);
    assert.equal(addon.markPointers(words, new Float64Array(0), new Float64Array(0), m(0)).length, 0);
    assert.equal(addon.markPointers(new Uint8Array(7), Float64Array.of(16), Float64Array.of(20), m(1)).length, 0);
  });
});
