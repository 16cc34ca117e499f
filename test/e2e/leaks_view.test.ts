// The Leaks view's path through a real `arraylens` session (the adapter proxying debugpy): the census evaluated in
// the paused frame at two stops with DAP `evaluate` (context clipboard), as extension/leaksView.ts does, and diffed
// by extension/leaksModel.ts. The fixture keeps 5 arrays in a cache and frees its temporaries.

import assert from 'node:assert/strict';
import * as path from 'path';
import { after, describe, it } from 'node:test';
import { DapClient } from '../../src/adapter/dap/client';
import { PythonCensus, censusExpression, parseCensus } from '../../src/leaks/pythonCensus';
import { diffCensus } from '../../extension/leaksModel';
import { PYTHON, ROOT, fixture, markerLine } from '../helpers/env';

const ADAPTER = path.join(ROOT, 'out', 'src', 'adapter', 'dapServer.js');
const PY = fixture('leaks', 'cache_leak.py');
const site = (marker: string): string => `${PY}:${markerLine(PY, marker)}`;

describe('Leaks view: census at two stops of an arraylens Python session', () => {
  let dap: DapClient | undefined;
  after(async () => {
    await dap?.close().catch(() => undefined);
    dap?.kill();
  });

  async function censusAt(threadId: number, prev: PythonCensus | null): Promise<PythonCensus> {
    const st = await dap!.request<{ stackFrames: { id: number; line: number }[] }>('stackTrace', { threadId, startFrame: 0, levels: 1 });
    const expression = prev ? censusExpression('to', { fromIds: prev.arrays.map((a) => a.id) }) : censusExpression('from');
    const r = await dap!.request<{ result: string }>('evaluate', { expression, frameId: st.stackFrames[0].id, context: 'clipboard' }, 120000);
    return parseCensus(r.result);
  }

  it('the second stop shows the cached arrays by site with count and bytes, nothing for freed temporaries', async () => {
    dap = await DapClient.spawn('arraylens', process.execPath, [ADAPTER], { ...process.env });
    const output: string[] = [];
    dap.on('output', (b: { output?: string }) => output.push(b.output ?? ''));
    await dap.request('initialize', { clientID: 'test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
    const initialized = dap.waitEvent('initialized', 90000);
    // debugpy answers `launch` after configurationDone.
    const launched = dap.request('launch', { type: 'arraylens', request: 'launch', program: PY, args: [], cwd: path.dirname(PY), python: PYTHON }, 90000);
    launched.catch(() => undefined);
    await initialized;
    const lines = [markerLine(PY, 'BREAK FROM'), markerLine(PY, 'BREAK TO')];
    const bp = await dap.request<{ breakpoints: { verified: boolean }[] }>('setBreakpoints', { source: { path: PY }, breakpoints: lines.map((line) => ({ line })) });
    assert.deepEqual(bp.breakpoints.map((b) => b.verified), [true, true]);
    let stopped = dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await dap.request('configurationDone', {});
    await launched;
    const first = await stopped;
    const a = await censusAt(first.threadId, null);
    assert.equal(a.numpy, true);
    stopped = dap.waitEvent<{ threadId: number }>('stopped', 90000);
    await dap.request('continue', { threadId: first.threadId });
    const second = await stopped;
    const b = await censusAt(second.threadId, a);
    const d = diffCensus(a, b);
    assert.deepEqual(
      d.added.map(({ site: s, count, bytes }) => ({ site: s, count, bytes })),
      [{ site: site('SITE cache'), count: 5, bytes: 5 * 10 * 100 * 4 }],
      'the cache, and not the freed temporaries',
    );
    assert.deepEqual(d.freed, []);
    assert.deepEqual(d.refGrowth, []);
    assert.ok(!output.join('').includes('PYDEV DEBUGGER WARNING'), 'the census leaves no debugger warning in the debug console');
  });
});
