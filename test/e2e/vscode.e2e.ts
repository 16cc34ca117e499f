// The packaged extension in a real VS Code (code-server), driven in Chromium as a user would: breakpoint, F5,
// the Arrays view, the Array Inspector webview, the heatmap, F10. Run by scripts/test.d/50-e2e-vscode.sh.
// Each debugger is one entry of CASES; a screenshot of every step goes to test/artifacts/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext } from 'playwright-core';
import { launchChromium } from './harness/browser';
import { CodeServer, REPO_ROOT, processesMentioning, sleep, startCodeServer } from './harness/codeServer';
import { InspectorPage, Workbench } from './harness/workbench';

interface ExpectedArray {
  name: string;
  dtype: string;
  shape: number[];
  /** What the row must also show, e.g. the alias of a Rust view in its Python caller. */
  alias?: RegExp;
}

/** What the inspector must show: an element's value in the value grid, and a stat of the stats panel. */
interface InspectorExpectation {
  value: RegExp;
  stat: { key: string; value: RegExp };
}

interface E2ECase {
  name: string;
  /** Folder under test/fixtures copied to a temp workspace. */
  fixture: string;
  /** File (relative to the workspace) holding the breakpoint marker. */
  file: string;
  marker: RegExp;
  /** Fields added to every launch configuration of the fixture's .vscode/launch.json (absolute paths). */
  launchOverrides: () => Record<string, unknown>;
  /** What must be there before the case can run; a message here FAILS the case (no silent skip). */
  prerequisites: () => string | null;
  arrays: ExpectedArray[];
  inspect: string;
  /** Fixed, or computed when the case runs (values NumPy recomputes from the fixture's own code). */
  atStop: InspectorExpectation | (() => InspectorExpectation);
  afterStep: InspectorExpectation | (() => InspectorExpectation);
  /** The picture mode checked after the grid: heatmap (2-D and up) or the line plot (1-D). */
  picture?: 'heatmap' | 'plot';
}

/** A number as shown ("5.5", "5.50", "11", "11.0"), the whole text of a cell. */
const num = (v: string) => new RegExp(`^\\s*${v.includes('.') ? `${v.replace('.', '\\.')}0*` : `${v}(\\.0*)?`}\\s*$`);

const escapeRe = (t: string) => t.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
const VENV_PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const MIXED_CRATE = path.join(REPO_ROOT, 'test', 'fixtures', 'rust', 'mixed');

/**
 * The mixed fixture's array as NumPy builds it (program.py's own make('c'), run here without a debugger): the text the
 * grid shows for a[0, 1] (auto format, precision 6) and the stats panel's mean of the finite values (8 digits).
 */
function mixedExpectation(): InspectorExpectation {
  const code =
    'import json, sys; import numpy as np; sys.path.insert(0, sys.argv[1]); from program import make; a = make("c"); ' +
    'f = a[np.isfinite(a)].astype(np.float64); print(json.dumps({"v": float(a[0, 1]), "mean": float(f.mean())}))';
  const r = JSON.parse(execFileSync(VENV_PYTHON, ['-c', code, MIXED_CRATE], { encoding: 'utf8' })) as { v: number; mean: number };
  return {
    value: new RegExp(`^\\s*${escapeRe(String(Number(r.v.toPrecision(6))))}\\s*$`),
    stat: { key: 'mean', value: new RegExp(`^\\s*${escapeRe(String(Number(r.mean.toPrecision(8))))}\\s*$`) },
  };
}

