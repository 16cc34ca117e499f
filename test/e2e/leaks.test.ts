// `arraylens leaks` end to end: real debugpy and lldb-dap, the preloaded tracker, gcc-built fixtures that leak on
// purpose next to leak-free twins. Sites are found by `SITE` markers in the fixture sources, never hard-coded.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CLI, PYTHON, fixture, markerLine, waitNoProcess } from '../helpers/env';

const C_SRC = fixture('leaks', 'lost_buffers.c');
const C_EXE = fixture('leaks', 'build', 'lost_buffers');
const PY = fixture('leaks', 'cache_leak.py');

interface Group {
  language: string;
  site: string;
  count: number;
  bytes: number;
  dtype?: string;
  shape?: number[];
}
interface Report {
  from: string;
  to: string;
  new: Group[];
  freed: Group[];
  refcount: { site: string; expr?: string; delta: number }[];
  unreferenced: Group[];
  dangling: { language: string; site: string; expr?: string; address: string; bytes: number; reason: string }[];
}

const site = (file: string, marker: string): string => `${file}:${markerLine(file, marker)}`;
const at = (groups: Group[], s: string): Group[] => groups.filter((g) => g.site === s);

function tag(): string {
  return `arraylens-leaks-${process.pid}-${Math.random().toString(36).slice(2)}`;
}

