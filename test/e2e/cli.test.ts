// The CLI's error contract on a real debugpy session: non-zero exit, one line on stderr, nothing on stdout,
// and no debuggee left running or stopped.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CLI, PYTHON, assertCliError, fixture, markerLine, waitNoProcess } from '../helpers/env';

const ZOO = fixture('python', 'zoo.py');
const BREAK = `${ZOO}:${markerLine(ZOO, '# BREAK')}`;

function cli(args: string[], program: string[] = []): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, ...(program.length ? ['--', ...program] : [])], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function token(): string {
  return path.join(os.tmpdir(), `arraylens-cli-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
}

async function expectError(args: string[], message: RegExp, withProgram = true): Promise<void> {
  const tag = token();
  const r = cli(['inspect', '--json', '--python', PYTHON, ...args], withProgram ? [PYTHON, ZOO, tag] : []);
  assertCliError(r, r.code, message);
  assert.deepEqual(await waitNoProcess(tag), [], 'the debuggee is gone');
}

describe('arraylens inspect: errors (real debugpy)', () => {
  it('unknown expression', () => expectError(['--break', BREAK, '--expr', 'no_such_name'], /NameError: name 'no_such_name' is not defined/));
  it('unknown attribute', () => expectError(['--break', BREAK, '--expr', 'holder.nope'], /has no attribute 'nope'/));
  it('not an array', () => expectError(['--break', BREAK, '--expr', 'holder'], /is a __main__\.Holder, not an array/));
  it('bad slice syntax fails before anything starts', () => expectError(['--break', BREAK, '--expr', 'f_float32', '--slice', '[1:2:0]'], /slice step cannot be zero/));
  it('slice out of bounds', () => expectError(['--break', BREAK, '--expr', 'f_float32', '--slice', '[11]'], /index 11 is out of bounds for axis 0 with size 11/));
  it('too many indices', () => expectError(['--break', BREAK, '--expr', 'f_float32', '--slice', '[1, 2, 3]'], /too many indices/));
  it('address not readable', () => expectError(['--break', BREAK, '--expr', '16 as float32[4]', '--values'], /not readable/));
  it('expression with code in it is refused', () => expectError(['--break', BREAK, '--expr', 'exec("print(1)")'], /not an inspectable expression/));
  it('program ended before the breakpoint', () =>
    expectError(['--break', `${ZOO}:${markerLine(ZOO, '# NEVER')}`, '--expr', 'x'], /program ended before reaching zoo\.py:\d+/));
  it('readMemory is refused for debugpy', () => expectError(['--break', BREAK, '--expr', 'f_float32', '--transport', 'dap'], /debugpy does not support readMemory/));
  it('missing interpreter', async () => {
    const tag = token();
    const r = cli(['inspect', '--json', '--break', BREAK, '--expr', 'a', '--python', '/nonexistent/python3'], [ZOO, tag]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr.trim(), /^arraylens: debugpy not found \('\/nonexistent\/python3'\)/);
    assert.deepEqual(await waitNoProcess(tag), []);
  });
  it('interpreter without debugpy', async () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-bare-'));
    spawnSync('python3', ['-m', 'venv', '--without-pip', bare]);
    const tag = token();
    const r = cli(['inspect', '--json', '--break', BREAK, '--expr', 'a', '--python', path.join(bare, 'bin', 'python')], [ZOO, tag]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /debugpy is not installed for .*pip install debugpy/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await waitNoProcess(tag), []);
  });
  it('bad options', () => {
    for (const [args, msg] of [
      [['inspect', '--expr', 'a'], /needs --break/],
      [['inspect', '--break', BREAK, '--expr', 'a', '--bins', 'x'], /--bins x/],
      [['inspect', '--break', '/no/such.py:3', '--expr', 'a'], /no such file/],
      [['inspect', '--frobnicate'], /unknown option --frobnicate/],
      [['stats', '/no/such.npy'], /cannot open/],
    ] as [string[], RegExp][]) {
      const r = cli(args, args[0] === 'inspect' && args.includes('--break') ? [PYTHON, ZOO] : []);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, msg);
    }
  });
  it('a non-.npy file and a truncated one', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-npy-'));
    fs.writeFileSync(path.join(d, 'bad.npy'), 'hello');
    assert.match(cli(['stats', path.join(d, 'bad.npy')]).stderr, /not a \.npy file/);
    const hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }";
    const h = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, hdr.length + 1, 0]), Buffer.from(hdr + '\n')]);
    fs.writeFileSync(path.join(d, 'short.npy'), Buffer.concat([h, Buffer.alloc(100)]));
    assert.match(cli(['stats', path.join(d, 'short.npy')]).stderr, /truncated/);
  });
  it('a readable summary without --json', () => {
    const r = cli(['inspect', '--python', PYTHON, '--break', BREAK, '--expr', 'f_float32', '--stats'], [PYTHON, ZOO, token()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /f_float32: float32 \(little\) shape \[11, 13\]/);
    assert.match(r.stdout, /nan 1 {3}\+inf 1 {3}-inf 1/);
  });
});
