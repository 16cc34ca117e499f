// Aliases of a native attach session under a js-debug session: the JavaScript arrays recorded at the last JS stop
// whose bytes overlap a native array (src/adapter/node/attachAliases.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeAliasingArraySource, RecordingArraySource, withNodeAliases } from '../../src/adapter/node/attachAliases';
import { ArraySource } from '../../src/adapter/session';
import { ArraySummary, InspectBody } from '../../src/protocol/dap';

function arr(expr: string, address: number, dtype: ArraySummary['dtype'], itemsize: number, n: number, stride = itemsize): ArraySummary {
  return { expr, typeName: 't', dtype, byteOrder: 'little', shape: [n], strides: [stride], address: `0x${address.toString(16)}`, size: n, nbytes: n * itemsize };
}

function fixed(arrays: ArraySummary[]): ArraySource {
  return {
    listArrays: () => Promise.resolve(arrays),
    inspect: () => Promise.reject(new Error('unused')) as Promise<InspectBody>,
    invalidate: () => undefined,
  };
}

describe('native arrays aliased to JavaScript arrays recorded at the last JS stop', () => {
  const js = [arr('pixels', 0x1000, 'uint8', 1, 64), arr('floats', 0x2000, 'float32', 4, 16), arr('empty', 0x3000, 'uint8', 1, 0)];

  it('overlap of any byte, not only the same start; empty arrays alias nothing', () => {
    const native = [arr('data', 0x1000, 'uint8', 1, 64), arr('tail', 0x1020, 'uint32', 4, 4), arr('f', 0x203c, 'float32', 4, 1), arr('other', 0x2040, 'float32', 4, 4), arr('z', 0x3000, 'uint8', 1, 4)];
    const out = withNodeAliases(native, js);
    assert.deepEqual(out.map((a) => a.aliases ?? []), [
      [{ language: 'node', expr: 'pixels' }],
      [{ language: 'node', expr: 'pixels' }],
      [{ language: 'node', expr: 'floats' }],
      [],
      [],
    ]);
  });

  it('negative strides: the extent below the first element counts', () => {
    const reversed = { ...arr('rev', 0x203c, 'float32', 4, 16, -4) };
    assert.deepEqual(withNodeAliases([reversed], js)[0].aliases, [{ language: 'node', expr: 'floats' }]);
    const below = { ...arr('below', 0x2000 - 4, 'float32', 4, 4, -4) };
    assert.equal(withNodeAliases([below], js)[0].aliases, undefined);
  });

  it('the sources: the JS listing is recorded and kept; the native listing gets the aliases', async () => {
    const rec = new RecordingArraySource(fixed(js));
    const native = new NodeAliasingArraySource(fixed([arr('data', 0x1010, 'uint8', 1, 4)]), () => rec.recorded);
    assert.equal((await native.listArrays(1))[0].aliases, undefined, 'nothing recorded yet');
    await rec.listArrays(7);
    rec.invalidate();
    assert.deepEqual((await native.listArrays(1))[0].aliases, [{ language: 'node', expr: 'pixels' }]);
  });
});
