// Direct reads of a real child process's memory: process_vm_readv through the addon and the /proc/PID/mem fallback
// give the bytes the child wrote, and an unreadable address, a half-readable range and a dead pid give clear errors.

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { after, before, describe, it } from 'node:test';
import type * as Native from '../../native/index';
import { dtype } from '../../src/core/dtype';
import { ArrayLensError } from '../../src/core/errors';
import { StridedView, gatherView } from '../../src/core/view';
import { streamStats } from '../../src/engine/engine';
import { loadKernels } from '../../src/engine/kernels';
import { DirectTransport } from '../../src/transport/direct';
import { Transport } from '../../src/transport/transport';
import { PYTHON, ROOT } from '../helpers/env';

const NO_NATIVE = process.env.ARRAYLENS_NO_NATIVE === '1';
const ADDON = path.join(ROOT, 'native', 'build', 'Release', 'arraylens_native.node');
const N = 12 << 20; // uint32 elements: 48 MiB, two chunks of the stats stream

// The child: a uint32 arange, and a page followed by an unmapped one (a range that is readable only in part; a
// PROT_NONE page would not do: /proc/PID/mem reads it, as debuggers do).
const CHILD = `
import ctypes, mmap, os, sys
import numpy as np
a = np.arange(${N}, dtype=np.uint32)
m = mmap.mmap(-1, 2 * mmap.PAGESIZE)
m[:mmap.PAGESIZE] = bytes(range(256)) * (mmap.PAGESIZE // 256)
page = ctypes.addressof(ctypes.c_char.from_buffer(m))
libc = ctypes.CDLL(None, use_errno=True)
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
assert libc.munmap(page + mmap.PAGESIZE, mmap.PAGESIZE) == 0
print(os.getpid(), a.ctypes.data, page, mmap.PAGESIZE, flush=True)
sys.stdin.read()
`;

interface Child {
  proc: ChildProcess;
  pid: number;
  array: bigint;
  page: bigint;
  pageSize: number;
}

