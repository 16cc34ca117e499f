// Bad inputs to the real CLI (issue 18): a .npy with a negative dimension, `stats` of a directory, a std that
// overflows float64, and --values on an array of no elements but a billion empty rows.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { CLI, PYTHON, waitNoProcess } from '../helpers/env';

let work: string;

/** The CLI with a small heap: an input that would exhaust memory fails fast here instead of filling the machine. */
function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--max-old-space-size=512', CLI, ...args], { encoding: 'utf8', timeout: 300000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure, got stdout ${r.stdout.slice(0, 200)}`);
  assert.equal(r.stdout, '', 'nothing on stdout when failing');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr.slice(0, 2000)}`);
  assert.doesNotMatch(lines[0], /internal error/);
  assert.match(lines[0], message);
}

/** A version 1.0 .npy whose header says `shape` (written by hand: NumPy never writes a negative dimension). */
function npyWithShape(file: string, shape: string, dataBytes: number): void {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.alloc(dataBytes)]));
}

describe('bad inputs give one clear line (real CLI)', () => {
  before(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-hardening-cli-'))));
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const shape of ['(-1, 3)', '(3, -2)', '(-1,)'])
    it(`a .npy with a negative dimension ${shape} is refused`, () => {
      const f = path.join(work, 'negative.npy');
      npyWithShape(f, shape, 48);
      expectOneLineError(cli(['stats', f, '--json']), /dimension -[12] of shape .*is not a valid shape/);
    });

  it('a .npy whose shape is not integers is refused', () => {
    const f = path.join(work, 'float-shape.npy');
    npyWithShape(f, '(2.5, 3)', 48);
    expectOneLineError(cli(['stats', f, '--json']), /dimension 2\.5 .*not a valid shape/);
  });

  it('stats of a directory', () => expectOneLineError(cli(['stats', work, '--json']), /is a directory, not a \.npy file/));

  it('a std that overflows float64 is "inf", not null (null means no finite values)', () => {
    const f = path.join(work, 'huge.npy');
    execFileSync(PYTHON, ['-c', `import numpy as np; np.save(${JSON.stringify(f)}, np.array([1e300, -1e300, 1e300, -1e300, 3.0]))`]);
    const r = cli(['stats', f, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout).stats;
    assert.equal(s.std, 'inf');
    assert.equal(s.mean, 0.6);
    assert.equal(s.min, -1e300);
  });

  it('--values on np.empty((10**9, 0)) is refused instead of running out of memory', async () => {
    const script = path.join(work, 'empty_rows.py');
    fs.writeFileSync(script, 'import numpy as np\ne = np.empty((10**9, 0))\nprint(e.shape)  # BREAK\n');
    const r = cli(['inspect', '--json', '--python', PYTHON, '--break', `${script}:3`, '--expr', 'e', '--values', '--', PYTHON, script]);
    expectOneLineError(r, /\[1000000000, 0\].*too many for --values.*--slice/);
    assert.deepEqual(await waitNoProcess(script), [], 'the debuggee is gone');
    const ok = cli(['inspect', '--json', '--python', PYTHON, '--break', `${script}:3`, '--expr', 'e', '--slice', '[:3]', '--values', '--', PYTHON, script]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).values, [[], [], []]);
  });
});
