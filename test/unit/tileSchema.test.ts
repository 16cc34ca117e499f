// A tile whose bytes disagree with its shape × itemsize is refused at the protocol boundary (issue 18), in a DAP
// inspect body and in the webview's readTile result alike, with a message that says both sizes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARRAYLENS_REQUESTS, TileSchema } from '../../src/protocol/dap';
import { ProtocolError } from '../../src/protocol/schema';

const b64 = (n: number): string => Buffer.alloc(n, 7).toString('base64');
const tile = (shape: number[], dtype: string, bytes: number) => ({ shape, dtype, byteOrder: 'little', base64: b64(bytes) });

describe('tile schema: bytes = shape × itemsize', () => {
  it('well-formed tiles pass (2-D, 1-D, 0-D, empty, complex128)', () => {
    for (const t of [tile([3, 4], 'float32', 48), tile([5], 'uint8', 5), tile([], 'float64', 8), tile([0, 7], 'int16', 0), tile([2], 'complex128', 32)])
      assert.deepEqual(TileSchema.parse(t), t);
  });

  it('too few or too many bytes are refused with both sizes named', () => {
    assert.throws(() => TileSchema.parse(tile([3, 4], 'float32', 47)), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.match((e as Error).message, /tile bytes \(47\) disagree with its shape \[3, 4\] × float32 itemsize \(48 bytes\)/);
      return true;
    });
    assert.throws(() => TileSchema.parse(tile([3, 4], 'float64', 48)), /\(48\) disagree .* \(96 bytes\)/);
    assert.throws(() => TileSchema.parse(tile([], 'int32', 0)), ProtocolError);
  });

  it('a base64 text that is not whole is refused', () => {
    assert.throws(() => TileSchema.parse({ shape: [3], dtype: 'uint8', byteOrder: 'little', base64: 'AAAAA' }), /not whole/);
  });

  it('the check holds where tiles travel: an arraylens/inspect body (tile and reduced)', () => {
    const body = ARRAYLENS_REQUESTS['arraylens/inspect'].body;
    const array = { expr: 'a', typeName: 'ndarray', dtype: 'float32', byteOrder: 'little', shape: [3, 4], strides: [16, 4], address: '0x10', size: 12, nbytes: 48 };
    const ok = { array, transport: 'direct', tile: tile([3, 4], 'float32', 48) };
    assert.deepEqual(body.parse(ok).tile, ok.tile);
    assert.throws(() => body.parse({ ...ok, tile: tile([3, 4], 'float32', 12) }), /tile: tile bytes \(12\)/);
    assert.throws(() => body.parse({ ...ok, reduced: tile([2, 2], 'float64', 16) }), /reduced: tile bytes \(16\)/);
  });
});
