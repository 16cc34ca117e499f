// The refcount check's arithmetic (src/leaks/refcount.ts): an array's persistent growth split over the native calls
// that took references, always summing to the growth; arrays born since FROM; entries merged by site and callee.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attributeGrowth, refcountEntries } from '../../src/leaks/refcount';
import type { PythonArrayRecord } from '../../src/leaks/pythonCensus';

const sum = (xs: { delta: number }[]): number => xs.reduce((s, x) => s + x.delta, 0);

function arr(id: number, refs: number, site: string | null, expr?: string): PythonArrayRecord {
  return { id, addr: 0x1000 + id * 0x10000, nbytes: 32, dtype: 'float64', shape: [4], site, refs, ...(expr ? { expr } : {}) };
}

describe('refcount growth by call site', () => {
  it('each call keeps what it took when they took exactly the growth', () => {
    assert.deepEqual(
      attributeGrowth(3, [['a.py:5', 'm.keep', 2], ['a.py:9', 'm.keep', 1]], 'a.py:1'),
      [
        { site: 'a.py:5', call: 'm.keep', delta: 2 },
        { site: 'a.py:9', call: 'm.keep', delta: 1 },
      ],
    );
  });

  it('growth no watched call explains goes to the fallback site', () => {
    assert.deepEqual(attributeGrowth(3, [], 'a.py:1'), [{ site: 'a.py:1', delta: 3 }]);
    assert.deepEqual(attributeGrowth(3, [['a.py:5', 'm.keep', 1], ['a.py:7', 'm.drop', -1]], 'a.py:1'), [
      { site: 'a.py:5', call: 'm.keep', delta: 1 },
      { site: 'a.py:1', delta: 2 },
    ]);
  });

  it('when the calls took more than persisted, proportional shares that still sum to the growth', () => {
    const shares = attributeGrowth(2, [['a.py:5', 'm.keep', 3], ['a.py:9', 'm.ret', 1], ['a.py:12', 'm.keep', 2]], 'a.py:1');
    assert.equal(sum(shares), 2);
    assert.deepEqual(shares, [
      { site: 'a.py:5', call: 'm.keep', delta: 1 },
      { site: 'a.py:12', call: 'm.keep', delta: 1 },
    ]);
    // ties go to the earlier call
    assert.deepEqual(attributeGrowth(1, [['a.py:5', 'm.f', 1], ['a.py:9', 'm.g', 1]], 'a.py:1'), [{ site: 'a.py:5', call: 'm.f', delta: 1 }]);
    assert.deepEqual(attributeGrowth(0, [['a.py:5', 'm.f', 1]], 'a.py:1'), []);
  });

  it('entries: growth of arrays alive at both stops, all references of arrays born since, merged by site and callee', () => {
    const from = [arr(1, 0, null, 'kept'), arr(2, 1, 'a.py:3', 'lent')];
    const to = [arr(1, 3, null, 'kept'), arr(2, 1, 'a.py:3', 'lent'), arr(3, 1, 'a.py:20'), arr(4, 1, 'a.py:20'), arr(5, 0, 'a.py:21')];
    const calls = {
      watching: true,
      calls: 9,
      errors: 0,
      arrays: [
        [1, [['a.py:10', 'm.keep', 3]]],
        [3, [['a.py:20', 'm.keep', 1]]],
        [4, [['a.py:20', 'm.keep', 1]]],
      ] as [number, [string, string, number][]][],
    };
    assert.deepEqual(refcountEntries(from, to, calls, 'a.py:1'), [
      { site: 'a.py:10', expr: 'kept', call: 'm.keep', delta: 3 },
      { site: 'a.py:20', call: 'm.keep', delta: 2 },
    ]);
    // no watch: the allocation site, or the FROM stop for arrays older than tracing
    assert.deepEqual(refcountEntries(from, to, null, 'a.py:1'), [
      { site: 'a.py:1', expr: 'kept', delta: 3 },
      { site: 'a.py:20', delta: 2 },
    ]);
  });
});
