// The pure half of the Leaks view (extension/leaksModel.ts): which launches get the tracker and which ledger a session
// has, the ledger's sections as rows, sites parsed for opening, labels; the census part of the ledger a Python session
// without the tracker shows (src/leaks/ledger.ts compareStops on two censuses); the native-call watches of several
// intervals merged for a pinned comparison; and the view/command declared in package.json.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import {
  describeGroup,
  formatBytes,
  isPythonConfiguration,
  leakSourceOf,
  ledgerFootnote,
  ledgerSections,
  parseSite,
  preloadsTracker,
  snapshotLine,
  trackerFields,
  wantsTracker,
  withTrackerEnv,
} from '../../extension/leaksModel';
import { mergeCallWatches } from '../../src/leaks/callWatch';
import { compareStops } from '../../src/leaks/ledger';
import type { LeaksReport } from '../../src/leaks/report';
import type { PythonArrayRecord, PythonCensus } from '../../src/leaks/pythonCensus';
import { ROOT } from '../helpers/env';

function arr(id: number, nbytes: number, site: string | null, refs = 0, expr?: string): PythonArrayRecord {
  return { id, addr: 0x1000 + id * 0x10000, nbytes, dtype: 'float32', shape: [nbytes / 4], site, refs, ...(expr ? { expr } : {}) };
}

function census(arrays: PythonArrayRecord[]): PythonCensus {
  return { numpy: true, started: false, tracing: true, arrays, views: [], traces: [], error: null };
}

/** The ledger of two censuses without a tracker table, as the Leaks view compares two stops of a Python session. */
function censusLedger(prev: PythonCensus, cur: PythonCensus, minBytes = 0): Promise<LeaksReport> {
  // No table: nothing is read from the process but its maps (this one's).
  const proc = { pid: process.pid, census: () => Promise.resolve(null), readRange: () => Promise.reject(new Error('no reads without a table')) };
  return compareStops(proc, { maps: [], table: null, census: prev }, { maps: [], table: null, census: cur }, { from: 'stop 1', to: 'stop 2', minBytes });
}

const groups = (r: LeaksReport['new']): [string, number, number][] => r.map((g) => [g.site, g.count, g.bytes]);

