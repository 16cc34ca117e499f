// Hardening checks of issue 18 that need no debugger: which native expressions may reach lldb/gdb.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkNativeExpression, nativeExpressionProblem } from '../../src/core/nativeExpression';

describe('native expressions: variable paths only (issue 18)', () => {
  // Every native expression the tests and the acceptance cases use, and the ones NativeTarget derives from them.
  const allowed = [
    'd2', 'heap', 'm.data', 'm.rows', 'pm->data', 'pm->rows', 'hold.v', 'n_heap', 'imageData', 'self.data', 'x.0',
    'pair.1.data', 'arr[0]', 'arr[-1]', 'grid[1][2]', '*pp', '**ppp', '&scalar', '&(heap)', '*(heap)', '(heap)._data',
    '(v)._M_impl._M_start', '(v).__begin_', 'ns::table', '::global_buf', 'std::detail::x', '(float *)p', '(unsigned char*)buf',
    '(const float *) m.data', '(int)(n)', '(float*)(p)', '(struct matrix *)pm', '(mytype)v', '0x1000', '16', '(float *)0x1000',
    '  spaced -> member  ', 'this->data',
  ];
  for (const e of allowed) it(`allows ${JSON.stringify(e)}`, () => assert.equal(nativeExpressionProblem(e), null));

  const refused: [string, RegExp][] = [
    ['system("touch pwned")', /calls are not allowed|string/],
    ['never_called()', /calls are not allowed/],
    ['(f)(1)', /calls are not allowed/],
    ['(char *)system(p)', /calls are not allowed/],
    ['(float *)(system)(p)', /calls are not allowed/],
    ['m.method()', /calls are not allowed/],
    ['f (1)', /calls are not allowed/],
    ['scalar = 1', /assignments/],
    ['scalar += 1', /assignments/],
    ['scalar <<= 1', /assignments/],
    ['scalar++', /increments/],
    ['--scalar', /increments/],
    ['a, b', /commas/],
    ['$pc', /registers/],
    ['$x = 1', /registers/],
    ['`touch pwned`', /backticks/],
    ['arr[i]', /integer literals/],
    ['arr[f()]', /integer literals/],
    ['x; y', /statements/],
    ['({ int y = 1; y; })', /statements/],
    ['a + b', /'\+' is not allowed/],
    ['', /empty/],
    ['arr[', /ends too early|integer/],
  ];
  for (const [e, why] of refused)
    it(`refuses ${JSON.stringify(e)}`, () => {
      assert.match(nativeExpressionProblem(e) ?? 'accepted', why);
      assert.throws(
        () => checkNativeExpression(e),
        (err: Error) => /is not an inspectable native expression/.test(err.message) && !err.message.includes('\n'),
      );
    });
});
