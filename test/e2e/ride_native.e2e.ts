// ArrayLens riding the native debuggers people already use, in a real VS Code (code-server + Chromium), each from a
// launch.json written the way that extension's users write it: LLVM's lldb-dap extension ("type": "lldb-dap"), Eclipse
// CDT's GDB extension ("type": "gdb", cdt-gdb-adapter), the `arraylens` type's "debugger": "gdb", and CodeLLDB
// ("type": "lldb"), whose sessions ArrayLens does not read: the Arrays view says so and "Debug this with ArrayLens"
// writes the equivalent configuration and starts it. Those extensions cannot be installed here: test/e2e/extensions/
// {lldb-dap,gdb,lldb} register their debug types and start the real adapters (lldb-dap-22, cdt-gdb-adapter) the way
// they do. The C program is the native tests' fixture (test/fixtures/c/arrays.c); rows and inspector stats are compared
// with NumPy's (test/fixtures/c/expected.py). Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): run with
// node --test out/test/e2e/ride_native.e2e.js. Screenshots: test/artifacts/ride-native-*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Locator } from 'playwright-core';
import { findLldbDap } from '../../src/backends/native/lldb';
import { REPO_ROOT, processesMentioning, sleep } from './harness/codeServer';
import { writeLaunch } from './harness/extensions';
import { ARTIFACTS, Suite, codeServerSuite } from './harness/suite';
import { InspectorPage, Workbench } from './harness/workbench';
import { markerLine } from '../helpers/env';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const C_SRC = path.join(REPO_ROOT, 'test', 'fixtures', 'c', 'arrays.c');
const EXPECTED = path.join(REPO_ROOT, 'test', 'fixtures', 'c', 'expected.py');
const CDT_ADAPTER = path.join(REPO_ROOT, 'node_modules', 'cdt-gdb-adapter', 'dist', 'debugAdapter.js');
const STAND_INS = path.join(REPO_ROOT, 'test', 'e2e', 'extensions');
const log = (line: string): boolean => process.stderr.write(`[e2e-ride-native] ${line}\n`);

/** The arrays among arrays.c's locals at BREAK (structs, pointers and scalars are not listed). */
const C_ARRAYS = ['d2', 'f1', 'i8', 'u16', 'i32', 'u32', 'i64', 'u64', 'flags', 'cz', 'zz', 'h4', 'h5', 'tdef'];

interface Expected {
  dtype: string;
  shape: number[];
  stats: { min: number | string | null; max: number | string | null; mean: number | null };
}

/** The size column of the Arrays view (extension/arraysView.ts formatSize), for the fixture's small arrays. */
const formatSize = (n: number): string => (n < 1e4 ? `${n} el` : `${(n / 1e3).toFixed(1)}k el`);

/** NumPy's dtype, shape and stats of each name (expected.py, the values the native tests use). */
function expectedArrays(names: string[]): Map<string, Expected> {
  const out = execFileSync(PY, [EXPECTED], { input: JSON.stringify(names.map((name) => ({ name }))), encoding: 'utf8' });
  const list = JSON.parse(out) as Expected[];
  return new Map(names.map((n, i) => [n, list[i]]));
}

/** "name dtype (shape) · size", the start of the Arrays view's row of each name, from NumPy. */
function numpyRows(want: Map<string, Expected>): Map<string, string> {
  const rows = new Map<string, string>();
  for (const [name, e] of want) {
    const shape = `(${e.shape.join(', ')}${e.shape.length === 1 ? ',' : ''})`;
    rows.set(name, `${name} ${e.dtype} ${shape} · ${formatSize(e.shape.reduce((a, b) => a * b, 1))}`);
  }
  return rows;
}

/** A number as the stats panel writes it (webview/statsPanel.ts statNumber). */
const statText = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8))));

const rowOf = (rows: string[], name: string) => rows.find((t) => t.startsWith(`${name} `));

