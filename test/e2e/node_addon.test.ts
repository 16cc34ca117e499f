// A node-addon-api addon inside a real Node process, stopped by lldb at the addon's BREAK marker: the buffers
// JavaScript handed over (Napi::TypedArrayOf<T>, Napi::Buffer<T>, Napi::ArrayBuffer, raw pointers) against NumPy,
// through `arraylens inspect --break addon.cc:N -- node addon_main.js` and the shared acceptance checker.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CLI, PYTHON, SHARED, fixture, markerLine, waitNoProcess } from '../helpers/env';
import { nodeAddonSkip } from './native_common';

const skip = nodeAddonSkip();

describe('node-addon-api addon under lldb inside Node', { skip }, () => {
  it('the acceptance checker passes addon_cases.py', () => {
    const r = spawnSync(
      PYTHON,
      [path.join(SHARED, 'acceptance', 'check_inspect.py'), 'inspect', '--cli', `${process.execPath} ${CLI}`, fixture('node', 'addon_cases.py')],
      { encoding: 'utf8', timeout: 600000 },
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    assert.match(last, /^\d+ passed, 0 failed$/, r.stdout + r.stderr);
  });

  it('a Napi wrapper without a layout says what to write, and no process is left', async () => {
    const cc = fixture('node', 'addon', 'addon.cc');
    const tag = `arraylens-addon-${process.pid}-${Date.now()}`;
    const r = spawnSync(
      process.execPath,
      [CLI, 'inspect', '--json', '--break', `${cc}:${markerLine(cc, '// BREAK')}`, '--expr', 'imageData', '--', 'node', fixture('node', 'addon_main.js'), tag],
      { encoding: 'utf8', timeout: 120000 },
    );
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.trim(), /^arraylens: 'imageData' is a pointer \(float \*\) with no length in the debug info: give it a layout/);
    assert.deepEqual(await waitNoProcess(tag), []);
  });
});
