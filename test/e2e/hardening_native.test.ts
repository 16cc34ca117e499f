// Native expressions cannot run code in the debuggee: calls (libc's and the program's own), in an expression or in a
// layout's pointer or dimensions, are refused before they reach real gdb or real lldb (issue 18), and no file appears.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { CLI, fixture, markerLine } from '../helpers/env';
import { buildIfStale, expectCliError } from './native_common';

const C_SRC = fixture('c', 'arrays.c');
const C_BIN = () => buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
const REFUSED = /^arraylens: .*is not an inspectable native expression/;

let work: string;

for (const dbg of ['gdb', 'lldb'] as const)
  describe(`native expressions that would run code are refused (real ${dbg})`, () => {
    const brk = () => `${C_SRC}:${markerLine(C_SRC, 'BREAK')}`;
    before(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), `arraylens-hardening-${dbg}-`))));
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    const refused = async (expr: string, pwned: string) => {
      await expectCliError(['--debugger', dbg, '--break', brk(), '--expr', expr, '--values'], C_BIN(), REFUSED);
      assert.equal(fs.existsSync(pwned), false, `${expr} ran in the debuggee`);
    };

    it('system("touch FILE")', () => {
      const f = path.join(work, 'expr');
      return refused(`system("touch ${f}")`, f);
    });
    it('a call of a function of the program', () => expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'never_called()'], C_BIN(), REFUSED));
    it('a layout whose pointer is a call', () => {
      const f = path.join(work, 'pointer');
      return refused(`(char *)system("touch ${f}") as uint8[4]`, f);
    });
    it('a layout whose dimension is a call', () => {
      const f = path.join(work, 'dim');
      return refused(`heap as float64[system("touch ${f}")]`, f);
    });
    it('an assignment', () => expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'scalar = 1'], C_BIN(), REFUSED));
    it('variable paths and layouts still work', () => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'inspect', '--json', '--debugger', dbg, '--break', brk(), '--expr', 'pm->data as float32[pm->rows, pm->cols]', '--slice', '[0, :2]', '--', C_BIN()],
        { encoding: 'utf8', timeout: 120000 },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).shape, [2]);
    });
  });
