// `arraylens leaks` end to end: real debugpy and lldb-dap, the preloaded tracker, gcc-built fixtures that leak on
// purpose next to leak-free twins. Sites are found by `SITE` markers in the fixture sources, never hard-coded.

import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CLI, PYTHON, assertUnreferencedAt, fixture, markerLine, waitNoProcess } from '../helpers/env';

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
interface Grown extends Group {
  from_bytes: number;
  to_bytes: number;
}
interface Report {
  from: string;
  to: string;
  new: Group[];
  grown: Grown[];
  freed: Group[];
  refcount: { site: string; expr?: string; call?: string; delta: number }[];
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
    for (const list of [r.new, r.grown, r.freed, r.unreferenced]) assert.deepEqual(at(list, TEMP), [], 'freed temporaries appear nowhere');
    assert.deepEqual(r.refcount, []);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('posix_memalign, aligned_alloc and mmap: lost blocks by count, bytes and site; nothing for the twins', async () => {
    const r = await report(C_SRC, [C_EXE, '4', tag()]);
    const native = (s: string, count: number, bytes: number): Group[] => [{ language: 'native', site: s, count, bytes }];
    const planted: [string, number][] = [
      [site(C_SRC, 'SITE lost_posix'), 20000],
      [site(C_SRC, 'SITE lost_aligned'), 12288],
      [site(C_SRC, 'SITE lost_mmap'), 65536],
    ];
    for (const [s, bytes] of planted) {
      assert.deepEqual(at(r.new, s), native(s, 4, 4 * bytes), `new at ${s}`);
      assert.deepEqual(at(r.unreferenced, s), native(s, 4, 4 * bytes), `unreferenced at ${s}`);
    }
    for (const [marker, bytes] of [
      ['SITE global_aligned', 12288],
      ['SITE global_mmap', 65536],
    ] as const) {
      const s = site(C_SRC, marker);
      assert.deepEqual(at(r.new, s), native(s, 4, 4 * bytes), `kept blocks are new at ${s}`);
      assert.deepEqual(at(r.unreferenced, s), [], `blocks referenced from a global are not leaks (${s})`);
    }
    for (const marker of ['SITE temporary_posix', 'SITE temporary_mmap'])
      for (const list of [r.new, r.grown, r.freed, r.unreferenced]) assert.deepEqual(at(list, site(C_SRC, marker)), [], `${marker} appears nowhere`);
    const inFixture = (groups: Group[]): Group[] => groups.filter((g) => g.site.startsWith(C_SRC + ':'));
    assert.deepEqual(inFixture(r.freed), [], 'nothing allocated before FROM was freed (moved blocks included)');
  });

  it('realloc and mremap: blocks alive at both stops grow at their first site, neither freed nor new', async () => {
    const r = await report(C_SRC, [C_EXE, '4', tag()]);
    const GROWN = site(C_SRC, 'SITE grown');
    const GROWN_MAP = site(C_SRC, 'SITE grown_map');
    const inFixture = <T extends Group>(groups: T[]): T[] => groups.filter((g) => g.site.startsWith(C_SRC + ':'));
    assert.deepEqual(inFixture(r.grown), [
      { language: 'native', site: GROWN_MAP, count: 1, bytes: (65536 << 4) - 65536, from_bytes: 65536, to_bytes: 65536 << 4 },
      { language: 'native', site: GROWN, count: 1, bytes: (16384 << 4) - 16384, from_bytes: 16384, to_bytes: 16384 << 4 },
    ]);
    for (const s of [GROWN, GROWN_MAP]) for (const list of [r.new, r.freed, r.unreferenced]) assert.deepEqual(at(list, s), [], `${s}: grown only`);
    for (const marker of ['SITE realloc_grow', 'SITE mremap_grow', 'SITE shrink', 'SITE steady', 'SITE fresh_grow'])
      for (const list of [r.new, r.grown, r.freed, r.unreferenced]) assert.deepEqual(at(list, site(C_SRC, marker)), [], `${marker} appears nowhere`);
    // Born after FROM and realloc'd: new at its first site with its final size, referenced from a global.
    const FRESH = site(C_SRC, 'SITE fresh');
    assert.deepEqual(at(r.new, FRESH), [{ language: 'native', site: FRESH, count: 4, bytes: 4 * 200000 }]);
    assert.deepEqual(at(r.grown, FRESH), []);
    assert.deepEqual(at(r.unreferenced, FRESH), []);
  });