function leaks(args: string[], program: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'leaks', ...args, '--', ...program], { encoding: 'utf8', timeout: 180000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function report(file: string, program: string[], extra: string[] = []): Promise<Report> {
  const r = leaks(['--json', '--from', site(file, 'BREAK FROM'), '--to', site(file, 'BREAK TO'), ...extra], program);
  assert.equal(r.code, 0, `leaks failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

describe('arraylens leaks: C program under lldb-dap', () => {
  const LOST = site(C_SRC, 'SITE lost');
  const TEMP = site(C_SRC, 'SITE temporary');
  const GLOBAL = site(C_SRC, 'SITE global');

  it('names the lost buffers, keeps globals and freed temporaries out of the unreferenced list', async () => {
    const t = tag();
    const r = await report(C_SRC, [C_EXE, '4', t]);
    assert.equal(r.from, site(C_SRC, 'BREAK FROM'));
    assert.deepEqual(at(r.new, LOST), [{ language: 'native', site: LOST, count: 4, bytes: 4 * 4096 * 8 }]);
    assert.deepEqual(at(r.new, GLOBAL), [{ language: 'native', site: GLOBAL, count: 4, bytes: 4 * 3000 * 8 }]);
    assert.deepEqual(at(r.unreferenced, LOST), [{ language: 'native', site: LOST, count: 4, bytes: 4 * 4096 * 8 }]);
    assert.deepEqual(at(r.unreferenced, GLOBAL), [], 'blocks referenced from a global are not leaks');
    for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(at(list, TEMP), [], 'freed temporaries appear nowhere');
    assert.deepEqual(r.refcount, []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('counts one lost buffer per call', async () => {
    const r = await report(C_SRC, [C_EXE, '2', tag()]);
    assert.deepEqual(at(r.unreferenced, LOST), [{ language: 'native', site: LOST, count: 2, bytes: 2 * 4096 * 8 }]);
    assert.equal(at(r.new, GLOBAL)[0]?.count, 2);
  });

  it('--min-bytes leaves smaller blocks out', async () => {
    const r = await report(C_SRC, [C_EXE, '4', tag()], ['--min-bytes', '30000']);
    assert.equal(at(r.new, LOST)[0]?.count, 4);
    assert.deepEqual(at(r.new, GLOBAL), [], '24000-byte blocks are under --min-bytes 30000');
  });
});

describe('arraylens leaks: Python + C extension under debugpy', () => {
  const CACHE = site(PY, 'SITE cache');
  const TEMP = site(PY, 'SITE temporary');
  const EXT = fixture('leaks', 'refext.c');
  const SCRATCH = site(EXT, 'SITE scratch');
  const SCRATCH_OK = site(EXT, 'SITE scratch_ok');

  it('names the cached arrays, the leaked reference and the lost native buffers; nothing for the twins', async () => {
    const t = tag();
    const r = await report(PY, [PYTHON, PY, 'refext', t]);
    assert.deepEqual(at(r.new, CACHE), [{ language: 'python', site: CACHE, count: 5, bytes: 5 * 10 * 100 * 4, dtype: 'float32', shape: [10, 100] }]);
    assert.deepEqual(at(r.new, SCRATCH), [{ language: 'native', site: SCRATCH, count: 3, bytes: 3 * 50000 }]);
    assert.deepEqual(at(r.unreferenced, SCRATCH), [{ language: 'native', site: SCRATCH, count: 3, bytes: 3 * 50000 }]);
    for (const list of [r.new, r.freed, r.unreferenced]) {
      assert.deepEqual(at(list, TEMP), [], 'freed temporary arrays appear nowhere');
      assert.deepEqual(at(list, SCRATCH_OK), [], 'freed native scratch buffers appear nowhere');
    }
    // keep() was called twice on `held`; peek() borrowed `lent` and gave it back.
    assert.deepEqual(
      r.refcount.map((e) => [e.expr, e.delta]),
      [['held', 2]],
    );
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('the leak-free run reports only the cache', async () => {
    const r = await report(PY, [PYTHON, PY, tag()]);
    assert.deepEqual(r.refcount, []);
    assert.deepEqual(r.unreferenced.filter((g) => g.site.startsWith(path.dirname(PY))), []);
    assert.deepEqual(r.new.map((g) => g.site), [CACHE]);
  });

  it('flags views whose memory was freed or unmapped, and the native frees behind them', async () => {
    const r = await report(PY, [PYTHON, PY, 'dangling', tag()]);
    assert.deepEqual(
      r.dangling.map((d) => [d.expr, d.bytes, d.reason]),
      [
        ['small', 8000, 'freed'],
        ['large', 1 << 20, 'unmapped'],
      ],
    );
    const alloc = site(EXT, 'SITE alloc');
    assert.deepEqual(at(r.freed, alloc), [{ language: 'native', site: alloc, count: 2, bytes: 8000 + (1 << 20) }]);
    assert.deepEqual(r.unreferenced.filter((g) => g.site.startsWith(path.dirname(PY))), []);
  });

  it('text output names the sites', () => {
    const r = leaks(['--from', site(PY, 'BREAK FROM'), '--to', site(PY, 'BREAK TO')], [PYTHON, PY, 'refext', tag()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /new and still alive:\n\s+python\s+5 x\s+20000 B\s+\S*cache_leak\.py:\d+ float32\[10, 100\]/);
    assert.match(r.stdout, /\+2\s+held/);
  });
});

describe('arraylens leaks: errors', () => {
  async function expectError(args: string[], program: string[], message: RegExp, t?: string): Promise<void> {
    const r = leaks(args, program);
    assert.notEqual(r.code, 0, `expected failure, got ${r.stdout}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
    assert.match(lines[0], message);
    if (t) assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  }

  it('missing --to', () => expectError(['--from', site(PY, 'BREAK FROM')], [PYTHON, PY], /leaks needs --to FILE:LINE/));
  it('bad --min-bytes', () =>
    expectError(['--from', site(PY, 'BREAK FROM'), '--to', site(PY, 'BREAK TO'), '--min-bytes', 'lots'], [PYTHON, PY], /--min-bytes lots/));
  it('Python program ends before TO', () => {
    const t = tag();
    return expectError(['--from', site(PY, 'BREAK FROM'), '--to', site(PY, 'NEVER')], [PYTHON, PY, t], /program ended before reaching cache_leak\.py:\d+/, t);
  });
  it('native program ends before TO', () => {
    const t = tag();
    return expectError(['--from', site(C_SRC, 'BREAK FROM'), '--to', site(C_SRC, 'NEVER')], [C_EXE, '4', t], /program ended.* before reaching lost_buffers\.c:\d+/, t);
  });
  it('no such program', () => {
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-leaks-')), 'nope');
    return expectError(['--from', site(C_SRC, 'BREAK FROM'), '--to', site(C_SRC, 'BREAK TO')], [missing], /no such program/);
  });
});