async function startChild(): Promise<Child> {
  const proc = spawn(PYTHON, ['-c', CHILD], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) before printing its addresses`)));
  });
  const [pid, array, page, pageSize] = line.trim().split(/\s+/);
  return { proc, pid: Number(pid), array: BigInt(array), page: BigInt(page), pageSize: Number(pageSize) };
}

/** What the child holds at its array: element i is i. */
const expected = Buffer.alloc(N * 4);
for (let i = 0; i < N; i++) expected.writeUInt32LE(i, i * 4);

function open(pid: number, method?: 'pread'): DirectTransport {
  const t = DirectTransport.openOrWhy(pid, { method });
  assert.ok(typeof t !== 'string', String(t));
  return t;
}

function isError(code: string, message: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ArrayLensError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  };
}

describe('direct reads of a child process', () => {
  let child: Child;
  before(async () => {
    child = await startChild();
  });
  after(() => {
    child.proc.kill();
  });

  it('the addon is built and the direct transport reads through process_vm_readv (pread with ARRAYLENS_NO_NATIVE=1)', () => {
    assert.ok(fs.existsSync(ADDON), 'native addon not built (run npm run setup)');
    assert.equal(open(child.pid).method, NO_NATIVE ? 'pread' : 'process_vm_readv');
    assert.equal(open(child.pid, 'pread').method, 'pread');
  });

  for (const method of ['process_vm_readv', 'pread'] as const) {
    describe(method, () => {
      const t = (): DirectTransport => open(child.pid, method === 'pread' ? 'pread' : undefined);

      it('a whole array and a part of it equal what the child wrote', async () => {
        const tr = t();
        assert.ok((await tr.readRange(child.array, N * 4)).equals(expected));
        assert.ok((await tr.readRange(child.array + 4000n, 12)).equals(expected.subarray(4000, 4012)));
        assert.equal(tr.bytesRead, N * 4 + 12);
        const into = Buffer.alloc(100, 0xee);
        await tr.readRangeInto(child.array + 40n, 64, into, 10);
        assert.ok(into.subarray(10, 74).equals(expected.subarray(40, 104)));
        assert.equal(into[9], 0xee);
        assert.equal(into[74], 0xee);
      });

      const views: [string, StridedView][] = [
        ['dense 2-d', { address: 0n, dtype: dtype('uint32'), shape: [2048, 2048], strides: [8192, 4] }],
        ['rows 10:1000:3, columns 100:900 (runs read into place)', { address: BigInt(10 * 8192 + 400), dtype: dtype('uint32'), shape: [330, 800], strides: [3 * 8192, 4] }],
        ['reversed rows', { address: BigInt(2047 * 8192), dtype: dtype('uint32'), shape: [2048, 64], strides: [-8192, 4] }],
        ['every 7th column (short runs)', { address: 12n, dtype: dtype('uint32'), shape: [100, 200], strides: [8192, 28] }],
        ['3-d with a size-1 axis', { address: 64n, dtype: dtype('uint32'), shape: [4, 1, 500], strides: [1 << 20, 12345, 4] }],
      ];
      for (const [label, v] of views) {
        it(`readView: ${label}`, async () => {
          const got = await t().readView({ ...v, address: child.array + v.address });
          assert.ok(got.equals(gatherView(expected, 0n, v)));
        });
      }

      it('an unreadable address: the clear error', async () => {
        await assert.rejects(t().readRange(16n, 8), isError('unreadable', /address 0x10 is not readable in process \d+/));
      });

      it('a range readable only in part: the error names the first unreadable byte', async () => {
        const stop = child.page + BigInt(child.pageSize);
        await assert.rejects(t().readRange(child.page, 2 * child.pageSize), isError('unreadable', new RegExp(`address 0x${stop.toString(16)} is not readable`)));
        const pageBytes = await t().readRange(child.page, child.pageSize);
        assert.equal(pageBytes[255], 255);
      });

      it('readView running into the unreadable page fails the same way', async () => {
        const v: StridedView = { address: child.page, dtype: dtype('uint8'), shape: [4, child.pageSize / 2], strides: [child.pageSize / 2, 1] };
        await assert.rejects(t().readView(v), isError('unreadable', /is not readable in process/));
      });
    });
  }

  it('stats through the direct transport (reused buffers, next chunk read during the kernels) equal a plain reader\'s', async () => {
    const k = loadKernels().kernels;
    const direct = open(child.pid);
    const plain: Transport = { kind: 'direct', readView: (v) => direct.readView(v), readRange: (a, l) => direct.readRange(a, l) };
    const views: StridedView[] = [
      { address: child.array, dtype: dtype('float32'), shape: [N], strides: [4] },
      { address: child.array, dtype: dtype('uint32'), shape: [N / 4096, 2048], strides: [4 * 4096, 8] },
      { address: child.array, dtype: dtype('uint16'), shape: [2 * N], strides: [2] },
    ];
    for (const v of views) {
      const a = await streamStats(direct, v, 100, k);
      const b = await streamStats(plain, v, 100, k);
      assert.deepEqual(a.stats, b.stats, v.dtype.name);
    }
  });

  it('the addon refuses bad arguments with TypeError/RangeError', () => {
    const addon = require(ADDON) as typeof Native; // eslint-disable-line @typescript-eslint/no-require-imports
    const buf = Buffer.alloc(16);
    assert.throws(() => addon.vmRead(child.pid, new BigUint64Array([child.array]), buf), RangeError);
    assert.throws(() => addon.vmRead(child.pid, new BigUint64Array([child.array, 17n]), buf), RangeError);
    assert.throws(() => addon.vmRead(child.pid, new BigUint64Array([child.array, 8n]), buf, 9), RangeError);
    assert.throws(() => addon.vmRead(0, new BigUint64Array([child.array, 8n]), buf), RangeError);
    assert.throws(() => addon.vmRead(child.pid, [child.array, 8n] as unknown as BigUint64Array, buf), TypeError);
    assert.throws(() => addon.vmRead(child.pid, new BigUint64Array([2n ** 64n - 4n, 8n]), buf), RangeError);
    const r = addon.vmRead(child.pid, new BigUint64Array([child.array, 8n, child.array + 16n, 8n]), buf);
    assert.deepEqual(r, { bytes: 16, errno: 0 });
    assert.ok(buf.equals(Buffer.concat([expected.subarray(0, 8), expected.subarray(16, 24)])));
  });
});

describe('direct reads of a process that is gone', () => {
  for (const method of ['process_vm_readv', 'pread'] as const) {
    it(`${method}: 'program-ended', it exited`, async () => {
      const child = await startChild();
      const t = open(child.pid, method === 'pread' ? 'pread' : undefined);
      assert.ok((await t.readRange(child.array, 64)).equals(expected.subarray(0, 64)));
      const exited = new Promise((resolve) => child.proc.once('exit', resolve));
      child.proc.kill('SIGKILL');
      await exited;
      await assert.rejects(t.readRange(child.array, 64), isError('program-ended', /process \d+ is gone/));
      await t.dispose();
    });
  }
});
