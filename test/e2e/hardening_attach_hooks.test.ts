// Leak hooks end with an attach session (issue 18): a program started with `python -m debugpy --listen` is attached to
// through debugpy's adapter (as VS Code's attach does), a census and the native-call watch install tracemalloc and the
// profile hook, the client detaches; the program, running on without a debugger, writes whether they are still on.

import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import { PYTHON, markerLine } from '../helpers/env';
import { DapDebuggee } from '../../src/backends/dapLaunch';
import { debugpyAdapter } from '../../src/backends/python/debugpy';
import { PythonTarget } from '../../src/backends/python/target';
import { callWatchExpression, parseCallWatch } from '../../src/leaks/callWatch';
import { censusExpression, parseCensus } from '../../src/leaks/pythonCensus';

const PROGRAM = `import sys, time, tracemalloc
import numpy as np
OUT = sys.argv[1]
a = np.ones(1000)
x = 0  # BREAK
# Detached by now: give the hooks up to 30 s to go (they go within a fraction of a second, or never).
for _ in range(300):
    if sys.getprofile() is None and not tracemalloc.is_tracing():
        break
    time.sleep(0.1)
with open(OUT, 'w') as f:
    f.write(repr((sys.getprofile() is None, tracemalloc.is_tracing())))
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True once a socket listens on 127.0.0.1:`port` (state 0A in /proc/net/tcp), read without connecting. */
async function listening(port: number, ms: number): Promise<boolean> {
  const needle = `:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`;
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
    if (fs.readFileSync('/proc/net/tcp', 'utf8').includes(needle)) return true;
  return false;
}

async function waitFor(file: string, ms: number): Promise<string | null> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100)))
    if (fs.existsSync(file) && fs.statSync(file).size > 0) return fs.readFileSync(file, 'utf8');
  return null;
}

let work: string;

describe('leak hooks end with an attach session (real debugpy --listen, issue 18)', () => {
  before(() => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-attach-hooks-')));
    fs.writeFileSync(path.join(work, 'listen.py'), PROGRAM);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('tracemalloc and the profile hook are off in the program after the client detaches', async () => {
    const prog = path.join(work, 'listen.py');
    const out = path.join(work, 'state.txt');
    const port = await freePort();
    const child = spawn(PYTHON, ['-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, '--wait-for-client', prog, out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // VS Code attaches to a --listen port by speaking DAP on the socket (a debug adapter server); our DAP client
    // talks to a child's stdio, so a child bridges the two.
    const bridge = `const s = require('net').connect(${port}, '127.0.0.1'); process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0));`;
    let d: DapDebuggee | undefined;
    try {
      // debugpy listens a moment after start (a probe connection would take the client's place: /proc/net/tcp).
      assert.ok(await listening(port, 60000), `debugpy did not listen on ${port}: ${stderr.slice(-400)}`);
      const dd = await DapDebuggee.spawn({ ...debugpyAdapter(PYTHON), command: process.execPath, args: ['-e', bridge] });
      d = dd;
      await dd.start('attach', { connect: { host: '127.0.0.1', port }, justMyCode: true });
      const bp = { file: prog, line: markerLine(prog, '# BREAK') };
      await dd.setBreakpoint(bp);
      await dd.runTo(bp, () => dd.client.request('configurationDone', {}), { timeoutMs: 60000, rule: 'any' });
      const t = PythonTarget.attachToSession(dd.client, dd.pid, dd.frameId);
      const state = async () => (await t.evaluate("repr((sys.getprofile() is None, __import__('tracemalloc').is_tracing()))")).replace(/^['"]|['"]$/g, '');
      assert.equal(parseCensus(await t.evaluate(censusExpression('from'))).started, true);
      assert.equal(parseCallWatch(await t.evaluate(callWatchExpression('start'))).watching, true);
      assert.equal(await state(), '(False, True)', 'the census and the watch installed their hooks');
      assert.match(await t.evaluate("repr(__import__('sys')._arraylens_hooks_guard.is_alive())"), /True/, 'the guard runs');
      const threads = await dd.client.request<{ threads: { name: string }[] }>('threads', {});
      assert.ok(!threads.threads.some((th) => th.name.includes('arraylens')), `the guard is listed: ${JSON.stringify(threads.threads)}`);
      // Detach as VS Code's Disconnect does for an attach: the program runs on.
      await dd.client.request('disconnect', { terminateDebuggee: false }, 10000);
    } finally {
      d?.client.kill();
    }
    const written = await waitFor(out, 60000);
    child.kill('SIGKILL');
    assert.equal(written, '(True, False)', `hooks still on after the detach (program stderr: ${stderr.slice(-400)})`);
  });
});
