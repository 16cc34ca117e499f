// The alias index within one listing (src/pairing/sameBytes.ts): which arrays of one frame are the same bytes, with
// numpy.may_share_memory as the reference on random strided views of one buffer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { StridedView } from '../../src/core/view';
import { listingAliases, sameBytesIndex, withListingAliases } from '../../src/pairing/sameBytes';
import { ArraySummary, aliasText } from '../../src/protocol/dap';
import { runPython } from '../helpers/env';

const f32 = dtype('float32');

function view(address: number, shape: number[], strides: number[], dt = f32): StridedView {
  return { address: BigInt(address), dtype: dt, shape, strides };
}

function summary(expr: string, v: StridedView, extra: Partial<ArraySummary> = {}): ArraySummary {
  const size = v.shape.reduce((a, b) => a * b, 1);
  return {
    expr,
    typeName: 'numpy.ndarray',
    dtype: v.dtype.name,
    byteOrder: 'little',
    shape: [...v.shape],
    strides: [...v.strides],
    address: `0x${v.address.toString(16)}`,
    size,
    nbytes: size * v.dtype.itemsize,
    ...extra,
  };
}

describe('arrays of one listing over the same bytes', () => {
  it('finds views of one buffer, not neighbours that only touch, nor empty views', () => {
    const views = [
      view(0x1000, [4, 8], [32, 4]), // 0: base, bytes [0x1000, 0x1080)
      view(0x1000 + 31 * 4, [8, 4], [-4, -32]), // 1: base[::-1, ::-1].T, same extent
      view(0x1080, [16], [4]), // 2: the next buffer, starts where 0 ends
      view(0x1040, [0], [4]), // 3: empty, inside 0
      view(0x107c, [], []), // 4: 0-d, the last float of 0
      view(0x2000, [3], [0]), // 5: broadcast, alone
    ];
    assert.deepEqual(sameBytesIndex(views), [[1, 4], [0, 4], [], [], [0, 1], []]);
  });

  it('names the others with their language; a Rust view and its NumPy array in a mixed listing', () => {
    const arrays = [
      { expr: 'view', language: 'native' as const, view: view(0x5000, [10], [4]) },
      { expr: 'a', language: 'python' as const, view: view(0x5000, [10], [4]) },
      { expr: 'other', language: 'python' as const, view: view(0x9000, [10], [4]) },
    ];
    assert.deepEqual(listingAliases(arrays), [[{ language: 'python', expr: 'a' }], [{ language: 'native', expr: 'view' }], []]);
  });

  it('adds to the aliases an array already carries, once each', () => {
    const a = summary('a', view(0x1000, [4], [4]), { language: 'python', aliases: [{ language: 'native', expr: 'v' }, { language: 'python', expr: 't' }] });
    const t = summary('t', view(0x1004, [2], [4]), { language: 'python' });
    const lone = summary('lone', view(0x3000, [2], [4]));
    const out = withListingAliases([a, t, lone]);
    assert.deepEqual(out[0].aliases, [{ language: 'native', expr: 'v' }, { language: 'python', expr: 't' }]);
    assert.deepEqual(out[1].aliases, [{ language: 'python', expr: 'a' }]);
    assert.equal(out[2], lone, 'an array sharing nothing is returned as it was');
    assert.equal(aliasText(out[0].aliases!, 'python'), 'v (native), t');
    assert.equal(aliasText(out[0].aliases!), 'v (native), t (python)');
  });

  it('caps the aliases of one array at what the protocol carries (64)', () => {
    const many = Array.from({ length: 200 }, (_, i) => view(0x1000 + 4 * (i % 5), [10], [4]));
    const index = sameBytesIndex(many);
    assert.ok(index.every((l) => l.length === 64));
  });

  it('agrees with numpy.may_share_memory on random strided views of one buffer', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const views: { offset: number; shape: number[]; strides: number[] }[] = [];
    for (let k = 0; k < 120; k++) {
      const nd = rand(3) + 1;
      const shape = Array.from({ length: nd }, () => rand(4));
      const strides = shape.map(() => (rand(9) - 4) * 4);
      // Keep every element inside a 4096-byte buffer.
      let lo = 0;
      let hi = 0;
      shape.forEach((n, i) => (n > 0 ? (strides[i] < 0 ? (lo += (n - 1) * strides[i]) : (hi += (n - 1) * strides[i])) : 0));
      const offset = -lo + 4 * rand(Math.max(1, (4096 - 4 - (hi - lo)) / 4));
      views.push({ offset, shape, strides });
    }
    const py = String.raw`
import json, sys
import numpy as np
buf = np.zeros(1024, np.float32)
vs = [np.ndarray(v["shape"], np.float32, buf, v["offset"], v["strides"]) for v in json.loads(sys.stdin.read())]
print(json.dumps([[j for j, b in enumerate(vs) if j != i and np.may_share_memory(a, b)] for i, a in enumerate(vs)]))
`;
    const expected = JSON.parse(runPython(['-c', py], JSON.stringify(views))) as number[][];
    const got = sameBytesIndex(views.map((v) => view(0x10000 + v.offset, v.shape, v.strides)), 1000);
    assert.deepEqual(got, expected);
  });
});