const CASES: E2ECase[] = [
  {
    name: 'python',
    fixture: 'workspace-python',
    file: 'arrays.py',
    marker: /#\s*BREAK\b/,
    launchOverrides: () => ({ python: path.join(REPO_ROOT, '.venv', 'bin', 'python') }),
    prerequisites: () =>
      fs.existsSync(path.join(REPO_ROOT, '.venv', 'bin', 'python')) ? null : '.venv/bin/python missing: run npm run setup',
    arrays: [
      { name: 'grid', dtype: 'float32', shape: [3, 4] },
      { name: 'ramp', dtype: 'float64', shape: [8, 8] },
      { name: 'mask', dtype: 'uint8', shape: [2, 3, 4] },
    ],
    inspect: 'grid',
    // grid = arange(12) * 0.5 -> grid[2, 1] == 4.5, max 5.5; after `grid *= 2`: grid[2, 1] == 9, max 11.
    atStop: { value: num('4.5'), stat: { key: 'max', value: num('5.5') } },
    afterStep: { value: num('9'), stat: { key: 'max', value: num('11') } },
  },
  {
    // Python + Rust in one session ("mixed": true): the breakpoint is in the PyO3 extension's Rust code.
    name: 'mixed',
    fixture: 'workspace-mixed',
    file: 'src/lib.rs',
    marker: /\/\/\s*BREAK\b/,
    launchOverrides: () => ({ python: VENV_PYTHON }),
    prerequisites: () => {
      if (!fs.existsSync(VENV_PYTHON)) return '.venv/bin/python missing: run npm run setup';
      const r = spawnSync(VENV_PYTHON, ['-c', 'import arraylens_mixed'], { encoding: 'utf8' });
      return r.status === 0 ? null : `the mixed fixture is not built into .venv (needs cargo + maturin: bash scripts/setup.d/25-mixed-fixture.sh): ${r.stderr.trim()}`;
    },
    // The ArrayView over the NumPy array `a` of the Python caller: same bytes, shown as an alias.
    arrays: [{ name: 'view', dtype: 'float32', shape: [48, 64], alias: /\ba\s\(python\)/ }],
    inspect: 'view',
    atStop: mixedExpectation,
    // F10 runs `view.nrows()`: the next line, the same values.
    afterStep: mixedExpectation,
  },
  {
    // Node under the built-in JavaScript debugger (launch type "node"): ArrayLens reads through js-debug's CDP proxy.
    name: 'node',
    fixture: 'workspace-node',
    file: 'arrays.js',
    marker: /\/\/\s*BREAK\b/,
    launchOverrides: () => ({}),
    prerequisites: () => null,
    arrays: [
      { name: 'samples', dtype: 'float32', shape: [12] },
      { name: 'pixels', dtype: 'uint8', shape: [24] },
      { name: 'packet', dtype: 'uint8', shape: [9] },
    ],
    inspect: 'samples',
    // samples = i * 0.5 -> samples[9] == 4.5, max 5.5; after scale(samples, 2): samples[9] == 9, max 11.
    atStop: { value: num('4.5'), stat: { key: 'max', value: num('5.5') } },
    afterStep: { value: num('9'), stat: { key: 'max', value: num('11') } },
    picture: 'plot',
  },
];

/** ARRAYLENS_E2E_CASES=mixed,node runs only those cases (while working on one); all of them otherwise. */
const SELECTED = process.env.ARRAYLENS_E2E_CASES ? CASES.filter((c) => process.env.ARRAYLENS_E2E_CASES!.split(',').includes(c.name)) : CASES;

const expectation = (e: InspectorExpectation | (() => InspectorExpectation)): InspectorExpectation => (typeof e === 'function' ? e() : e);

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const NATIVE_IN_VSIX = 'extension/native/build/Release/arraylens_native.node';
const log = (line: string) => process.stderr.write(`[e2e] ${line}\n`);

function markerLine(file: string, marker: RegExp): number {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const hits = lines.flatMap((l, i) => (marker.test(l) ? [i + 1] : []));
  assert.equal(hits.length, 1, `${file}: expected exactly one ${marker} marker, found ${hits.length}`);
  return hits[0];
}

