// The Array Inspector in a real VS Code (code-server + Chromium, the harness of the code-server suites): the
// 8192 x 8192 float32 `big` of test/fixtures/python/inspector_big.py stopped under the `arraylens` launch type
// (debugpy), then "Open in Array Inspector" from the Arrays view, three times. For each: the heatmap's first (coarse)
// and full picture, on the webview's own clock (its document's performance.timeOrigin + the heatmap's marks, see
// webview/heatmap.ts), measured from the click and from the moment VS Code created the panel's document. Issue 16's
// budgets beside them: 300 ms to the first picture, 800 ms to the full one. Needs the .vsix (ARRAYLENS_VSIX, else
// arraylens.vsix: `npm run package`) and code-server (`npm run setup`).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { launchChromium } from '../test/e2e/harness/browser';
import { REPO_ROOT, arrayLensLog, findCodeServer, startCodeServer } from '../test/e2e/harness/codeServer';
import { writeLaunch } from '../test/e2e/harness/extensions';
import { Workbench } from '../test/e2e/harness/workbench';
import { markerLine } from '../test/helpers/env';
import { median } from './soakSummary';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'inspector_big.py');
const ROUNDS = 3;

interface Marks {
  /** Epoch ms of the webview document's start (its performance.timeOrigin). */
  origin: number;
  first: number;
  full: number;
  dcl: number;
  /** When the stop's state (with the first picture's sample) reached the page. */
  state: number;
}

export async function run(): Promise<void> {
  const vsix = process.env.ARRAYLENS_VSIX ?? path.join(REPO_ROOT, 'arraylens.vsix');
  if (!fs.existsSync(vsix)) {
    console.log(`skipped: ${vsix} missing (npm run package, or set ARRAYLENS_VSIX)`);
    return;
  }
  try {
    findCodeServer();
  } catch (e) {
    console.log(`skipped: ${(e as Error).message}`);
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-bench-vscode-'));
  const quiet = (): undefined => undefined;
  const root = path.join(tmp, 'code-server');
  const server = await startCodeServer({ root, vsix, log: quiet });
  const browser = await launchChromium(path.join(tmp, 'chromium'));
  try {
    const ws = path.join(tmp, 'ws');
    fs.mkdirSync(ws, { recursive: true });
    fs.copyFileSync(FIXTURE, path.join(ws, 'inspector_big.py'));
    writeLaunch(ws, [{ type: 'arraylens', request: 'launch', name: 'big', program: '${workspaceFolder}/inspector_big.py', cwd: '${workspaceFolder}', python: PY }]);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1600, height: 1000 });
    const wb = new Workbench(page, tmp, 'bench', quiet);
    await wb.open(server.url, ws);
    await wb.openFile('inspector_big.py');
    await wb.goToLine(markerLine(FIXTURE, '# BREAK big'));
    await wb.toggleBreakpoint();
    await wb.startDebuggingAndWaitForStop(180_000);
    const arrays = await wb.viewPane('Arrays');
    await wb.waitForRows(arrays, (r) => r.some((t) => t.startsWith('big ')), "the Arrays view's row for big", 120_000);
    console.log('array: big float32 8192x8192 (256 MiB), arraylens launch type (debugpy), code-server + Chromium, viewport 1600x1000');
    const rows: { click: number; m: Marks }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const click = Date.now();
      await wb.clickInlineAction(wb.treeRow(arrays, 'big'), 'Open in Array Inspector');
      const heat = wb.webview().locator('#heatmap[data-full-picture-at]');
      await heat.waitFor({ state: 'attached', timeout: 120_000 });
      const m = await heat.evaluate((c: HTMLElement): Marks => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
        return {
          origin: performance.timeOrigin,
          first: Number(c.dataset.firstPictureAt),
          full: Number(c.dataset.fullPictureAt),
          dcl: nav?.domContentLoadedEventEnd ?? NaN,
          state: Number(document.documentElement.dataset.stateAt),
        };
      });
      rows.push({ click, m });
      const fromClick = (t: number): number => m.origin + t - click;
      console.log(
        `round ${round + 1}: panel document started ${(m.origin - click).toFixed(0)} ms after the click (DOMContentLoaded +${m.dcl.toFixed(0)} ms, ` +
          `the stop's state in +${m.state.toFixed(0)} ms); ` +
          `first picture ${fromClick(m.first).toFixed(0)} ms after the click / ${m.first.toFixed(0)} ms after the panel's document started ` +
          `(budget 300 ms: ${(m.first / 300).toFixed(2)}x); full ${fromClick(m.full).toFixed(0)} / ${m.full.toFixed(0)} ms (budget 800 ms: ${(m.full / 800).toFixed(2)}x)`,
      );
      await wb.runCommand('View: Close Editor');
      await wb.webview().locator('#heatmap').waitFor({ state: 'detached', timeout: 30_000 }).catch(() => undefined);
    }
    console.log(
      `median of ${ROUNDS}: first picture ${median(rows.map((r) => r.m.first)).toFixed(0)} ms, full ${median(rows.map((r) => r.m.full)).toFixed(0)} ms after the panel's document started; ` +
        `${median(rows.map((r) => r.m.origin + r.m.first - r.click)).toFixed(0)} / ${median(rows.map((r) => r.m.origin + r.m.full - r.click)).toFixed(0)} ms after the click`,
    );
    // What the extension host logged for each open (InspectorPanel.refresh: describe + the first picture's sample).
    for (const l of arrayLensLog(root).split('\n')) if (l.includes('[inspector big]')) console.log(`extension host: ${l.trim()}`);
    await wb.stopDebugging().catch(() => undefined);
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