describe('Leaks view model', () => {
  it('Python without the tracker: arrays born since the previous stop by site, with count and bytes, biggest first', async () => {
    const prev = census([arr(1, 400, null, 0, 'kept')]);
    const cur = census([arr(1, 400, null), arr(2, 4000, '/p/a.py:10', 0, 'c0'), arr(3, 4000, '/p/a.py:10', 0, 'c1'), arr(4, 80, '/p/b.py:3')]);
    const r = await censusLedger(prev, cur);
    assert.deepEqual(groups(r.new), [
      ['/p/a.py:10', 2, 8000],
      ['/p/b.py:3', 1, 80],
    ]);
    assert.deepEqual([r.freed, r.refcount, r.unreferenced, r.notes.tracker], [[], [], [], false]);
    const section = ledgerSections(r, 1, false, path.basename).find((x) => x.id === 'new')!;
    assert.equal(section.description, '3 arrays · 7.9 KiB');
    assert.deepEqual(
      section.rows.map((x) => `${x.label} ${x.description}`),
      ['a.py:10 2 × · 7.8 KiB · python float32[1000]', 'b.py:3 1 × · 80 B · python float32[20]'],
    );
    const mixed = ledgerSections({ ...r, new: [...r.new, { language: 'native', site: '/p/ext.c:5', count: 1, bytes: 2048 }] }, 1, false, path.basename);
    assert.equal(mixed.find((x) => x.id === 'new')!.description, '3 arrays · 1 block · 9.9 KiB', 'arrays and native blocks counted apart');
  });

  it('Python without the tracker: freed arrays by site; a new array at a reused address (another id) is new, the old one freed', async () => {
    const a = arr(5, 800, '/p/a.py:4');
    let r = await censusLedger(census([a, arr(6, 800, '/p/a.py:7')]), census([a]));
    assert.deepEqual([groups(r.new), groups(r.freed)], [[], [['/p/a.py:7', 1, 800]]]);
    const old = arr(7, 800, '/p/a.py:4');
    r = await censusLedger(census([old]), census([{ ...arr(8, 800, '/p/a.py:4'), addr: old.addr }]));
    assert.deepEqual([groups(r.new), groups(r.freed)], [[['/p/a.py:4', 1, 800]], [['/p/a.py:4', 1, 800]]]);
  });

  it('Python without the tracker: references that grew, largest first, never those that shrank; sites before tracing name the stop', async () => {
    const prev = census([arr(1, 400, null, 0), arr(2, 400, '/p/a.py:2', 1), arr(3, 400, null, 2)]);
    const cur = census([arr(1, 400, null, 3, 'held'), arr(2, 400, '/p/a.py:2', 2, 'x'), arr(3, 400, null, 0, 'y')]);
    const r = await censusLedger(prev, cur);
    assert.deepEqual(r.refcount, [
      { site: 'stop 1', expr: 'held', delta: 3 },
      { site: '/p/a.py:2', expr: 'x', delta: 1 },
    ]);
    const section = ledgerSections(r, 1, false, path.basename).find((x) => x.id === 'refcount')!;
    assert.equal(section.description, '+4 references');
    assert.deepEqual(
      section.rows.map((x) => `${x.label} ${x.description}`),
      ['+3 held allocated before stop 1', '+1 x a.py:2'],
    );
  });

  it('minBytes leaves small arrays out of the groups', async () => {
    const r = await censusLedger(census([]), census([arr(1, 400, '/p/a.py:1'), arr(2, 4000, '/p/a.py:2')]), 1024);
    assert.deepEqual(r.new.map((g) => g.site), ['/p/a.py:2']);
  });

  it('the watches of several intervals merge per array, site and callee (a comparison with a pinned stop)', () => {
    const w = (arrays: [number, [string, string, number][]][], calls = 1) => ({ watching: true, calls, errors: 0, arrays });
    const merged = mergeCallWatches([
      w([[1, [['a.py:5', 'm.keep', 1]]]]),
      w([], 0),
      w(
        [
          [1, [['a.py:5', 'm.keep', 1], ['a.py:9', 'm.keep', 1]]],
          [2, [['a.py:7', 'm.drop', -1]]],
        ],
        3,
      ),
      w([[2, [['a.py:7', 'm.drop', 1]]]]),
    ]);
    assert.deepEqual(merged, {
      watching: true,
      calls: 5,
      errors: 0,
      arrays: [[1, [['a.py:5', 'm.keep', 2], ['a.py:9', 'm.keep', 1]]]],
    });
  });

  it('parses sites, labels groups and sizes', () => {
    assert.deepEqual(parseSite('/p/dir:x/a.py:12'), { file: '/p/dir:x/a.py', line: 12 });
    assert.equal(parseSite(null), null);
    assert.equal(parseSite('/p/a.py'), null);
    assert.equal(parseSite('/p/a.py:0'), null);
    assert.deepEqual(describeGroup({ site: '/p/a.py:10', count: 2, bytes: 8000 }, path.basename), {
      label: 'a.py:10',
      description: '2 × · 7.8 KiB',
    });
    assert.equal(describeGroup({ site: null, count: 1, bytes: 10 }, path.basename).label, '(allocated before the first stop)');
    assert.equal(describeGroup({ site: 'stop 2', count: 1, bytes: 10 }, path.basename).label, '(allocated before stop 2)');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  });

  it('tells arraylens configurations running Python apart: their ledger has the NumPy census too', () => {
    assert.equal(isPythonConfiguration({ program: '/w/main.py' }), true);
    assert.equal(isPythonConfiguration({ program: '/w/main.py', mixed: true }), true);
    assert.equal(isPythonConfiguration({ module: 'pkg.main' }), true);
    assert.equal(isPythonConfiguration({ program: '/w/target/debug/app' }), false);
    assert.equal(isPythonConfiguration({}), false);
    const py = leakSourceOf({ type: 'arraylens', configuration: { type: 'arraylens', request: 'launch', program: '/w/a.py' }, ancestors: [] });
    assert.deepEqual(py.kind === 'ledger' && [py.program, py.attached], ['python', false]);
    assert.match(py.kind === 'ledger' ? py.noTracker : '', /^No native blocks: .*opt-in.*"leakTracker": true/);
    const mixed = leakSourceOf({ type: 'arraylens', configuration: { type: 'arraylens', request: 'launch', program: '/w/a.py', mixed: true }, ancestors: [] });
    assert.equal(mixed.kind === 'ledger' && mixed.program, 'mixed');
  });

  it('follows the sessions of the debug types it rides: debugpy/python as Python (census), lldb-dap/gdb as native', () => {
    for (const type of ['debugpy', 'python']) {
      const l = leakSourceOf({ type, configuration: { type, request: 'launch', program: '/w/a.py' }, ancestors: [] });
      assert.deepEqual(l.kind === 'ledger' && [l.program, l.attached], ['python', false], type);
      assert.match(l.kind === 'ledger' ? l.noTracker : '', /"arraylensLeakTracker": true/);
      const a = leakSourceOf({ type, configuration: { type, request: 'attach', connect: { port: 5678 } }, ancestors: [] });
      assert.deepEqual(a.kind === 'ledger' && [a.program, a.attached], ['python', true]);
      assert.match(a.kind === 'ledger' ? a.noTracker : '', /LD_PRELOAD=.*libarraylens_leaktracker\.so/);
    }
    for (const type of ['lldb-dap', 'gdb']) {
      const l = leakSourceOf({ type, configuration: { type, request: 'launch', program: '/w/app' }, ancestors: [] });
      assert.deepEqual(l.kind === 'ledger' && [l.program, l.attached], ['native', false], type);
    }
    assert.equal(leakSourceOf({ type: 'cppdbg', configuration: { type: 'cppdbg', request: 'launch' }, ancestors: [] }).kind, 'unsupported');
  });

  it('preloads the tracker into ridden launches only when asked, where each adapter takes it', () => {
    const so = '/x/libarraylens_leaktracker.so';
    for (const type of ['debugpy', 'python', 'lldb-dap', 'gdb']) {
      assert.equal(wantsTracker(type, { request: 'launch', program: '/w/a' }), false, `${type}: not unasked`);
      assert.equal(wantsTracker(type, { request: 'launch', program: '/w/a', arraylensLeakTracker: true }), true, `${type}: asked`);
      assert.equal(wantsTracker(type, { request: 'attach', arraylensLeakTracker: true }), false, `${type}: attach runs already`);
    }
    // debugpy: `env` is an object.
    assert.deepEqual(trackerFields('debugpy', { env: { A: 'b' } }, so, undefined), { env: { A: 'b', LD_PRELOAD: so, ARRAYLENS_LEAK_MIN_BYTES: '1024' } });
    // lldb-dap: a list of NAME=value stays a list.
    assert.deepEqual(trackerFields('lldb-dap', { env: ['A=b=c', 'LD_PRELOAD=/o.so'] }, so, undefined), { env: ['A=b=c', `LD_PRELOAD=${so}:/o.so`, 'ARRAYLENS_LEAK_MIN_BYTES=1024'] });
    assert.deepEqual(trackerFields('lldb-dap', { env: [`LD_PRELOAD=${so}`] }, so, undefined), {}, 'already there');
    // gdb (CDT): the program's environment through gdb, not gdb's own `environment`.
    assert.deepEqual(trackerFields('gdb', { initCommands: ['set print pretty on'] }, so, '/inh.so'), {
      initCommands: ['set print pretty on', `set environment LD_PRELOAD=${so}:/inh.so`, 'set environment ARRAYLENS_LEAK_MIN_BYTES=1024'],
    });
    assert.deepEqual(trackerFields('gdb', { initCommands: [`set environment LD_PRELOAD=${so}`] }, so, undefined), {});
  });

  it('says what the first snapshot holds', () => {
    const sum = { stop: 1, tracker: true, blocks: 12, bytes: 3 << 20, dropped: 0, minBytes: 1024, census: null };
    assert.equal(snapshotLine(sum), 'Snapshot taken at stop 1: 12 native blocks · 3.0 MiB');
    assert.equal(snapshotLine({ ...sum, census: { numpy: true, arrays: 7 } }), 'Snapshot taken at stop 1: 7 arrays · 12 native blocks · 3.0 MiB');
    assert.equal(snapshotLine({ ...sum, tracker: false, census: { numpy: true, arrays: 7 } }), 'Snapshot taken at stop 1: 7 arrays');
    assert.equal(snapshotLine({ ...sum, census: { numpy: false, arrays: 0 } }), 'Snapshot taken at stop 1: NumPy not loaded · 12 native blocks · 3.0 MiB');
  });

  it('package.json declares the view beside Arrays and its refresh command', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      contributes: { views: { debug: { id: string }[] }; commands: { command: string }[]; menus: { 'view/title': { command: string; when: string }[] } };
    };
    assert.deepEqual(pkg.contributes.views.debug.map((v) => v.id).filter((id) => id === 'arraylens.arrays' || id === 'arraylens.leaks'), ['arraylens.arrays', 'arraylens.leaks']);
    assert.ok(pkg.contributes.commands.some((c) => c.command === 'arraylens.refreshLeaks'));
    assert.ok(pkg.contributes.menus['view/title'].some((m) => m.command === 'arraylens.refreshLeaks' && m.when === 'view == arraylens.leaks'));
    for (const c of ['arraylens.pinLeakSnapshot', 'arraylens.unpinLeakSnapshot']) {
      assert.ok(pkg.contributes.commands.some((x) => x.command === c), c);
      assert.ok(pkg.contributes.menus['view/title'].some((m) => m.command === c && m.when.startsWith('view == arraylens.leaks')), `${c} in the view's title`);
    }
  });

  it('preloads the tracker only when asked (it changes timing): arraylens launches and "arraylensNative" Node launches, first in LD_PRELOAD', () => {
    const so = '/x/src/leaks/tracker/build/libarraylens_leaktracker.so';
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app' }), false, 'not unasked');
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app', leakTracker: true }), true);
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app' }, true), true, 'the setting asks for every arraylens launch');
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/a.py', mixed: true, leakTracker: true }), true);
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/a.py', leakTracker: true }), true, "Python: its C extensions' blocks beside the census");
    assert.equal(wantsTracker('arraylens', { request: 'launch', module: 'pkg.main' }, true), true);
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/a.py', leakTracker: false }, true), false, 'false wins over the setting');
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app', leakTracker: false }), false);
    assert.equal(wantsTracker('arraylens', { request: 'attach', processId: 5, leakTracker: true }), false, 'an attached process is already running');
    assert.equal(wantsTracker('node', { request: 'launch', program: '/w/a.js', arraylensNative: true, leakTracker: true }), true);
    assert.equal(wantsTracker('node', { request: 'launch', program: '/w/a.js', arraylensNative: true }), false);
    assert.equal(wantsTracker('node', { request: 'launch', program: '/w/a.js', leakTracker: true }), false, 'Node without arraylensNative');
    assert.equal(wantsTracker('pwa-node', { request: 'launch', arraylensNative: true, leakTracker: true, __pendingTargetId: 'x' }), false, "js-debug's own child sessions");
    assert.deepEqual(withTrackerEnv(undefined, so, undefined), { LD_PRELOAD: so, ARRAYLENS_LEAK_MIN_BYTES: '1024' });
    assert.deepEqual(withTrackerEnv({ A: 1, B: null }, so, '/inherited.so'), { A: '1', LD_PRELOAD: `${so}:/inherited.so`, ARRAYLENS_LEAK_MIN_BYTES: '1024' });
    assert.equal(withTrackerEnv({ LD_PRELOAD: '/mine.so' }, so, '/inherited.so').LD_PRELOAD, `${so}:/mine.so`);
    const already = { LD_PRELOAD: `/mine.so:${so}` };
    assert.deepEqual(withTrackerEnv(already, so, undefined), already, 'never twice');
    assert.equal(preloadsTracker(already), true);
    assert.equal(preloadsTracker({ LD_PRELOAD: '/mine.so' }), false);
    assert.equal(preloadsTracker(undefined), false);
  });

  it('shows the ledger of two stops as sections of site rows, and says what was compared', () => {
    const r: LeaksReport = {
      from: 'stop 1',
      to: 'stop 3',
      new: [{ language: 'native', site: '/w/a.c:12', count: 2, bytes: 65536 }],
      grown: [{ language: 'native', site: '/w/a.c:20', count: 1, bytes: 4096, from_bytes: 4096, to_bytes: 8192 }],
      freed: [],
      refcount: [],
      unreferenced: [{ language: 'native', site: '/w/a.c:12', count: 1, bytes: 32768 }],
      dangling: [{ language: 'python', site: '/w/p.py:3', expr: 'v', address: '0x1000', bytes: 64, reason: 'freed' }],
      notes: { tracker: true, trackerDropped: 0, scannedBytes: 2_500_000, scanMs: 12, minBytes: 1024 },
    } as LeaksReport;
    const s = ledgerSections(r, 1, true, path.basename);
    assert.deepEqual(
      s.map((x) => [x.id, x.label, x.description, x.rows.map((row) => `${row.label} ${row.description} -> ${row.site}`)]),
      [
        ['new', 'New since pinned stop 1', '2 blocks · 64.0 KiB', ['a.c:12 2 × · 64.0 KiB -> /w/a.c:12']],
        ['grown', 'Grown since pinned stop 1', '1 block · +4.0 KiB', ['a.c:20 1 × · +4.0 KiB (4.0 KiB → 8.0 KiB) -> /w/a.c:20']],
        ['freed', 'Freed since pinned stop 1', 'none', []],
        ['unreferenced', 'Unreferenced', '1 block · 32.0 KiB', ['a.c:12 1 × · 32.0 KiB -> /w/a.c:12']],
        ['dangling', 'Dangling views', '1', ['v 64 B at 0x1000: memory freed · p.py:3 -> /w/p.py:3']],
      ],
    );
    assert.equal(ledgerFootnote(r, 1, 3, true), 'Stop 3 compared with pinned stop 1 · blocks of 1.0 KiB+ · scanned 2.5 MB in 12 ms');
  });
});
