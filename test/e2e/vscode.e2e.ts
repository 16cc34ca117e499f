// The packaged extension in a real VS Code (code-server), driven in Chromium as a user would: breakpoint, F5,
// the Arrays view, the Array Inspector webview, the heatmap, F10. Run by scripts/test.d/50-e2e-vscode.sh.
// Each debugger is one entry of CASES; a screenshot of every step goes to test/artifacts/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, Locator } from 'playwright-core';
import { launchChromium } from './harness/browser';
import { CodeServer, REPO_ROOT, arrayLensLog, processesMentioning, sleep, startCodeServer } from './harness/codeServer';
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

/** The node-addon case (its own flow, below): selected by ARRAYLENS_E2E_CASES=node-addon, or when no case is named. */
const NODE_ADDON_SELECTED = !process.env.ARRAYLENS_E2E_CASES || process.env.ARRAYLENS_E2E_CASES.split(',').includes('node-addon');

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

/**
 * Hovers the row labelled `label` until its tooltip containing `text` shows (a redraw of the tree under the pointer
 * drops a hover that was opening: move away and hover again); returns the tooltip.
 */
async function rowTooltip(wb: Workbench, pane: Locator, label: string, text: string): Promise<Locator> {
  const hover = wb.page.locator('.monaco-hover', { hasText: text }).first();
  const until = Date.now() + 20_000;
  for (;;) {
    await wb.page.mouse.move(1, 1);
    await wb.hoverRow(wb.treeRow(pane, label));
    if (await hover.waitFor({ state: 'visible', timeout: 4_000 }).then(() => true, () => false)) return hover;
    if (Date.now() > until) throw new Error(`no tooltip with '${text}' over the row '${label}' within 20 s`);
  }
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
      if (SELECTED.some((c) => f.startsWith(`${c.name}-`)) || (NODE_ADDON_SELECTED && f.startsWith('node-addon-'))) fs.rmSync(path.join(ARTIFACTS, f));
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
  // process as a child session (extension/nodeNative.ts); breakpoints in program.js and in the addon's C++ both hit, and
  // each side's arrays are marked with the other side's over the same bytes (src/pairing/pairedSource.ts).
  // Its own flow (three stops in two debuggers), so not one of CASES; ARRAYLENS_E2E_CASES=node-addon selects it.
  if (NODE_ADDON_SELECTED)
    test('node-addon: "arraylensNative": a JS breakpoint, one in the addon\'s .cc in the attached native session, one after the call; aliases both ways', { timeout: 240_000 }, async () => {
      const addon = path.join(REPO_ROOT, 'test', 'fixtures', 'node', 'addon', 'build', 'Release', 'fixture_addon.node');
      assert.ok(fs.existsSync(addon), `${addon} missing: run bash scripts/setup.d/30-node-fixtures.sh`);
      const ws = path.join(tmp, 'workspace-node-addon');
      fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'workspace-node-addon'), ws, { recursive: true });
      const jsLine = markerLine(path.join(ws, 'program.js'), /\/\/\s*JS-BREAK\b/);
      const afterLine = markerLine(path.join(ws, 'program.js'), /\/\/\s*JS-AFTER\b/);
      const ccLine = markerLine(path.join(ws, 'addon', 'addon.cc'), /\/\/\s*BREAK\b/);
      const page = await browser!.newPage();
      const wb = new Workbench(page, ARTIFACTS, 'node-addon', log);
      const rowOf = (rows: string[], name: string) => rows.find((t) => new RegExp(`^${escapeRe(name)}(\\s|$)`).test(t));
      try {
        await wb.open(server!.url, ws);
        await wb.openFile('addon/addon.cc');
        await wb.goToLine(ccLine);
        await wb.toggleBreakpoint();
        await wb.openFile('program.js');
        await wb.goToLine(jsLine);
        await wb.toggleBreakpoint();
        await wb.goToLine(afterLine);
        await wb.toggleBreakpoint();
        await wb.screenshot('breakpoints');

        await wb.startDebuggingAndWaitForStop();
        assert.equal(await wb.stoppedLine(), jsLine, 'stopped at the JavaScript breakpoint first');
        // Room for every row of the Arrays view (a tree draws only the rows in sight).
        await wb.collapsePanes(['Variables', 'Watch']);
        const arraysPane = await wb.viewPane('Arrays');
        const jsRows = await wb.waitForRows(arraysPane, (r) => ['image', 'pool', 'bytes', 'raw', 'wide'].every((n) => rowOf(r, n)), 'the JS arrays');
        // Marks within the JS listing (bytes is a subarray of pool) are expected; none from the native side yet.
        assert.deepEqual(jsRows.filter((t) => t.includes('(native at ')), [], 'no native marks at the first JS stop: the addon has shown nothing yet');
        await wb.screenshot('js-stop');

        // The attach takes a second or two after the Node process starts; F5 before it would run past the addon call.
        // lldb binds the addon.cc breakpoint once attached (the addon is loaded by then): the Breakpoints view shows it
        // verified with the column lldb resolved. Before any answer VS Code shows it plain, lldb's first answer (before
        // the attach) is unverified without a column, so the column is the sign.
        const breakpoints = await wb.viewPane('Breakpoints');
        const ccBreakpoint = breakpoints.locator('.monaco-list-row', { hasText: 'addon.cc' }).first();
        const boundAt = Date.now() + 60_000;
        for (;;) {
          const text = (await ccBreakpoint.innerText().catch(() => '')).replace(/\s+/g, ' ');
          const unverified = await ccBreakpoint.locator('.codicon-debug-breakpoint-unverified').count();
          if (new RegExp(`\\b${ccLine}:\\d+\\b`).test(text) && unverified === 0) {
            log(`addon.cc breakpoint bound by lldb: '${text}'`);
            break;
          }
          assert.ok(Date.now() < boundAt, `the addon.cc breakpoint was not bound by the native session within 60 s ('${text}'); ArrayLens log: ${arrayLensLog(path.join(tmp, 'code-server'))}`);
          await sleep(200);
        }
        await wb.screenshot('native-attached');

        // F5 continues the JavaScript session into the addon, where lldb stops the whole process. VS Code may keep the
        // JavaScript session focused (js-debug may not even hear that Node went on), yet the Arrays view follows the
        // session that stopped: the addon's wrappers and its bare pointers into the JS arrays, each naming its JS alias.
        await page.keyboard.press('F5');
        const callStack = await wb.viewPane('Call Stack');
        await wb.waitForRows(callStack, (r) => r.some((t) => /Native:.*breakpoint/i.test(t)), 'the native session paused on a breakpoint', 60_000);
        await wb.collapsePanes(['Call Stack', 'Breakpoints']); // lldb lists every thread of Node: room for the arrays
        const at = `node at program.js:${jsLine}`;
        const expected: Record<string, RegExp> = {
          image: new RegExp(`float32 \\(3072,\\).*⇄ image \\(${escapeRe(at)}\\)`),
          'imageData as float32[3072]': new RegExp(`float32 \\(3072,\\).*⇄ image \\(${escapeRe(at)}\\)`),
          'byteData as uint8[1000]': new RegExp(`uint8 \\(1000,\\).*⇄ (pool, bytes|bytes, pool) \\(${escapeRe(at)}\\)`),
          'rawWords as int32[256]': new RegExp(`int32 \\(256,\\).*⇄ raw \\(${escapeRe(at)}\\)`),
          'wideData as int64[3]': new RegExp(`int64 \\(3,\\).*⇄ wide \\(${escapeRe(at)}\\)`),
        };
        const nativeRows = await wb.waitForRows(
          arraysPane,
          (r) => Object.keys(expected).every((n) => rowOf(r, n)),
          "the Arrays view of the addon's frame (without selecting it in the Call Stack)",
          30_000,
        );
        log(`Arrays view at the native stop: ${JSON.stringify(nativeRows)}`);
        for (const [name, re] of Object.entries(expected)) assert.match(rowOf(nativeRows, name)!, re, `${name}: dtype, shape and its JS alias`);
        await wb.screenshot('native-arrays');
        const hover = await rowTooltip(wb, arraysPane, 'imageData as float32[3072]', 'Same bytes as');
        const hoverText = (await hover.innerText()).replace(/\s+/g, ' ');
        assert.match(hoverText, new RegExp(`Same bytes as image \\(${escapeRe(at)}\\)`), 'the tooltip names the JS alias and where JS was stopped');
        assert.match(hoverText, /float \* into image \(node\)/, 'the tooltip says which JS array gave the pointer its extent');
        assert.equal(await hover.locator('.codicon-link').count(), 1, 'the tooltip shows a link icon');
        await wb.screenshot('native-alias-tooltip');

        // Selecting the native top frame shows the addon's BREAK line (expanding the native session when VS Code left
        // it collapsed) and lets F5 continue the native session.
        await wb.viewPane('Call Stack');
        const frameRow = callStack.locator('.monaco-list-row', { hasText: /addon\.cc/ }).first();
        if (!(await frameRow.isVisible())) await callStack.locator('.monaco-list-row', { hasText: /Native:/ }).first().click();
        await frameRow.waitFor({ state: 'visible', timeout: 30_000 });
        await frameRow.click();
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
        await wb.screenshot('native-stop');

        // The Array Inspector of the pointer row: the header names the JS alias too; the values are the JS image's.
        await wb.clickInlineAction(wb.treeRow(arraysPane, 'imageData as float32[3072]'), 'Open in Array Inspector');
        const inspector = new InspectorPage(wb);
        await inspector.waitForStat({ key: 'max', value: num('25') }, 'imageData at the native stop');
        await inspector.waitForStat({ key: 'min', value: num('-25') }, 'imageData at the native stop');
        const aliasBadge = wb.webview().locator('#aliases');
        assert.equal((await aliasBadge.innerText()).trim(), `⇄ image (${at})`, 'the inspector header names the JS alias');
        await wb.screenshot('native-inspector');

        // F5 in the native session: the program returns to JavaScript and stops after the call. The JS arrays are marked
        // with the addon's views of its last stop (where they were seen: the BREAK line).
        await wb.page.keyboard.press('F5');
        await wb.collapsePanes(['Call Stack']);
        const nativeAt = `native at addon.cc:${ccLine}`;
        const afterRows = await wb.waitForRows(
          arraysPane,
          (r) => !!rowOf(r, 'image')?.includes(nativeAt) && !rowOf(r, 'imageData as float32[3072]'),
          'the JS arrays after the call, marked with the addon views of its last stop',
          60_000,
        );
        log(`Arrays view after the call: ${JSON.stringify(afterRows)}`);
        assert.match(rowOf(afterRows, 'image')!, new RegExp(`⇄ image, imageData as float32\\[3072\\] \\(${escapeRe(nativeAt)}\\)`));
        assert.match(rowOf(afterRows, 'bytes')!, new RegExp(`⇄ bytes, byteData as uint8\\[1000\\] \\(${escapeRe(nativeAt)}\\)`));
        assert.match(rowOf(afterRows, 'raw')!, new RegExp(`⇄ rawWords as int32\\[256\\] \\(${escapeRe(nativeAt)}\\)`));
        await wb.viewPane('Call Stack');
        await wb.waitForRows(callStack, (r) => r.some((t) => new RegExp(`program\\.js\\s*${afterLine}:`).test(t)), 'the JS session paused after the call', 30_000);
        await wb.collapsePanes(['Call Stack']);
        const jsHover = await rowTooltip(wb, arraysPane, 'image', 'Same bytes as');
        assert.match((await jsHover.innerText()).replace(/\s+/g, ' '), new RegExp(`Same bytes as image, imageData as float32\\[3072\\] \\(${escapeRe(nativeAt)}\\).*last stop`));
        await wb.screenshot('js-after-aliases');
        // The inspector of the JS array says the same.
        await wb.clickInlineAction(wb.treeRow(arraysPane, 'image'), 'Open in Array Inspector');
        const jsBadge = `⇄ image, imageData as float32[3072] (${nativeAt})`;
        const badgeUntil = Date.now() + 30_000;
        let badge = '';
        while (badge !== jsBadge) {
          assert.ok(Date.now() < badgeUntil, `the JS image's inspector header: '${badge}', expected '${jsBadge}'`);
          await sleep(250);
          badge = (await wb.webview().locator('#aliases').innerText({ timeout: 1000 }).catch(() => '')).trim();
        }
        await new InspectorPage(wb).waitForStat({ key: 'max', value: num('25') }, 'image after the call');
        await wb.screenshot('js-after-inspector');

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
          await wb.hoverRow(wb.treeRow(arraysPane, aliased.name));
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
