// ArrayLens riding the Python Debugger extension's own sessions in a real VS Code (code-server + Chromium), from
// launch.json files written the way that extension's users write them: "type": "debugpy" launches with the internal
// console and the integrated terminal, the legacy "type": "python", an attach to `python -m debugpy --listen PORT`, a
// multiprocessing worker's and a `subprocess` child's session (debugpy's startDebugging request), and "arraylensNative": true, where lldb-dap attaches to the same
// process so a breakpoint in the PyO3 extension's Rust hits and its arrays are marked as the Python array's bytes.
// The Python Debugger extension cannot be installed here: test/e2e/extensions/debugpy registers its debug types and
// starts the real debugpy adapter the way it does. The listed arrays are compared with NumPy's (the public acceptance
// case's make(), test/fixtures/python/ride_arrays.py). Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): run with
// node --test out/test/e2e/ride_python.e2e.js. Screenshots: test/artifacts/ride-python-*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Locator } from 'playwright-core';
import { REPO_ROOT, freePort, sleep } from './harness/codeServer';
import { writeLaunch } from './harness/extensions';
import { ARTIFACTS, Suite, codeServerSuite } from './harness/suite';
import { InspectorPage, Workbench } from './harness/workbench';
import { markerLine } from '../helpers/env';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const ARRAYS_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'ride_arrays.py');
const WORKERS_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'ride_workers.py');
const SUBPROCESS_FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'ride_subprocess.py');
const MIXED_CRATE = path.join(REPO_ROOT, 'test', 'fixtures', 'rust', 'mixed');
const STAND_IN = path.join(REPO_ROOT, 'test', 'e2e', 'extensions', 'debugpy');
const log = (line: string): boolean => process.stderr.write(`[e2e-ride-python] ${line}\n`);

const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** The size column of the Arrays view (extension/arraysView.ts formatSize). */
function formatSize(n: number): string {
  if (n < 1e4) return `${n} el`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)}k el`;
  return `${(n / 1e6).toFixed(1)}M el`;
}

/** Rows the Arrays view must show for `names` of a fixture's make()/module, as NumPy describes them: "name dtype (shape) · size". */
function numpyRows(code: string): Map<string, string> {
  const out = execFileSync(PY, ['-c', code], { encoding: 'utf8' });
  const rows = new Map<string, string>();
  for (const [name, d] of Object.entries(JSON.parse(out) as Record<string, { dtype: string; shape: number[]; size: number }>)) {
    const shape = `(${d.shape.join(', ')}${d.shape.length === 1 ? ',' : ''})`;
    rows.set(name, `${name} ${d.dtype} ${shape} · ${formatSize(d.size)}`);
  }
  return rows;
}

const DESCRIBE = 'import json; print(json.dumps({k: {"dtype": v.dtype.name, "shape": list(v.shape), "size": int(v.size)} for k, v in ARRAYS.items()}))';
const ACCEPTANCE_ROWS = (): Map<string, string> =>
  numpyRows(`import sys; sys.path.insert(0, ${JSON.stringify(path.dirname(ARRAYS_FIXTURE))}); from ride_arrays import make; ARRAYS = make(); ${DESCRIBE}`);

/** The row of `rows` for array `name` (its label, then a space). */
const rowOf = (rows: string[], name: string) => rows.find((t) => t.startsWith(`${name} `));

/** The Arrays view's description (ArrayLens sets it to the pid of the process whose arrays are listed). */
async function viewDescription(pane: Locator): Promise<string> {
  return ((await pane.locator('.pane-header .description').first().innerText().catch(() => '')) ?? '').trim();
}

async function waitForDescription(pane: Locator, want: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let now = '';
  while (Date.now() < until) {
    now = await viewDescription(pane);
    if (now === want) return;
    await sleep(200);
  }
  throw new Error(`the Arrays view's description was '${now}', not '${want}', after ${timeoutMs} ms`);
}

/** Polls a file the fixture writes (its pid) until it is there. */
async function readPidFile(file: string, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const t = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (/^\d+$/.test(t)) return Number(t);
    await sleep(100);
  }
  throw new Error(`${file} was not written within ${timeoutMs} ms`);
}

let suite: Suite;

/**
 * One case: a page on `ws`, breakpoints at `breaks` (file, line) in order, F5 and the first stop; the other side-bar
 * panes collapsed so the Arrays view has room; `body` gets the workbench and the Arrays pane. A failure saves
 * `FAILED-<shots>`; the session is stopped and the page closed.
 */
