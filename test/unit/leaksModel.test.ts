// The pure half of the Leaks view (extension/leaksModel.ts): census diffs grouped by site, reference growth,
// sites parsed for opening, labels; and the view/command declared in package.json.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { describeGroup, diffCensus, formatBytes, isPythonConfiguration, parseSite } from '../../extension/leaksModel';
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
  });
});
