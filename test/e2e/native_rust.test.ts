// Rust under real lldb-dap: ndarray 0.15/0.16/0.17 (owned, views, ArcArray, CowArray, Ix1..Ix6, IxDyn inline and
// on the heap), Vec, &[T], &mut [T], Box<[T]>, [T; N], half, num_complex, bool; with slices, against NumPy.

import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { after, before, describe, it } from 'node:test';
import { ArrayLensError } from '../../src/core/errors';
import { launchNative } from '../../src/backends/native/launch';
import { DebugTarget } from '../../src/engine/target';
import { inspectArray } from '../../src/engine/engine';
import { TransportKind } from '../../src/transport/transport';
import { fixture, markerLine } from '../helpers/env';
import { BINS, Expected, assertMatches, expectedFromNumpy, pidGone } from './native_common';

const CRATE = fixture('rust', 'arrays');
const SRC = fixture('rust', 'arrays', 'src', 'main.rs');
const BIN = fixture('rust', 'arrays', 'target', 'debug', 'arraylens-rust-fixtures');
const EXPECTED = fixture('rust', 'arrays', 'expected.py');

function ensureBuilt(): string {
  if (!fs.existsSync(BIN) || fs.statSync(SRC).mtimeMs > fs.statSync(BIN).mtimeMs)
    execFileSync('bash', ['-c', 'nice cargo build --offline -q || nice cargo build -q'], { cwd: CRATE, stdio: 'inherit' });
  return BIN;
}

interface Case {
  expr: string;
  name?: string;
  slice?: string;
  transport?: TransportKind;
  typeName?: RegExp;
}

const CASES: Case[] = [
  { expr: 'a2', typeName: /^ndarray::ArrayBase<ndarray::data_repr::OwnedRepr<float>/ },
  { expr: 'a2', slice: '[1:, ::-2]' },
  { expr: 't2', typeName: /ViewRepr/ },
  { expr: 'rev' },
  { expr: 'rev', slice: '[::-1, 1]', transport: 'dap' },
  { expr: 'vm_step' },
  { expr: 'arc', typeName: /OwnedArcRepr/ },
  { expr: 'arc', slice: '[1, ::2, 1:3]' },
  { expr: 'cow_owned', typeName: /CowRepr/ },
  { expr: 'cow_view' },
  { expr: 'x1' },
  { expr: 'x2' },
  { expr: 'x4', slice: '[..., 1]' },
  { expr: 'x5' },
  { expr: 'x0' },
  { expr: 'x6' },
  { expr: 'x6', slice: '[1, 0, :, ::-1]' },
  { expr: 'xd', typeName: /IxDynImpl/ },
  { expr: 'xd_f' },
  { expr: 'xd5' },
  { expr: 'xd5', slice: '[1, 0, ::2, 0]', transport: 'dap' },
  { expr: 'v015' },
  { expr: 'v015_t' },
  { expr: 'v017' },
  { expr: 'v017_s' },
  { expr: 'h16' },
  { expr: 'hb16' },
  { expr: 'cplx' },
  { expr: 'cplx', slice: '[:, 1:]' },
  { expr: 'cplx32' },
  { expr: 'flags' },
  { expr: 'vec_f64', typeName: /^alloc::vec::Vec</ },
  { expr: 'vec_f64', slice: '[::-4]' },
  { expr: 'vec_empty' },
  { expr: 'slice_i32', typeName: /^&\[i32\]$/ },
  { expr: 'slice_mut' },
  { expr: 'boxed', typeName: /^alloc::boxed::Box<\[f32\]/ },
  { expr: 'fixed' },
  { expr: 'nested', slice: '[:, 1:]' },
  { expr: 'a2.ptr.pointer as float32[a2.dim.index[0], 5] strides [20, 4]', name: 'a2' },
  { expr: 'vec_f64.buf.inner.ptr.pointer.pointer as float64[vec_f64.len]', name: 'vec_f64' },
];

describe('Rust arrays under lldb', () => {
  let target: DebugTarget;
  let expected: Expected[];
  before(async () => {
    const program = ensureBuilt();
    expected = expectedFromNumpy(EXPECTED, CASES.map((c) => ({ name: c.name ?? c.expr, slice: c.slice })));
    target = await launchNative({ program, args: [], breakpoint: { file: SRC, line: markerLine(SRC, '// BREAK') }, debugger: 'lldb', stopTimeoutMs: 60000 });
  });
  after(async () => {
    const pid = target?.pid;
    await target?.close();
    if (pid !== undefined) assert.ok(await pidGone(pid), 'debuggee gone after close()');
  });
  CASES.forEach((c, i) => {
    it(`${c.expr}${c.slice ?? ''}${c.transport ? ` (${c.transport})` : ''}`, async () => {
      const r = await inspectArray(target, c.expr, { slice: c.slice, values: true, stats: true, bins: BINS, transport: c.transport ?? 'auto' });
      assert.equal(r.transport, c.transport ?? 'direct');
      if (c.typeName) assert.match(r.typeName ?? '', c.typeName);
      assertMatches(r, expected[i]);
    });
  });
  it('strides are bytes, signed: ndarray stores elements as usize', async () => {
    const r = await inspectArray(target, 'rev', {});
    assert.deepEqual(r.strides, [-20, 4]);
    const s = await inspectArray(target, 'v017_s', {});
    assert.deepEqual(s.strides, [12, 4, -2]);
  });
  it('listArrays finds the ndarrays, Vecs and slices of the frame', async () => {
    const names = (await target.listArrays()).map((a) => a.expr);
    for (const n of ['a2', 'xd', 'v017', 'vec_f64', 'slice_i32', 'boxed', 'fixed']) assert.ok(names.includes(n), `${n} listed (${names.join(',')})`);
    assert.ok(!names.includes('scalar'));
  });
  it('errors: scalar, dangling pointer, unknown name', async () => {
    const is = (code: string, re: RegExp) => (e: unknown) => e instanceof ArrayLensError && e.code === code && re.test(e.message);
    await assert.rejects(() => inspectArray(target, 'scalar', {}), is('not-an-array', /'scalar' is a double, not an array/));
    await assert.rejects(() => inspectArray(target, 'dangling as float32[8]', { values: true }), is('unreadable', /not readable/));
    await assert.rejects(() => inspectArray(target, 'nope', {}), is('unknown-expression', /nope/));
  });
});
