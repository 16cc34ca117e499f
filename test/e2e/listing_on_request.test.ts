// Rows of arrays that exist only once code of the object runs (Pillow images, a computed __array_interface__, an
// __array__ method): the Arrays view's listing and `arraylens inspect --list` mark them `onRequest` with why, show no
// dtype or shape, run nothing; inspecting one by name computes it (real debugpy, real Pillow).

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { PythonTarget } from '../../src/backends/python/target';
import { EngineArraySource } from '../../src/engine/arraySource';
import { ListArraysBodySchema } from '../../src/protocol/dap';
import { CLI, PYTHON, fixture, markerLine } from '../helpers/env';

const COMPUTED = fixture('python', 'computed.py');
const ON_REQUEST = ['prop', 'method', 'img_rgb', 'img_rgba', 'img_l', 'img_la', 'img_f', 'img_i16', 'img_1', 'img_big', 'img_lazy'];

describe('arrays listed as opening on request (real debugpy, real Pillow)', () => {
  let target: PythonTarget;
  const markers = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-on-request-'));

  before(async () => {
    target = await PythonTarget.launch({ python: PYTHON, program: COMPUTED, args: [markers], breakpoint: { file: COMPUTED, line: markerLine(COMPUTED, '# BREAK') } });
  });

  after(async () => {
    await target?.close();
  });

  it('the Arrays view\'s listing marks each with why, in a field the protocol carries; nothing runs', async () => {
    const source = new EngineArraySource(() => target);
    // Through the DAP body schema, as the adapter sends it to the host.
    const rows = ListArraysBodySchema.parse({ arrays: await source.listArrays(0) }).arrays;
    const byName = new Map(rows.map((r) => [r.expr, r]));
    for (const n of ON_REQUEST) {
      const r = byName.get(n);
      assert.ok(r, `${n} is listed`);
      assert.match(r.onRequest ?? '', / when opened$/, n);
      assert.doesNotMatch(r.typeName, /on request/, `${n}: the type name is only the type`);
      assert.equal(r.nbytes, 0, n);
    }
    assert.equal(byName.get('img_rgb')?.typeName, 'PIL.Image.Image');
    assert.equal(byName.get('img_rgb')?.onRequest, 'Pillow image: its pixels are read when opened');
    assert.equal(byName.get('prop')?.onRequest, '__array_interface__ is computed: it runs when opened');
    assert.ok(!fs.existsSync(path.join(markers, 'prop')) && !fs.existsSync(path.join(markers, 'method')), 'listing ran no object code');
  });

  it('inspecting one by name computes it: the row it gives has a dtype and shape and no mark', async () => {
    const source = new EngineArraySource(() => target);
    const body = await source.inspect({ frameId: 0, expr: 'img_rgb' });
    assert.equal(body.array.onRequest, undefined);
    assert.equal(body.array.dtype, 'uint8');
    assert.deepEqual(body.array.shape, [9, 7, 3]);
  });

  it('arraylens inspect --list: onRequest rows without dtype, shape or address (JSON), "opens on request" (text)', () => {
    const cliMarkers = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-on-request-cli-'));
    const args = [CLI, 'inspect', '--python', PYTHON, '--break', `${COMPUTED}:${markerLine(COMPUTED, '# BREAK')}`, '--list'];
    const json = spawnSync(process.execPath, [...args, '--json', '--', PYTHON, COMPUTED, cliMarkers], { encoding: 'utf8', timeout: 180000 });
    assert.equal(json.status, 0, json.stderr);
    const rows = (JSON.parse(json.stdout) as { arrays: Record<string, unknown>[] }).arrays;
    const prop = rows.find((r) => r.expr === 'prop');
    assert.deepEqual(prop, {
      expr: 'prop',
      language: 'python',
      type: '__main__.PropertyInterface',
      dtype: null,
      shape: null,
      size: null,
      address: null,
      onRequest: '__array_interface__ is computed: it runs when opened',
    });
    for (const n of ON_REQUEST) assert.ok(typeof rows.find((r) => r.expr === n)?.onRequest === 'string', n);
    assert.ok(!fs.existsSync(path.join(cliMarkers, 'prop')) && !fs.existsSync(path.join(cliMarkers, 'method')), 'listing ran no object code');
    const text = spawnSync(process.execPath, [...args, '--', PYTHON, COMPUTED, cliMarkers], { encoding: 'utf8', timeout: 180000 });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^img_lazy\topens on request \(Pillow image: its pixels are read when opened\)\tPIL\.PngImagePlugin\.PngImageFile$/m);
  });
});
