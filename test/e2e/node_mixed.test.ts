// One Node process, two debuggers: Node's inspector stops at the JavaScript call into the addon, lldb-dap attaches
// to the same pid and stops in the addon's C++; the addon's views (its bare pointers into JS arrays listed with their
// extent) match NumPy and name their JavaScript aliases.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { launchNodeMixed } from '../../src/backends/node/mixed';
import { toJson } from '../../src/core/decode';
import { inspectArray } from '../../src/engine/engine';
import { ROOT, fixture, markerLine, runPython } from '../helpers/env';
import { nodeAddonSkip } from './native_common';

const skip = nodeAddonSkip();
const JS = fixture('node', 'addon_main.js');
const CC = fixture('node', 'addon', 'addon.cc');

describe('mixed Node + addon session (inspector + lldb-dap on one process)', { skip }, () => {
  it('stops in the addon after the JS call, views match NumPy, aliases name the JS arrays', async () => {
    const target = await launchNodeMixed({
      program: JS,
      args: [],
      jsBreakpoint: { file: JS, line: markerLine(JS, '// JS-BREAK') },
      nativeBreakpoint: { file: CC, line: markerLine(CC, '// BREAK') },
    });
    try {
      assert.deepEqual(
        target.jsArrays.map((a) => a.expr).sort(),
        ['bytes', 'image', 'pool', 'raw', 'wide'],
        'the JS frame arrays recorded at the call',
      );
      // The addon frame's list: the Napi wrappers, and its bare pointers into the JS arrays with their extent.
      assert.deepEqual(
        (await target.listArrays()).map((a) => a.expr).sort(),
        ['byteData as uint8[1000]', 'bytes', 'image', 'imageData as float32[3072]', 'rawWords as int32[256]', 'wide', 'wideData as int64[5]'],
        'the addon frame lists its wrappers and its pointers into JS arrays',
      );
      const cases = [
        { expr: 'imageData as float32[3072]', name: 'image', values: true, stats: true, aliases: ['image'] },
        { expr: 'byteData as uint8[1000]', name: 'bytes', values: true, stats: true, aliases: ['pool', 'bytes'] },
        { expr: 'rawWords as int32[256]', name: 'raw', values: true, stats: true, aliases: ['raw'] },
        { expr: 'wideData as int64[5]', name: 'wide', values: true, stats: true, aliases: ['wide'] },
        { expr: 'image._data as float32[image._length]', name: 'image', values: true, stats: true, aliases: ['image'] },
        { expr: 'bytes._data as uint8[bytes._length]', name: 'bytes', values: true, stats: true, aliases: ['pool', 'bytes'] },
        { expr: 'rawWords as int32[rawWordCount]', name: 'raw', values: true, stats: true, aliases: ['raw'] },
        { expr: 'wide._data as int64[wide._length]', name: 'wide', values: true, stats: true, aliases: ['wide'] },
      ];
      const results: unknown[] = [];
      for (const c of cases) {
        const r = await inspectArray(target, c.expr, { values: true, stats: true });
        assert.equal(r.language, 'native');
        const h = await target.resolve(c.expr);
        assert.deepEqual((await target.aliasesOf(h, h.view)).map((a) => a.expr).sort(), [...c.aliases].sort(), c.expr);
        results.push({ label: c.expr, case: c, result: r });
        // The JS array's own view (recorded with the probe's address) reads the same bytes at the native stop.
        const js = target.jsArrays.find((a) => a.expr === c.name)!;
        if (js.view.dtype.name === h.view.dtype.name) {
          const t = await target.transport('auto', h.view);
          assert.deepEqual(await t.readView(js.view), await t.readView(h.view), `${c.name}: JS and addon see the same bytes`);
        }
      }
      const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-mixed-')), 'results.json');
      fs.writeFileSync(f, toJson(results));
      const verdicts = JSON.parse(runPython([path.join(ROOT, 'test', 'e2e', 'py', 'compare.py'), fixture('node', 'addon_cases.py'), f]));
      assert.deepEqual(Object.entries(verdicts).filter(([, v]) => v !== null), []);
    } finally {
      await target.close();
    }
    assert.throws(() => process.kill(target.pid!, 0), 'the debuggee is gone');
  });
});
