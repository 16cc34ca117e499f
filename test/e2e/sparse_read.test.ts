// Reads bounded by what the view needs (issue 18): a strided slice of a huge array reads its elements, not its span.
// A real Python program holds np.empty(600_000_000, uint8) (pages never touched cost nothing) and the CLI inspects
// `[::100000]` with --values and --stats; the JSON's timing.bytes_read says what was read from the process.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { CLI, PYTHON, markerLine, waitNoProcess } from '../helpers/env';

let work: string;

describe('a sparse slice reads only what it needs (real debugpy, direct reads)', () => {
  before(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-sparse-read-'))));
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const [label, slice, count] of [
    ['[::100000] of 600M elements', '[::100000]', 6000],
    ['[::-100000] (reversed) of 600M elements', '[::-100000]', 6000],
  ] as const)
    it(label, async () => {
      const script = path.join(work, 'huge.py');
      // Only every 100000th byte (and the last) is written: 6001 pages touched, the rest never allocated.
      fs.writeFileSync(
        script,
        [
          'import numpy as np',
          'a = np.empty(600_000_000, np.uint8)',
          'a[::100000] = np.arange(6000) % 251',
          'a[-1::-100000] = np.arange(6000) % 241',
          'print(a.shape)  # BREAK',
          '',
        ].join('\n'),
      );
      const line = markerLine(script, '# BREAK');
      const r = spawnSync(
        process.execPath,
        ['--max-old-space-size=256', CLI, 'inspect', '--json', '--python', PYTHON, '--break', `${script}:${line}`, '--expr', 'a', '--slice', slice, '--values', '--stats', '--', PYTHON, script],
        { encoding: 'utf8', timeout: 300000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as {
        shape: number[];
        transport: string;
        values: number[];
        stats: { count: number; min: number; max: number };
        timing: { bytes_read?: number };
      };
      assert.deepEqual(out.shape, [count]);
      // What NumPy has there: each slice sees its own writes (the two sets of bytes do not overlap).
      const expected = slice.startsWith('[::-')
        ? Array.from({ length: count }, (_, i) => i % 241)
        : Array.from({ length: count }, (_, i) => i % 251);
      assert.deepEqual(out.values, expected);
      assert.equal(out.stats.count, count);
      assert.equal(out.stats.min, 0);
      assert.equal(out.stats.max, Math.max(...expected));
      assert.equal(out.transport, 'direct', 'this test needs direct reads (the transport that counts its bytes)');
      const read = out.timing.bytes_read;
      assert.ok(typeof read === 'number', 'timing.bytes_read is reported');
      // One probe element, the values (6000 bytes) and the stats pass (6000 bytes): nowhere near the 600 MB span.
      assert.ok(read >= 2 * count && read <= 64 << 10, `bytes_read ${read}`);
      assert.deepEqual(await waitNoProcess(script), [], 'the debuggee is gone');
    });
});
