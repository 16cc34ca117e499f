// gdb over DAP through the CDT GDB debug adapter (npm cdt-gdb-adapter), headless and quick: a `gdb` session started
// the way CDT's extension starts one, read through the native Backend (as the Arrays view reads it), and the
// `arraylens` debug type's "debugger": "gdb" through the bundled adapter (dist/adapter.js + dist/cdtGdbAdapter.js).

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { backendById } from '../../src/backends/registry';
import { cdtGdbAdapter } from '../../src/backends/native/cdtGdb';
import { DapDebuggee, launchToBreakpoint } from '../../src/backends/dapLaunch';
import { inspectArray } from '../../src/engine/engine';
import { DebugTarget } from '../../src/engine/target';
import { ArrayLensError } from '../../src/core/errors';
import { DapClient } from '../../src/rpc/dapClient';
import { ArraySummary, InspectBody } from '../../src/protocol/dap';
import { ROOT, markerLine } from '../helpers/env';
import {
  BINS,
  CPP_BIN,
  CPP_SRC,
  C_BIN,
  C_EXPECTED,
  C_SRC,
  DapFrame,
  Expected,
  NativeCase,
  assertListed,
  assertMatches,
  expectedFromNumpy,
  pidGone,
  startAtBreakpoint,
  uniqueCopy,
} from './native_common';


// The cases of native_c.test.ts: every element type, N-d, typedef, layouts over pointers and members, slices.
const C_CASES: NativeCase[] = [
  { expr: 'd2', name: 'd2' },
  { expr: 'd2', name: 'd2', slice: '[::-1, 1::2]', transport: 'dap' },
  { expr: 'f1', name: 'f1' },
  { expr: 'i8', name: 'i8' },
  { expr: 'u16', name: 'u16', slice: '[:, ::-1]' },
  { expr: 'i32', name: 'i32' },
  { expr: 'u32', name: 'u32', transport: 'dap' },
  { expr: 'i64', name: 'i64' },
  { expr: 'u64', name: 'u64' },
  { expr: 'flags', name: 'flags' },
  { expr: 'cz', name: 'cz' },
  { expr: 'zz', name: 'zz', slice: '[1]' },
  { expr: 'h4', name: 'h4', slice: '[1, ..., ::-1]' },
  { expr: 'h5', name: 'h5', slice: '[:, 1, :, 0, 2]', transport: 'dap' },
  { expr: 'tdef', name: 'tdef' },
  { expr: 'm.data as float32[m.rows,m.cols]', name: 'mdata' },
  { expr: 'pm->data as float32[pm->rows, pm->cols]', name: 'mdata', slice: '[1:, ::2]' },
  { expr: 'hold.v', name: 'hold' },
  { expr: 'fortran as float64[3,4] strides [8, 24]', name: 'fortran', slice: '[::-1, 2]', transport: 'dap' },
];

const CPP_CASES: NativeCase[] = [
  { expr: 'vf', name: 'vf', slice: '[2:9:3]' },
  { expr: 'vi', name: 'vi' },
  { expr: 'vempty', name: 'vempty' },
  { expr: 'ad', name: 'ad', slice: '[::-1]' },
  { expr: 'au', name: 'au', transport: 'dap' },
];

/** A `gdb` session as CDT's extension runs one (its adapter under node, the user's launch arguments), at BREAK. */
async function cdtSession(program: string, source: string): Promise<DapDebuggee> {
  return launchToBreakpoint(cdtGdbAdapter(), { program, cwd: path.dirname(program) }, { file: source, line: markerLine(source, 'BREAK') }, {
    timeoutMs: 60000,
    rule: 'breakpoint',
  });
}

