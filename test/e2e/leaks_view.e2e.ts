// The Leaks view in a real VS Code (code-server + Chromium), as a user would: breakpoints at FROM and TO of the
// cache fixture, F5, the Leaks pane snapshots the first stop, F5 again, the pane lists the cached arrays by site with
// count and bytes (nothing at the freed temporaries), and a click opens the allocation site. Needs a .vsix
// (ARRAYLENS_VSIX, else arraylens.vsix): run with node --test out/test/e2e/leaks_view.e2e.js.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext } from 'playwright-core';
import { launchChromium } from './harness/browser';
import { CodeServer, REPO_ROOT, processesMentioning, sleep, startCodeServer } from './harness/codeServer';
import { Workbench } from './harness/workbench';

const ARTIFACTS = path.join(REPO_ROOT, 'test', 'artifacts');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'leaks', 'cache_leak.py');
const log = (line: string): boolean => process.stderr.write(`[e2e-leaks] ${line}\n`);

function markerLine(file: string, marker: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, `${file}: no ${marker}`);
  return i + 1;
}

describe('Leaks view in code-server', () => {
  const vsix = process.env.ARRAYLENS_VSIX ?? path.join(REPO_ROOT, 'arraylens.vsix');
  let tmp = '';
  let server: CodeServer | undefined;
  let browser: BrowserContext | undefined;

  before(async () => {
    assert.ok(fs.existsSync(vsix), `${vsix} missing: run npm run package (or set ARRAYLENS_VSIX)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'arraylens-e2e-leaks-'));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    server = await startCodeServer({ root: path.join(tmp, 'code-server'), vsix, log });
    browser = await launchChromium(path.join(tmp, 'chromium'));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (!tmp) return;
    const left = processesMentioning(tmp);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(300);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], `processes left behind: ${left.join(', ')}`);
  });

  test('snapshot at the first stop, the cached arrays by site at the second, click opens the site', { timeout: 240_000 }, async () => {
    const ws = path.join(tmp, 'ws');
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.copyFileSync(FIXTURE, path.join(ws, 'cache_leak.py'));
    const launch = {
      version: '0.2.0',
      configurations: [
        { type: 'arraylens', request: 'launch', name: 'ArrayLens: cache_leak.py', program: '${workspaceFolder}/cache_leak.py', cwd: '${workspaceFolder}', python: path.join(REPO_ROOT, '.venv', 'bin', 'python') },
      ],
    };
    fs.writeFileSync(path.join(ws, '.vscode', 'launch.json'), JSON.stringify(launch, null, 2));
    const file = path.join(ws, 'cache_leak.py');
    const from = markerLine(file, 'BREAK FROM');
    const to = markerLine(file, 'BREAK TO');
    const cacheSite = markerLine(file, 'SITE cache');

    const page = await browser!.newPage();
    const wb = new Workbench(page, ARTIFACTS, 'leaks', log);
    try {
      await wb.open(server!.url, ws);
      await wb.openFile('cache_leak.py');
      for (const line of [from, to]) {
        await wb.goToLine(line);
        await wb.toggleBreakpoint();
      }
      await wb.startDebuggingAndWaitForStop();
      assert.equal(await wb.stoppedLine(), from, 'stopped at FROM');

      const pane = await wb.viewPane('Leaks');
      await wb.waitForRows(pane, (r) => r.some((t) => /Snapshot taken at stop 1/.test(t)), 'Leaks view: snapshot at stop 1');
      await wb.screenshot('leaks-first-stop');

      await page.keyboard.press('F5');
      const until = Date.now() + 60_000;
      while ((await wb.stoppedLine().catch(() => NaN)) !== to) {
        assert.ok(Date.now() < until, 'no stop at TO within 60 s');
        await sleep(200);
      }
      const rows = await wb.waitForRows(pane, (r) => r.some((t) => t.startsWith(`cache_leak.py:${cacheSite}`)), 'Leaks view: the cache site at stop 2');
      log(`rows: ${JSON.stringify(rows)}`);
      const row = rows.find((t) => t.startsWith(`cache_leak.py:${cacheSite}`))!;
      assert.match(row, /\b5 ×/, 'five arrays');
      assert.match(row, /19\.5 KiB/, '5 x 4000 bytes');
      assert.ok(rows.some((t) => /^New since stop 1\b/.test(t)), 'new-arrays section');
      assert.ok(!rows.some((t) => t.startsWith(`cache_leak.py:${markerLine(file, 'SITE temporary')}`)), 'nothing at the freed temporaries');
      await wb.screenshot('leaks-second-stop');

      // Click: the editor goes to the allocation site.
      await wb.treeRow(pane, `cache_leak.py:${cacheSite}`).click();
      const status = page.locator('.statusbar-item', { hasText: new RegExp(`^\\s*Ln ${cacheSite}, Col 1\\b`) });
      await status.first().waitFor({ timeout: 15_000 });
      await wb.screenshot('leaks-open-site');
      await wb.stopDebugging();
    } catch (e) {
      await wb.screenshot('FAILED').catch(() => undefined);
      throw e;
    } finally {
      await page.close().catch(() => undefined);
    }
  });
});
