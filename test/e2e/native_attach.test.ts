// `"request": "attach"` of the `arraylens` debug type, driven as VS Code drives it: the bundled adapter (dist/adapter.js)
// attaches real lldb-dap by pid to a C program that was already running, the breakpoint by the BREAK marker hits,
// arraylens/listArrays and arraylens/inspect agree with NumPy, and disconnect detaches: the program keeps running.

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { ArraySummary, InspectBody } from '../../src/protocol/dap';
import { ROOT, fixture, markerLine, runPython } from '../helpers/env';
import { assertListed, buildIfStale, pidGone, startAtBreakpoint } from './native_common';

const ADAPTER = path.join(ROOT, 'dist', 'adapter.js');
const SRC = fixture('c', 'ticker.c');
const LINE = markerLine(SRC, 'BREAK');
const INIT = { clientID: 'native-attach-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true };

/** NumPy's values and stats of the fixture's arrays, computed from the formulas in ticker.c (no debugger). */
function numpyReference(): Record<string, { values: number[]; min: number; max: number; mean: number }> {
  const script = `
import json, numpy as np
d2 = np.arange(12, dtype=np.float64).reshape(3, 4) - 5.5
f1 = np.arange(8, dtype=np.float32) * np.float32(0.25) - np.float32(1.0)
print(json.dumps({n: {'values': [float(x) for x in a.ravel()], 'min': float(a.min()), 'max': float(a.max()), 'mean': float(a.mean(dtype=np.float64))} for n, a in (('d2', d2), ('f1', f1))}))
`;
  return JSON.parse(runPython(['-c', script])) as ReturnType<typeof numpyReference>;
}

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 't' && state !== 'T';
  } catch {
    return false;
  }
}

describe('arraylens debug type: attach by pid to a running C program (dist/adapter.js, lldb-dap)', () => {
  let program: ChildProcess;
  let pid: number;
  let dap: DapClient;
  let frameId: number;
  let ref: ReturnType<typeof numpyReference>;
  let output = '';

  before(async () => {
    assert.ok(fs.existsSync(ADAPTER), `${ADAPTER} missing: run bash scripts/build.sh`);
    const binary = buildIfStale('gcc', [SRC], fixture('c', 'build', 'ticker'), []);
    ref = numpyReference();
    program = spawn(binary, [], { stdio: ['ignore', 'pipe', 'inherit'] });
    program.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    const t0 = Date.now();
    while (!/ready \d+/.test(output)) {
      assert.ok(Date.now() - t0 < 10000, 'the fixture printed its pid');
      await new Promise((r) => setTimeout(r, 20));
    }
    pid = program.pid!;
    assert.equal(Number(/ready (\d+)/.exec(output)![1]), pid);

    // ARRAYLENS_ADAPTER_BACKEND as the extension sets it for attach configurations; the adapter also switches by itself.
    dap = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env });
    await dap.request('initialize', INIT, 30000);
    const { frames } = await startAtBreakpoint(dap, 'attach', { name: 'attach', processId: String(pid) }, { file: SRC, line: LINE }, 3);
    assert.equal(frames[0].name, 'step');
    assert.equal(frames[0].line, LINE);
    assert.equal(frames[0].source?.path, SRC);
    frameId = frames[0].id;
  });

  after(async () => {
    await dap?.close().catch(() => undefined);
    if (pid && !(await pidGone(pid, 100))) {
      process.kill(pid, 'SIGKILL');
      assert.ok(await pidGone(pid), 'the fixture is gone after the test kills it');
    }
  });

  it('an attach without a running process is refused with a message', async () => {
    const other = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env });
    try {
      await other.request('initialize', INIT, 30000);
      await assert.rejects(other.request('attach', { type: 'arraylens', request: 'attach', processId: 'abc' }, 30000), /needs "processId"/);
      await assert.rejects(other.request('attach', { type: 'arraylens', request: 'attach', processId: 2 ** 30 }, 30000), /no process \d+ is running/);
    } finally {
      await other.close().catch(() => undefined);
    }
  });

  it("arraylens/listArrays: the frame's arrays", async () => {
    const { arrays } = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId }, 60000);
    assertListed(arrays, 'd2', 'float64', [3, 4]);
    assertListed(arrays, 'f1', 'float32', [8]);
  });

  it("arraylens/inspect: values and stats equal NumPy's (direct and through lldb-dap's readMemory)", async () => {
    const d2 = await dap.request<InspectBody>('arraylens/inspect', { frameId, expr: 'd2', tile: { index: '[:, :]', transpose: false }, stats: { bins: 8 } }, 60000);
    const b = Buffer.from(d2.tile!.base64, 'base64');
    assert.deepEqual(Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(i * 8)), ref.d2.values);
    assert.equal(d2.stats!.min, ref.d2.min);
    assert.equal(d2.stats!.max, ref.d2.max);
    assert.ok(Math.abs((d2.stats!.mean as number) - ref.d2.mean) < 1e-12);
    const f1 = await dap.request<InspectBody>('arraylens/inspect', { frameId, expr: 'f1', tile: { index: '[:]', transpose: false }, stats: { bins: 8 }, transport: 'dap' }, 60000);
    assert.equal(f1.transport, 'dap');
    const fb = Buffer.from(f1.tile!.base64, 'base64');
    assert.deepEqual(Array.from({ length: fb.length / 4 }, (_, i) => fb.readFloatLE(i * 4)), ref.f1.values);
    assert.equal(f1.stats!.min, ref.f1.min);
    assert.equal(f1.stats!.max, ref.f1.max);
  });

  it('disconnect detaches: the program runs on (and the breakpoint is gone from it)', async () => {
    const before = output.length;
    await dap.request('disconnect', { terminateDebuggee: true }, 30000); // even when asked: an attached process is not ours
    await dap.close().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok(alive(pid), `process ${pid} still runs after the detach`);
    assert.equal(program.exitCode, null);
    assert.equal(program.signalCode, null, 'no SIGTRAP from a breakpoint left behind');
    assert.equal(output.length, before, 'nothing printed (the program only prints at start)');
  });
});
