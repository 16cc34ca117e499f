// Where ArrayLens's views sit in a real VS Code (code-server + Chromium), fresh profile: an `arraylens` Python launch
// stops at a breakpoint and the Arrays view's rows are on screen without the user expanding a pane, while the editor
// keeps the keyboard (a key pressed after the stop moves the editor's cursor). The Variables view shows arrays as
// summaries (dtype[shape] ∈[min, max]). Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): run with
// node --test out/test/e2e/views_visible.e2e.js. Screenshots: test/artifacts/views-visible-*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fs from 'fs';
import * as path from 'path';
import { Locator, Page } from 'playwright-core';
import { REPO_ROOT, sleep } from './harness/codeServer';
import { writeLaunch } from './harness/extensions';
import { codeServerSuite, onPage } from './harness/suite';
import { markerLine } from '../helpers/env';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'python', 'ride_arrays.py');
const log = (line: string): boolean => process.stderr.write(`[e2e-views-visible] ${line}\n`);

/** A side-bar pane by title, as it is (never clicked). */
function paneOf(page: Page, title: string): Locator {
  return page.locator('.pane', { has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^${title}$`, 'i') }) }).first();
}

/** Rows of `pane` whose boxes lie inside the window and inside the pane's body (drawn where a user sees them). */
async function rowsOnScreen(page: Page, pane: Locator): Promise<string[]> {
  const vp = page.viewportSize()!;
  const body = await pane.locator('.pane-body').boundingBox();
  if (!body || body.height < 1) return [];
  const out: string[] = [];
  for (const row of await pane.locator('.pane-body .monaco-list-row').all()) {
    const b = await row.boundingBox();
    if (!b || b.height < 1) continue;
    const inside = b.y >= body.y - 1 && b.y + b.height <= body.y + body.height + 1 && b.y >= 0 && b.y + b.height <= vp.height;
    if (inside) out.push(((await row.textContent()) ?? '').replace(/\s+/g, ' ').trim());
  }
  return out;
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  let v = await read();
  while (!ok(v)) {
    if (Date.now() > until) throw new Error(`${what}: not seen within ${timeoutMs} ms; last: ${JSON.stringify(v)}`);
    await sleep(250);
    v = await read();
  }
  return v;
}

/** At a stop on `line`: the Arrays pane expanded with rows drawn on screen, and the keyboard still in the editor. */
async function assertArraysShownEditorFocused(page: Page, line: number, what: string): Promise<void> {
  // No pane is clicked: the rows must be drawn inside the Arrays pane's body, inside the window.
  const arrays = paneOf(page, 'Arrays');
  await arrays.waitFor({ timeout: 60_000 });
  const rows = await poll(() => rowsOnScreen(page, arrays), (r) => r.some((t) => t.startsWith('f32')), `${what}: the Arrays view's f32 row on screen`, 60_000);
  log(`${what}: Arrays rows on screen: ${JSON.stringify(rows)}`);
  assert.equal(await arrays.locator('.pane-header').getAttribute('aria-expanded'), 'true', `${what}: the Arrays pane is expanded`);
  assert.ok(rows.length >= 3, `${what}: several array rows are visible, not one squeezed line: ${JSON.stringify(rows)}`);
  // The keyboard stayed in the editor: End moves its cursor (the status bar's column).
  const focusIn = await page.evaluate(() => {
    const a = document.activeElement;
    return a?.closest('.editor-instance') ? 'editor' : a?.closest('.pane') ? `pane ${a.closest('.pane')?.querySelector('h3.title')?.textContent}` : (a?.tagName ?? 'none');
  });
  assert.equal(focusIn, 'editor', `${what}: keyboard focus is in the editor after the stop`);
  await page.keyboard.press('Home');
  await page.keyboard.press('End');
  const want = `Ln ${line}, Col ${fs.readFileSync(FIXTURE, 'utf8').split('\n')[line - 1].length + 1}`;
  await page.locator('.statusbar-item', { hasText: want }).first().waitFor({ timeout: 10_000 });
}

describe('ArrayLens views at the first stop, fresh profile (code-server)', () => {
  const suite = codeServerSuite({
    name: 'views-visible',
    log,
    requires: [[PY, 'run npm run setup']],
    artifactsPrefix: 'views-visible-',
    settings: () => ({ 'arraylens.python': PY }),
  });

  test('an arraylens Python launch stops: Arrays rows on screen, the editor keeps the keyboard, Variables summarised', { timeout: 300_000 }, async () => {
    const ws = path.join(suite.tmp, 'ws');
    writeLaunch(ws, [{ name: 'ArrayLens: Python', type: 'arraylens', request: 'launch', program: '${workspaceFolder}/ride_arrays.py' }]);
    fs.copyFileSync(FIXTURE, path.join(ws, 'ride_arrays.py'));
    await onPage(suite, 'views-visible', log, async (wb, page) => {
      await wb.open(suite.server.url, ws);
      const line = markerLine(FIXTURE, '# BREAK');
      await wb.openFile('ride_arrays.py');
      await wb.goToLine(line);
      await wb.toggleBreakpoint();
      await wb.screenshot('before');
      await wb.startDebuggingAndWaitForStop(120_000);
      await assertArraysShownEditorFocused(page, line, 'first session');

      // The Variables view reads arrays as summaries (Locals expanded as a user would, after the focus check).
      const variables = paneOf(page, 'Variables');
      const locals = variables.locator('.pane-body .monaco-list-row', { hasText: /^\s*Locals\s*$/ }).first();
      if ((await locals.getAttribute('aria-expanded')) === 'false') await locals.click();
      const vrows = await poll(
        async () => (await variables.locator('.pane-body .monaco-list-row').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
        (r) => r.some((t) => /^f32\s*[:=]?\s*float32\[64, 48\] ∈\[/.test(t)),
        'f32 summarised in the Variables view',
        60_000,
      );
      log(`Variables rows: ${JSON.stringify(vrows)}`);
      await wb.screenshot('stopped');
      await wb.stopDebugging();

      // The user collapses the Arrays pane; the next session's first stop with arrays shows it again.
      const header = paneOf(page, 'Arrays').locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
      await poll(async () => header.getAttribute('aria-expanded'), (v) => v === 'false', 'the Arrays pane collapsed', 10_000);
      await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await wb.goToLine(line);
      await wb.screenshot('collapsed-before-second-session');
      await wb.startDebuggingAndWaitForStop(120_000);
      await assertArraysShownEditorFocused(page, line, 'second session, pane collapsed before');
      await wb.screenshot('second-session');
      await wb.stopDebugging();
    });
  });
});
