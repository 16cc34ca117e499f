// Same bytes across processes from their memory maps (src/pairing/processMaps.ts): /proc/PID/maps parsed, address
// ranges mapped to (file, offset) pieces, two processes' arrays intersected there.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dtype } from '../../src/core/dtype';
import { backedArrays, backingOf, crossProcessAliases, parseProcMaps, readProcessMaps, withProcessAliases } from '../../src/pairing/processMaps';
import { ArraySummary } from '../../src/protocol/dap';

const MAPS = `55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
7f0000000000-7f0000001000 rw-s 00000000 00:1a 4242                       /dev/shm/psm_seg
7f0000001000-7f0000003000 rw-s 00002000 08:01 99                         /data/grid.f32
7f0000003000-7f0000004000 rw-s 00004000 08:01 99                         /data/grid.f32
7f0000004000-7f0000005000 r--p 00000000 08:01 77                         /usr/lib/libfoo.so
7f0000005000-7f0000006000 rw-s 00000000 00:01 5                          /dev/zero (deleted)
not a maps line
`;

const f64 = dtype('float64');

describe('memory maps: where an array\'s bytes live outside its process', () => {
  it('parses /proc/PID/maps lines (shared flag, file offset, device, inode, path with spaces)', () => {
    const m = parseProcMaps(MAPS);
    assert.equal(m.length, 6);
    assert.deepEqual(m[1], { start: 0x7f0000000000n, end: 0x7f0000001000n, shared: true, fileOffset: 0n, device: '00:1a', inode: 4242, path: '/dev/shm/psm_seg' });
    assert.equal(m[0].shared, false);
    assert.equal(m[5].path, '/dev/zero (deleted)');
  });

  it('maps a byte range to file pieces across adjacent mappings; private and anonymous memory has none', () => {
    const m = parseProcMaps(MAPS);
    assert.deepEqual(backingOf(m, 0x7f0000002f00n, 0x200), [
      { path: '/data/grid.f32', device: '08:01', inode: 99, offset: 0x3f00, nbytes: 0x100 },
      { path: '/data/grid.f32', device: '08:01', inode: 99, offset: 0x4000, nbytes: 0x100 },
    ]);
    assert.deepEqual(backingOf(m, 0x55d0c0a00100n, 64), [], 'the heap');
    assert.deepEqual(backingOf(m, 0x7f0000004000n, 64), [], 'a private file mapping copies on write');
    assert.equal(backingOf(m, 0x7f0000005000n, 64)[0].inode, 5, 'a shared anonymous mapping kept over fork has an inode');
  });

  it('intersects two processes\' arrays by device, inode and file offset, not by address', () => {
    const mine = parseProcMaps(MAPS);
    const theirs = parseProcMaps('10000-11000 rw-s 00000000 00:1a 4242 /dev/shm/psm_seg\n20000-22000 rw-s 00003000 08:01 99 /data/grid.f32\n');
    const a = backedArrays(
      [
        { expr: 'seg', language: 'python', view: { address: 0x7f0000000100n, dtype: f64, shape: [8], strides: [8] } }, // segment [256, 320)
        { expr: 'file', language: 'python', view: { address: 0x7f0000001000n, dtype: f64, shape: [16], strides: [-8] } }, // file [0x1f88, 0x2008)
        { expr: 'heap', language: 'python', view: { address: 0x55d0c0a00000n, dtype: f64, shape: [4], strides: [8] } },
      ],
      mine,
    );
    const b = backedArrays(
      [
        { expr: 'before', language: 'python', view: { address: 0x100c0n, dtype: f64, shape: [8], strides: [8] } }, // segment [192, 256): touches
        { expr: 'inside', language: 'native', view: { address: 0x10138n, dtype: f64, shape: [1], strides: [8] } }, // segment [312, 320)
        { expr: 'grid', language: 'python', view: { address: 0x20000n, dtype: f64, shape: [2], strides: [8] } }, // file [0x3000, 0x3010)
      ],
      theirs,
    );
    // 'file' has a negative stride: its extent [0x7f0000000f88, 0x7f0000001008) ends the segment and starts the file.
    assert.deepEqual(a[1].backing, [
      { path: '/dev/shm/psm_seg', device: '00:1a', inode: 4242, offset: 0xf88, nbytes: 0x78 },
      { path: '/data/grid.f32', device: '08:01', inode: 99, offset: 0x2000, nbytes: 8 },
    ]);
    assert.deepEqual(crossProcessAliases(a, b, 4321), [[{ language: 'native', expr: 'inside', pid: 4321 }], [], []]);
  });

  it('reads this process\'s live map; a missing process is one clear error', () => {
    if (process.platform !== 'linux') return;
    assert.ok(readProcessMaps(process.pid).some((r) => r.path.length > 0));
    assert.throws(() => readProcessMaps(2 ** 22 + 12345), /has no \/proc\/\d+\/maps: it has ended/);
  });
});

describe('Arrays view rows marked with other processes\' rows over the same bytes', () => {
  const row = (expr: string, address: bigint, n: number, extra: Partial<ArraySummary> = {}): ArraySummary => ({
    expr,
    typeName: 'numpy.ndarray',
    dtype: 'float64',
    byteOrder: 'little',
    shape: [n],
    strides: [8],
    address: `0x${address.toString(16)}`,
    size: n,
    nbytes: 8 * n,
    ...extra,
  });

  it('adds the other process\'s names with its pid, keeps in-listing aliases, skips on-request rows and the same pid', () => {
    const mine = {
      pid: 100,
      maps: parseProcMaps(MAPS),
      arrays: [
        row('seg', 0x7f0000000100n, 8, { aliases: [{ language: 'python', expr: 'seg_view' }] }),
        row('heap', 0x55d0c0a00000n, 4),
        row('img', 0x7f0000000100n, 8, { onRequest: 'Pillow image: its pixels are read when opened' }),
      ],
    };
    const theirMaps = parseProcMaps('10000-11000 rw-s 00000000 00:1a 4242 /dev/shm/psm_seg\n');
    const theirs = { pid: 200, maps: theirMaps, arrays: [row('head', 0x10000n, 64), row('far', 0x10800n, 8)] };
    const out = withProcessAliases(mine, [theirs, { ...theirs, pid: 100 }]);
    assert.deepEqual(out[0].aliases, [
      { language: 'python', expr: 'seg_view' },
      { language: 'python', expr: 'head', pid: 200 },
    ]);
    assert.equal(out[1], mine.arrays[1], 'private memory: the row unchanged');
    assert.equal(out[2], mine.arrays[2], 'an on-request row has no bytes yet');
    assert.deepEqual(withProcessAliases(mine, []), mine.arrays);
  });
});
