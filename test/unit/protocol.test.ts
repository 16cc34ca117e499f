// The webview <-> host protocol and the custom DAP requests: what the validators accept, and what they refuse.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArraySummary, InspectArgsSchema, InspectBodySchema, jsonStats } from '../../src/protocol/dap';
import { ProtocolError } from '../../src/protocol/schema';
import { HostMessage, WebviewMessage, parseHostMessage, parseWebviewMessage, recoverRequestId } from '../../src/protocol/webview';
import { arrayIndexOf, defaultAxes, displayIndexText, parseDisplayIndex, tileIndex } from '../../webview/slicing';
import { HEAT_TILE, defaultPreviewIndex, planeDims, previewStep } from '../../src/protocol/plane';

const summary: ArraySummary = {
  expr: 'a',
  typeName: 'numpy.ndarray',
  dtype: 'float32',
  byteOrder: 'little',
  shape: [2, 3],
  strides: [12, 4],
  address: '0x7f00',
  size: 6,
  nbytes: 24,
};

const stats = {
  count: 6, nan: 0, posinf: 0, neginf: 0, zeros: 1, min: 0, max: '18446744073709551615', mean: 2.5, std: 'nan',
  histogram: { bins: 2, lo: 0, hi: 5, counts: [3, 3] }, backend: 'js',
};

function rejects(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof ProtocolError && re.test(e.message));
}

describe('webview messages (host side)', () => {
  it('accepts every well-formed request and notification', () => {
    const ok: WebviewMessage[] = [
      { type: 'request', id: 1, method: 'readTile', params: { stop: 3, index: '[0, 0:64, 128:192:2]', transpose: true } },
      { type: 'request', id: 2, method: 'stats', params: { stop: 3, bins: 256 } },
      { type: 'request', id: 3, method: 'readOverview', params: { stop: 3, index: '[0:4096, 0:4096]', transpose: false, factor: 16, mode: 'max' } },
      { type: 'request', id: 4, method: 'percentiles', params: { stop: 3, ranks: [1, 99] } },
      { type: 'notify', method: 'ready', params: {} },
      { type: 'notify', method: 'rejected', params: { message: 'x' } },
    ];
    for (const m of ok) assert.deepEqual(parseWebviewMessage(JSON.parse(JSON.stringify(m))), m);
  });

  it('rejects wrong types, extra fields, unknown methods and code in an index', () => {
    rejects(() => parseWebviewMessage(null), /expected an object/);
    rejects(() => parseWebviewMessage([1]), /expected an object/);
    rejects(() => parseWebviewMessage({ type: 'eval', code: '1' }), /unknown type 'eval'/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'evaluate', params: {} }), /unknown request method 'evaluate'/);
    rejects(() => parseWebviewMessage({ type: 'request', id: -1, method: 'stats', params: { stop: 0, bins: 8 } }), /^id: expected an integer/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1.5, method: 'stats', params: { stop: 0, bins: 8 } }), /^id/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'stats', params: { stop: 0, bins: 1e9 } }), /params\.bins/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'stats', params: { stop: 0, bins: 8, x: 1 } }), /unexpected field 'x'/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'stats', params: { stop: '0', bins: 8 } }), /params\.stop/);
    rejects(
      () => parseWebviewMessage({ type: 'request', id: 1, method: 'readTile', params: { stop: 0, index: '[__import__("os").system("id")]', transpose: false } }),
      /params\.index: expected a string matching/,
    );
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'readTile', params: { stop: 0, index: `[${'0,'.repeat(400)}]`, transpose: false } }), /exceeds/);
    rejects(() => parseWebviewMessage({ type: 'notify', method: 'ready', params: { html: '<b>' } }), /unexpected field 'html'/);
    const overview = { stop: 0, index: '[0:8]', transpose: false, factor: 2, mode: 'mean' };
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'readOverview', params: { ...overview, mode: 'median' } }), /params\.mode: expected one of mean, min, max/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'readOverview', params: { ...overview, factor: 0 } }), /params\.factor/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'percentiles', params: { stop: 0, ranks: [101] } }), /params\.ranks\[0\]: expected a percentile rank/);
    rejects(() => parseWebviewMessage({ type: 'request', id: 1, method: 'percentiles', params: { stop: 0, ranks: [] } }), /params\.ranks: array of 0 items/);
    // A prototype-polluting payload is just an unexpected key.
    rejects(() => parseWebviewMessage(JSON.parse('{"type":"notify","method":"ready","params":{"__proto__":{"x":1}}}')), /unexpected field '__proto__'/);
  });

  it('recovers the id of a malformed request so the host can answer it with an error', () => {
    assert.deepEqual(recoverRequestId({ type: 'request', id: 4, method: 'readTile', params: 'junk' }), { id: 4, method: 'readTile' });
    assert.equal(recoverRequestId({ type: 'request', id: 4, method: 'nope' }), null);
    assert.equal(recoverRequestId('x'), null);
  });
});

