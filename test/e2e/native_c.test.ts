// C and C++ programs under real lldb-dap and real gdb: every element type, N-d fixed arrays, raw layouts over
// pointers and struct members, std::vector/std::array, slices; values and stats against NumPy; the error contract.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import { after, before, describe, it } from 'node:test';
import { ArrayLensError } from '../../src/core/errors';
import { launchNative } from '../../src/backends/native/launch';
import { DebugTarget } from '../../src/engine/target';
import { inspectArray } from '../../src/engine/engine';
import { markerLine } from '../helpers/env';
import { BINS, CPP_BIN, CPP_SRC, C_BIN, C_EXPECTED, C_SRC, Expected, NativeCase, assertMatches, expectCliError, expectedFromNumpy, pidGone } from './native_common';


function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Live children of `parent` (from /proc/PID/stat's ppid field). */
function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parent && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const C_CASES: NativeCase[] = [
  { expr: 'd2', name: 'd2' },
  { expr: 'd2', name: 'd2', slice: '[::-1, 1::2]' },
  { expr: 'f1', name: 'f1' },
  { expr: 'f1', name: 'f1', slice: '[::-3]', transport: 'dap' },
  { expr: 'i8', name: 'i8' },
  { expr: 'u16', name: 'u16', slice: '[:, ::-1]' },
  { expr: 'i32', name: 'i32' },
  { expr: 'u32', name: 'u32' },
  { expr: 'i64', name: 'i64' },
  { expr: 'u64', name: 'u64' },
  { expr: 'flags', name: 'flags' },
  { expr: 'cz', name: 'cz' },
  { expr: 'zz', name: 'zz', slice: '[1]' },
  { expr: 'h4', name: 'h4', slice: '[1, ..., ::-1]' },
  { expr: 'h5', name: 'h5' },
  { expr: 'h5', name: 'h5', slice: '[:, 1, :, 0, 2]', transport: 'dap' },
  { expr: 'tdef', name: 'tdef' },
  { expr: 'm.data as float32[m.rows,m.cols]', name: 'mdata' },
  { expr: 'pm->data as float32[pm->rows, pm->cols]', name: 'mdata', slice: '[1:, ::2]' },
  { expr: 'm.data as float32[n_heap]', name: 'mdata', slice: '[...]' },
  { expr: 'hold.v', name: 'hold' },
  { expr: 'fortran as float64[3,4] strides [8, 24]', name: 'fortran' },
  { expr: 'fortran as float64[3,4] strides [8, 24]', name: 'fortran', slice: '[::-1, 2]', transport: 'dap' },
];

const CPP_CASES: NativeCase[] = [
  { expr: 'vf', name: 'vf' },
  { expr: 'vf', name: 'vf', slice: '[2:9:3]' },
  { expr: 'vi', name: 'vi' },
  { expr: 'vempty', name: 'vempty' },
  { expr: 'vc', name: 'vc' },
  { expr: 'ad', name: 'ad', slice: '[::-1]' },
  { expr: 'au', name: 'au', transport: 'dap' },
];

// numpy's slice for cases whose expected array is the 1-d flat buffer
function npSlice(c: NativeCase): string | undefined {
  if (c.name === 'mdata' && c.expr.includes('n_heap')) return `.reshape(-1)${c.slice ?? ''}`;
  return c.slice;
}

function suite(debuggerName: 'lldb' | 'gdb', title: string, source: string, binary: () => string, cases: NativeCase[]): void {
  describe(`${title} under ${debuggerName}`, () => {
    let target: DebugTarget;
    let expected: Expected[];
    before(async () => {
      const program = binary();
      expected = expectedFromNumpy(C_EXPECTED, cases.map((c) => ({ name: c.name, slice: npSlice(c) })));
      target = await launchNative({
        program,
        args: [],
        breakpoint: { file: source, line: markerLine(source, 'BREAK') },
        debugger: debuggerName,
        stopTimeoutMs: 60000,
      });
    });
    after(async () => {
      const pid = target?.pid;
      await target?.close();
      if (pid !== undefined) assert.ok(await pidGone(pid), `debuggee ${pid} is gone after close()`);
    });
    cases.forEach((c, i) => {
      it(`${c.expr}${c.slice ?? ''}${c.transport ? ` (${c.transport})` : ''}`, async () => {
        const r = await inspectArray(target, c.expr, { slice: c.slice, values: true, stats: true, bins: BINS, transport: c.transport ?? 'auto' });
        assert.equal(r.language, 'native');
        assert.equal(r.transport, c.transport ?? 'direct');
        assertMatches(r, expected[i]);
      });
    });
  });
}

for (const dbg of ['lldb', 'gdb'] as const) {
  suite(dbg, 'C fixed arrays, pointers, structs', C_SRC, C_BIN, C_CASES);
  suite(dbg, 'C++ std::vector and std::array', CPP_SRC, CPP_BIN, CPP_CASES);

  describe(`C errors under ${dbg}`, () => {
    let target: DebugTarget;
    before(async () => {
      target = await launchNative({
        program: C_BIN(),
        args: [],
        breakpoint: { file: C_SRC, line: markerLine(C_SRC, 'BREAK') },
        debugger: dbg,
        stopTimeoutMs: 60000,
      });
    });
    after(async () => {
      const pid = target.pid!;
      await target.close();
      assert.ok(await pidGone(pid), 'debuggee gone after close()');
    });
    const rejects = (expr: string, code: string, message: RegExp, slice?: string) =>
      assert.rejects(
        () => inspectArray(target, expr, { slice, values: true }),
        (e: unknown) => e instanceof ArrayLensError && e.code === code && message.test(e.message),
      );
    it('unknown expression', () => rejects('no_such_thing', 'unknown-expression', /no_such_thing/));
    it('scalar is not an array', () => rejects('scalar', 'not-an-array', /'scalar' is a int, not an array/));
    it('struct is not an array', () => rejects('m', 'not-an-array', /not an array/));
    it('pointer without a layout says how to give one', () => rejects('dangling', 'not-an-array', /dangling as float32\[N\]/));
    it('dangling pointer: unreadable', () => rejects('dangling as float32[4]', 'unreadable', /0x10 is not readable/));
    it('layout running off mapped memory: unreadable', () => rejects('m.data as float32[20000000]', 'unreadable', /not readable/));
    it('slice out of bounds', () => rejects('d2', 'bad-slice', /out of bounds/, '[5]'));
    it('the session still works after errors', async () => {
      const r = await inspectArray(target, 'i8', { values: true });
      assert.deepEqual(r.values, [-128, -1, 0, 1, 127]);
    });
  });

  describe(`the debugger dies mid-session under ${dbg}`, () => {
    it('a clear error instead of a hang, and close() leaves no debuggee', async () => {
      const target = await launchNative({
        program: C_BIN(),
        args: [],
        breakpoint: { file: C_SRC, line: markerLine(C_SRC, 'BREAK') },
        debugger: dbg,
        stopTimeoutMs: 60000,
      });
      const pid = target.pid!;
      try {
        await inspectArray(target, 'i8', { values: true });
        const debuggers = childPids(process.pid).filter((p) => /lldb-dap|gdb/.test(cmdline(p)));
        assert.ok(debuggers.length > 0, 'the debugger runs as our child');
        for (const p of debuggers) process.kill(p, 'SIGKILL');
        await assert.rejects(
          () => inspectArray(target, 'd2', { values: true }),
          (e: unknown) => e instanceof ArrayLensError && /lldb|gdb/.test(e.message) && /exited|not running/.test(e.message),
        );
      } finally {
        await target.close();
      }
      assert.ok(await pidGone(pid), 'debuggee gone after close()');
    });
  });

  describe(`CLI error contract under ${dbg}`, () => {
    const brk = () => `${C_SRC}:${markerLine(C_SRC, 'BREAK')}`;
    it('unknown expression', () => expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'nosuch'], C_BIN(), /cannot evaluate 'nosuch'/));
    it('not an array', () => expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'scalar'], C_BIN(), /not an array/));
    it('bad slice', () => expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'd2', '--slice', '[0, 0, 0]'], C_BIN(), /too many indices/));
    it('unreadable address', () =>
      expectCliError(['--debugger', dbg, '--break', brk(), '--expr', 'dangling as float32[4]', '--values'], C_BIN(), /not readable/));
    it('program ended before the breakpoint', () =>
      expectCliError(['--debugger', dbg, '--break', `${C_SRC}:${markerLine(C_SRC, 'NEVER')}`, '--expr', 'd2'], C_BIN(), /ended .*before reaching arrays\.c:\d+/));
    it('debugger missing', () =>
      expectCliError(
        ['--debugger', dbg, dbg === 'gdb' ? '--gdb' : '--lldb-dap', '/nonexistent/dbg', '--break', brk(), '--expr', 'd2'],
        C_BIN(),
        dbg === 'gdb' ? /gdb not found .*install Debian gdb/ : /lldb-dap not found .*lldb-22/,
      ));
  });
}
