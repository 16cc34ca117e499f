// Aliases between the two sessions of a Node + addon pair (js-debug + an lldb-dap attach child): each side's arrays
// marked with the other side's last listing where the bytes overlap (src/pairing/pairedSource.ts), and how
// alias lists read (src/protocol/dap.ts aliasText).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PairedArraySource, knownArray, withAliases } from '../../src/pairing/pairedSource';
import { ArraySource } from '../../src/engine/arraySource';
import { ArraySummary, InspectBody, KnownArray, aliasText } from '../../src/protocol/dap';

function arr(expr: string, address: number, dtype: ArraySummary['dtype'], itemsize: number, n: number, stride = itemsize): ArraySummary {
  return { expr, typeName: 't', dtype, byteOrder: 'little', shape: [n], strides: [stride], address: `0x${address.toString(16)}`, size: n, nbytes: n * itemsize };
}

/** A source that answers with fixed arrays and remembers the `known` arrays it was given. */
function fixed(arrays: ArraySummary[]): ArraySource & { known: (readonly KnownArray[] | undefined)[] } {
  const known: (readonly KnownArray[] | undefined)[] = [];
  return {
    known,
    listArrays: (_frameId: number, k?: readonly KnownArray[]) => {
      known.push(k);
      return Promise.resolve(arrays);
    },
    inspect: (args) => Promise.resolve({ array: arrays.find((a) => a.expr === args.expr)!, transport: 'direct' } as InspectBody),
    invalidate: () => undefined,
  };
}

describe('Node + addon pair: aliases from the other side of the process', () => {
  const js = [arr('pixels', 0x1000, 'uint8', 1, 64), arr('floats', 0x2000, 'float32', 4, 16), arr('empty', 0x3000, 'uint8', 1, 0)];
  const recordedJs = { language: 'node' as const, arrays: js };

  it('overlap of any byte, not only the same start; empty arrays alias nothing', () => {
    const native = [arr('data', 0x1000, 'uint8', 1, 64), arr('tail', 0x1020, 'uint32', 4, 4), arr('f', 0x203c, 'float32', 4, 1), arr('other', 0x2040, 'float32', 4, 4), arr('z', 0x3000, 'uint8', 1, 4)];
    const out = withAliases(native, recordedJs);
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
    assert.deepEqual(withAliases([reversed], recordedJs)[0].aliases, [{ language: 'node', expr: 'floats' }]);
    const below = { ...arr('below', 0x2000 - 4, 'float32', 4, 4, -4) };
    assert.equal(withAliases([below], recordedJs)[0].aliases, undefined);
    assert.deepEqual(knownArray(reversed, 'native'), { language: 'native', expr: 'rev', address: '0x2000', nbytes: 64 });
  });

  it('where the other side stopped goes with each alias; the text groups names by language and place', () => {
    const out = withAliases([arr('view', 0x1000, 'uint8', 1, 8)], { language: 'node', arrays: [js[0], arr('pool', 0x800, 'uint8', 1, 4096)], at: 'program.js:12' });
    assert.deepEqual(out[0].aliases, [
      { language: 'node', expr: 'pixels', recordedAt: 'program.js:12' },
      { language: 'node', expr: 'pool', recordedAt: 'program.js:12' },
    ]);
    assert.equal(aliasText(out[0].aliases!), 'pixels, pool (node at program.js:12)');
    assert.equal(aliasText([{ language: 'python', expr: 'a' }]), 'a (python)');
    assert.equal(aliasText([]), '');
  });

  it('the sources: each side records its listing (kept across continues) and marks the other side; the native side is told the JS arrays', async () => {
    let jsSide: PairedArraySource | null = null;
    let nativeSide: PairedArraySource | null = null;
    const jsInner = fixed(js);
    const nativeInner = fixed([arr('data', 0x1010, 'uint8', 1, 4), arr('dataPtr as uint8[48]', 0x1010, 'uint8', 1, 48)]);
    jsSide = new PairedArraySource(jsInner, 'node', () => nativeSide!.recorded, () => Promise.resolve('program.js:12'));
    nativeSide = new PairedArraySource(nativeInner, 'native', () => jsSide!.recorded, () => Promise.resolve('addon.cc:37'));

    assert.equal((await jsSide.listArrays(7))[0].aliases, undefined, 'the first JS stop: the addon has shown nothing yet');
    assert.equal(jsInner.known[0], undefined, 'the JS side is never told known arrays');
    jsSide.invalidate(); // continue: the recorded listing stays
    const native = await nativeSide.listArrays(2);
    assert.deepEqual(native[0].aliases, [{ language: 'node', expr: 'pixels', recordedAt: 'program.js:12' }]);
    assert.deepEqual(nativeInner.known[0], [
      { language: 'node', expr: 'pixels', address: '0x1000', nbytes: 64 },
      { language: 'node', expr: 'floats', address: '0x2000', nbytes: 64 },
      { language: 'node', expr: 'empty', address: '0x3000', nbytes: 0 },
    ]);
    assert.equal(nativeSide.recorded!.arrays[0].aliases, undefined, 'recorded without the marks');

    // Back in JavaScript: the addon's views at its last stop mark the JS array they covered.
    const again = await jsSide.listArrays(8);
    assert.deepEqual(again[0].aliases, [
      { language: 'native', expr: 'data', recordedAt: 'addon.cc:37' },
      { language: 'native', expr: 'dataPtr as uint8[48]', recordedAt: 'addon.cc:37' },
    ]);
    assert.equal(again[1].aliases, undefined);
    // The inspector's array carries the same marks.
    const body = await jsSide.inspect({ frameId: 8, expr: 'pixels' });
    assert.deepEqual(body.array.aliases, again[0].aliases);
  });
});