describe('host messages (webview side)', () => {
  it('accepts state, responses with results and errors', () => {
    const ok: HostMessage[] = [
      { type: 'notify', method: 'state', params: { stop: 1, session: 's', expr: 'a', array: { ...summary }, transport: 'direct', changed: null, error: null } },
      { type: 'notify', method: 'state', params: { stop: 2, session: 's', expr: 'a', array: null, transport: null, changed: null, error: "NameError: name 'a' is not defined" } },
      { type: 'notify', method: 'ended', params: { reason: 'exited' } },
      { type: 'response', id: 1, method: 'readTile', ok: true, result: { shape: [1, 2], dtype: 'float32', byteOrder: 'little', base64: 'AAAAAAAAgD8=' } },
      { type: 'response', id: 2, method: 'stats', ok: true, result: { ...stats, histogram: { ...stats.histogram } } },
      { type: 'response', id: 3, method: 'stats', ok: false, error: { code: 'stale', message: 'stop 1 is over' } },
    ];
    for (const m of ok) assert.deepEqual(parseHostMessage(JSON.parse(JSON.stringify(m))), m);
  });

  it('rejects a result that does not match its method, bad base64, unknown dtypes and codes', () => {
    rejects(() => parseHostMessage({ type: 'response', id: 1, method: 'readTile', ok: true, result: stats }), /result/);
    rejects(
      () => parseHostMessage({ type: 'response', id: 1, method: 'readTile', ok: true, result: { shape: [1], dtype: 'float32', byteOrder: 'little', base64: '<script>' } }),
      /result\.base64/,
    );
    rejects(
      () => parseHostMessage({ type: 'response', id: 1, method: 'readTile', ok: true, result: { shape: [1], dtype: 'object', byteOrder: 'little', base64: '' } }),
      /result\.dtype: expected one of/,
    );
    rejects(() => parseHostMessage({ type: 'response', id: 1, method: 'stats', ok: false, error: { code: 'pwned', message: '' } }), /error\.code/);
    rejects(() => parseHostMessage({ type: 'notify', method: 'state', params: { stop: 1 } }), /params\.session/);
    rejects(() => parseHostMessage({ type: 'notify', method: 'run', params: {} }), /unknown notification method 'run'/);
    rejects(() => parseHostMessage({ type: 'response', id: 1, method: 'stats', ok: true, result: { ...stats, min: 'alert(1)' } }), /result\.min/);
    rejects(() => parseHostMessage({ type: 'response', id: 1, method: 'stats', ok: true, result: { ...stats, mean: Infinity } }), /result\.mean/);
  });
});

describe('custom DAP requests', () => {
  it('validates arraylens/inspect arguments and bodies', () => {
    assert.deepEqual(InspectArgsSchema.parse({ frameId: 3, expr: 'a', tile: { index: '[0:2]', transpose: false } }), {
      frameId: 3,
      expr: 'a',
      tile: { index: '[0:2]', transpose: false },
    });
    rejects(() => InspectArgsSchema.parse({ frameId: 3 }), /expr: expected a string/);
    rejects(() => InspectBodySchema.parse({ array: { ...summary, address: 'nowhere' }, transport: 'direct' }), /array\.address/);
  });

  it('makes stats JSON-exact: bigints and non-finite numbers as strings', () => {
    const j = jsonStats(
      { count: 2, nan: 0, posinf: 0, neginf: 0, zeros: 0, min: -(2n ** 63n), max: 2n ** 64n - 1n, mean: Infinity, std: NaN, histogram: { bins: 1, lo: 0, hi: 1, counts: [2] } },
      'js',
    );
    assert.equal(j.min, '-9223372036854775808');
    assert.equal(j.max, '18446744073709551615');
    assert.equal(j.mean, 'inf');
    assert.equal(j.std, 'nan');
    assert.deepEqual(InspectBodySchema.parse({ array: summary, transport: 'direct', stats: j }).stats, j);
  });
});

