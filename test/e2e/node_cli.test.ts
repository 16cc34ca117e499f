// `arraylens inspect -- node program.js` on real Node: the shared acceptance checker on the zoo case files
// (CommonJS and ES module), exact int64 JSON, and the error contract (non-zero exit, one stderr line, nothing on
// stdout, no debuggee left behind).

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CLI, PYTHON, SHARED, assertCliError, fixture, markerLine, waitNoProcess } from '../helpers/env';

const ZOO = fixture('node', 'zoo.js');
const ZOO_MJS = fixture('node', 'zoo.mjs');
const BREAK = `${ZOO}:${markerLine(ZOO, '// BREAK')}`;

function cli(args: string[], program: string[], env?: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--', ...program], { encoding: 'utf8', timeout: 120000, env: env ?? process.env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function token(): string {
  return `arraylens-node-cli-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

async function expectError(args: string[], message: RegExp, program: (tag: string) => string[] = (tag) => ['node', ZOO, tag]): Promise<void> {
  const tag = token();
  const r = cli(['inspect', '--json', ...args], program(tag));
  assertCliError(r, r.code, message);
  assert.deepEqual(await waitNoProcess(tag), [], 'the debuggee is gone');
}

describe('arraylens inspect -- node (real Node)', () => {
  for (const cases of ['zoo_cases.py', 'zoo_esm_cases.py'])
    it(`the acceptance checker passes ${cases}`, () => {
      const r = spawnSync(
        PYTHON,
        [path.join(SHARED, 'acceptance', 'check_inspect.py'), 'inspect', '--cli', `${process.execPath} ${CLI}`, fixture('node', cases)],
        { encoding: 'utf8', timeout: 600000 },
      );
      const last = r.stdout.trim().split('\n').pop() ?? '';
      assert.match(last, /^\d+ passed, 0 failed$/, r.stdout + r.stderr);
      assert.equal(r.status, 0);
    });

  it('int64 and uint64 values are exact JSON integers', () => {
    const r = cli(['inspect', '--json', '--break', BREAK, '--expr', 'i64', '--slice', '[:2]', '--values'], ['node', ZOO]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"values":\[-9223372036854775808,9223372036854775807\]/);
    assert.match(r.stdout, /"language":"node"/);
    const u = cli(['inspect', '--json', '--break', BREAK, '--expr', 'u64', '--slice', '[1:2]', '--values'], [ZOO]);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /"values":\[18446744073709551615\]/);
  });

  it('an .mjs program without `node` in front, and node options before the program', () => {
    const line = markerLine(ZOO_MJS, '// BREAK');
    const r = cli(['inspect', '--json', '--break', `${ZOO_MJS}:${line}`, '--expr', 'dvw as float64[400]', '--slice', '[:2]', '--values'], [ZOO_MJS]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).values, [-300, -298.5]);
    const o = cli(['inspect', '--json', '--break', BREAK, '--expr', 'sub16', '--slice', '[:1]', '--values'], ['node', '--no-warnings', ZOO]);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(JSON.parse(o.stdout).language, 'node');
  });

  it('without the address probe, tiles move through the inspector and direct reads say why not', () => {
    const env = { ...process.env, ARRAYLENS_NODE_PROBE: '0' };
    const r = cli(['inspect', '--json', '--break', BREAK, '--expr', 'f32 as float32[24,32]', '--slice', '[0, 4:8]', '--values'], ['node', ZOO], env);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout);
    assert.equal(got.transport, 'evaluate');
    assert.deepEqual(got.values, [-1.25, 'nan', Math.fround(42 * 0.1 - 4.05), 'inf']);
    const d = cli(['inspect', '--json', '--break', BREAK, '--expr', 'f32', '--transport', 'direct'], ['node', ZOO], env);
    assert.notEqual(d.code, 0);
    assert.match(d.stderr, /direct reads need the buffer's address, and the address probe is turned off/);
  });

  it('a readable summary without --json', () => {
    const r = cli(['inspect', '--break', BREAK, '--expr', 'f32', '--stats'], ['node', ZOO]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /f32: float32 \(little\) shape \[768\]/);
  });

  it('unknown expression', () => expectError(['--break', BREAK, '--expr', 'no_such_name'], /ReferenceError: no_such_name is not defined/));
  it('unknown property', () => expectError(['--break', BREAK, '--expr', 'notArray.nope.deeper'], /TypeError: Cannot read properties of undefined/));
  it('not an array', () => expectError(['--break', BREAK, '--expr', 'notArray'], /'notArray' is an Object, not an array/));
  it('expressions with side effects are refused', () => expectError(['--break', BREAK, '--expr', 'u8.fill(0)'], /may have side effects/));
  it('raw layout larger than its array', () =>
    expectError(['--break', BREAK, '--expr', 'pixels as uint8[480,640,5]'], /spans bytes 0\.\.1536000 but pixels \(Uint8Array\) has 1228800 bytes/));
  it('slice out of bounds', () => expectError(['--break', BREAK, '--expr', 'u8', '--slice', '[1000]'], /index 1000 is out of bounds for axis 0 with size 1000/));
  it('address not readable', () => expectError(['--break', BREAK, '--expr', '16 as float32[4]', '--values'], /not readable/));
  it('readMemory does not apply', () => expectError(['--break', BREAK, '--expr', 'u8', '--transport', 'dap'], /does not apply to Node programs/));
  it('program ended before the breakpoint', () =>
    expectError(['--break', `${ZOO}:${markerLine(ZOO, '// NEVER')}`, '--expr', 'u8'], /the program ended before reaching zoo\.js:\d+/));
  it('program crashed before the breakpoint', () =>
    expectError(['--break', BREAK, '--expr', 'u8'], /the program ended before reaching zoo\.js:\d+ \(Error: Cannot find module/, (tag) => [
      'node',
      `--require=${path.join(os.tmpdir(), 'arraylens-no-such-module.js')}`,
      ZOO,
      tag,
    ]));
  it('node missing', () => expectError(['--break', BREAK, '--expr', 'u8'], /node not found \('\/nonexistent\/node'\)/, (tag) => ['/nonexistent/node', ZOO, tag]));
});
