// The `arraylens` debug adapter in mixed mode ("mixed": true), driven as a DAP client would drive it: the real adapter
// process (out/src/debugAdapter/server.js) over real debugpy and real lldb-dap, on the maturin-built PyO3 fixture. A
// breakpoint in program.py (debugpy) and one in lib.rs (lldb-dap) both bind and hit; frames, variables and the
// Arrays view answer from the side that is stopped; ending the session ends the program and both debuggers.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { ArraySummary, InspectBody } from '../../src/protocol/dap';
import { PYTHON, ROOT, fixture, markerLine, taggedProcesses, waitNoTaggedProcess } from '../helpers/env';
import { BINS, Expected, expectedFromNumpy } from './native_common';

const DIR = fixture('rust', 'mixed');
const LIB = path.join(DIR, 'src', 'lib.rs');
const PROGRAM = path.join(DIR, 'program.py');
const RS_LINE = markerLine(LIB, '// BREAK');
const PY_LINE = markerLine(PROGRAM, '# BREAK');
const ADAPTER = path.join(ROOT, 'out', 'src', 'debugAdapter', 'server.js');

interface Frame {
  id: number;
  name: string;
  line: number;
  source?: { path?: string };
}

/** Starts the adapter, launches the fixture in mixed mode and sets both breakpoints; resolves once configured. */
async function startSession(tag: string): Promise<{ dap: DapClient; nativeBpId: number | undefined }> {
  const dap = await DapClient.spawn('arraylens', process.execPath, [ADAPTER], { ...process.env, ARRAYLENS_TEST_TAG: tag });
  await dap.request('initialize', { clientID: 'test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const initialized = dap.waitEvent('initialized', 90000);
  await dap.request('launch', { type: 'arraylens', request: 'launch', program: PROGRAM, args: ['c'], cwd: DIR, python: PYTHON, mixed: true }, 90000);
  await initialized;
  const py = await dap.request<{ breakpoints: { verified: boolean }[] }>('setBreakpoints', { source: { path: PROGRAM }, breakpoints: [{ line: PY_LINE }] });
  assert.equal(py.breakpoints[0].verified, true, 'the Python breakpoint binds in debugpy');
  const rs = await dap.request<{ breakpoints: { id?: number }[] }>('setBreakpoints', { source: { path: LIB }, breakpoints: [{ line: RS_LINE }] });
  return { dap, nativeBpId: rs.breakpoints[0].id };
}

async function topFrame(dap: DapClient, threadId: number): Promise<Frame> {
  const st = await dap.request<{ stackFrames: Frame[] }>('stackTrace', { threadId, startFrame: 0, levels: 5 });
  assert.ok(st.stackFrames.length > 0);
  return st.stackFrames[0];
}

describe('arraylens debug type, "mixed": true (debugpy + lldb-dap on one process)', () => {
  let expected: Expected;
  before(() => {
    execFileSync('bash', [path.join(ROOT, 'scripts', 'setup.d', '25-mixed-fixture.sh')], { stdio: 'inherit' });
    const r = spawnSync(PYTHON, ['-c', 'import arraylens_mixed'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `the mixed fixture is not installed (needs cargo and maturin): ${r.stderr}`);
    expected = expectedFromNumpy(path.join(DIR, 'expected.py'), [{ name: 'c' }])[0];
  });

  describe('a Python breakpoint, then a Rust one, then the end of the program', () => {
    const tag = `arraylens-mixed-dap-${process.pid}-1`;
    let dap: DapClient;
    after(async () => {
      await dap?.close().catch(() => undefined);
      assert.deepEqual(await waitNoTaggedProcess(tag, 10000), [], 'no process left');
    });

    it('stops in Python (debugpy) at # BREAK: frames and the Arrays view are Python\'s', async () => {
      const s = await startSession(tag);
      dap = s.dap;
      assert.ok((s.nativeBpId ?? 0) >= 1_000_000, `native breakpoint ids are shifted away from debugpy's (${s.nativeBpId})`);
      const stopped = dap.waitEvent<{ reason: string; threadId: number }>('stopped', 90000);
      await dap.request('configurationDone', {});
      const stop = await stopped;
      assert.equal(stop.reason, 'breakpoint');
      const f = await topFrame(dap, stop.threadId);
      assert.equal(f.name, 'main');
      assert.equal(f.line, PY_LINE);
      assert.equal(f.source?.path, PROGRAM);
      const list = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId: f.id }, 60000);
      assert.deepEqual(list.arrays.map((a) => a.expr), ['a']);
      const body = await dap.request<InspectBody>('arraylens/inspect', { frameId: f.id, expr: 'a', stats: { bins: BINS } }, 60000);
      assert.deepEqual(body.array.shape, expected.shape);
      assert.deepEqual(body.stats!.histogram.counts, expected.stats.counts);
      assert.equal(body.stats!.nan, expected.stats.nan);
    });

    let pyAddress = '';
    it('continue: stops in Rust (lldb-dap) at // BREAK: native frames, locals and arrays over the same bytes', async () => {
      const pyThread = (await dap.request<{ threads: { id: number }[] }>('threads', {})).threads[0].id;
      const pyFrame = await topFrame(dap, pyThread);
      pyAddress = (await dap.request<InspectBody>('arraylens/inspect', { frameId: pyFrame.id, expr: 'a' }, 60000)).array.address;
      const stopped = dap.waitEvent<{ reason: string; threadId: number }>('stopped', 90000);
      await dap.request('continue', { threadId: pyThread });
      const stop = await stopped;
      assert.equal(stop.reason, 'breakpoint');
      const f = await topFrame(dap, stop.threadId);
      assert.match(f.source?.path ?? '', /src\/lib\.rs$/);
      assert.equal(f.line, RS_LINE);
      assert.match(f.name, /sum_view/);
      const scopes = await dap.request<{ scopes: { name: string; variablesReference: number }[] }>('scopes', { frameId: f.id });
      const locals = scopes.scopes.find((x) => /local/i.test(x.name)) ?? scopes.scopes[0];
      const vars = await dap.request<{ variables: { name: string }[] }>('variables', { variablesReference: locals.variablesReference });
      for (const n of ['view', 'raw', 'a', 'obj']) assert.ok(vars.variables.some((v) => v.name === n), `${n} among lldb's locals`);
      const list = await dap.request<{ arrays: ArraySummary[] }>('arraylens/listArrays', { frameId: f.id }, 60000);
      for (const n of ['view', 'a', 'obj', 'raw', 'any']) assert.ok(list.arrays.some((a) => a.expr === n), `${n} listed`);
      // The Python caller's `a` is the same bytes: reported as the ArrayView's alias (the Arrays view shows it).
      assert.deepEqual(list.arrays.find((a) => a.expr === 'view')?.aliases, [{ language: 'python', expr: 'a' }]);
      const body = await dap.request<InspectBody>('arraylens/inspect', { frameId: f.id, expr: 'view', stats: { bins: BINS } }, 60000);
      assert.equal(body.array.address, pyAddress, 'the ArrayView is over the NumPy array\'s bytes');
      assert.deepEqual(body.array.shape, expected.shape);
      assert.deepEqual(body.stats!.histogram.counts, expected.stats.counts);
      assert.equal(body.transport, 'direct');
    });

    it('continue: the program runs to its end and the session terminates', async () => {
      const terminated = dap.waitEvent('terminated', 60000);
      const threads = await dap.request<{ threads: { id: number }[] }>('threads', {});
      await dap.request('continue', { threadId: threads.threads[0].id });
      await terminated;
      await dap.request('disconnect', {}).catch(() => undefined);
    });
  });

  it('disconnect at the Rust stop ends the program, debugpy and lldb-dap', async () => {
    const tag = `arraylens-mixed-dap-${process.pid}-2`;
    const { dap } = await startSession(tag);
    try {
      await dap.request('setBreakpoints', { source: { path: PROGRAM }, breakpoints: [] });
      const stopped = dap.waitEvent<{ reason: string; threadId: number }>('stopped', 90000);
      await dap.request('configurationDone', {});
      const f = await topFrame(dap, (await stopped).threadId);
      assert.match(f.source?.path ?? '', /src\/lib\.rs$/);
      const running = taggedProcesses(tag).map((p) => `${p.pid} ${p.cmd}`);
      assert.ok(running.some((p) => /program\.py/.test(p)) && running.some((p) => /lldb-dap/.test(p)), running.join('\n'));
      await dap.request('disconnect', { terminateDebuggee: true }, 30000);
    } finally {
      await dap.close().catch(() => undefined);
    }
    assert.deepEqual(await waitNoTaggedProcess(tag, 10000), [], 'no process left');
  });
});
