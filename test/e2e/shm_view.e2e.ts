// Two debugged processes over one shared-memory segment and one mapped file, in a real VS Code (code-server +
// Chromium): the Python Debugger's sessions (debugpy, through the test-only stand-in) of shm_owner.py and shm_user.py,
// both stopped; the Arrays view marks each row over bytes the other process shows too with that process's names and
// pid, and marks again when the other process goes away or stops elsewhere. An on-request row (a Pillow image) shows
// its dtype and shape once opened. Needs a .vsix (ARRAYLENS_VSIX, else arraylens.vsix): node --test
// out/test/e2e/shm_view.e2e.js. Screenshots: test/artifacts/shm-view-*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as fs from 'fs';
import * as path from 'path';
import { Locator } from 'playwright-core';
import { REPO_ROOT, sleep } from './harness/codeServer';
import { writeLaunch } from './harness/extensions';
import { ARTIFACTS, Suite, codeServerSuite, onPage } from './harness/suite';
import { Workbench } from './harness/workbench';
import { markerLine } from '../helpers/env';

const PY = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'python');
const OWNER = path.join(FIXTURES, 'shm_owner.py');
const USER = path.join(FIXTURES, 'shm_user.py');
const COMPUTED = path.join(FIXTURES, 'computed.py');
const STAND_IN = path.join(REPO_ROOT, 'test', 'e2e', 'extensions', 'debugpy');
const log = (line: string): boolean => process.stderr.write(`[e2e-shm-view] ${line}\n`);

/** The row of `rows` for array `name` (its label, then a space). */
const rowOf = (rows: string[], name: string): string => rows.find((t) => t.startsWith(`${name} `)) ?? '';

/** The pid the Arrays view names in its description (the process whose arrays it lists). */
async function listedPid(pane: Locator, other?: number, timeoutMs = 30_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < until) {
    text = ((await pane.locator('.pane-header .description').first().innerText().catch(() => '')) ?? '').trim();
    const m = /^pid (\d+)$/.exec(text);
    if (m && Number(m[1]) !== other) return Number(m[1]);
    await sleep(200);
  }
  throw new Error(`the Arrays view's description was '${text}', not the pid of ${other ? 'another' : 'a'} process`);
}

/** The program a pid runs, from its command line (checks what the view says against the system). */
function programOf(pid: number): string {
  return path.basename(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('.py')) ?? '');
}

let suite: Suite;