/** Pids of live processes running `exe`. */
function running(exe: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readlinkSync(`/proc/${d}/exe`) === exe;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function suite(title: string, source: string, binary: () => string, cases: NativeCase[]): void {
  describe(`a gdb session (cdt-gdb-adapter) read through the native backend: ${title}`, () => {
    let session: DapDebuggee;
    let target: DebugTarget;
    let expected: Expected[];
    let copy: { path: string; dispose: () => void };
    before(async () => {
      copy = uniqueCopy(binary());
      expected = expectedFromNumpy(
        C_EXPECTED,
        cases.map((c) => ({ name: c.name, slice: c.slice })),
      );
      session = await cdtSession(copy.path, source);
      assert.equal(session.pid, undefined, 'cdt sends no process event: the backend finds the pid itself');
      target = backendById('native').attach({ channel: session.client, pid: () => session.pid, debugType: 'gdb' })(session.frameId);
    });
    after(async () => {
      await target?.close();
      const pids = copy ? running(copy.path) : [];
      await session?.close();
      for (const p of pids) assert.ok(await pidGone(p), `debuggee ${p} gone once the session ends`);
      copy?.dispose();
    });
    cases.forEach((c, i) => {
      it(`${c.expr}${c.slice ?? ''}${c.transport ? ` (${c.transport})` : ''} equals NumPy`, async () => {
        const r = await inspectArray(target, c.expr, { slice: c.slice, values: true, stats: true, bins: BINS, transport: c.transport ?? 'auto' });
        assert.equal(r.language, 'native');
        assert.equal(r.transport, c.transport ?? 'direct');
        assertMatches(r, expected[i]);
      });
    });
    it('the pid found is the debuggee (its own /proc/PID/exe)', () => {
      assert.deepEqual([target.pid], running(copy.path));
    });
  });
}

suite('C fixed arrays, pointers, structs', C_SRC, C_BIN, C_CASES);
suite('C++ std::vector and std::array', CPP_SRC, CPP_BIN, CPP_CASES);

describe('a gdb session (cdt-gdb-adapter): listing, errors, read-only', () => {
  let session: DapDebuggee;
  let target: DebugTarget;
  let copy: { path: string; dispose: () => void };
  let control: { result: string } = { result: '' };
  before(async () => {
    copy = uniqueCopy(C_BIN());
    session = await cdtSession(copy.path, C_SRC);
    // The control of the read-only check below: the user's session may call functions until ArrayLens reads.
    control = await session.client.request<{ result: string }>('evaluate', { expression: '(int)getpid()', frameId: session.frameId, context: 'watch' });
    target = backendById('native').attach({ channel: session.client, pid: () => undefined, debugType: 'gdb' })(session.frameId);
  });
  after(async () => {
    await target?.close();
    await session?.close();
    copy?.dispose();
  });
  it('lists the frame\'s arrays with dtype and shape (a typedef\'d float included), not its scalars or structs', async () => {
    const arrays = await target.listArrays();
    const byName = new Map(arrays.map((a) => [a.expr, a]));
    assert.deepEqual(byName.get('d2')?.view.shape, [3, 4]);
    assert.equal(byName.get('d2')?.view.dtype.name, 'float64');
    assert.equal(byName.get('tdef')?.view.dtype.name, 'float32');
    assert.equal(byName.get('u16')?.view.dtype.name, 'uint16');
    assert.equal(byName.get('flags')?.view.dtype.name, 'bool');
    assert.ok(!byName.has('scalar') && !byName.has('m'), `scalars and structs are left out: ${[...byName.keys()].join(', ')}`);
  });
  it('errors say what is wrong, and the session goes on', async () => {
    const rejects = (expr: string, code: string, message: RegExp) =>
      assert.rejects(
        () => inspectArray(target, expr, { values: true }),
        (e: unknown) => e instanceof ArrayLensError && e.code === code && message.test(e.message),
      );
    await rejects('no_such_thing', 'unknown-expression', /cannot evaluate 'no_such_thing'/);
    await rejects('scalar', 'not-an-array', /'scalar' is a int, not an array/);
    await rejects('dangling', 'not-an-array', /dangling as float32\[N\]/);
    await rejects('dangling as float32[4]', 'unreadable', /not readable/);
    await rejects('never_called()', 'bad-expression', /calls are not allowed/);
    const r = await inspectArray(target, 'i8', { values: true });
    assert.deepEqual(r.values, [-128, -1, 0, 1, 127]);
  });
  it('after the first inspection gdb calls no debuggee function, even asked directly in the session', async () => {
    await inspectArray(target, 'i8', { values: true });
    // Another spelling than the control's: cdt would var-update its cached variable object instead of asking gdb anew.
    const r = await session.client
      .request<{ result: string }>('evaluate', { expression: '(int) getpid()', frameId: session.frameId, context: 'watch' })
      .catch((e: Error) => ({ result: `Error: ${e.message}` }));
    assert.match(r.result, /^Error/, `getpid() was not called: ${r.result}`);
    assert.match(control.result, /^\d+$/, 'the control: before ArrayLens read anything, gdb did call getpid() for the session');
  });
});

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const INIT = { clientID: 'native-cdt-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };

describe('arraylens debug type, "debugger": "gdb": the bundled adapter over cdt-gdb-adapter', () => {
  let dap: DapClient;
  let frame: DapFrame;
  let caps: Record<string, unknown>;
  let copy: { path: string; dispose: () => void };
  let expected: Expected[];
  before(async () => {
    assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} missing: run bash scripts/build.sh`);
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'cdtGdbAdapter.js')), 'dist/cdtGdbAdapter.js missing: run bash scripts/build.sh');
    copy = uniqueCopy(C_BIN());
    expected = expectedFromNumpy(C_EXPECTED, [{ name: 'd2' }, { name: 'tdef' }]);
    // As extension/extension.ts starts it for "debugger": "gdb": cdt answers initialize.
    dap = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env, ARRAYLENS_ADAPTER_BACKEND: 'cdt-gdb' });
    caps = (await dap.request<Record<string, unknown>>('initialize', INIT, 30000)) ?? {};
    const { frames } = await startAtBreakpoint(
      dap,
      'launch',
      { name: 'C (gdb)', program: copy.path, args: ['a b', "it's"], cwd: path.dirname(copy.path), debugger: 'gdb' },
      { file: C_SRC, line: markerLine(C_SRC, 'BREAK') },
      5,
    );
    frame = frames[0];
  });
  after(async () => {
    const pids = copy ? running(copy.path) : [];
    await dap?.close().catch(() => undefined);
    for (const p of pids) assert.ok(await pidGone(p), `debuggee ${p} gone after disconnect`);
    copy?.dispose();
  });
  it("cdt's capabilities and frames reach the client unchanged", () => {
    assert.equal(caps.supportsReadMemoryRequest, true);
    assert.equal(frame.name, 'main');
    assert.equal(frame.line, markerLine(C_SRC, 'BREAK'));
  });
  it('arraylens/listArrays and arraylens/inspect agree with NumPy', async () => {
    const { arrays } = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId: frame.id }, 60000);
    assertListed(arrays, 'd2', 'float64', [3, 4]);
    assertListed(arrays, 'tdef', 'float32', [4]);
    for (const [i, name] of ['d2', 'tdef'].entries()) {
      const body = await dap.request<InspectBody>('arraylens/inspect', { frameId: frame.id, expr: name, stats: { bins: BINS } }, 60000);
      assert.deepEqual(body.array.shape, expected[i].shape);
      assert.equal(body.stats?.count, expected[i].stats.count);
      assert.equal(body.stats?.min, expected[i].stats.min);
      assert.equal(body.stats?.max, expected[i].stats.max);
      assert.deepEqual(body.stats?.histogram.counts, expected[i].stats.counts);
    }
  });
  it('the program got its arguments as given (quoted for gdb\'s shell)', async () => {
    const pid = running(copy.path)[0];
    assert.ok(pid, 'the debuggee runs');
    assert.deepEqual(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, 3), ['a b', "it's"]);
  });
});
