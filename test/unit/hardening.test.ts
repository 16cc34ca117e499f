// Hardening checks of issue 18 that need no debugger: which native expressions may reach lldb/gdb, and the leak
// tracker's table read from debuggee memory checked against the tracker's constants, and npm start's auth choice.

import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { describe, it } from 'node:test';
import { checkNativeExpression, nativeExpressionProblem } from '../../src/core/nativeExpression';
import { TABLE_BLOCK_BYTES, TABLE_CAPACITY, TABLE_MAX_FRAMES, readTable } from '../../src/leaks/leakTable';

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

describe('the leak tracker table read from the debuggee is validated (issue 18)', () => {
  const TABLE = 0x10000;
  const BLOCKS = 0x100000;
  /** A debuggee memory holding a version-2 table with one live block, with `field` of the header overwritten. */
  function memory(patch: Partial<Record<'version' | 'capacity' | 'live' | 'minBytes' | 'blockSize' | 'maxFrames' | 'blocks', bigint>> = {}) {
    const h = Buffer.alloc(11 * 8);
    const put = (i: number, v: bigint) => h.writeBigUInt64LE(BigInt.asUintN(64, v), 8 * i);
    put(0, 0x4b41454c534c5241n);
    put(1, patch.version ?? 2n);
    put(2, patch.capacity ?? BigInt(TABLE_CAPACITY));
    put(3, patch.live ?? 1n);
    put(4, patch.minBytes ?? 1024n);
    put(5, 7n);
    put(8, patch.blockSize ?? BigInt(TABLE_BLOCK_BYTES));
    put(9, patch.maxFrames ?? BigInt(TABLE_MAX_FRAMES));
    put(10, patch.blocks ?? BigInt(BLOCKS));
    const blocks = Buffer.alloc(TABLE_CAPACITY * TABLE_BLOCK_BYTES);
    blocks.writeBigUInt64LE(BigInt.asUintN(64, ~0x5000n), 0);
    blocks.writeBigUInt64LE(4096n, 8);
    blocks.writeBigUInt64LE(7n, 16);
    blocks.writeBigUInt64LE(1n, 24);
    blocks.writeBigUInt64LE(0x401000n, 40);
    const asked: number[] = [];
    const read = async (addr: number, len: number): Promise<Buffer> => {
      asked.push(len);
      if (addr === TABLE) return h.subarray(0, len);
      if (addr === BLOCKS && len <= blocks.length) return blocks.subarray(0, len);
      throw new Error(`unreadable 0x${addr.toString(16)} (${len} bytes)`);
    };
    return { read, asked };
  }

  it('a good table reads', async () => {
    const t = await readTable(memory().read, TABLE);
    assert.deepEqual(t.blocks, [{ addr: 0x5000, size: 4096, seq: 7, kind: 'heap', frames: [0x401000] }]);
  });

  for (const [field, value, why] of [
    ['capacity', 1n << 40n, /capacity 1099511627776, expected 65536/],
    ['capacity', 0n, /capacity 0/],
    ['blockSize', 8n, /block_size 8, expected 168/],
    ['maxFrames', 1n << 32n, /max_frames/],
    ['live', 1n << 20n, /live blocks/],
    ['minBytes', 0n, /min_bytes 0/],
    ['blocks', 0n, /blocks at 0x0/],
  ] as const)
    it(`a corrupted ${field} (${value}) is refused with a clear error, nothing sized from it is read`, async () => {
      const m = memory({ [field]: value });
      await assert.rejects(readTable(m.read, TABLE), (e: Error) => {
        assert.match(e.message, /^the leak tracker's table at 0x10000 is corrupt or from another build \(/);
        assert.match(e.message, why);
        assert.match(e.message, /rebuild it with npm run setup$/);
        return true;
      });
      assert.deepEqual(m.asked, [11 * 8], 'only the header was read');
    });
});

describe('npm start: a password unless code-server is bound to loopback (issue 18)', () => {
  const START = path.resolve(__dirname, '..', '..', '..', 'scripts', 'start.sh');
  const authFor = (host: string) => execFileSync('bash', [START, '--auth-for', host], { encoding: 'utf8' }).trim();
  for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) it(`${host}: no password`, () => assert.equal(authFor(host), 'none'));
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.org', '']) it(`${JSON.stringify(host)}: password`, () => assert.equal(authFor(host), 'password'));
});