describe('Arrays view: arrays of two debugged processes over one shared-memory segment and one mapped file', () => {
  suite = codeServerSuite({
    name: 'shm-view',
    log,
    requires: [[PY, 'run npm run setup']],
    artifactsPrefix: 'shm-view-',
    standIns: [STAND_IN],
    settings: () => ({ 'python.defaultInterpreterPath': PY }),
  });

  test('both stopped: each side marks the rows over the other\'s bytes with its names and pid; marks follow the other side ending, starting again and moving on', { timeout: 600_000 }, async () => {
    const ws = path.join(suite.tmp, 'ws-shm');
    fs.mkdirSync(ws, { recursive: true });
    for (const f of [OWNER, USER]) fs.copyFileSync(f, path.join(ws, path.basename(f)));
    const segment = `arraylens_e2e_${process.pid}_${Date.now().toString(36)}`;
    const args = [segment, path.join(ws, 'grid.f32')];
    writeLaunch(ws, [
      { name: 'shm owner', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/shm_owner.py', args, console: 'internalConsole' },
      { name: 'shm user', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/shm_user.py', args, console: 'internalConsole' },
    ]);
    const page = await suite.browser.newPage();
    const wb = new Workbench(page, ARTIFACTS, 'shm-view', log);
    try {
      await wb.open(suite.server.url, ws);
      for (const f of [OWNER, USER]) {
        await wb.openFile(path.basename(f));
        await wb.goToLine(markerLine(f, '# BREAK'));
        await wb.toggleBreakpoint();
      }
      // The owner creates the segment, so it runs first (F5: the first configuration), then the user.
      await wb.startDebuggingAndWaitForStop(120_000);
      await wb.collapsePanes(['Variables', 'Watch', 'Breakpoints', 'Leaks']);
      await widenSideBar(wb, 760);
      const arrays = await wb.viewPane('Arrays');
      const alone = await wb.waitForRows(arrays, (r) => ['head', 'grid', 'private'].every((n) => rowOf(r, n)), "the owner's arrays", 60_000);
      log(`owner alone: ${JSON.stringify(alone)}`);
      const ownerPid = await listedPid(arrays);
      assert.equal(programOf(ownerPid), 'shm_owner.py');
      for (const n of ['head', 'grid', 'private']) assert.doesNotMatch(rowOf(alone, n), /⇄/, `${n}: no other process is stopped yet`);
      await wb.screenshot('owner-alone');

      // The user started while the owner is stopped and focused: VS Code keeps its focus (and the Variables view) on
      // the owner, and so does the Arrays view; the owner's rows are marked with the user's arrays and pid.
      const ownerMarks = (r: string[]) => /⇄ middle \(shm_user\.py, pid \d+\)$/.test(rowOf(r, 'head')) && /⇄ rows \(shm_user\.py, pid \d+\)$/.test(rowOf(r, 'grid'));
      const startUser = async (before?: number): Promise<number> => {
        await selectAndStart(wb, 'shm user');
        const marked = await wb.waitForRows(arrays, (r) => ownerMarks(r) && !rowOf(r, 'head').endsWith(`pid ${before})`), "the owner's rows marked with the user's arrays", 120_000);
        log(`owner (pid ${ownerPid}) with the user stopped: ${JSON.stringify(marked)}`);
        const pid = Number(/pid (\d+)\)$/.exec(rowOf(marked, 'head'))![1]);
        assert.notEqual(pid, ownerPid);
        assert.equal(programOf(pid), 'shm_user.py', `the mark's pid ${pid} is the user's process`);
        // head is segment bytes [0, 512): the user's middle [256, 512) is in it; grid is the whole file, rows a part.
        assert.match(rowOf(marked, 'head'), new RegExp(`^head float64 \\(64,\\) · 64 el · ⇄ middle \\(shm_user\\.py, pid ${pid}\\)$`));
        assert.match(rowOf(marked, 'grid'), new RegExp(`^grid float32 \\(64, 64\\) · 4096 el · ⇄ rows \\(shm_user\\.py, pid ${pid}\\)$`));
        assert.match(rowOf(marked, 'private'), /^private float64 \(10,\) · 10 el$/, 'private: its own memory');
        assert.equal(await listedPid(arrays), ownerPid, "the owner's arrays are still the ones listed");
        return pid;
      };
      let userPid = await startUser();
      await wb.screenshot('owner-marked');

      // The user's frame selected in the Call Stack: its rows, marked with the owner's names and pid.
      const userMarks = (r: string[]) =>
        rowOf(r, 'middle').includes(`⇄ head (shm_owner.py, pid ${ownerPid})`) && rowOf(r, 'rows').includes(`⇄ grid (shm_owner.py, pid ${ownerPid})`);
      await selectFrame(wb, 'shm_user.py');
      let rows = await wb.waitForRows(arrays, userMarks, "the user's rows marked with the owner's arrays", 60_000);
      log(`user (pid ${userPid}): ${JSON.stringify(rows)}`);
      assert.equal(await listedPid(arrays, ownerPid), userPid);
      // middle is segment bytes [256, 512), inside the owner's head [0, 512); tail [2048, 2560) is past it.
      assert.match(rowOf(rows, 'middle'), new RegExp(`^middle float64 \\(32,\\) · 32 el · ⇄ head \\(shm_owner\\.py, pid ${ownerPid}\\)$`));
      assert.match(rowOf(rows, 'rows'), new RegExp(`^rows float32 \\(4, 64\\) · 256 el · ⇄ grid \\(shm_owner\\.py, pid ${ownerPid}\\)$`));
      assert.match(rowOf(rows, 'tail'), /^tail float64 \(64,\) · 64 el$/, 'tail: segment bytes no array of the owner shows');
      assert.match(rowOf(rows, 'mine'), /^mine float64 \(8,\) · 8 el$/, 'mine: private memory');
      const tip = await hoverText(wb, wb.treeRow(arrays, 'middle'), 'Same bytes as');
      assert.match(tip, new RegExp(`Same bytes as head in process ${ownerPid} \\(shm_owner\\.py\\)`));
      await wb.screenshot('user-marked');
      await page.mouse.move(1, 1);

      // The user's session ends (Shift+F5 on the focused session): the owner's rows lose the marks.
      await page.keyboard.press('Shift+F5');
      rows = await wb.waitForRows(arrays, (r) => ['head', 'grid'].every((n) => rowOf(r, n) && !rowOf(r, n).includes('⇄')) && !rowOf(r, 'middle'), "the owner's rows without marks once the user ended", 60_000);
      log(`owner after the user ended: ${JSON.stringify(rows)}`);
      await wb.screenshot('user-ended');

      // A new user process: marks with its pid; then it steps past `del middle, tail, rows` and the owner's marks go.
      await selectFrame(wb, 'shm_owner.py');
      const firstUser = userPid;
      userPid = await startUser(firstUser);
      assert.notEqual(userPid, firstUser);
      await selectFrame(wb, 'shm_user.py');
      await wb.waitForRows(arrays, userMarks, "the second user's rows", 60_000);
      const delLine = markerLine(USER, 'del middle');
      await wb.stepOver();
      assert.equal(await wb.waitForStoppedLine(delLine), delLine);
      await wb.stepOver();
      rows = await wb.waitForRows(arrays, (r) => !!rowOf(r, 'mine') && !rowOf(r, 'middle'), "the user's rows after del", 60_000);
      log(`user after del: ${JSON.stringify(rows)}`);
      await selectFrame(wb, 'shm_owner.py');
      rows = await wb.waitForRows(
        arrays,
        (r) => ['head', 'grid'].every((n) => rowOf(r, n) && !rowOf(r, n).includes('⇄')) && !!rowOf(r, 'private'),
        "the owner's rows unmarked once the user's arrays are gone",
        60_000,
      );
      log(`owner after the user's del: ${JSON.stringify(rows)}`);
      await wb.screenshot('user-moved-on');

      // Both sessions stopped: the focused one (the owner) first, then the user left.
      await page.keyboard.press('Shift+F5');
      await wb.waitForRows(arrays, (r) => !!rowOf(r, 'mine') && !rowOf(r, 'head'), "the user's rows once the owner ended", 60_000);
      await page.keyboard.press('Shift+F5');
      await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30_000 });
    } catch (e) {
      await wb.screenshot('FAILED').catch(() => undefined);
      throw e;
    } finally {
      await page.close().catch(() => undefined);
      fs.rmSync(`/dev/shm/${segment}`, { force: true });
    }
  });

  test('an on-request row (a Pillow image): "opens on request" until opened, then the dtype and shape opening computed', { timeout: 300_000 }, async () => {
    const ws = path.join(suite.tmp, 'ws-computed');
    const markers = path.join(suite.tmp, 'computed-markers');
    fs.mkdirSync(ws, { recursive: true });
    fs.mkdirSync(markers, { recursive: true });
    fs.copyFileSync(COMPUTED, path.join(ws, 'computed.py'));
    writeLaunch(ws, [{ name: 'computed', type: 'debugpy', request: 'launch', program: '${workspaceFolder}/computed.py', args: [markers], console: 'internalConsole' }]);
    await onPage(suite, 'shm-view-on-request', log, async (wb) => {
      await wb.open(suite.server.url, ws);
      await wb.openFile('computed.py');
      await wb.goToLine(markerLine(COMPUTED, '# BREAK'));
      await wb.toggleBreakpoint();
      await wb.startDebuggingAndWaitForStop(120_000);
      await wb.collapsePanes(['Variables', 'Watch', 'Call Stack', 'Breakpoints', 'Leaks']);
      const arrays = await wb.viewPane('Arrays');
      let rows = await wb.waitForRows(arrays, (r) => ['img_rgb', 'img_l'].every((n) => rowOf(r, n)), 'the computed objects', 60_000);
      assert.equal(rowOf(rows, 'img_rgb'), 'img_rgb opens on request');
      assert.deepEqual(fs.readdirSync(markers).filter((f) => f !== 'lazy.png'), [], 'listing ran no computation');
      await wb.screenshot('listed');
      await wb.treeRow(arrays, 'img_rgb').click();
      // NumPy's np.asarray(img_rgb) is uint8 (9, 7, 3); the other image stays as listed.
      rows = await wb.waitForRows(arrays, (r) => rowOf(r, 'img_rgb') !== 'img_rgb opens on request', 'img_rgb after it was opened', 60_000);
      log(`after opening img_rgb: ${JSON.stringify(rows)}`);
      assert.equal(rowOf(rows, 'img_rgb'), 'img_rgb uint8 (9, 7, 3) · 189 el · opened');
      assert.equal(rowOf(rows, 'img_l'), 'img_l opens on request');
      await wb.screenshot('opened');
      await wb.stopDebugging();
    });
  });
});