/** Copies the fixture to a temp workspace and writes its launch.json with the case's absolute paths. */
function prepareWorkspace(c: E2ECase, tmp: string): string {
  const ws = path.join(tmp, c.fixture);
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', c.fixture), ws, { recursive: true });
  const launchFile = path.join(ws, '.vscode', 'launch.json');
  const jsonc = fs.readFileSync(launchFile, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const launch = JSON.parse(jsonc) as { configurations: Record<string, unknown>[] };
  launch.configurations = launch.configurations.map((cfg) => ({ ...cfg, ...c.launchOverrides() }));
  fs.writeFileSync(launchFile, JSON.stringify(launch, null, 2));
  return ws;
}

/** The ArrayLens output channel of the code-server under `tmp`, as written to its logs folder ('' before any line). */
function arrayLensLog(tmp: string): string {
  const logs = path.join(tmp, 'code-server', 'user-data', 'logs');
  if (!fs.existsSync(logs)) return '';
  const files = (fs.readdirSync(logs, { recursive: true }) as string[]).filter((f) => f.endsWith('-ArrayLens.log'));
  return files.map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('');
}

function shapePattern(shape: number[]): RegExp {
  return new RegExp(shape.join('\\s*[×x,]\\s*'));
}

describe('ArrayLens in code-server', () => {
  const vsix = process.env.ARRAYLENS_VSIX ?? path.join(REPO_ROOT, 'arraylens.vsix');
  let tmp = '';
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;

  let vsixHasNativeAddon = false;

  before(async () => {
    assert.ok(fs.existsSync(vsix), `${vsix} missing: run npm run package (or set ARRAYLENS_VSIX)`);
    // Zip entry names are stored uncompressed: enough to know whether the addon was packaged.
    vsixHasNativeAddon = fs.readFileSync(vsix).includes(NATIVE_IN_VSIX);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-e2e-'));
    // Only this suite's screenshots: other suites (webview in Chromium) write to the same folder.
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of fs.readdirSync(ARTIFACTS)) {
      if (SELECTED.some((c) => f.startsWith(`${c.name}-`))) fs.rmSync(path.join(ARTIFACTS, f));
    }
    server = await startCodeServer({ root: path.join(tmp, 'code-server'), vsix, log });
    browser = await launchChromium(path.join(tmp, 'chromium'));
  });

  after(async () => {
    await browser?.close().catch((e: Error) => log(`closing chromium: ${e.message}`));
    await server?.stop();
    if (!tmp) return;
    // Anything still running from our temp folder (a debuggee, a stray chromium helper) is a leak: end it, say so.
    let left = processesMentioning(tmp);
    if (left.length) {
      log(`ending leftover processes ${left.join(', ')}`);
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await sleep(500);
      left = processesMentioning(tmp);
    }
    if (process.env.ARRAYLENS_E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
    assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`);
  });

  // "arraylensNative": true on a Node launch of the built-in JavaScript debugger: ArrayLens attaches lldb-dap to the Node
  // process as a child session (extension/nodeNative.ts); breakpoints in program.js and in the addon's C++ both hit.
  // Its own flow (two stops in two debuggers), so not one of CASES; ARRAYLENS_E2E_CASES=node-addon selects it.
  const NODE_ADDON_SELECTED = !process.env.ARRAYLENS_E2E_CASES || process.env.ARRAYLENS_E2E_CASES.split(',').includes('node-addon');
  if (NODE_ADDON_SELECTED)
    test('node-addon: "arraylensNative": a JS breakpoint, then one in the addon\'s .cc in the attached native session', { timeout: 180_000 }, async () => {
      const addon = path.join(REPO_ROOT, 'test', 'fixtures', 'node', 'addon', 'build', 'Release', 'fixture_addon.node');
      assert.ok(fs.existsSync(addon), `${addon} missing: run bash scripts/setup.d/30-node-fixtures.sh`);
      const ws = path.join(tmp, 'workspace-node-addon');
      fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace-node-addon'), ws, { recursive: true });
      const jsLine = markerLine(path.join(ws, 'program.js'), /\/\/\s*JS-BREAK\b/);
      const ccLine = markerLine(path.join(ws, 'addon', 'addon.cc'), /\/\/\s*BREAK\b/);
      const page = await browser!.newPage();
      const wb = new Workbench(page, ARTIFACTS, 'node-addon', log);
      try {
        await wb.open(server!.url, ws);
        await wb.openFile('addon/addon.cc');
        await wb.goToLine(ccLine);
        await wb.toggleBreakpoint();
        await wb.openFile('program.js');
        await wb.goToLine(jsLine);
        await wb.toggleBreakpoint();
        await wb.screenshot('breakpoints');

        await wb.startDebuggingAndWaitForStop();
        assert.equal(await wb.stoppedLine(), jsLine, 'stopped at the JavaScript breakpoint first');
        const arraysPane = await wb.viewPane('Arrays');
        await wb.waitForRows(arraysPane, (r) => ['image', 'bytes', 'wide'].every((n) => r.some((t) => new RegExp(`(^|\\W)${n}(\\W|$)`).test(t))), 'the JS arrays');
        await wb.screenshot('js-stop');
        const callStack = await wb.viewPane('Call Stack');
        await wb.waitForRows(callStack, (r) => r.some((t) => /Native:/.test(t)), 'the native attach session in the Call Stack', 60_000);
        // The session row shows up before lldb-dap has attached: continuing earlier would run past the addon call.
        // The extension logs when startDebugging of the attach resolved (ArrayLens output channel, written to disk).
        const attachedAt = Date.now() + 60_000;
        while (!arrayLensLog(tmp).includes('the attach session started')) {
          assert.ok(Date.now() < attachedAt, `the native session did not attach within 60 s; ArrayLens log: ${arrayLensLog(tmp)}`);
          await sleep(200);
        }

        // F5 continues the JavaScript session into the addon, where lldb stops the whole process: the native session
        // reports the breakpoint (js-debug keeps showing its last pause: its inspector thread is stopped too).
        await page.keyboard.press('F5');
        const frameRow = new RegExp(`Inspect.*addon\\.cc\\s*${ccLine}\\b`);
        await wb.waitForRows(
          callStack,
          (r) => r.some((t) => /Native:.*breakpoint/i.test(t)) && r.some((t) => frameRow.test(t)),
          "the native session stopped at a breakpoint in the addon's Inspect",
          60_000,
        );
        await wb.screenshot('native-stopped');
        // Selecting the native top frame shows the addon's BREAK line in the editor.
        await callStack.locator('.monaco-list-row', { hasText: /addon\.cc/ }).first().click();
        const until = Date.now() + 30_000;
        let line = NaN;
        while (Date.now() < until) {
          line = await wb.stoppedLine().catch(() => NaN);
          if (line === ccLine) break;
          const problem = await wb.visibleError();
          if (problem) throw new Error(`instead of the native stop: ${problem}`);
          await sleep(200);
        }
        assert.equal(line, ccLine, "the native session's top frame is the addon's BREAK line");
        assert.match(await page.title(), /addon\.cc/, 'the active editor is the addon source');
        const arrays = await wb.waitForRows(arraysPane, (r) => r.length > 0 && !r.some((t) => /Running/.test(t)), 'the Arrays view of the native frame');
        log(`Arrays view at the native stop: ${JSON.stringify(arrays)}`);
        await wb.screenshot('native-stop');
        await wb.stopDebugging();
        const nodeLeft = Date.now() + 20_000;
        while (processesMentioning(ws).length && Date.now() < nodeLeft) await sleep(200);
        assert.deepEqual(processesMentioning(ws), [], 'Shift+F5 ends the Node program and both sessions');
      } catch (e) {
        await wb.screenshot('FAILED').catch(() => undefined);
        throw e;
      } finally {
        await page.close().catch(() => undefined);
      }
    });

  for (const c of SELECTED) {
    test(`${c.name}: breakpoint, Arrays view, inspector values and stats, heatmap, step`, { timeout: 180_000 }, async (t) => {
      const missing = c.prerequisites();
      assert.equal(missing, null, `${c.name}: ${missing}`);
      const ws = prepareWorkspace(c, tmp);
      const line = markerLine(path.join(ws, c.file), c.marker);
      const page = await browser!.newPage();
      const wb = new Workbench(page, ARTIFACTS, c.name, log);
      try {
        await wb.open(server!.url, ws);
        await wb.screenshot('workbench');

        await wb.openFile(c.file);
        await wb.goToLine(line);
        await wb.toggleBreakpoint();
        await wb.screenshot('breakpoint');

        await wb.startDebuggingAndWaitForStop();
        assert.equal(await wb.stoppedLine(), line, 'stopped on the BREAK line');
        await wb.screenshot('stopped');

        const arraysPane = await wb.viewPane('Arrays');
        const rows = await wb.waitForRows(
          arraysPane,
          (r) => c.arrays.every((a) => r.some((t) => t.includes(a.name))),
          `Arrays view listing ${c.arrays.map((a) => a.name).join(', ')}`,
        );
        for (const a of c.arrays) {
          const row = rows.find((t) => new RegExp(`(^|\\W)${a.name}(\\W|$)`).test(t));
          assert.ok(row, `Arrays view has no row for ${a.name}: ${JSON.stringify(rows)}`);
          assert.match(row, new RegExp(`\\b${a.dtype}\\b`), `${a.name}: dtype ${a.dtype} shown`);
          assert.match(row, shapePattern(a.shape), `${a.name}: shape ${a.shape.join('x')} shown`);
          if (a.alias) assert.match(row, new RegExp(`⇄ .*${a.alias.source}`), `${a.name}: alias shown in the description`);
        }
        await wb.screenshot('arrays-view');
        const aliased = c.arrays.find((a) => a.alias);
        if (aliased) {
          // The row's tooltip spells the alias out next to a link icon.
          await wb.treeRow(arraysPane, aliased.name).hover();
          const hover = wb.page.locator('.monaco-hover', { hasText: 'Same bytes as' }).first();
          await hover.waitFor({ state: 'visible', timeout: 15_000 });
          assert.match(await hover.innerText(), aliased.alias!, `${aliased.name}: tooltip names the alias`);
          assert.equal(await hover.locator('.codicon-link').count(), 1, 'the tooltip shows a link icon');
          await wb.screenshot('arrays-alias-tooltip');
        }

        const atStop = expectation(c.atStop);
        const afterStep = expectation(c.afterStep);
        const row = wb.treeRow(arraysPane, c.inspect);
        await wb.clickInlineAction(row, 'Open in Array Inspector');
        const inspector = new InspectorPage(wb);
        await inspector.waitForStat(atStop.stat, `${c.inspect} at the stop`);
        const dtype = c.arrays.find((a) => a.name === c.inspect)!.dtype;
        assert.match(await inspector.headerText(), new RegExp(`\\b${dtype}\\b`), 'inspector header shows the dtype');
        await wb.screenshot('inspector');
        const caption = await inspector.statsCaption();

        await inspector.showGrid();
        await inspector.waitForCell(atStop.value, `${c.inspect} at the stop`);
        await wb.screenshot('inspector-grid');

        const picture = c.picture ?? 'heatmap';
        if (picture === 'heatmap') await inspector.showHeatmap();
        else await inspector.showLinePlot();
        await wb.screenshot(`inspector-${picture}`);

        const next = await wb.stepOver();
        assert.equal(next, line + 1, 'F10 moved to the next line');
        // The panel must follow the new stop, whether or not the values changed (a Rust step leaves them as they were).
        await inspector.waitForStopNumber(2, `${c.inspect} after F10`);
        await inspector.waitForStat(afterStep.stat, `${c.inspect} after F10`);
        await inspector.waitForStatsDone(`${c.inspect} after F10`);
        await wb.screenshot(`after-step-${picture}`);
        await inspector.showGrid();
        await inspector.waitForCell(afterStep.value, `${c.inspect} after F10`);
        await wb.screenshot('after-step-grid');

        await wb.stopDebugging();

        // The .vsix carries the native addon when it was built here; the installed extension must then load it.
        await t.test('stats come from the packaged native kernels', () => {
          if (!vsixHasNativeAddon) {
            log(`${path.basename(vsix)} has no native addon: the JS kernels are the expected ones (${caption})`);
            return;
          }
          assert.doesNotMatch(
            caption,
            /\bjs kernels\b/,
            `the .vsix contains ${NATIVE_IN_VSIX} but the stats ran on JS kernels: ${caption}`,
          );
        });
      } catch (e) {
        await wb.screenshot('FAILED').catch(() => undefined);
        throw e;
      } finally {
        await page.close().catch(() => undefined);
      }
    });
  }
});