/** A workspace with arrays.c built in it (the debug info names the workspace's own copy, where the breakpoint goes). */
function cWorkspace(tmp: string, name: string): string {
  const ws = path.join(tmp, name);
  fs.mkdirSync(path.join(ws, 'build'), { recursive: true });
  fs.copyFileSync(C_SRC, path.join(ws, 'arrays.c'));
  execFileSync('nice', ['gcc', '-g', '-O0', '-o', path.join(ws, 'build', 'arrays'), path.join(ws, 'arrays.c'), '-lm'], { stdio: 'inherit' });
  return ws;
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

let suite: Suite;

/** One case: a page on `ws`, the BREAK breakpoint, F5 and the stop; `body` gets the workbench and the Arrays pane. */
async function rideCase(shots: string, ws: string, body: (wb: Workbench, arrays: Locator) => Promise<void>): Promise<void> {
  const page = await suite.browser.newPage();
  const wb = new Workbench(page, ARTIFACTS, `ride-native-${shots}`, log);
  try {
    await wb.open(suite.server.url, ws);
    await wb.openFile('arrays.c');
    await wb.goToLine(markerLine(C_SRC, 'BREAK'));
    await wb.toggleBreakpoint();
    await wb.startDebuggingAndWaitForStop(120_000);
    await wb.collapsePanes(['Variables', 'Watch', 'Breakpoints', 'Call Stack']);
    const arrays = await wb.viewPane('Arrays');
    await body(wb, arrays);
    await wb.stopDebugging();
  } catch (e) {
    await wb.screenshot(`FAILED-${shots}`).catch(() => undefined);
    throw e;
  } finally {
    await page.close().catch(() => undefined);
  }
}

/** Every C array listed as NumPy describes it; f1's and d2's stats in the Array Inspector as NumPy computes them. */
async function assertCArrays(wb: Workbench, arrays: Locator, shot: string): Promise<void> {
  const want = expectedArrays(C_ARRAYS);
  const rows = numpyRows(want);
  const seen = await wb.waitForRows(arrays, (r) => C_ARRAYS.every((n) => rowOf(r, n)), 'the C arrays in the Arrays view', 90_000);
  log(`${shot}: ${JSON.stringify(seen)}`);
  for (const [name, text] of rows) assert.ok(rowOf(seen, name)!.startsWith(text), `${name}: '${rowOf(seen, name)}' should start with '${text}' (NumPy)`);
  assert.equal(rowOf(seen, 'scalar'), undefined, 'scalars are not listed');
  await wb.screenshot(shot);
  for (const name of ['d2', 'u16']) {
    const e = want.get(name)!;
    await wb.clickInlineAction(wb.treeRow(arrays, name), 'Open in Array Inspector');
    const inspector = new InspectorPage(wb);
    // Each panel shows its own array: wait for NumPy's numbers as the stats panel writes them (8 significant digits).
    for (const key of ['min', 'max', 'mean'] as const) {
      const text = statText(Number(e.stats[key]));
      await inspector.waitForStat({ key, value: new RegExp(`^\\s*${text.replace(/[.+-]/g, '\\$&')}\\s*$`) }, `${name} ${key} = ${text} (NumPy)`);
    }
    await wb.screenshot(`${shot}-inspector-${name}`);
  }
}

describe('ArrayLens riding native debug sessions (lldb-dap, gdb via cdt-gdb-adapter, CodeLLDB\'s offer) in code-server', () => {
  suite = codeServerSuite({
    name: 'ride-native',
    log,
    requires: [
      [PY, 'run npm run setup'],
      [CDT_ADAPTER, 'run npm ci'],
    ],
    artifactsPrefix: 'ride-native-',
    standIns: ['lldb-dap', 'gdb', 'lldb'].map((name) => path.join(STAND_INS, name)),
    settings: () => {
      const lldbDap = findLldbDap();
      return { 'lldb-dap.executable-path': lldbDap, 'arraylensTests.lldbDap': lldbDap, 'arraylensTests.cdtGdbAdapter': CDT_ADAPTER };
    },
  });

  test('"type": "lldb-dap" (LLVM\'s extension): every C array as NumPy has it; stats in the inspector', { timeout: 300_000 }, async () => {
    const ws = cWorkspace(suite.tmp, 'ws-lldb-dap');
    writeLaunch(ws, [{ type: 'lldb-dap', request: 'launch', name: 'Debug arrays', program: '${workspaceFolder}/build/arrays', args: [], cwd: '${workspaceFolder}' }]);
    await rideCase('lldb-dap', ws, (wb, arrays) => assertCArrays(wb, arrays, 'lldb-dap-arrays'));
  });

  test('"type": "gdb" (Eclipse CDT\'s extension, cdt-gdb-adapter): the same arrays as NumPy has them', { timeout: 300_000 }, async () => {
    const ws = cWorkspace(suite.tmp, 'ws-gdb');
    writeLaunch(ws, [{ type: 'gdb', request: 'launch', name: 'gdb launch', program: '${workspaceFolder}/build/arrays' }]);
    await rideCase('gdb', ws, (wb, arrays) => assertCArrays(wb, arrays, 'gdb-arrays'));
  });

  test('"type": "arraylens", "debugger": "gdb": through the bundled cdt-gdb-adapter', { timeout: 300_000 }, async () => {
    const ws = cWorkspace(suite.tmp, 'ws-arraylens-gdb');
    writeLaunch(ws, [{ type: 'arraylens', request: 'launch', name: 'ArrayLens: arrays (gdb)', program: '${workspaceFolder}/build/arrays', debugger: 'gdb' }]);
    await rideCase('arraylens-gdb', ws, (wb, arrays) => assertCArrays(wb, arrays, 'arraylens-gdb-arrays'));
  });

  test('"type": "lldb" (CodeLLDB): one line says why, "Debug this with ArrayLens" writes the configuration, it starts and stops with arrays', { timeout: 300_000 }, async () => {
    const ws = cWorkspace(suite.tmp, 'ws-codelldb');
    const theirs = {
      type: 'lldb',
      request: 'launch',
      name: 'Debug arrays',
      program: '${workspaceFolder}/build/arrays',
      args: ['one', 'two words'],
      cwd: '${workspaceFolder}',
      env: { ARRAYLENS_E2E_MARK: 'carried' },
    };
    writeLaunch(ws, [theirs]);
    await rideCase('codelldb', ws, async (wb, arrays) => {
      const offer = await wb.waitForRows(arrays, (r) => r.some((t) => /Debug this with ArrayLens/.test(t)), 'the offer in the Arrays view');
      log(`offer: ${JSON.stringify(offer)}`);
      assert.deepEqual(offer, ['CodeLLDB sessions: ArrayLens cannot read arrays through this debugger', 'Debug this with ArrayLens']);
      await wb.screenshot('offer');
      await wb.treeRow(arrays, 'Debug this with ArrayLens').click();
      // Their session ends, ours starts from the configuration written next to theirs and stops at the same breakpoint.
      const launch = path.join(ws, '.vscode', 'launch.json');
      const until = Date.now() + 30_000;
      let written: { configurations: Record<string, unknown>[] } = { configurations: [] };
      while (written.configurations.length < 2) {
        assert.ok(Date.now() < until, `launch.json was not written within 30 s: ${fs.readFileSync(launch, 'utf8')}`);
        await sleep(200);
        // VS Code may be in the middle of writing it (an empty or cut file): read again on the next round.
        try {
          written = JSON.parse(fs.readFileSync(launch, 'utf8').replace(/^\s*\/\/.*$/gm, '')) as typeof written;
        } catch (e) {
          if (!(e instanceof SyntaxError)) throw e;
        }
      }
      assert.deepEqual(written.configurations, [
        theirs,
        { type: 'arraylens', request: 'launch', name: 'Debug arrays (ArrayLens)', program: theirs.program, args: theirs.args, env: theirs.env, cwd: theirs.cwd },
      ]);
      const rows = await wb.waitForRows(arrays, (r) => C_ARRAYS.every((n) => rowOf(r, n)), 'the C arrays of the ArrayLens session', 120_000);
      const want = numpyRows(expectedArrays(['d2', 'f1']));
      for (const [name, text] of want) assert.ok(rowOf(rows, name)!.startsWith(text), `${name}: '${rowOf(rows, name)}' vs NumPy '${text}'`);
      assert.equal(await wb.stoppedLine(), markerLine(C_SRC, 'BREAK'), 'stopped at the breakpoint');
      // One program runs (theirs was stopped), under the lldb-dap that ArrayLens's adapter (dist/adapter.js) started,
      // with their arguments and environment.
      const program = path.join(ws, 'build', 'arrays');
      const pids = processesMentioning(program).filter((p) => fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith(`${program}\0`));
      assert.equal(pids.length, 1, `one program runs: ${pids.join(', ')}`);
      const ancestors: string[] = [];
      for (let p = parentOf(pids[0]); p > 1 && ancestors.length < 8; p = parentOf(p)) ancestors.push(fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' '));
      assert.ok(ancestors.some((c) => /dist\/adapter\.js/.test(c)), `the program's debugger was started by ArrayLens's adapter: ${ancestors.join(' <- ')}`);
      assert.deepEqual(fs.readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0').slice(1, 3), ['one', 'two words']);
      assert.match(fs.readFileSync(`/proc/${pids[0]}/environ`, 'utf8'), /(^|\0)ARRAYLENS_E2E_MARK=carried\0/);
      await wb.screenshot('arraylens-session');
    });
  });
});