/** Drags the side bar's edge to `width` px, so that the screenshots show whole marks (a narrow bar cuts them). */
async function widenSideBar(wb: Workbench, width: number): Promise<void> {
  const box = await wb.page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  await wb.page.mouse.move(box.x + box.width + 1, y);
  await wb.page.mouse.down();
  await wb.page.mouse.move(box.x + width, y, { steps: 8 });
  await wb.page.mouse.up();
  const after = await wb.page.locator('.part.sidebar').boundingBox();
  log(`side bar ${box.width} -> ${after?.width} px wide`);
}

/** Debug: Select and Start Debugging, then the launch configuration named `name`. */
async function selectAndStart(wb: Workbench, name: string): Promise<void> {
  await wb.runCommand('Debug: Select and Start Debugging');
  const input = wb.page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Clicks the top stack frame of the session running `file` in the Call Stack (expanding the session if needed). */
async function selectFrame(wb: Workbench, file: string): Promise<void> {
  const callStack = await wb.viewPane('Call Stack');
  const frame = callStack.locator('.monaco-list-row', { has: wb.page.locator('.stack-frame'), hasText: file }).first();
  const until = Date.now() + 30_000;
  while (!(await frame.isVisible())) {
    const rows = await wb.rowTexts(callStack);
    assert.ok(Date.now() < until, `no frame of ${file} in the Call Stack; rows were ${JSON.stringify(rows)}`);
    // A collapsed session or thread row of that program: expand it. The tree may redraw between counting and clicking
    // (VS Code expands a session that stops): a row gone by then is skipped, the loop looks again.
    const collapsed = callStack.locator('.monaco-list-row[aria-expanded="false"]');
    for (let i = (await collapsed.count()) - 1; i >= 0; i--) await collapsed.nth(i).click({ timeout: 2000 }).catch(() => undefined);
    await sleep(500);
  }
  await frame.click();
}

/** Hovers a tree row until its tooltip containing `want` shows; returns the tooltip's text. */
async function hoverText(wb: Workbench, row: Locator, want: string): Promise<string> {
  const hover = wb.page.locator('.monaco-hover, .workbench-hover-container', { hasText: want }).first();
  for (let i = 0; i < 3; i++) {
    await wb.hoverRow(row);
    if (await hover.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false)) return (await hover.innerText()).replace(/\s+/g, ' ');
  }
  throw new Error(`no tooltip with '${want}' over the row`);
}
