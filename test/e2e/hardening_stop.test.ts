// Where `arraylens inspect` really stopped (issue 18): `stoppedAt` in the JSON, a warning when the debugger moved the
// breakpoint, and a clear error for a line past the end of the file, through the real CLI under debugpy, lldb-dap and gdb.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { CLI, PYTHON } from '../helpers/env';

let work: string;

function cli(args: string[], program: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'inspect', '--json', ...args, '--', ...program], { encoding: 'utf8', timeout: 120000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PY = [
  'import numpy as np', // 1
  'a = np.arange(4.0)', // 2
  'b = a * 2', // 3
  '', // 4: blank
  '# a comment', // 5
  'c = b + 1', // 6
  'print(c.sum())', // 7
].join('\n');

const C = [
  '#include <stdio.h>', // 1
  'int main(void) {', // 2
  '  double a[4] = {1, 2, 3, 4};', // 3
  '', // 4: blank
  '  /* a comment */', // 5
  '  a[0] += 1;', // 6
  '  printf("%f\\n", a[0]);', // 7
  '  return 0;', // 8
  '}', // 9
].join('\n');

interface Case {
  name: string;
  args: () => string[];
  program: () => string[];
  source: () => string;
  exact: number;
  blank: number;
  moved: number;
  lines: number;
}

const cases: Case[] = [
  {
    name: 'debugpy',
    args: () => ['--python', PYTHON, '--expr', 'a'],
    program: () => [PYTHON, path.join(work, 'stop.py')],
    source: () => path.join(work, 'stop.py'),
    exact: 6,
    blank: 4,
    moved: 3, // debugpy moves a breakpoint back to the line before, lldb forward to the next line with code
    lines: 7,
  },
  {
    name: 'lldb-dap',
    args: () => ['--debugger', 'lldb', '--expr', 'a'],
    program: () => [path.join(work, 'stop')],
    source: () => path.join(work, 'stop.c'),
    exact: 6,
    blank: 4,
    moved: 6,
    lines: 9,
  },
  {
    name: 'gdb',
    args: () => ['--debugger', 'gdb', '--expr', 'a'],
    program: () => [path.join(work, 'stop')],
    source: () => path.join(work, 'stop.c'),
    exact: 6,
    blank: 4,
    moved: 6,
    lines: 9,
  },
];

describe('arraylens inspect: where it stopped (issue 18)', () => {
  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-stop-')));
    fs.writeFileSync(path.join(work, 'stop.py'), PY + '\n');
    fs.writeFileSync(path.join(work, 'stop.c'), C + '\n');
    execFileSync('gcc', ['-g', '-O0', '-o', path.join(work, 'stop'), path.join(work, 'stop.c')]);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const c of cases) {
    it(`${c.name}: an exact stop reports the line asked for, no warning`, () => {
      const r = cli([...c.args(), '--break', `${c.source()}:${c.exact}`], c.program());
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).stoppedAt, `${c.source()}:${c.exact}`);
      assert.doesNotMatch(r.stderr, /warning/);
    });
    it(`${c.name}: a breakpoint on a blank line is moved: warning naming both lines, stoppedAt the real line`, () => {
      const r = cli([...c.args(), '--break', `${c.source()}:${c.blank}`], c.program());
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).stoppedAt, `${c.source()}:${c.moved}`);
      const warning = r.stderr.split('\n').filter((l) => /warning/.test(l));
      assert.equal(warning.length, 1, r.stderr);
      assert.match(warning[0], new RegExp(`stop\\.\\w+:${c.blank} was moved.*stopped at .*stop\\.\\w+:${c.moved}$`));
    });
    it(`${c.name}: a breakpoint past the end of the file is an error naming its line count`, () => {
      const r = cli([...c.args(), '--break', `${c.source()}:${c.lines + 40}`], c.program());
      assert.notEqual(r.code, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr.trim(), new RegExp(`^arraylens: --break .*:${c.lines + 40}: the file has ${c.lines} lines`));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }
});