  it('text output has the grown section', () => {
    const r = leaks(['--from', site(C_SRC, 'BREAK FROM'), '--to', site(C_SRC, 'BREAK TO')], [C_EXE, '2', tag()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`grown \\(alive at both stops, first allocation site\\):\\n(?:.*\\n)*?\\s+native\\s+1 x\\s+\\+${(16384 << 2) - 16384} B\\s+\\S*lost_buffers\\.c:${markerLine(C_SRC, 'SITE grown')}  \\(16384 B -> ${16384 << 2} B\\)\\n`));
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
    assertUnreferencedAt(r.unreferenced, SCRATCH, 3, 50000);
    for (const list of [r.new, r.freed, r.unreferenced]) {
      assert.deepEqual(at(list, TEMP), [], 'freed temporary arrays appear nowhere');
      assert.deepEqual(at(list, SCRATCH_OK), [], 'freed native scratch buffers appear nowhere');
    }
    // keep() was called twice on `held`, from two lines; peek() borrowed `lent` and gave it back.
    assert.deepEqual(r.refcount, [
      { site: site(PY, 'SITE first keep'), expr: 'held', call: 'refext.keep', delta: 1 },
      { site: site(PY, 'SITE second keep'), expr: 'held', call: 'refext.keep', delta: 1 },
    ]);
    assert.deepEqual(await waitNoProcess(t), [], 'the debuggee is gone');
  });

  it('the leak-free run reports only the cache', async () => {
    const r = await report(PY, [PYTHON, PY, tag()]);
    assert.deepEqual(r.refcount, []);
    assert.deepEqual(r.unreferenced.filter((g) => g.site.startsWith(path.dirname(PY))), []);
    assert.deepEqual(r.new.map((g) => g.site), [CACHE]);
  });

  it('flags views whose memory was freed, unmapped or moved away, and the native frees behind them', async () => {
    const r = await report(PY, [PYTHON, PY, 'dangling', tag()]);
    assert.deepEqual(
      r.dangling.map((d) => [d.expr, d.bytes, d.reason]).sort((p, q) => String(p[0]).localeCompare(String(q[0]))),
      [
        ['large', 1 << 20, 'unmapped'],
        ['mapped', 1 << 16, 'unmapped'],
        ['moved', 4000, 'freed'],
        ['small', 8000, 'freed'],
      ],
    );
    const alloc = site(EXT, 'SITE alloc');
    const map = site(EXT, 'SITE map');
    assert.deepEqual(at(r.freed, alloc), [{ language: 'native', site: alloc, count: 2, bytes: 8000 + (1 << 20) }], 'the block realloc moved is not freed');
    assert.deepEqual(at(r.freed, map), [{ language: 'native', site: map, count: 1, bytes: 1 << 16 }]);
    assert.deepEqual(at(r.grown, alloc), [{ language: 'native', site: alloc, count: 1, bytes: 400000 - 4000, from_bytes: 4000, to_bytes: 400000 }]);
    assert.deepEqual(at(r.new, alloc), [], 'nor new');
    assert.deepEqual(r.unreferenced.filter((g) => g.site.startsWith(path.dirname(PY))), []);
  });

  it('an array resized larger between the stops is grown, not new nor freed; one resized smaller appears nowhere', async () => {
    const r = await report(PY, [PYTHON, PY, 'resize', tag()]);
    const FROM = site(PY, 'BREAK FROM');
    // Allocated before tracing began: its site is the FROM stop.
    assert.deepEqual(r.grown, [{ language: 'python', site: FROM, count: 1, bytes: (50000 - 2000) * 8, dtype: 'float64', shape: [50000], from_bytes: 2000 * 8, to_bytes: 50000 * 8 }]);
    assert.deepEqual(r.new.map((g) => g.site), [site(PY, 'SITE cache')], 'the re-traced data of the resized arrays is not new');
    for (const marker of ['SITE resize', 'SITE shrink'])
      for (const list of [r.new, r.grown, r.freed, r.unreferenced]) assert.deepEqual(at(list, site(PY, marker)), [], `${marker} appears nowhere`);
    assert.deepEqual(r.freed, []);
  });

  it('text output names the sites', () => {
    const r = leaks(['--from', site(PY, 'BREAK FROM'), '--to', site(PY, 'BREAK TO')], [PYTHON, PY, 'refext', tag()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /new and still alive:\n\s+python\s+5 x\s+20000 B\s+\S*cache_leak\.py:\d+ float32\[10, 100\]/);
    assert.match(r.stdout, /\+1\s+held\s+\S*cache_leak\.py:\d+\s+taken by refext\.keep\(\)/);
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
