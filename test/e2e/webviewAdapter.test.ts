// The `arraylens` debug adapter's failure paths, over its real stdio: each ends in a message the user can act on
// and leaves no process behind.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { DapClient } from '../../src/rpc/dapClient';
import { PYTHON, ROOT, fixture, processesMatching } from '../helpers/env';

const ADAPTER = path.join(ROOT, 'out', 'src', 'debugAdapter', 'server.js');
const INIT = { clientID: 'adapter-test', adapterID: 'arraylens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' };

async function adapter(python: string): Promise<DapClient> {
  return DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], { ...process.env, ARRAYLENS_PYTHON: python });
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail('expected the request to fail');
}

test('a Python without debugpy: initialize fails saying how to install it', async () => {
  const c = await adapter('/usr/bin/python3');
  const msg = await rejection(c.request('initialize', INIT, 20000));
  assert.match(msg, /debugpy is not installed for \/usr\/bin\/python3: run '\/usr\/bin\/python3 -m pip install debugpy'/);
  await c.close();
});

test('an interpreter that does not exist: initialize fails naming the setting', async () => {
  const c = await adapter('/nonexistent/python');
  const msg = await rejection(c.request('initialize', INIT, 20000));
  assert.match(msg, /not found \('\/nonexistent\/python'\).*arraylens\.python/);
  await c.close();
});

test('native programs: launch errors say what to change, and nothing is left running', async () => {
  const c = await adapter(PYTHON);
  await c.request('initialize', INIT);
  const gdb = await rejection(c.request('launch', { program: '/usr/bin/true', debugger: 'gdb', gdb: '/nonexistent/gdb' }, 20000));
  assert.match(gdb, /gdb not found at '\/nonexistent\/gdb': install Debian gdb/);
  assert.match(await rejection(c.request('launch', { program: '/usr/bin/true', debugger: 'dbx' }, 20000)), /"debugger": "dbx" is not known: use "lldb"/);
  assert.match(await rejection(c.request('launch', { program: 'no-such-binary', cwd: '/tmp' }, 20000)), /no such program: \/tmp\/no-such-binary \(build it first/);
  assert.match(await rejection(c.request('launch', { program: fixture('node', 'zoo.js') }, 20000)), /JavaScript program: debug it with the built-in "node" debug type/);
  const plain = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-adapter-')), 'data.bin');
  fs.writeFileSync(plain, 'not a program', { mode: 0o644 });
  assert.match(await rejection(c.request('launch', { program: plain }, 20000)), /data\.bin is not executable/);
  fs.rmSync(path.dirname(plain), { recursive: true });
  const lldb = await rejection(c.request('launch', { program: '/usr/bin/true', lldbDap: '/nonexistent/lldb-dap' }, 20000));
  assert.match(lldb, /lldb-dap not found at '\/nonexistent\/lldb-dap': install Debian lldb-22/);
  const custom = await rejection(c.request('arraylens/listArrays', { frameId: 1 }, 20000));
  assert.match(custom, /no program is running/);
  await c.close();
});

test('the host says the program is native but lldb-dap is missing: initialize fails naming the setting', async () => {
  const c = await DapClient.spawn('arraylens adapter', process.execPath, [ADAPTER], {
    ...process.env,
    ARRAYLENS_ADAPTER_BACKEND: 'lldb-dap',
    ARRAYLENS_LLDB_DAP: '/nonexistent/lldb-dap',
  });
  assert.match(await rejection(c.request('initialize', INIT, 20000)), /lldb-dap not found at '\/nonexistent\/lldb-dap'.*arraylens\.lldbDap/);
  await c.close();
});

test('custom requests validate their arguments', async () => {
  const prog = fixture('python', 'inspector_steps.py');
  const c = await adapter(PYTHON);
  await c.request('initialize', INIT);
  const launched = c.request('launch', { program: prog, python: PYTHON, stopOnEntry: true });
  await c.waitEvent('initialized', 30000);
  const stopped = c.waitEvent<{ threadId: number }>('stopped', 30000);
  await c.request('configurationDone', {});
  await launched;
  await stopped;
  assert.match(await rejection(c.request('arraylens/inspect', { frameId: 'x', expr: 'a' })), /frameId: expected an integer/);
  assert.match(await rejection(c.request('arraylens/inspect', { frameId: 1, expr: 'a', tile: { index: 'os.system(1)', transpose: false } })), /tile\.index/);
  await c.close();
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(processesMatching(prog), []);
});
