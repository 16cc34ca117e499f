// The packaged extension in a real VS Code (code-server), driven in Chromium as a user would: breakpoint, F5,
// the Arrays view, the Array Inspector webview, the heatmap, F10. Run by scripts/test.d/50-e2e-vscode.sh.
// Each debugger is one entry of CASES; a screenshot of every step goes to test/artifacts/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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
  atStop: InspectorExpectation;
  afterStep: InspectorExpectation;
}

/** A number as shown ("5.5", "5.50", "11", "11.0"), the whole text of a cell. */
const num = (v: string) => new RegExp(`^\\s*${v.includes('.') ? `${v.replace('.', '\\.')}0*` : `${v}(\\.0*)?`}\\s*$`);

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
  // Next: { name: 'python+rust', fixture: 'workspace-mixed', file: 'src/lib.rs', marker: /\/\/\s*BREAK\b/, ... }
  // and { name: 'node', fixture: 'workspace-node', ... } with a launch config of the built-in "node" type.
];

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
      if (CASES.some((c) => f.startsWith(`${c.name}-`))) fs.rmSync(path.join(ARTIFACTS, f));
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

  for (const c of CASES) {
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
        }
        await wb.screenshot('arrays-view');

        const row = wb.treeRow(arraysPane, c.inspect);
        await wb.clickInlineAction(row, 'Open in Array Inspector');
        const inspector = new InspectorPage(wb);
        await inspector.waitForStat(c.atStop.stat, `${c.inspect} at the stop`);
        const dtype = c.arrays.find((a) => a.name === c.inspect)!.dtype;
        assert.match(await inspector.headerText(), new RegExp(`\\b${dtype}\\b`), 'inspector header shows the dtype');
        await wb.screenshot('inspector');
        const caption = await inspector.statsCaption();

        await inspector.showGrid();
        await inspector.waitForCell(c.atStop.value, `${c.inspect} at the stop`);
        await wb.screenshot('inspector-grid');

        await inspector.showHeatmap();
        await wb.screenshot('inspector-heatmap');

        const next = await wb.stepOver();
        assert.equal(next, line + 1, 'F10 moved to the next line');
        await inspector.waitForStat(c.afterStep.stat, `${c.inspect} after F10`);
        await wb.screenshot('after-step-heatmap');
        await inspector.showGrid();
        await inspector.waitForCell(c.afterStep.value, `${c.inspect} after F10`);
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
