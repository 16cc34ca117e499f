// Wrong-pid reads refused (issue 18): a real debugpy session (as VS Code's Python Debugger runs it) stopped at BREAK in
// ride_arrays.py, read through PythonTarget.attachToSession with the pid debugpy reported (direct reads) and with
// a pid that names another local process (an attach to a container or another machine): /proc of that pid is never
// read, the bytes come through the debuggee, the choice says why, and they are the program's.

import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { DapDebuggee, launchToBreakpoint } from '../../src/backends/dapLaunch';
import { debugpyAdapter, debugpyLaunchArguments } from '../../src/backends/python/debugpy';
import { PythonTarget } from '../../src/backends/python/target';
import { PYTHON, fixture, markerLine } from '../helpers/env';

const PROGRAM = fixture('python', 'ride_arrays.py');

async function readF32(t: PythonTarget): Promise<{ kind: string; reason: string; bytes: Buffer }> {
  const h = await t.resolve('f32');
  const tr = await t.transport('auto', h.view);
  return { kind: tr.kind, reason: t.transportChoice?.reason ?? '', bytes: await tr.readView(h.view) };
}

describe('Python: the pid debugpy reports is checked before /proc/PID is read', () => {
  let d: DapDebuggee;
  before(async () => {
    d = await launchToBreakpoint(
      debugpyAdapter(PYTHON),
      debugpyLaunchArguments({ program: PROGRAM, args: [], cwd: path.dirname(PROGRAM), python: PYTHON, subProcess: false }),
      { file: PROGRAM, line: markerLine(PROGRAM, '# BREAK') },
      { timeoutMs: 120000, rule: 'any' },
    );
  });
  after(async () => {
    await d?.close();
  });

  it('the reported pid is the debuggee: direct reads', async () => {
    const r = await readF32(PythonTarget.attachToSession(d.client, d.pid, d.frameId));
    assert.equal(r.kind, 'direct');
  });

  it('a pid naming another local process: not read, the bytes come through the debuggee and are the same', async () => {
    const right = await readF32(PythonTarget.attachToSession(d.client, d.pid, d.frameId));
    // This test's own process: readable here, certainly not the program.
    const wrong = await readF32(PythonTarget.attachToSession(d.client, process.pid, d.frameId));
    assert.equal(wrong.kind, 'evaluate');
    assert.match(wrong.reason, new RegExp(`direct: process ${process.pid} here is not the program`));
    assert.match(wrong.reason, new RegExp(`memfd: process ${process.pid} here is not the program`));
    assert.ok(wrong.bytes.equals(right.bytes), 'the same bytes as the direct read of the right process');
  });

  it('a pid with no process here: not read, through the debuggee', async () => {
    let pid = 4_000_000;
    while (fs.existsSync(`/proc/${pid}`)) pid++;
    const r = await readF32(PythonTarget.attachToSession(d.client, pid, d.frameId));
    assert.equal(r.kind, 'evaluate');
    assert.match(r.reason, /no process \d+ runs here/);
  });
});