describe('displayed plane and its NumPy index', () => {
  const shape = [4, 5, 6];
  it('builds tile indices on the whole array, transposed when rows come from the later axis', () => {
    const a = { ...defaultAxes(shape), fixed: [2, 0, 0] };
    assert.equal(displayIndexText(shape, a), '[2, :, :]');
    assert.deepEqual(tileIndex(shape, a, 0, 5, 2, 6, 1), { index: '[2, 0:5, 2:6]', transpose: false });
    const swapped = { ...a, row: 2, col: 1 };
    assert.deepEqual(tileIndex(shape, swapped, 0, 6, 0, 5, 2), { index: '[2, 0:5:2, 0:6:2]', transpose: true });
    assert.deepEqual(arrayIndexOf(shape, swapped, 4, 3), [2, 3, 4]);
  });

  it('reads the index field both ways, keeping the row/column order when the axes stay', () => {
    const a = defaultAxes(shape);
    assert.deepEqual(parseDisplayIndex('[:, 1, :]', shape, a), { row: 0, col: 2, fixed: [0, 1, 0] });
    assert.deepEqual(parseDisplayIndex('[-1, ...]', shape, { row: 2, col: 1, fixed: [0, 0, 0] }), { row: 2, col: 1, fixed: [3, 0, 0] });
    assert.throws(() => parseDisplayIndex('[9, :, :]', shape, a), /out of bounds for axis 0 with size 4/);
    assert.throws(() => parseDisplayIndex('[0, 0, :]', shape, a), /exactly 2 axes/);
    assert.throws(() => parseDisplayIndex('[0, 1:3, :]', shape, a), /only ':' and integers/);
    assert.throws(() => parseDisplayIndex('[0, :, :', shape, a), /missing closing bracket/);
    assert.deepEqual(parseDisplayIndex('[:]', [7], defaultAxes([7])), { row: 0, col: -1, fixed: [0] });
    assert.deepEqual(parseDisplayIndex('[]', [], defaultAxes([])), { row: -1, col: -1, fixed: [] });
  });
});

describe('the coarse first picture the host sends with the state (src/protocol/plane.ts)', () => {
  it('is the sample the heatmap asks for: every p-th element of the default plane, p the power of two that fits one tile', () => {
    assert.deepEqual(defaultPreviewIndex([1024, 1536]), { index: '[0:1024:8, 0:1536:8]', transpose: false });
    assert.deepEqual(defaultPreviewIndex([8192, 8192]), { index: '[0:8192:32, 0:8192:32]', transpose: false });
    assert.deepEqual(defaultPreviewIndex([3, 600, 200]), { index: '[0, 0:600:4, 0:200:4]', transpose: false });
    assert.deepEqual(defaultPreviewIndex([257, 3]), { index: '[0:257:2, 0:3:2]', transpose: false });
    for (const shape of [[1024, 1536], [3, 600, 200], [5, 7, 9000]]) {
      const axes = defaultAxes(shape);
      const { rows, cols } = planeDims(shape, axes);
      const p = previewStep(rows, cols);
      // What the webview's preview store asks for: tile (0, 0) at step p, HEAT_TILE × HEAT_TILE elements of it.
      assert.deepEqual(defaultPreviewIndex(shape), tileIndex(shape, axes, 0, Math.min(rows, HEAT_TILE * p), 0, Math.min(cols, HEAT_TILE * p), p));
      assert.ok(Math.ceil(rows / p) <= HEAT_TILE && Math.ceil(cols / p) <= HEAT_TILE);
    }
  });

  it('is not sent for planes of one tile, 0-d and 1-d arrays, or empty planes', () => {
    for (const shape of [[256, 256], [10, 3], [100000], [], [0, 5000], [5000, 0]]) assert.equal(defaultPreviewIndex(shape), null, JSON.stringify(shape));
  });
});

describe('host notifications of a stop: the state with its coarse picture, then whether the array changed', () => {
  const state = { stop: 2, session: 's', expr: 'a', array: summary, transport: 'direct', changed: null, error: null };
  const tile = { shape: [1, 2], dtype: 'float32', byteOrder: 'little', base64: Buffer.from(new Float32Array([1, 2]).buffer).toString('base64') };
  it('accepts a state with or without a preview, and the changed notification', () => {
    assert.doesNotThrow(() => parseHostMessage({ type: 'notify', method: 'state', params: state }));
    assert.doesNotThrow(() => parseHostMessage({ type: 'notify', method: 'state', params: { ...state, preview: { index: '[0:2:2, 0:4:2]', transpose: false, tile } } }));
    const m = parseHostMessage({ type: 'notify', method: 'changed', params: { stop: 2, changed: true } });
    assert.deepEqual(m, { type: 'notify', method: 'changed', params: { stop: 2, changed: true } });
  });
  it('refuses a preview whose tile bytes disagree with its shape, or a changed without its stop', () => {
    assert.throws(() => parseHostMessage({ type: 'notify', method: 'state', params: { ...state, preview: { index: '[0:2:2]', transpose: false, tile: { ...tile, shape: [3] } } } }), ProtocolError);
    assert.throws(() => parseHostMessage({ type: 'notify', method: 'state', params: { ...state, preview: null } }), ProtocolError);
    assert.throws(() => parseHostMessage({ type: 'notify', method: 'changed', params: { changed: true } }), ProtocolError);
  });
});
