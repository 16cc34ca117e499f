// The pure half of the Leaks view (extension/leaksModel.ts): census diffs grouped by site, reference growth,
// sites parsed for opening, labels; and the view/command declared in package.json.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { describeGroup, diffCensus, formatBytes, isPythonConfiguration, ledgerFootnote, ledgerSections, parseSite, preloadsTracker, wantsTracker, withTrackerEnv } from '../../extension/leaksModel';
import type { LeaksReport } from '../../src/leaks/report';
import type { PythonArrayRecord, PythonCensus } from '../../src/leaks/pythonCensus';
import { ROOT } from '../helpers/env';

function arr(id: number, nbytes: number, site: string | null, refs = 0, expr?: string): PythonArrayRecord {
  return { id, addr: 0x1000 + id * 0x10000, nbytes, dtype: 'float32', shape: [nbytes / 4], site, refs, ...(expr ? { expr } : {}) };
}

function census(arrays: PythonArrayRecord[]): PythonCensus {
  return { numpy: true, started: false, tracing: true, arrays, views: [], traces: [], error: null };
}

describe('Leaks view model', () => {
  it('groups arrays born since the previous stop by site, with count and bytes, biggest first', () => {
    const prev = census([arr(1, 400, null, 0, 'kept')]);
    const cur = census([arr(1, 400, null), arr(2, 4000, '/p/a.py:10', 0, 'c0'), arr(3, 4000, '/p/a.py:10', 0, 'c1'), arr(4, 80, '/p/b.py:3')]);
    const d = diffCensus(prev, cur);
    assert.deepEqual(d.added, [
      { site: '/p/a.py:10', count: 2, bytes: 8000, names: ['c0', 'c1'] },
      { site: '/p/b.py:3', count: 1, bytes: 80, names: [] },
    ]);
    assert.deepEqual(d.freed, []);
    assert.deepEqual(d.refGrowth, []);
  });

  it('lists freed arrays by site and nothing for arrays alive at both stops', () => {
    const a = arr(5, 800, '/p/a.py:4');
    const d = diffCensus(census([a, arr(6, 800, '/p/a.py:7')]), census([a]));
    assert.deepEqual(d.added, []);
    assert.deepEqual(d.freed, [{ site: '/p/a.py:7', count: 1, bytes: 800, names: [] }]);
  });

  it('a new array at a reused address (another id) is new, and the old one freed', () => {
    const old = arr(7, 800, '/p/a.py:4');
    const reused = { ...arr(8, 800, '/p/a.py:4'), addr: old.addr };
    const d = diffCensus(census([old]), census([reused]));
    assert.equal(d.added[0]?.count, 1);
    assert.equal(d.freed[0]?.count, 1);
  });

  it('reports references that grew, largest first, never those that shrank', () => {
    const prev = census([arr(1, 400, null, 0), arr(2, 400, '/p/a.py:2', 1), arr(3, 400, null, 2)]);
    const cur = census([arr(1, 400, null, 3, 'held'), arr(2, 400, '/p/a.py:2', 2, 'x'), arr(3, 400, null, 0, 'y')]);
    assert.deepEqual(diffCensus(prev, cur).refGrowth, [
      { site: null, expr: 'held', delta: 3 },
      { site: '/p/a.py:2', expr: 'x', delta: 1 },
    ]);
  });

  it('minBytes leaves small arrays out of the groups', () => {
    const d = diffCensus(census([]), census([arr(1, 400, '/p/a.py:1'), arr(2, 4000, '/p/a.py:2')]), 1024);
    assert.deepEqual(d.added.map((g) => g.site), ['/p/a.py:2']);
  });

  it('parses sites, labels groups and sizes', () => {
    assert.deepEqual(parseSite('/p/dir:x/a.py:12'), { file: '/p/dir:x/a.py', line: 12 });
    assert.equal(parseSite(null), null);
    assert.equal(parseSite('/p/a.py'), null);
    assert.equal(parseSite('/p/a.py:0'), null);
    assert.deepEqual(describeGroup({ site: '/p/a.py:10', count: 2, bytes: 8000, names: ['c0', 'c1'] }, path.basename), {
      label: 'a.py:10',
      description: '2 × · 7.8 KiB · c0, c1',
    });
    assert.equal(describeGroup({ site: null, count: 1, bytes: 10, names: [] }, path.basename).label, '(allocated before the first stop)');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  });

  it('takes arraylens configurations running Python only', () => {
    assert.equal(isPythonConfiguration({ program: '/w/main.py' }), true);
    assert.equal(isPythonConfiguration({ program: '/w/main.py', mixed: true }), true);
    assert.equal(isPythonConfiguration({ module: 'pkg.main' }), true);
    assert.equal(isPythonConfiguration({ program: '/w/target/debug/app' }), false);
    assert.equal(isPythonConfiguration({}), false);
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

  it('preloads the tracker into native, mixed and "arraylensNative" Node launches only, first in LD_PRELOAD', () => {
    const so = '/x/src/leaks/tracker/build/libarraylens_leaktracker.so';
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app' }), true);
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/a.py', mixed: true }), true);
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/a.py' }), false, 'Python: the NumPy census');
    assert.equal(wantsTracker('arraylens', { request: 'launch', program: '/w/app', leakTracker: false }), false);
    assert.equal(wantsTracker('arraylens', { request: 'attach', processId: 5 }), false, 'an attached process is already running');
    assert.equal(wantsTracker('node', { request: 'launch', program: '/w/a.js', arraylensNative: true }), true);
    assert.equal(wantsTracker('node', { request: 'launch', program: '/w/a.js' }), false);
    assert.equal(wantsTracker('pwa-node', { request: 'launch', arraylensNative: true, __pendingTargetId: 'x' }), false, "js-debug's own child sessions");
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
