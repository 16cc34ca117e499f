// A native C program through the `arraylens` debug type, driven as VS Code drives it: the bundled adapter
// (dist/adapter.js, what the .vsix runs) over real lldb-dap. Breakpoint by the BREAK marker, stop, frames proxied
// from lldb-dap, arraylens/listArrays and arraylens/inspect against NumPy, readMemory both ways, the end of the program.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { ArraySummary, InspectBody } from '../../src/protocol/dap';
import { ROOT, fixture, markerLine } from '../helpers/env';
import { BINS, DapFrame, Expected, assertListed, buildIfStale, expectedFromNumpy, pidGone, startAtBreakpoint, uniqueCopy } from './native_common';

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const C_SRC = fixture('c', 'arrays.c');
const LINE = markerLine(C_SRC, 'BREAK');
const INIT = { clientID: 'native-dap-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true };

function decode(body: InspectBody): number[] {
  const b = Buffer.from(body.tile!.base64, 'base64');
  assert.equal(body.tile!.dtype, 'float64');
  return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(i * 8));
}

/** initialize + launch + breakpoint + configurationDone; resolves at the stop. */
async function startAtBreak(env: NodeJS.ProcessEnv, program: string): Promise<{ dap: DapClient; frame: DapFrame; pid: number; caps: Record<string, unknown> }> {
  assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} missing: run bash scripts/build.sh`);
  const dap = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env, ...env });
  let caps = (await dap.request<Record<string, unknown>>('initialize', INIT, 30000)) ?? {};
  dap.on('capabilities', (b: { capabilities: Record<string, unknown> }) => (caps = { ...caps, ...b.capabilities }));
  let pid: number | undefined;
  dap.on('process', (b: { systemProcessId?: number }) => (pid = b.systemProcessId ?? pid));
  const { frames } = await startAtBreakpoint(dap, 'launch', { name: 'C', program, args: ['x'], cwd: path.dirname(program) }, { file: C_SRC, line: LINE }, 5);
  assert.ok(pid !== undefined, 'the process event names the debuggee');
  return { dap, frame: frames[0], pid: pid!, caps };
}

describe('arraylens debug type: a C executable under lldb-dap (dist/adapter.js)', () => {
  let binary: string;
  let expected: Expected[];
  before(() => {
    binary = buildIfStale('gcc', [C_SRC], fixture('c', 'build', 'arrays'), ['-lm']);
    expected = expectedFromNumpy(fixture('c', 'expected.py'), [{ name: 'd2' }, { name: 'f1' }]);
  });

  describe('launched with debugpy started first (the adapter switches to lldb-dap at launch)', () => {
    let dap: DapClient;
    let frame: DapFrame;
    let pid: number;
    let caps: Record<string, unknown>;
    let copy: { path: string; dispose: () => void };
    before(async () => {
      copy = uniqueCopy(binary);
      ({ dap, frame, pid, caps } = await startAtBreak({}, copy.path));
    });
    after(async () => {
      await dap?.close().catch(() => undefined);
      if (pid) assert.ok(await pidGone(pid), 'no debuggee left');
      copy?.dispose();
    });

    it('frames and variables come from lldb-dap, unchanged', async () => {
      assert.equal(frame.name, 'main');
      assert.equal(frame.line, LINE);
      assert.equal(frame.source?.path, C_SRC);
      assert.equal(caps.supportsReadMemoryRequest, true, "lldb-dap's capabilities reach the client");
      const scopes = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: frame.id });
      const locals = scopes.scopes.find((s) => /local/i.test(s.name))!;
      const vars = await dap.request<{ variables: { name: string }[] }>('variables', { variablesReference: locals.variablesReference });
      for (const n of ['d2', 'f1', 'm']) assert.ok(vars.variables.some((v) => v.name === n), `${n} among the locals`);
    });

    it('arraylens/listArrays: the frame\'s arrays with dtype and shape', async () => {
      const { arrays } = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId: frame.id }, 60000);
      assertListed(arrays, 'd2', 'float64', [3, 4]);
      assertListed(arrays, 'f1', 'float32');
      assert.ok(!arrays.some((a) => a.expr === 'scalar' || a.expr === 'm'), 'scalars and structs are left out');
    });

    it('arraylens/inspect: a tile and whole-array stats equal NumPy\'s', async () => {
      const body = await dap.request<InspectBody>('arraylens/inspect', { frameId: frame.id, expr: 'd2', tile: { index: '[:, :]', transpose: false }, stats: { bins: BINS } }, 60000);
      assert.equal(body.transport, 'direct');
      assert.deepEqual(decode(body), (expected[0].values as number[][]).flat());
      assert.deepEqual(body.stats!.histogram.counts, expected[0].stats.counts);
      assert.equal(body.stats!.min, expected[0].stats.min);
      assert.equal(body.stats!.max, expected[0].stats.max);
      const f1 = await dap.request<InspectBody>('arraylens/inspect', { frameId: frame.id, expr: 'f1', stats: { bins: BINS }, transport: 'dap' }, 60000);
      assert.equal(f1.transport, 'dap', "read through lldb-dap's readMemory on the proxied connection");
      for (const k of ['count', 'nan', 'neginf'] as const) assert.equal(f1.stats![k], expected[1].stats[k], `f1 stats.${k}`);
    });

    it('raw layouts and errors of the frame', async () => {
      const raw = await dap.request<InspectBody>('arraylens/inspect', { frameId: frame.id, expr: 'm.data as float32[m.rows,m.cols]' }, 60000);
      assert.equal(raw.array.dtype, 'float32');
      await assert.rejects(dap.request('arraylens/inspect', { frameId: frame.id, expr: 'scalar' }, 60000), /'scalar' is a int, not an array/);
      await assert.rejects(dap.request('arraylens/inspect', { frameId: frame.id, expr: 'nosuch' }, 60000), /cannot evaluate 'nosuch'/);
    });

    it("the client's readMemory and evaluate still reach lldb-dap", async () => {
      const ev = await dap.request<{ result: string; memoryReference?: string }>('evaluate', { expression: 'd2[1][2]', frameId: frame.id, context: 'watch' });
      assert.equal(Number(ev.result), 1 * 4 + 2 - 5.5);
      const addr = (await dap.request<InspectBody>('arraylens/inspect', { frameId: frame.id, expr: 'd2' }, 60000)).array.address;
      const mem = await dap.request<{ data: string }>('readMemory', { memoryReference: addr, offset: 0, count: 8 });
      assert.equal(Buffer.from(mem.data, 'base64').readDoubleLE(0), -5.5);
    });

    it('continue: the program ends and the session terminates', async () => {
      const terminated = dap.waitEvent('terminated', 60000);
      const exited = dap.waitEvent<{ exitCode: number }>('exited', 60000);
      const threads = await dap.request<{ threads: { id: number }[] }>('threads', {});
      await dap.request('continue', { threadId: threads.threads[0].id });
      assert.equal((await exited).exitCode, 0);
      await terminated;
      await assert.rejects(dap.request('arraylens/listArrays', { frameId: frame.id }, 30000), /the program has ended/);
      await dap.request('disconnect', {}).catch(() => undefined);
    });
  });

  it('the host says "native" (ARRAYLENS_ADAPTER_BACKEND): no debugpy needed; disconnect at the stop ends the program', async () => {
    const copy = uniqueCopy(binary);
    const { dap, frame, pid, caps } = await startAtBreak({ ARRAYLENS_ADAPTER_BACKEND: 'lldb-dap', ARRAYLENS_PYTHON: '/nonexistent/python' }, copy.path);
    try {
      assert.equal(caps.supportsReadMemoryRequest, true, 'lldb-dap answered initialize');
      const { arrays } = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId: frame.id }, 60000);
      assert.ok(arrays.some((a) => a.expr === 'd2'));
      await dap.request('disconnect', { terminateDebuggee: true }, 30000);
    } finally {
      await dap.close().catch(() => undefined);
    }
    assert.ok(await pidGone(pid), 'the debuggee is gone after disconnect');
    copy.dispose();
  });
});