async function rideCase(shots: string, ws: string, breaks: [string, number][], body: (wb: Workbench, arrays: Locator) => Promise<void>): Promise<void> {
  const page = await suite.browser.newPage();
  const wb = new Workbench(page, ARTIFACTS, `ride-python-${shots}`, log);
  try {
    await wb.open(suite.server.url, ws);
    for (const [file, line] of breaks) {
      await wb.openFile(file);
      await wb.goToLine(line);
      await wb.toggleBreakpoint();
    }
    await wb.startDebuggingAndWaitForStop(120_000);
    await wb.collapsePanes(['Variables', 'Watch', 'Call Stack', 'Breakpoints', 'Leaks']);
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

/** The acceptance arrays at BREAK of ride_arrays.py, as NumPy describes them, under the process of `pidFile`. */
async function assertAcceptanceArrays(wb: Workbench, arrays: Locator, pidFile: string, shot: string): Promise<string[]> {
  const want = ACCEPTANCE_ROWS();
  const rows = await wb.waitForRows(arrays, (r) => [...want.keys()].every((n) => rowOf(r, n)), 'the acceptance arrays in the Arrays view', 60_000);
  log(`${shot}: ${JSON.stringify(rows)}`);
  for (const [name, text] of want) assert.ok(rowOf(rows, name)!.startsWith(text), `${name}: '${rowOf(rows, name)}' should start with '${text}' (NumPy)`);
  // rev is a view of f32: the listing marks them as the same bytes.
  assert.match(rowOf(rows, 'rev')!, /⇄ f32\b/);
  await waitForDescription(arrays, `pid ${await readPidFile(pidFile)}`);
  await wb.screenshot(shot);
  return rows;
}

describe('ArrayLens riding the Python Debugger\'s sessions (debugpy) in code-server', () => {
  suite = codeServerSuite({
    name: 'ride-python',
    log,
    requires: [[PY, 'run npm run setup']],
    artifactsPrefix: 'ride-python-',
    standIns: [STAND_IN],
    settings: () => ({ 'python.defaultInterpreterPath': PY }),
  });

  // The Python Debugger's own type with both consoles, and the legacy "python" type its older configurations use.
  const launches = [
    ['debugpy', 'internalConsole'],
    ['debugpy', 'integratedTerminal'],
    ['python', 'integratedTerminal'],
  ] as const;
  for (const [type, console] of launches) {
    const shots = type === 'debugpy' ? console : `${type}-${console}`;
    test(`launch, "type": "${type}", "console": "${console}": the acceptance arrays as NumPy has them, under the program's pid; the inspector's stats`, { timeout: 300_000 }, async () => {
      const ws = path.join(suite.tmp, `ws-${shots}`);
      fs.mkdirSync(ws, { recursive: true });
      fs.copyFileSync(ARRAYS_FIXTURE, path.join(ws, 'ride_arrays.py'));
      const pidFile = path.join(ws, 'program.pid');
      writeLaunch(ws, [
        { name: 'Python Debugger: Current File', type, request: 'launch', program: '${workspaceFolder}/ride_arrays.py', args: [pidFile], console },
      ]);
      await rideCase(shots, ws, [['ride_arrays.py', markerLine(ARRAYS_FIXTURE, '# BREAK')]], async (wb, arrays) => {
        await assertAcceptanceArrays(wb, arrays, pidFile, 'arrays');
        // i32 = arange(-600, 600): min -600, max 599, mean -0.5 in the Array Inspector.
        await wb.clickInlineAction(wb.treeRow(arrays, 'i32'), 'Open in Array Inspector');
        const inspector = new InspectorPage(wb);
        await inspector.waitForStat({ key: 'min', value: /^\s*-600(\.0*)?\s*$/ }, 'i32 min');
        await inspector.waitForStat({ key: 'max', value: /^\s*599(\.0*)?\s*$/ }, 'i32 max');
        await inspector.waitForStat({ key: 'mean', value: /^\s*-0\.50*\s*$/ }, 'i32 mean');
        await wb.screenshot('inspector');
      });
    });
  }

  test('attach to `python -m debugpy --listen PORT`: the listening program\'s arrays, under its pid', { timeout: 300_000 }, async () => {
    const ws = path.join(suite.tmp, 'ws-attach');
    fs.mkdirSync(ws, { recursive: true });
    fs.copyFileSync(ARRAYS_FIXTURE, path.join(ws, 'ride_arrays.py'));
    const pidFile = path.join(ws, 'program.pid');
    const port = await freePort();
    const program: ChildProcess = spawn(PY, ['-Xfrozen_modules=off', '-m', 'debugpy', '--listen', `127.0.0.1:${port}`, '--wait-for-client', path.join(ws, 'ride_arrays.py'), pidFile], {
      cwd: ws,
      stdio: 'ignore',
    });
    try {
      writeLaunch(ws, [
        { name: 'Python Debugger: Remote Attach', type: 'debugpy', request: 'attach', connect: { host: '127.0.0.1', port }, pathMappings: [{ localRoot: '${workspaceFolder}', remoteRoot: ws }] },
      ]);
      // The listener is up when its port answers: wait for it before F5 (the attach would fail, not wait).
      const until = Date.now() + 30_000;
      while (!portOpen(port)) {
        assert.ok(Date.now() < until, `debugpy did not listen on ${port} within 30 s`);
        await sleep(200);
      }
      await rideCase('attach', ws, [['ride_arrays.py', markerLine(ARRAYS_FIXTURE, '# BREAK')]], async (wb, arrays) => {
        await assertAcceptanceArrays(wb, arrays, pidFile, 'attach-arrays');
        // The pid debugpy reported is checked against the program's own account of itself before /proc/PID/mem is
        // read (src/backends/python/identity.ts): here it is the same local process, so the inspector reads directly.
        await wb.clickInlineAction(wb.treeRow(arrays, 'f64'), 'Open in Array Inspector');
        const inspector = new InspectorPage(wb);
        await inspector.waitForStat({ key: 'mean', value: /^\s*2(\.0*)?\s*$/ }, 'f64 = linspace(-3, 7): mean 2');
        assert.match(await inspector.headerText(), /· direct\b/, 'read directly: the pid is the program');
        await wb.screenshot('attach-inspector');
      });
    } finally {
      program.kill('SIGKILL');
    }
  });

  // Child sessions debugpy opens with a startDebugging request: a multiprocessing worker (spawn) and a `subprocess` child.
  const children = [
    {
      what: 'a multiprocessing worker',
      shots: 'worker',
      fixture: WORKERS_FIXTURE,
      marker: '# WORKER BREAK',
      pidFile: 'worker.pid',
      arrays: '{"chunk": np.arange(seed, seed + 96, dtype=np.float32).reshape(8, 12) * 0.5, "weights": np.linspace(0.0, 1.0, 12)}',
      setup: 'seed = 40; ',
    },
    {
      what: 'a `subprocess` child',
      shots: 'subprocess',
      fixture: SUBPROCESS_FIXTURE,
      marker: '# CHILD BREAK',
      pidFile: 'child.pid',
      arrays: '{"frame": np.arange(-30, 30, dtype=np.int16).reshape(6, 10), "gains": np.full(10, 0.25, dtype=np.float32)}',
      setup: '',
    },
  ];
  for (const c of children) {
    test(`${c.what} (child session): its arrays, not the parent's, under the child's pid`, { timeout: 300_000 }, async () => {
      const ws = path.join(suite.tmp, `ws-${c.shots}`);
      const name = path.basename(c.fixture);
      fs.mkdirSync(ws, { recursive: true });
      fs.copyFileSync(c.fixture, path.join(ws, name));
      const pidFile = path.join(ws, c.pidFile);
      writeLaunch(ws, [{ name: `Python Debugger: ${c.shots}`, type: 'debugpy', request: 'launch', program: `\${workspaceFolder}/${name}`, args: [pidFile], console: 'internalConsole' }]);
      const want = numpyRows(`import numpy as np; ${c.setup}ARRAYS = ${c.arrays}; ${DESCRIBE}`);
      await rideCase(c.shots, ws, [[name, markerLine(c.fixture, c.marker)]], async (wb, arrays) => {
        const rows = await wb.waitForRows(arrays, (r) => [...want.keys()].every((n) => rowOf(r, n)), "the child's arrays", 60_000);
        log(`${c.shots}: ${JSON.stringify(rows)}`);
        for (const [n, text] of want) assert.ok(rowOf(rows, n)!.startsWith(text), `${n}: '${rowOf(rows, n)}' should start with '${text}' (NumPy)`);
        assert.equal(rowOf(rows, 'parent_only'), undefined, "the parent's arrays are not listed");
        const childPid = await readPidFile(pidFile);
        await waitForDescription(arrays, `pid ${childPid}`);
        const callStack = await wb.viewPane('Call Stack');
        await wb.waitForRows(callStack, (r) => r.some((t) => new RegExp(`Subprocess ${childPid}`).test(t)), "the child's session in the Call Stack");
        await wb.screenshot(`${c.shots}-arrays`);
      });
    });
  }

  test('"arraylensNative": true: a Python stop, then the Rust breakpoint hits in lldb-dap; the ArrayView marked as a\'s bytes', { timeout: 300_000 }, async () => {
    const r = spawnSync(PY, ['-c', 'import arraylens_mixed'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `the mixed fixture is not built into .venv (needs cargo + maturin: bash scripts/setup.d/25-mixed-fixture.sh): ${r.stderr}`);
    const ws = path.join(suite.tmp, 'ws-mixed');
    fs.mkdirSync(ws, { recursive: true });
    // Links, as a user's checkout would have the files: lldb's line table names the crate's own src/lib.rs.
    fs.symlinkSync(path.join(MIXED_CRATE, 'program.py'), path.join(ws, 'program.py'));
    fs.symlinkSync(path.join(MIXED_CRATE, 'src'), path.join(ws, 'src'));
    writeLaunch(ws, [
      { name: 'Python Debugger: program.py + Rust', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/program.py', args: ['c'], console: 'internalConsole', arraylensNative: true },
    ]);
    const pyLine = markerLine(path.join(MIXED_CRATE, 'program.py'), '# BREAK');
    const rsLine = markerLine(path.join(MIXED_CRATE, 'src', 'lib.rs'), '// BREAK');
    // The line after the call: Python stops again once Rust has returned.
    const afterLine = markerLine(path.join(MIXED_CRATE, 'program.py'), 'print(f"{kind}');
    await rideCase('mixed', ws, [['src/lib.rs', rsLine], ['program.py', pyLine], ['program.py', afterLine]], async (wb, arrays) => {
      assert.equal(await wb.waitForStoppedLine(pyLine), pyLine, 'stopped in Python first');
      const want = numpyRows(`import sys; sys.path.insert(0, ${JSON.stringify(MIXED_CRATE)}); from program import make; ARRAYS = {"a": make("c")}; ${DESCRIBE}`);
      const pyRows = await wb.waitForRows(arrays, (r) => !!rowOf(r, 'a'), "Python's a");
      assert.ok(rowOf(pyRows, 'a')!.startsWith(want.get('a')!), `a: '${rowOf(pyRows, 'a')}' vs NumPy '${want.get('a')}'`);
      await wb.screenshot('python-stop');

      // lldb-dap attaches once debugpy says the pid: its session shows in the Call Stack once attached and configured
      // (the extension is loaded by this stop, so the lib.rs breakpoint binds then). F5 before that would run past
      // the call.
      const callStack = await wb.viewPane('Call Stack');
      await wb.waitForRows(callStack, (r) => r.some((t) => /Native:/.test(t)), 'the native (lldb-dap) session attached to the program', 90_000);
      const breakpoints = await wb.viewPane('Breakpoints');
      const rsBreakpoint = breakpoints.locator('.monaco-list-row', { hasText: 'lib.rs' }).first();
      assert.equal(await rsBreakpoint.locator('.codicon-debug-breakpoint-unverified').count(), 0, 'the lib.rs breakpoint is not unverified');
      await wb.screenshot('native-attached');
      await wb.collapsePanes(['Breakpoints']);

      await wb.page.keyboard.press('F5');
      await wb.waitForRows(callStack, (r) => r.some((t) => /Native:.*breakpoint/i.test(t)), 'the native session paused on the Rust breakpoint', 90_000);
      await wb.collapsePanes(['Call Stack']);
      const at = `python at program.py:${pyLine}`;
      const rows = await wb.waitForRows(arrays, (r) => !!rowOf(r, 'view'), 'the Rust frame\'s arrays', 60_000);
      log(`native: ${JSON.stringify(rows)}`);
      assert.match(rowOf(rows, 'view')!, new RegExp(`^view float32 \\(48, 64\\) · 3072 el · ⇄ .*\\ba \\(${escapeRe(at)}\\)`), "the ArrayView: NumPy's dtype and shape, and the same bytes as Python's a");
      await wb.screenshot('native-arrays');

      // The native top frame selected in the Call Stack (VS Code may keep the Python session focused), F5 continues
      // the native session; Python stops after the call, and its a is marked as the bytes the Rust frame showed.
      await wb.viewPane('Call Stack');
      const frameRow = callStack.locator('.monaco-list-row', { hasText: /sum_view/ }).first();
      if (!(await frameRow.isVisible())) await callStack.locator('.monaco-list-row', { hasText: /Native:/ }).first().click();
      await frameRow.waitFor({ state: 'visible', timeout: 30_000 });
      await frameRow.click();
      await wb.collapsePanes(['Call Stack']);
      await wb.page.keyboard.press('F5');
      const back = await wb.waitForRows(arrays, (r) => /\(native at lib\.rs:/.test(rowOf(r, 'a') ?? ''), "Python's a marked with the Rust frame's arrays", 90_000);
      log(`python again: ${JSON.stringify(back)}`);
      assert.match(rowOf(back, 'a')!, new RegExp(`^a float32 \\(48, 64\\) · 3072 el · ⇄ .*\\bview\\b.*\\(native at lib\\.rs:${rsLine}\\)`));
      assert.equal(await wb.waitForStoppedLine(afterLine), afterLine, 'Python stopped after the call');
      await wb.screenshot('python-after-native');
    });
  });
});

/**
 * Whether something listens on 127.0.0.1:`port`, from /proc/net/tcp (state 0A): connecting to find out would be
 * taken by debugpy as its client.
 */
function portOpen(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .some((l) => {
      const f = l.trim().split(/\s+/);
      return f[1]?.endsWith(hex) && f[3] === '0A';
    });
}
